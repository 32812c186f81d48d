"""The library calendar and due dates as pure functions, shared by the central server and the kiosk.

The kiosk computes an offline checkout's due date with the same code the server uses online, from
its local copy of the loan rules and calendar (``protocol.wire.LoanRules``).

Overdue days are counted in OPEN days, as most school library systems do: a book due on Friday
and returned on Monday is one day late, not three, and nobody is fined for a winter break.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# How far to look for an open day before deciding the calendar is broken (a whole year closed).
_SEARCH_LIMIT_DAYS = 366


@dataclass(frozen=True)
class LibraryCalendar:
    """Which days the library is open: closed weekdays (Monday=0), closed dates, and the term end."""

    closed_weekdays: frozenset[int] = frozenset({5, 6})
    closed_days: frozenset[date] = frozenset()
    term_end: date | None = None

    def is_open(self, day: date) -> bool:
        """True when the library is open on ``day``."""
        return day.weekday() not in self.closed_weekdays and day not in self.closed_days


def next_open_day(calendar: LibraryCalendar, day: date) -> date:
    """``day`` itself if the library is open then, else the first open day after it."""
    for offset in range(_SEARCH_LIMIT_DAYS):
        candidate = day + timedelta(days=offset)
        if calendar.is_open(candidate):
            return candidate
    raise ValueError("The library calendar has no open day within a year; check the closed days.")


def last_open_day_on_or_before(calendar: LibraryCalendar, day: date) -> date:
    """``day`` itself if the library is open then, else the last open day before it."""
    for offset in range(_SEARCH_LIMIT_DAYS):
        candidate = day - timedelta(days=offset)
        if calendar.is_open(candidate):
            return candidate
    raise ValueError("The library calendar has no open day within a year; check the closed days.")


def due_date(calendar: LibraryCalendar, start: date, loan_days: int) -> date:
    """The due date of a loan made on ``start``: loan_days later, moved to an open day, capped at term end.

    A due date on a closed day moves FORWARD to the next open day. If that passes the term end,
    the loan is due at the term end instead, moved BACK to the last open day on or before it
    (books must be home before summer). A loan made after the term end is not capped.
    """
    due = next_open_day(calendar, start + timedelta(days=loan_days))
    term_end = calendar.term_end
    if term_end is not None and start <= term_end < due:
        due = max(last_open_day_on_or_before(calendar, term_end), start)
    return due


def overdue_days(calendar: LibraryCalendar, due: date, returned_on: date) -> int:
    """Open days after ``due`` up to and including ``returned_on`` (0 when on time)."""
    if returned_on <= due:
        return 0
    days = 0
    current = due + timedelta(days=1)
    while current <= returned_on:
        if calendar.is_open(current):
            days += 1
        current += timedelta(days=1)
    return days
