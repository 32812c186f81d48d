"""The DeviceManager: builds the configured devices, starts, stops and restarts them, and routes their events.

Each input device runs its own daemon thread (the drivers own their threads and reconnect
loops); the manager only starts, stops and listens. What a device reads (Scan, CardTap,
TagsChanged) is logged for the staff screen and posted on the kiosk's hub as an input, so the
driver thread never runs session code; StatusChanged updates the status table; every change is
announced on the hub (``changed("devices")``, ``changed("scans")``) so screens follow live. A
device that cannot be built or started shows as ERROR with the driver's sentence; it never
stops the kiosk.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from drivers.events import CardTap, Scan, StatusChanged, TagsChanged
from drivers.registry import build_device
from drivers.status import DeviceStatus
from kiosk.hardware.settings import DeviceSection
from kiosk.hub import DEVICE_RESTARTED, INPUT, Hub
from kiosk.hardware.scan_log import ScanLog

log = logging.getLogger("kiosk.devices")


class _WallClock:
    """Local time, for a manager built without the kiosk's clock."""

    def now(self) -> dt.datetime:
        """Now, with the local offset."""
        return dt.datetime.now().astimezone()


@dataclass
class DeviceEntry:
    """One configured device and what it last said about itself."""

    section: DeviceSection
    device: Any | None
    status: str
    detail: str = ""

    @property
    def name(self) -> str:
        """The device's name (its [devices.NAME])."""
        return self.section.name

    @property
    def kind(self) -> str:
        """scanner | card_reader | item_pad | printer."""
        return self.section.kind

    @property
    def driver(self) -> str:
        """The driver's name in the registry."""
        return self.section.driver


