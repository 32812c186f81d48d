"""Devices found on this computer, for the staff screen: a DeviceWatcher started when staff first look.

Nothing runs until the device page is opened (a kiosk that is never configured on site never
polls). Plugging a scanner in or out refreshes the page over SSE ("discovery").
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers import discovery

log = logging.getLogger("kiosk.devices")


class FoundDevices:
    """A lazily started watcher over drivers.discovery, and what it last saw."""

    def __init__(self, on_change: Callable[[], None] | None = None, interval: float = 1.0,
                 serial_globs: tuple[str, ...] = ("/dev/serial/by-id/*",),
                 scan: Callable[[], list] | None = None, problems: Callable[[], list[str]] = discovery.problems):
        self.on_change = on_change or (lambda: None)
        self.interval = interval
        self.serial_globs = serial_globs  # tests add their socat links here
        self.scan = scan  # None: drivers.discovery.discover_all over serial_globs
        self.problems = problems  # why discovery may have missed devices (permissions, libraries)
        self._lock = threading.Lock()
        self._watcher: discovery.DeviceWatcher | None = None

    def ensure_started(self) -> None:
        """Start watching (once); the first inventory is taken now."""
        with self._lock:
            if self._watcher is not None:
                return
            watcher = discovery.DeviceWatcher(lambda added, removed: self.on_change(), interval=self.interval,
                                              scan=self._scan)
            watcher.start()
            self._watcher = watcher
        log.info("device discovery started")

    def stop(self) -> None:
        """Stop watching (kiosk shutdown)."""
        with self._lock:
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    def snapshot(self) -> dict:
        """{devices: [...], problems: [...]} as the staff page lists them (vendor-labelled)."""
        with self._lock:
            watcher = self._watcher
        found = list(watcher.known.values()) if watcher is not None else []
        rows = []
        for device in sorted(found, key=lambda d: (d.bus, d.key)):
            maker, guess = discovery.vendor_label(device.vendor_id)
            rows.append({
                "key": device.key, "bus": device.bus, "kind": device.kind if device.kind != "unknown" else guess,
                "description": device.description, "maker": maker,
                "usb_id": f"{device.vendor_id:04x}:{device.product_id:04x}"
                if device.vendor_id is not None and device.product_id is not None else "",
                "suggested": dict(device.suggested),
            })
        return {"devices": rows, "problems": self.problems() if watcher is not None else [],
                "watching": watcher is not None}

    def _scan(self):
        return self.scan() if self.scan is not None else discovery.discover_all(self.serial_globs)
