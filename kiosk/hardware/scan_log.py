"""The last scans and taps, for the staff screen's "test scan" area: bounded, thread-safe, masked.

A patron's card number is never kept whole (the last 4 characters only), and neither is
anything that might be one (a misread code, a card UID); item barcodes are shown in full
because that is what staff need to find the book.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass

from protocol.identifiers import mask_barcode


@dataclass(frozen=True)
class ScanRecord:
    """One scan or tap as the staff screen lists it."""

    at: str  # ISO-8601 local time of arrival
    source: str  # the device name
    code: str  # masked unless it is an item
    kind: str  # patron | item | cover (a book's printed ISBN/EAN) | card | unknown
    symbology: str | None = None
    problem: str | None = None


class ScanLog:
    """The newest ``size`` scans, newest first."""

    def __init__(self, clock, size: int = 10):
        self.clock = clock
        self._lock = threading.Lock()
        self._records: deque[ScanRecord] = deque(maxlen=size)

    def add(self, source: str, code: str, kind: str | None, symbology: str | None = None,
            problem: str | None = None) -> ScanRecord:
        """Remember one scan; the code is masked unless it is a good item barcode."""
        kind = kind or "unknown"
        shown = code if kind in ("item", "cover") and not problem else mask_barcode(code or "")
        record = ScanRecord(self.clock.now().isoformat(timespec="seconds"), source, shown, kind, symbology, problem)
        with self._lock:
            self._records.appendleft(record)
        return record

    def recent(self) -> list[dict]:
        """The records as dicts, newest first."""
        with self._lock:
            return [asdict(r) for r in self._records]
