"""US school-year calendar for the demo library: holidays, breaks and the June term end."""
from __future__ import annotations

from datetime import date, timedelta


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday=0) of a month; n=-1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def school_year_start(today: date) -> int:
    """The calendar year the current school year began in (school years start in August)."""
    return today.year if today.month >= 8 else today.year - 1


def _weekdays(first: date, last: date) -> list[date]:
    days = []
    while first <= last:
        if first.weekday() < 5:
            days.append(first)
        first += timedelta(days=1)
    return days


def closed_days(start_year: int) -> dict[date, str]:
    """Weekday holidays and breaks of the school year starting in ``start_year`` (weekends are separate)."""
    end_year = start_year + 1
    days: dict[date, str] = {
        nth_weekday(start_year, 9, 0, 1): "Labor Day",
        nth_weekday(start_year, 10, 0, 2): "Indigenous Peoples' Day",
        nth_weekday(end_year, 1, 0, 3): "Martin Luther King Jr. Day",
        nth_weekday(end_year, 2, 0, 3): "Presidents' Day",
        nth_weekday(end_year, 5, 0, -1): "Memorial Day",
    }
    veterans = date(start_year, 11, 11)
    if veterans.weekday() < 5:
        days[veterans] = "Veterans Day"
    thanksgiving = nth_weekday(start_year, 11, 3, 4)
    for offset in (-1, 0, 1):
        days[thanksgiving + timedelta(days=offset)] = "Thanksgiving break"
    for day in _weekdays(date(start_year, 12, 22), date(end_year, 1, 2)):
        days[day] = "Winter break"
    spring_monday = nth_weekday(end_year, 3, 0, 4)
    for day in _weekdays(spring_monday, spring_monday + timedelta(days=4)):
        days[day] = "Spring break"
    return dict(sorted(days.items()))


def term_end(start_year: int) -> date:
    """The last day of school: the second Friday of June."""
    return nth_weekday(start_year + 1, 6, 4, 2)
