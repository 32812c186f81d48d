"""Events that input devices publish on the device hub."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class Scan:
    """A barcode read by a scanner (or typed by a keyboard-wedge card reader)."""

    code: str
    source: str
    symbology: str | None = None  # from the AIM identifier when the scanner sends one
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class CardTap:
    """An NFC/RFID patron card presented to a reader; ``uid`` is upper-case hex."""

    uid: str
    source: str
    technology: str = "iso14443a"
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ItemTag:
    """One ISO 15693 library tag on an item pad, decoded per ISO 28560."""

    uid: str
    item_id: str | None  # primary item identifier (the item barcode); None if unreadable
    owner_library: str | None = None  # ISIL
    part: int = 1
    parts: int = 1
    secured: bool = True  # AFI says the item may not leave the library
    error: str | None = None  # why the tag could not be decoded, in words


@dataclass(frozen=True)
class TagsChanged:
    """The set of tags on an item pad changed; ``tags`` is everything on the pad now."""

    tags: tuple[ItemTag, ...]
    source: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class StatusChanged:
    """A device's status changed (see :class:`drivers.status.DeviceStatus`)."""

    source: str
    status: str
    detail: str = ""
    at: float = field(default_factory=time.monotonic)


DeviceEvent = Union[Scan, CardTap, TagsChanged, StatusChanged]
Publish = Callable[[DeviceEvent], None]
