"""The explicit registry from config names to device factories (no plug-in magic)."""
from __future__ import annotations

from typing import Any, Callable

from drivers.errors import DeviceConfigError
from drivers.simulated import SimulatedCardReader, SimulatedItemPad, SimulatedPrinter, SimulatedScanner

KINDS = ("scanner", "card_reader", "item_pad", "printer")

# (kind, driver name) -> factory(name, **settings). Hardware drivers are added here by their
# modules' names; their libraries are imported lazily inside the driver, not here.
REGISTRY: dict[tuple[str, str], Callable[..., Any]] = {
    ("scanner", "simulated"): SimulatedScanner,
    ("card_reader", "simulated"): SimulatedCardReader,
    ("item_pad", "simulated"): SimulatedItemPad,
    ("printer", "simulated"): SimulatedPrinter,
}


def drivers_for(kind: str) -> list[str]:
    """The driver names available for a device kind."""
    return sorted(driver for k, driver in REGISTRY if k == kind)


def build_device(kind: str, name: str, settings: dict[str, Any]):
    """Create the device named ``name`` of ``kind`` from its config section (``driver`` key chooses)."""
    if kind not in KINDS:
        raise DeviceConfigError(f"'{kind}' is not a kind of device this kiosk knows ({', '.join(KINDS)}).")
    options = dict(settings)
    driver = options.pop("driver", None)
    if not driver:
        raise DeviceConfigError(f"The {kind} '{name}' has no 'driver' setting.")
    factory = REGISTRY.get((kind, driver))
    if factory is None:
        raise DeviceConfigError(
            f"The {kind} '{name}' asks for driver '{driver}'; the choices are: {', '.join(drivers_for(kind))}."
        )
    try:
        return factory(name, **options)
    except TypeError as exc:
        raise DeviceConfigError(f"The {kind} '{name}' has a setting the '{driver}' driver does not know: {exc}") from exc
