"""Finding devices for the staff screen: serial ports, USB devices, NFC readers, scanner keyboards.

Each finder returns ``FoundDevice`` records with a ready-to-paste config suggestion. Every
finder degrades cleanly: a missing library (pyserial, pyusb, evdev, pyudev) or a missing
permission gives an empty list and a note in ``problems()``, never an exception.

``DeviceWatcher`` calls back with devices added and removed. It polls (``interval`` seconds,
default 1) because polling works everywhere, containers included; where pyudev can watch the
kernel's events it also wakes the poll at once, so a plug-in is noticed immediately.
"""
from __future__ import annotations

import glob
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable

log = logging.getLogger(__name__)

# USB vendor ids of makers whose devices a library kiosk meets (the kind is a guess for labels).
KNOWN_VENDORS: dict[int, tuple[str, str]] = {
    0x0C2E: ("Honeywell (Metrologic)", "scanner"), 0x0536: ("Honeywell (Hand Held Products)", "scanner"),
    0x05E0: ("Zebra (Symbol)", "scanner"), 0x0A5F: ("Zebra", "printer"),
    0x05F9: ("Datalogic", "scanner"), 0x080C: ("Datalogic", "scanner"), 0x1EAB: ("Newland", "scanner"),
    0x04B8: ("Epson", "printer"), 0x0519: ("Star Micronics", "printer"), 0x1504: ("Bixolon", "printer"),
    0x072F: ("ACS", "card_reader"), 0x054C: ("Sony", "card_reader"), 0x1FC9: ("NXP", "card_reader"),
    0x04CC: ("NXP (Philips)", "card_reader"), 0x04E6: ("Identiv (SCM)", "card_reader"),
    0x09D8: ("Elatec", "card_reader"),
    0x0403: ("FTDI USB-serial", "serial"), 0x067B: ("Prolific USB-serial", "serial"),
    0x10C4: ("Silicon Labs USB-serial", "serial"), 0x1A86: ("WCH USB-serial", "serial"),
}
# Readers nfcpy drives (vendor, product) -> nfcpy's name for them.
NFCPY_READERS: dict[tuple[int, int], str] = {
    (0x054C, 0x02E1): "Sony RC-S330/360/370", (0x054C, 0x06C1): "Sony RC-S380", (0x054C, 0x06C3): "Sony RC-S380/P",
    (0x04CC, 0x0531): "Philips PN531", (0x04CC, 0x2533): "NXP PN533", (0x04E6, 0x5591): "SCM SCL3711",
    (0x04E6, 0x5593): "SCM SCL3712", (0x072F, 0x2200): "ACS ACR122U", (0x072F, 0x90CC): "Touchatag ACR122",
}


@dataclass(frozen=True)
class FoundDevice:
    """One device found on this machine, with a suggested config section."""

    key: str  # stable identity for add/remove tracking (a path or a bus address)
    bus: str  # serial | usb | nfc | input
    kind: str  # scanner | printer | card_reader | item_pad | serial | unknown (a guess)
    description: str
    vendor_id: int | None = None
    product_id: int | None = None
    suggested: dict = field(default_factory=dict, compare=False, hash=False)


_problems: list[str] = []


def problems() -> list[str]:
    """Why the last discovery may have missed devices (missing libraries, permissions)."""
    return list(_problems)


def _note(text: str) -> None:
    if text not in _problems:
        _problems.append(text)
        log.info("discovery: %s", text)


def vendor_label(vendor_id: int | None) -> tuple[str, str]:
    """(maker, kind guess) for a USB vendor id."""
    return KNOWN_VENDORS.get(vendor_id or -1, ("", "unknown"))


def serial_ports(extra_globs: Iterable[str] = ("/dev/serial/by-id/*",)) -> list[FoundDevice]:
    """Serial ports (pyserial's list, with USB ids), plus stable names such as /dev/serial/by-id/*."""
    found: dict[str, FoundDevice] = {}
    try:
        from serial.tools import list_ports
    except ImportError:
        _note("pyserial is not installed: serial ports are not listed (pip install 'library-kiosk[serial]').")
    else:
        try:
            ports = list_ports.comports()
        except OSError as exc:
            _note(f"Serial ports could not be listed: {exc}")
            ports = []
        for port in ports:
            maker, kind = vendor_label(port.vid)
            if port.vid is None and port.device.startswith("/dev/ttyS"):
                continue  # built-in UARTs with nothing behind them; every PC lists dozens
            found[port.device] = FoundDevice(
                port.device, "serial", kind if kind != "unknown" else "serial",
                " ".join(p for p in (maker, port.description or "") if p).strip() or port.device,
                port.vid, port.pid, {"driver": "serial", "url": port.device})
    for pattern in extra_globs:
        for path in sorted(glob.glob(pattern)):
            if path not in found:
                found[path] = FoundDevice(path, "serial", "serial", os.path.basename(path), None, None,
                                          {"driver": "serial", "url": path})
    return list(found.values())


