"""The DeviceManager: builds the configured devices, starts them, and routes their events.

Scan -> session.scan, CardTap -> session.card_tap, TagsChanged -> each new item on an RFID pad
is a scan (its security bit is cleared after a committed checkout and set after a checkin),
StatusChanged -> the status table. A device that cannot be built or started shows as ERROR with
the driver's message; it never stops the kiosk.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from drivers.events import CardTap, Scan, StatusChanged, TagsChanged
from drivers.registry import build_device
from drivers.status import DeviceStatus
from kiosk.config import DeviceSection

log = logging.getLogger("kiosk.devices")


@dataclass
class DeviceEntry:
    """One configured device and what it last said about itself."""

    name: str
    kind: str
    driver: str
    device: Any | None
    status: str
    detail: str = ""


class DeviceManager:
    """Owns the kiosk's devices for the life of the app."""

    def __init__(self, sections: Iterable[DeviceSection] = (), *, build: Callable = build_device,
                 on_change: Callable[[], None] | None = None):
        self.on_change = on_change or (lambda: None)
        self._lock = threading.Lock()
        self._entries: dict[str, DeviceEntry] = {}
        self._pad_seen: dict[str, set[str]] = {}
        self._session = None
        for section in sections:
            try:
                device = build(section.kind, section.name, dict(section.settings))
                entry = DeviceEntry(section.name, section.kind, section.driver, device, DeviceStatus.STOPPED.value)
            except Exception as exc:  # any driver failure is a status, never a crash
                log.error("device %s (%s/%s) could not be set up: %s", section.name, section.kind, section.driver, exc)
                entry = DeviceEntry(section.name, section.kind, section.driver, None, DeviceStatus.ERROR.value, str(exc))
            self._entries[section.name] = entry

    def start(self, session) -> None:
        """Start every device, publishing into ``session``."""
        self._session = session
        for entry in list(self._entries.values()):
            if entry.device is None:
                continue
            try:
                entry.device.start(self._publish)
                if entry.status == DeviceStatus.STOPPED.value:  # devices that report nothing on start
                    self._set_status(entry.name, _status_of(entry.device), "")
            except Exception as exc:
                log.error("device %s could not start: %s", entry.name, exc)
                self._set_status(entry.name, DeviceStatus.ERROR.value, str(exc))

    def stop(self) -> None:
        """Stop every device (each gets its chance even if another fails)."""
        for entry in self._entries.values():
            if entry.device is not None:
                try:
                    entry.device.stop()
                except Exception as exc:
                    log.warning("device %s did not stop cleanly: %s", entry.name, exc)

    def statuses(self) -> dict[str, dict[str, str]]:
        """name -> {kind, driver, status, detail} for the status bar, /health and staff."""
        with self._lock:
            return {e.name: {"kind": e.kind, "driver": e.driver, "status": e.status, "detail": e.detail}
                    for e in self._entries.values()}

    def status_words(self) -> dict[str, str]:
        """name -> status, the heartbeat's form."""
        return {name: info["status"] for name, info in self.statuses().items()}

    def simulated(self, kind: str):
        """The first working simulated device of ``kind`` (for the developer panel), or None."""
        for entry in self._entries.values():
            if entry.kind == kind and entry.driver == "simulated" and entry.device is not None:
                return entry.device
        return None

    @property
    def has_simulated(self) -> bool:
        """True when any configured device is simulated."""
        return any(e.driver == "simulated" for e in self._entries.values())

    def printer(self):
        """The receipt printer, or None when none is configured or it could not be set up."""
        for entry in self._entries.values():
            if entry.kind == "printer" and entry.device is not None:
                return entry.device
        return None

    # ----- event routing ------------------------------------------------------------------
    def _publish(self, event) -> None:
        try:
            if isinstance(event, StatusChanged):
                self._set_status(event.source, event.status, event.detail)
            elif self._session is None:
                log.warning("event from %s before the session was ready; ignored", getattr(event, "source", "?"))
            elif isinstance(event, Scan):
                self._session.scan(event.code, source=event.source)
            elif isinstance(event, CardTap):
                self._session.card_tap(event.uid, source=event.source)
            elif isinstance(event, TagsChanged):
                self._tags_changed(event)
        except Exception:  # a driver thread must survive whatever the session does
            log.exception("handling %s from %s failed", type(event).__name__, getattr(event, "source", "?"))

    def _tags_changed(self, event: TagsChanged) -> None:
        with self._lock:
            seen = self._pad_seen.setdefault(event.source, set())
            new = [tag for tag in event.tags if tag.uid not in seen]
            seen.clear()
            seen.update(tag.uid for tag in event.tags)
        pad = self._entries[event.source].device if event.source in self._entries else None
        done: set[str] = set()
        for tag in new:
            if not tag.item_id:
                log.info("unreadable tag on %s: %s", event.source, tag.error or "no item id")
                self._session.notify("tag.unreadable")
                continue
            if tag.item_id in done:  # another part of a multi-part item: one scan is enough
                continue
            done.add(tag.item_id)
            outcome = self._session.scan(tag.item_id, source=event.source)
            if pad is None or not (outcome.ok and outcome.decided):
                continue
            # The security bit changes only after the backend's answer is committed.
            secured = {"checkout": False, "checkin": True}.get(outcome.type)
            if secured is None:
                continue
            for part in event.tags:
                if part.item_id == tag.item_id:
                    try:
                        pad.set_security(part.uid, secured)
                    except Exception as exc:
                        log.error("could not set the security bit of %s on %s: %s", part.uid, event.source, exc)

    def _set_status(self, name: str, status: str, detail: str) -> None:
        with self._lock:
            entry = self._entries.get(name)
            if entry is None or (entry.status, entry.detail) == (status, detail):
                return
            entry.status, entry.detail = status, detail
        log.info("device %s is %s%s", name, status, f": {detail}" if detail else "")
        self.on_change()


def _status_of(device) -> str:
    status = getattr(device, "status", DeviceStatus.READY)
    return status.value if isinstance(status, DeviceStatus) else str(status)
