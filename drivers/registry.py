"""The explicit registry from config names to device factories (no plug-in magic).

This module imports no hardware library: each factory imports its driver module when it is
called, and driver modules import pyserial / nfcpy / evdev / python-escpos only when a device
is opened, so a kiosk with only simulated devices runs without any of the optional extras.
"""
from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable

from drivers.errors import DeviceConfigError, MissingDependency
from drivers.simulated import SimulatedCardReader, SimulatedItemPad, SimulatedPrinter, SimulatedScanner

KINDS = ("scanner", "card_reader", "item_pad", "printer")


# The hardware library each driver module needs: (import name, package name, extra).
_NEEDS = {
    "drivers.scanner_serial": ("serial", "pyserial", "serial"),
    "drivers.rfid_pad": ("serial", "pyserial", "serial"),
    "drivers.scanner_hid": ("evdev", "evdev", "hid"),
    "drivers.nfc_reader": ("nfc", "nfcpy", "nfc"),
    "drivers.printer_escpos": ("escpos", "python-escpos", "printer"),
}


def _require(module: str) -> None:
    """Raise MissingDependency now, at configuration time, rather than when the device opens."""
    need = _NEEDS.get(module)
    if need is None:
        return
    try:
        importlib.import_module(need[0])
    except ImportError as exc:
        raise MissingDependency(need[1], need[2]) from exc


def _lazy(module: str, cls: str, fixed: dict[str, Any] | None = None,
          defaults: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A factory that imports ``module`` on first use and builds ``cls`` (checking setting names).

    ``fixed`` settings come from the registry entry and may not be set in config (a network
    printer's ``connection``); ``defaults`` may be overridden (a serial card reader's ``as_card``).
    """
    fixed, defaults = fixed or {}, defaults or {}

    def factory(name: str, **options):
        """Build the device (the docstring is replaced below with the target's name)."""
        _require(module)
        target = getattr(importlib.import_module(module), cls)
        _check_names(target, name, options, fixed=fixed)
        return target(name, **{**defaults, **options, **fixed})

    factory.__name__ = f"build_{cls}"
    factory.__qualname__ = factory.__name__
    factory.__doc__ = f"Build a {module}.{cls} from a config section."
    factory.target = (module, cls)  # type: ignore[attr-defined]
    return factory


def _check_names(target, name: str, options: dict[str, Any], fixed: dict[str, Any]) -> None:
    """Reject a setting the driver does not know, naming it (a typo must not be silently ignored)."""
    params = inspect.signature(target.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    for key in fixed:
        if key in options:
            raise DeviceConfigError(f"The device '{name}' sets '{key}', which this driver decides itself.", key=key)
    known = [p for p in params if p not in ("self", "name") and p not in fixed]
    for key in options:
        if key not in known:
            raise DeviceConfigError(
                f"The device '{name}' has a setting '{key}' that its driver does not know; "
                f"the settings it knows are: {', '.join(known)}.", key=key)


# Settings scanners once had: the kiosk classifies what a scanner reads, with its own [identifiers] rules.
_MOVED_TO_KIOSK = ("patron_prefixes", "item_prefixes", "accept_isbn", "accept_other")

# (kind, driver name) -> factory(name, **settings). Config: [devices.<name>] kind=... driver=...
REGISTRY: dict[tuple[str, str], Callable[..., Any]] = {
    ("scanner", "simulated"): SimulatedScanner,
    ("card_reader", "simulated"): SimulatedCardReader,
    ("item_pad", "simulated"): SimulatedItemPad,
    ("printer", "simulated"): SimulatedPrinter,
    ("scanner", "serial"): _lazy("drivers.scanner_serial", "SerialScanner"),
    ("scanner", "hid"): _lazy("drivers.scanner_hid", "HidScanner"),
    # Keyboard-style card readers are scanners whose lines become CardTaps (as_card = true).
    ("card_reader", "serial"): _lazy("drivers.scanner_serial", "SerialScanner", defaults={"as_card": True}),
    ("card_reader", "hid"): _lazy("drivers.scanner_hid", "HidScanner", defaults={"as_card": True}),
    ("card_reader", "nfc"): _lazy("drivers.nfc_reader", "NfcCardReader"),
    ("item_pad", "serial"): _lazy("drivers.rfid_pad", "SerialItemPad"),
    ("printer", "network"): _lazy("drivers.printer_escpos", "EscPosPrinter", {"connection": "network"}),
    ("printer", "usb"): _lazy("drivers.printer_escpos", "EscPosPrinter", {"connection": "usb"}),
    ("printer", "serial"): _lazy("drivers.printer_escpos", "EscPosPrinter", {"connection": "serial"}),
    ("printer", "file"): _lazy("drivers.printer_escpos", "EscPosPrinter", {"connection": "file"}),
}


def drivers_for(kind: str) -> list[str]:
    """The driver names available for a device kind."""
    return sorted(driver for k, driver in REGISTRY if k == kind)


def build_device(kind: str, name: str, settings: dict[str, Any]):
    """Create the device named ``name`` of ``kind`` from its config section (``driver`` key chooses)."""
    if kind not in KINDS:
        raise DeviceConfigError(f"'{kind}' is not a kind of device this kiosk knows ({', '.join(KINDS)}).",
                                key="kind")
    if not isinstance(settings, dict):
        raise DeviceConfigError(f"The {kind} '{name}' section is not a table of settings.")
    options = dict(settings)
    options.pop("kind", None)  # the section may repeat its kind; it was passed separately
    driver = options.pop("driver", None)
    if not driver:
        raise DeviceConfigError(f"The {kind} '{name}' has no 'driver' setting.", key="driver")
    for key in options:
        if key in _MOVED_TO_KIOSK:
            raise DeviceConfigError(
                f"The device '{name}' sets '{key}', but which codes are patron cards and which are books is "
                f"decided by the kiosk's [identifiers] section now; remove '{key}' from the device.", key=key)
    factory = REGISTRY.get((kind, driver)) if isinstance(driver, str) else None
    if factory is None:
        raise DeviceConfigError(
            f"The {kind} '{name}' asks for driver '{driver}'; the choices are: {', '.join(drivers_for(kind))}.",
            key="driver")
    try:
        return factory(name, **options)
    except TypeError as exc:
        raise DeviceConfigError(f"The {kind} '{name}' has a setting the '{driver}' driver does not know: {exc}") from exc
