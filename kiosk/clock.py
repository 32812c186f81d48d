"""Wall-clock and monotonic time in one injectable object, so tests can move time by hand."""
from __future__ import annotations

import datetime as dt
import threading
import time


class SystemClock:
    """The real clock: aware local time for the journal, monotonic seconds for timeouts."""

    def now(self) -> dt.datetime:
        """The current time with its UTC offset (what ``occurred_at`` carries)."""
        return dt.datetime.now().astimezone()

    def monotonic(self) -> float:
        """Seconds that only go forward, for idle timeouts and staff auto-lock."""
        return time.monotonic()


class ManualClock:
    """A clock that only moves when told to: for tests and the idle-timeout state machine checks."""

    def __init__(self, start: dt.datetime | None = None):
        self._now = start or dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        """The manual wall-clock time."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """The manual monotonic seconds."""
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            self._mono += seconds
