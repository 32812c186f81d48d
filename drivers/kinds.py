"""The small interface each kind of device offers the kiosk (one typing.Protocol per kind).

Every driver in drivers.registry -- hardware or simulated -- satisfies the protocol of its kind;
tests/drivers/test_registry.py checks it with ``isinstance`` (the protocols are runtime-checkable).
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from drivers.events import ItemTag, Publish
from drivers.receipt import Receipt
from drivers.status import DeviceStatus, PrinterStatus


@runtime_checkable
class InputDeviceLike(Protocol):
    """What every input device has: a name, a status, and start/stop of its publishing."""

    name: str
    status: DeviceStatus

    def start(self, publish: Publish) -> None:
        """Start publishing events to ``publish``."""

    def stop(self) -> None:
        """Stop publishing and release the hardware."""


@runtime_checkable
class BarcodeScanner(InputDeviceLike, Protocol):
    """Publishes Scan events (and StatusChanged)."""


@runtime_checkable
class CardReader(InputDeviceLike, Protocol):
    """Publishes CardTap events (and StatusChanged)."""


@runtime_checkable
class ItemTagReader(InputDeviceLike, Protocol):
    """Publishes TagsChanged events; can switch a tag's security (AFI) after a committed loan."""

    def tags(self) -> tuple[ItemTag, ...]:
        """The tags on the pad now."""

    def set_security(self, uid: str, secured: bool) -> None:
        """Secure (True) or release (False) one tag; raises TagError if it cannot."""


@runtime_checkable
class ReceiptPrinter(Protocol):
    """Prints receipts and reports paper/cover state."""

    name: str
    status: DeviceStatus

    def start(self, publish: Publish | None = None) -> None:
        """Begin status reporting."""

    def stop(self) -> None:
        """Stop status reporting."""

    def print_receipt(self, receipt: Receipt) -> None:
        """Print, or raise PaperOut / CoverOpen / PrinterOffline / PrinterError."""

    def printer_status(self) -> PrinterStatus:
        """Paper, cover and online state."""


KIND_PROTOCOLS = {"scanner": BarcodeScanner, "card_reader": CardReader, "item_pad": ItemTagReader,
                  "printer": ReceiptPrinter}
