"""USB HID keyboard-wedge scanners read directly from evdev, with an exclusive grab.

Most USB scanners pretend to be a keyboard. Reading their /dev/input/event* node ourselves and
grabbing it (EVIOCGRAB) means a scan reaches the kiosk whatever has focus on screen, and the
digits never land in a text box by accident. The device is chosen by USB vendor/product id or
by (part of) its name, or by an explicit path such as /dev/input/by-id/...-event-kbd.

Key events go through drivers.hid_keys (US layout, Shift, Enter/Tab end the scan) and then the
same framing and validation as serial scanners. Keyboard-style card readers use this driver
with ``as_card = true``.

Quirk: when a scanner is unplugged, reading its node fails with ENODEV; when plugged back it
may get a different eventN number, which is why we search by id/name on every reconnect.
Reading /dev/input needs root or membership of the ``input`` group.
"""
from __future__ import annotations

import logging
import select
import time
from dataclasses import dataclass
from typing import Any


from drivers.device import InputDevice
from drivers.errors import DeviceUnavailable, MissingDependency
from drivers.hid_keys import HidKeyDecoder
from drivers.scanframe import Line, LineAssembler, ScanInterpreter
from drivers.settings import SettingsChecker

log = logging.getLogger(__name__)


def import_evdev():
    """python-evdev, or MissingDependency naming the extra."""
    try:
        import evdev
    except ImportError as exc:  # pragma: no cover - exercised in the no-dependency subprocess test
        raise MissingDependency("evdev", "hid") from exc
    return evdev


@dataclass(frozen=True)
class InputInfo:
    """What identifies an input device: its node, name and USB ids."""

    path: str
    name: str
    vendor_id: int
    product_id: int


def matches(info: InputInfo, vendor_id: int | None, product_id: int | None, device_name: str | None,
            path: str | None) -> bool:
    """True if ``info`` is the device the settings ask for (every given criterion must hold)."""
    if path is not None and info.path != path:
        return False
    if vendor_id is not None and info.vendor_id != vendor_id:
        return False
    if product_id is not None and info.product_id != product_id:
        return False
    if device_name is not None and device_name.lower() not in info.name.lower():
        return False
    return True


class HidScanner(InputDevice):
    """A keyboard-wedge barcode scanner (or card reader with ``as_card=True``) read through evdev."""

    kind = "scanner"

    def __init__(self, name: str, vendor_id: Any = None, product_id: Any = None, device_name: str | None = None,
                 path: str | None = None, grab: bool = True, suffix: str = "\r", prefix: str = "",
                 aim: bool = True, inter_char_timeout: float = 0.3, max_length: int = 256,
                 as_card: bool = False, card_format: str = "hex",
                 repeat_window: float | None = None, reconnect_interval: float = 0.5):
        super().__init__(name)
        check = SettingsChecker("card reader" if as_card else "scanner", name)
        self.vendor_id = check.usb_id("vendor_id", vendor_id) if vendor_id is not None else None
        self.product_id = check.usb_id("product_id", product_id) if product_id is not None else None
        self.device_name = check.text("device_name", device_name, allow_empty=False) if device_name is not None else None
        self.path = check.text("path", path, allow_empty=False) if path is not None else None
        if self.vendor_id is None and self.device_name is None and self.path is None:
            raise check.fail("vendor_id", "set (or 'device_name' or 'path'): which keyboard is the scanner?", None)
        self.grab = check.flag("grab", grab)
        self.as_card = check.flag("as_card", as_card)
        self.kind = "card_reader" if self.as_card else "scanner"
        self.reconnect_interval = check.number("reconnect_interval", reconnect_interval, 0.05, 60)
        window = (3.0 if self.as_card else 0.0) if repeat_window is None else repeat_window
        self.assembler = LineAssembler(
            suffix=check.control("suffix", suffix), prefix=check.control("prefix", prefix),
            inter_char_timeout=check.number("inter_char_timeout", inter_char_timeout, 0.01, 10),
            max_length=check.integer("max_length", max_length, 8, 4096))
        self.interpreter = ScanInterpreter(
            name, aim=check.flag("aim", aim), as_card=self.as_card,
            card_format=check.choice("card_format", card_format, ("hex", "decimal")),
            repeat_window=check.number("repeat_window", window, 0, 3600), technology="keyboard")
        self.decoder = HidKeyDecoder()
        self._where = ""

    def find(self) -> InputInfo | None:
        """The first input device matching the settings, or None."""
        evdev = import_evdev()
        for node in evdev.list_devices():
            try:
                device = evdev.InputDevice(node)
            except OSError:
                continue  # vanished or no permission for this one; keep looking
            try:
                info = InputInfo(device.path, device.name, device.info.vendor, device.info.product)
            finally:
                device.close()
            if matches(info, self.vendor_id, self.product_id, self.device_name, self.path):
                return info
        return None

    def _open(self):
        evdev = import_evdev()
        info = self.find()
        if info is None:
            raise DeviceUnavailable(f"Not connected: no keyboard-style scanner matches {self._wanted()}.")
        try:
            device = evdev.InputDevice(info.path)
        except PermissionError as exc:
            raise DeviceUnavailable(f"Cannot read {info.path}: the kiosk user needs the 'input' group.") from exc
        if self.grab:
            try:
                device.grab()
            except OSError as exc:
                device.close()
                raise DeviceUnavailable(f"Another program holds {info.path} ({exc.strerror}).") from exc
        self._where = f"{info.name} ({info.path})"
        self.decoder = HidKeyDecoder()
        return device

    def _ready_detail(self) -> str:
        return self._where

    def _wanted(self) -> str:
        parts = []
        if self.vendor_id is not None:
            parts.append(f"vendor {self.vendor_id:04x}")
        if self.product_id is not None:
            parts.append(f"product {self.product_id:04x}")
        if self.device_name:
            parts.append(f"name '{self.device_name}'")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def replay(self, recording, publish) -> None:
        """Process a recorded stream of (time, type, code, value) as if it came from the device.

        The same decoder, framing and validation as live reading; for tests and for checking a
        scanner's configuration from an ``evtest`` capture on the staff screen.
        """
        self._publish = publish
        last = None
        for at, ev_type, code, value in recording:
            self._feed([(ev_type, code, value)], at)
            last = at
        if last is not None:
            self._lines(self.assembler.expire(last + self.assembler.inter_char_timeout + 1), last)

    def _feed(self, events, now: float) -> None:
        text = "".join(self.decoder.feed(t, c, v) for t, c, v in events)
        self._lines(self.assembler.feed(text, now), now)

    def _serve(self, device) -> None:
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([device.fd], [], [], self.poll_interval)
                now = time.monotonic()
                if not ready:
                    self._lines(self.assembler.expire(now), now)
                    continue
                self._feed([(ev.type, ev.code, ev.value) for ev in device.read()], now)
        except OSError:
            line = self.assembler.reset()  # unplugged mid-scan: the half is unusable
            if line is not None:
                self._lines([line], time.monotonic())
            raise

    def _lines(self, lines: list[Line], now: float) -> None:
        for line in lines:
            unknown = self.decoder.take_unknown()
            if unknown:
                self._note(f"The scanner sent keys this kiosk cannot read (key codes {unknown[:5]}); "
                           f"set it to a US keyboard layout.")
            if line.noise_only or (line.problem and line.problem.startswith("Discarded")):
                self._note(line.problem or "")
            event = self.interpreter.interpret(line, now)
            if event is not None:
                self._emit(event)

    def _close(self, device) -> None:
        try:
            if self.grab:
                device.ungrab()
        except OSError:
            pass  # already gone
        device.close()