def usb_devices() -> list[FoundDevice]:
    """USB devices from pyusb, labelled by maker where the vendor id is known."""
    try:
        import usb.core
    except ImportError:
        _note("pyusb is not installed: USB devices are not listed (pip install 'library-kiosk[hid]').")
        return []
    try:
        devices = list(usb.core.find(find_all=True))
    except Exception as exc:  # noqa: BLE001 -- NoBackendError, permission errors ...
        _note(f"USB devices could not be listed ({type(exc).__name__}: {exc}).")
        return []
    out = []
    for dev in devices:
        vid, pid = dev.idVendor, dev.idProduct
        maker, kind = vendor_label(vid)
        suggested: dict = {}
        if (vid, pid) in NFCPY_READERS:
            kind, maker = "card_reader", NFCPY_READERS[(vid, pid)]
            suggested = {"driver": "nfc", "path": f"usb:{vid:04x}:{pid:04x}"}
        elif kind == "printer":
            suggested = {"driver": "usb", "vendor_id": f"0x{vid:04x}", "product_id": f"0x{pid:04x}"}
        elif kind == "scanner":
            suggested = {"driver": "hid", "vendor_id": f"0x{vid:04x}", "product_id": f"0x{pid:04x}"}
        out.append(FoundDevice(f"usb:{dev.bus}:{dev.address}", "usb", kind,
                               maker or f"USB device {vid:04x}:{pid:04x}", vid, pid, suggested))
    return out


def nfc_readers() -> list[FoundDevice]:
    """NFC readers nfcpy can drive (found by USB id, without claiming them from another program)."""
    return [d for d in usb_devices() if (d.vendor_id, d.product_id) in NFCPY_READERS]


def hid_scanners() -> list[FoundDevice]:
    """Input devices that look like barcode scanners: keyboards named so, or from a scanner maker."""
    try:
        import evdev
    except ImportError:
        _note("evdev is not installed: keyboard-style scanners are not listed (pip install 'library-kiosk[hid]').")
        return []
    out = []
    try:
        paths = evdev.list_devices()
    except OSError as exc:
        _note(f"Input devices could not be listed: {exc}")
        return []
    if not paths and os.path.isdir("/dev/input") and not os.access("/dev/input", os.R_OK):
        _note("No permission to read /dev/input: add the kiosk user to the 'input' group.")
    for path in paths:
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            keys = set(device.capabilities().get(evdev.ecodes.EV_KEY, []))
            name, vid, pid = device.name, device.info.vendor, device.info.product
        finally:
            device.close()
        typing = {evdev.ecodes.KEY_1, evdev.ecodes.KEY_ENTER} <= keys
        maker, kind = vendor_label(vid)
        if typing and (kind == "scanner" or any(w in name.lower() for w in ("scanner", "barcode", "bar code"))):
            out.append(FoundDevice(path, "input", "scanner", f"{name} ({maker})" if maker else name, vid, pid,
                                   {"driver": "hid", "vendor_id": f"0x{vid:04x}", "product_id": f"0x{pid:04x}"}))
    return out


def discover_all(serial_globs: Iterable[str] = ("/dev/serial/by-id/*",)) -> list[FoundDevice]:
    """Everything the finders see, one entry per device key."""
    _problems.clear()
    seen: dict[str, FoundDevice] = {}
    for finder in (lambda: serial_ports(serial_globs), usb_devices, hid_scanners):
        for device in finder():
            seen.setdefault(device.key, device)
    return list(seen.values())


class DeviceWatcher:
    """Calls ``on_change(added, removed)`` when devices appear or disappear (within ~``interval`` s)."""

    def __init__(self, on_change: Callable[[list[FoundDevice], list[FoundDevice]], None], interval: float = 1.0,
                 scan: Callable[[], list[FoundDevice]] | None = None, use_udev: bool = True):
        self.on_change = on_change
        self.interval = interval
        self.scan = scan or discover_all
        self.use_udev = use_udev
        self.known: dict[str, FoundDevice] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = None

    def start(self) -> None:
        """Take a first inventory (not reported as 'added') and start watching."""
        self.known = {d.key: d for d in self._safe_scan()}
        self._stop.clear()
        if self.use_udev:
            self._observer = self._start_udev()
        self._thread = threading.Thread(target=self._run, name="device-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            try:
                self._observer.stop()
            except Exception:  # noqa: BLE001
                pass
        if self._thread is not None:
            self._thread.join(5)

    def _start_udev(self):
        try:
            import pyudev

            context = pyudev.Context()
            monitor = pyudev.Monitor.from_netlink(context)
            for subsystem in ("tty", "usb", "input"):
                monitor.filter_by(subsystem)
            observer = pyudev.MonitorObserver(monitor, callback=lambda _device: self._wake.set(), name="udev-watch")
            observer.daemon = True
            observer.start()
            return observer
        except Exception as exc:  # noqa: BLE001 -- no pyudev, no netlink in a container, no permission
            log.info("discovery: udev events unavailable (%s); polling every %.1f s", exc, self.interval)
            return None

    def _safe_scan(self) -> list[FoundDevice]:
        try:
            return self.scan()
        except Exception:  # noqa: BLE001 -- a finder bug must not stop the watcher
            log.exception("discovery: scan failed")
            return list(self.known.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            current = {d.key: d for d in self._safe_scan()}
            added = [d for k, d in current.items() if k not in self.known]
            removed = [d for k, d in self.known.items() if k not in current]
            self.known = current
            if added or removed:
                log.info("discovery: %d added, %d removed", len(added), len(removed))
                try:
                    self.on_change(added, removed)
                except Exception:  # noqa: BLE001
                    log.exception("discovery: change listener failed")
