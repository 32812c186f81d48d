"""The staff screen's device form: which fields each driver needs, and a posted form -> a checked section.

Staff choose a driver and fill in where the device is (a port, an address, a USB id). The
settings are checked by building the device with drivers.registry.build_device -- the same
call the kiosk makes at start -- so nothing is saved that the kiosk would then refuse.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drivers.errors import DeviceError
from drivers.registry import build_device, drivers_for
from kiosk.hardware.settings import DeviceSection

# Field name -> "int" or "text". Every field is optional: an empty one means the driver's default.
FIELD_TYPES = {"url": "text", "baudrate": "int", "host": "text", "port": "int", "path": "text",
               "devfile": "text", "vendor_id": "text", "product_id": "text", "device_name": "text",
               "profile": "text"}

# (kind, driver) -> the fields its form shows, "where is it" first.
DRIVER_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("scanner", "serial"): ("url", "baudrate"),
    ("scanner", "hid"): ("vendor_id", "product_id", "device_name", "path"),
    ("card_reader", "serial"): ("url", "baudrate"),
    ("card_reader", "hid"): ("vendor_id", "product_id", "device_name", "path"),
    ("card_reader", "nfc"): ("path",),
    ("item_pad", "serial"): ("url", "baudrate"),
    ("printer", "network"): ("host", "port", "profile"),
    ("printer", "usb"): ("vendor_id", "product_id", "profile"),
    ("printer", "serial"): ("devfile", "baudrate", "profile"),
    ("printer", "file"): ("devfile", "profile"),
}


class FormProblem(ValueError):
    """The form cannot be saved; ``key`` is a translation key and ``values`` fill it in."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class CheckedDevice:
    """A section that passed build_device, and the device object it built (ready to start)."""

    section: DeviceSection
    device: Any


def fields_for(kind: str) -> list[dict]:
    """Every field any driver of ``kind`` uses, with the drivers that use it (the page hides the others)."""
    fields: dict[str, list[str]] = {}
    for driver in drivers_for(kind):
        for name in DRIVER_FIELDS.get((kind, driver), ()):
            fields.setdefault(name, []).append(driver)
    return [{"name": name, "type": FIELD_TYPES[name], "drivers": drivers} for name, drivers in fields.items()]


def section_from_form(name: str, kind: str, form: Mapping[str, str], current: DeviceSection | None) -> DeviceSection:
    """The section a posted form describes; keeps the current section's other settings when the driver stays."""
    driver = (form.get("driver") or "").strip()
    if driver not in drivers_for(kind):
        raise FormProblem("staff.devices.pick_driver")
    wanted = DRIVER_FIELDS.get((kind, driver), ())
    settings: dict[str, Any] = {}
    if current is not None and current.driver == driver:
        # Settings the form does not show (a scanner's suffix, a printer's width) survive a save.
        settings = {k: v for k, v in current.settings.items() if k not in ("driver", "kind") and k not in wanted}
    for field in wanted:
        raw = (form.get(field) or "").strip()
        if not raw:
            continue
        if FIELD_TYPES[field] == "int":
            if not raw.isdigit():
                raise FormProblem("staff.devices.whole_number", field=field)
            settings[field] = int(raw)
        else:
            settings[field] = raw
    return DeviceSection(name=name, kind=kind, driver=driver, settings={"driver": driver, **settings},
                         origin="override")


def check(section: DeviceSection, build=build_device) -> CheckedDevice:
    """Build the device as the kiosk would; a DeviceError becomes a FormProblem carrying the driver's sentence."""
    try:
        device = build(section.kind, section.name, dict(section.settings))
    except DeviceError as exc:
        raise FormProblem("staff.devices.not_saved", problem=str(exc)) from exc
    return CheckedDevice(section, device)


def form_values(section: DeviceSection | None) -> dict[str, str]:
    """The form's current values for a section (for showing it filled in)."""
    if section is None:
        return {}
    values = {k: str(v) for k, v in section.settings.items() if k in FIELD_TYPES}
    values["driver"] = section.driver
    return values
