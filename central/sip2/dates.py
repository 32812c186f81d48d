"""SIP2 dates on the server side: the library's local time (the specification's preferred form) both ways."""
from __future__ import annotations

from datetime import date, datetime

from protocol.sip2 import format_sip_date


def sip_moment(clock) -> datetime:
    """Now as the library's local wall time, to the second (a naive datetime: SIP2's blank time zone)."""
    return clock.now().replace(tzinfo=None, microsecond=0)


def aware(moment: datetime | None, clock) -> datetime | None:
    """A date from a self-check as an aware moment: a blank zone means the library's local time."""
    if moment is None:
        return None
    return moment.replace(tzinfo=clock.tz) if moment.tzinfo is None else moment


def due_text(day: str | date | None) -> str:
    """A loan's due date as the 18-character SIP2 form at the end of that day ("" when there is none)."""
    if not day:
        return ""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return format_sip_date(datetime(day.year, day.month, day.day, 23, 59, 59))