class DeviceManager:
    """Owns the kiosk's devices for the life of the app."""

    def __init__(self, sections: Iterable[DeviceSection] = (), *, hub: Hub | None = None,
                 build: Callable = build_device, clock=None,
                 describe: Callable[[str], tuple[str, str | None]] | None = None):
        self.hub = hub or Hub()
        # The kiosk's one classifier (kiosk.session.classify.Classifier.describe), for the staff list:
        # a book's barcode is shown whole, anything else (a card, a misread) to its last 4 characters.
        self.describe = describe or (lambda code: ("unknown", None))
        self.build = build
        self._lock = threading.Lock()
        self._restart_lock = threading.Lock()  # one restart at a time
        self._entries: dict[str, DeviceEntry] = {}
        self._started = False
        self.scans = ScanLog(clock or _WallClock())
        for section in sections:
            self._entries[section.name] = self._build(section)

    # ----- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start every device; what they read goes to the hub."""
        self._started = True
        for entry in list(self._entries.values()):
            self._start(entry)

    def stop(self) -> None:
        """Stop every device (each gets its chance even if another fails)."""
        for entry in list(self._entries.values()):
            self._stop(entry)

    def apply(self, section: DeviceSection, device: Any | None = None) -> None:
        """Replace one device with new settings (``device`` already built from them, or built here) and start it.

        The other devices and the kiosk keep running: this is how a change saved on the staff
        screen takes effect.
        """
        with self._restart_lock:
            with self._lock:
                old = self._entries.get(section.name)
            if old is not None:
                self._stop(old)
            entry = DeviceEntry(section, device, DeviceStatus.STOPPED.value) if device is not None \
                else self._build(section)
            with self._lock:
                self._entries[section.name] = entry
            self.hub.publish(DEVICE_RESTARTED, section.name)
            log.info("device %s restarted with driver %s", section.name, section.driver)
            self.hub.changed("devices")
            if self._started:
                self._start(entry)

    def restart(self, name: str) -> bool:
        """Stop and start one device with its current settings (False if there is no such device)."""
        section = self.section(name)
        if section is None:
            return False
        self.apply(section)
        return True

    def _build(self, section: DeviceSection) -> DeviceEntry:
        if section.problem:
            log.error("device %s cannot be used: %s", section.name, section.problem)
            return DeviceEntry(section, None, DeviceStatus.ERROR.value, section.problem)
        try:
            device = self.build(section.kind, section.name, dict(section.settings))
        except Exception as exc:  # any driver failure is a status, never a crash
            log.error("device %s (%s/%s) could not be set up: %s", section.name, section.kind, section.driver, exc)
            return DeviceEntry(section, None, DeviceStatus.ERROR.value, str(exc))
        return DeviceEntry(section, device, DeviceStatus.STOPPED.value)

    def _start(self, entry: DeviceEntry) -> None:
        device = entry.device
        if device is None:
            return
        try:
            # Bound to this device object: a replaced device's late events are ignored.
            device.start(lambda event, _device=device: self._publish(event, _device))
            if entry.status == DeviceStatus.STOPPED.value:  # devices that report nothing on start
                self._set_status(entry.name, _status_of(device), "", device)
        except Exception as exc:
            log.error("device %s could not start: %s", entry.name, exc)
            self._set_status(entry.name, DeviceStatus.ERROR.value, str(exc), device)

    @staticmethod
    def _stop(entry: DeviceEntry) -> None:
        if entry.device is not None:
            try:
                entry.device.stop()
            except Exception as exc:
                log.warning("device %s did not stop cleanly: %s", entry.name, exc)

    # ----- what the screens read ----------------------------------------------------------
    def statuses(self) -> dict[str, dict[str, str]]:
        """name -> {kind, driver, status, detail, origin} for the status bar, /health and staff."""
        with self._lock:
            return {e.name: {"kind": e.kind, "driver": e.driver, "status": e.status, "detail": e.detail,
                             "origin": e.section.origin} for e in self._entries.values()}

    def status_words(self) -> dict[str, str]:
        """name -> status, the heartbeat's form."""
        return {name: info["status"] for name, info in self.statuses().items()}

    def sections(self) -> list[DeviceSection]:
        """The settings each device runs with now (config, or saved on the staff screen)."""
        with self._lock:
            return [e.section for e in self._entries.values()]

    def section(self, name: str) -> DeviceSection | None:
        """One device's current settings."""
        with self._lock:
            entry = self._entries.get(name)
            return entry.section if entry else None

    def simulated(self, kind: str):
        """The first working simulated device of ``kind`` (for the developer panel), or None."""
        with self._lock:
            entries = list(self._entries.values())
        return next((e.device for e in entries if e.kind == kind and e.driver == "simulated" and e.device), None)

    @property
    def has_simulated(self) -> bool:
        """True when any configured device is simulated."""
        with self._lock:
            return any(e.driver == "simulated" for e in self._entries.values())

    def printer(self):
        """The receipt printer, or None when none is configured or it could not be set up."""
        with self._lock:
            entries = list(self._entries.values())
        return next((e.device for e in entries if e.kind == "printer" and e.device is not None), None)

    def device_of(self, name: str):
        """The running device called ``name`` (it may have been replaced by a restart), or None."""
        with self._lock:
            entry = self._entries.get(name)
            return entry.device if entry else None

    # ----- event routing ------------------------------------------------------------------
    def _publish(self, event, device=None) -> None:
        """Called on the driver's thread: note the read for staff and post it; nothing here waits."""
        try:
            if device is not None and self.device_of(getattr(event, "source", None)) is not device:
                return  # a device that was replaced (settings changed) still finishing its last words
            if isinstance(event, StatusChanged):
                self._set_status(event.source, event.status, event.detail, device)
                return
            if isinstance(event, Scan):
                kind, problem = ("unknown", event.problem) if event.problem else self.describe(event.code)
                self.scans.add(event.source, event.code, kind, event.symbology, problem)
                self.hub.changed("scans")
            elif isinstance(event, CardTap):
                self.scans.add(event.source, event.uid, "card", event.technology, getattr(event, "problem", None))
                self.hub.changed("scans")
            elif not isinstance(event, TagsChanged):
                return
            self.hub.post(INPUT, event)
        except Exception:  # a driver thread must survive whatever happens downstream
            log.exception("handling %s from %s failed", type(event).__name__, getattr(event, "source", "?"))

    def _set_status(self, name: str, status: str, detail: str, device=None) -> None:
        with self._lock:
            entry = self._entries.get(name)
            if entry is None or (device is not None and entry.device is not device) \
                    or (entry.status, entry.detail) == (status, detail):
                return
            entry.status, entry.detail = status, detail
        log.info("device %s is %s%s", name, status, f": {detail}" if detail else "")
        self.hub.changed("devices")


def _status_of(device) -> str:
    status = getattr(device, "status", DeviceStatus.READY)
    return status.value if isinstance(status, DeviceStatus) else str(status)
