"""Clocks: where the server gets "now" and "today", so tests can fix the date."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo


def _local_tz() -> tzinfo:
    # The server runs in the school's district, so its local zone is the school's zone.
    return datetime.now().astimezone().tzinfo or timezone.utc


@dataclass
class SystemClock:
    """The real clock, in the server's local time zone."""

    tz: tzinfo = field(default_factory=_local_tz)

    def now(self) -> datetime:
        """The current moment as an aware datetime."""
        return datetime.now(timezone.utc).astimezone(self.tz)

    def today(self) -> date:
        """Today's date at the school."""
        return self.now().date()

    def local_date(self, moment: datetime) -> date:
        """The school-local date of an aware moment (an offline event's occurred_at)."""
        return moment.astimezone(self.tz).date()


@dataclass
class FixedClock(SystemClock):
    """A clock stopped at one moment (tests, deterministic seeding); `advance` moves it."""

    moment: datetime = datetime(2025, 10, 6, 9, 30, tzinfo=timezone.utc)

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        """The fixed moment."""
        return self.moment.astimezone(self.tz)

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a timedelta's keyword arguments (days=3)."""
        self.moment = self.moment + timedelta(**delta)
