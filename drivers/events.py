"""Events that input devices publish on the device hub."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class Scan:
    """A barcode read by a scanner (or typed by a keyboard-wedge card reader), as read.

    ``problem`` is None for a read that was framed whole; otherwise it is the sentence to show
    ("only part of a barcode arrived ...") and ``code`` holds what was read, for the staff log.
    Whether the code is a patron or an item is the kiosk's decision, not the driver's.
    """

    code: str
    source: str
    symbology: str | None = None  # from the AIM identifier when the scanner sends one
    at: float = field(default_factory=time.monotonic)
    problem: str | None = None  # why this read cannot be used, in words; None when framed whole


@dataclass(frozen=True)
class CardTap:
    """An NFC/RFID patron card presented to a reader; ``uid`` is upper-case hex."""

    uid: str
    source: str
    technology: str = "iso14443a"
    at: float = field(default_factory=time.monotonic)
    problem: str | None = None  # set when the reader sent something that is not a card number


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
class IncompleteSet:
    """A multi-part item (book + CD ...) with some of its parts missing from the pad."""

    item_id: str
    owner_library: str | None
    parts: int
    present: tuple[int, ...]
    missing: tuple[int, ...]


def incomplete_sets(tags: tuple[ItemTag, ...] | list[ItemTag]) -> tuple[IncompleteSet, ...]:
    """The multi-part items among ``tags`` whose parts are not all present."""
    groups: dict[tuple[str, str | None], list[ItemTag]] = defaultdict(list)
    for tag in tags:
        if tag.item_id is not None and tag.error is None and tag.parts > 1:
            groups[(tag.item_id, tag.owner_library)].append(tag)
    found = []
    for (item_id, owner), members in groups.items():
        parts = max(t.parts for t in members)
        present = tuple(sorted({t.part for t in members}))
        missing = tuple(p for p in range(1, parts + 1) if p not in present)
        if missing:
            found.append(IncompleteSet(item_id, owner, parts, present, missing))
    return tuple(sorted(found, key=lambda s: s.item_id))


@dataclass(frozen=True)
class TagsChanged:
    """The set of tags on an item pad changed; ``tags`` is everything on the pad now."""

    tags: tuple[ItemTag, ...]
    source: str
    at: float = field(default_factory=time.monotonic)

    def incomplete_sets(self) -> tuple[IncompleteSet, ...]:
        """Multi-part items on the pad with parts missing (the kiosk asks for the rest)."""
        return incomplete_sets(self.tags)


@dataclass(frozen=True)
class StatusChanged:
    """A device's status changed (see :class:`drivers.status.DeviceStatus`)."""

    source: str
    status: str
    detail: str = ""
    at: float = field(default_factory=time.monotonic)


DeviceEvent = Union[Scan, CardTap, TagsChanged, StatusChanged]
Publish = Callable[[DeviceEvent], None]
