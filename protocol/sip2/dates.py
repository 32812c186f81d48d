"""SIP2 dates: the 18-character ``YYYYMMDDZZZZHHMMSS`` format to and from ``datetime``.

``ZZZZ`` is four blanks for the library's local time (the spec's preferred form, returned as a
naive ``datetime``) or a right-justified zone. The spec names the military letters ("   Z" for
universal time, "   Q" for Atlantic Standard Time); servers also send "UTC ", " GMT" and US
abbreviations such as "EST "; Sierra writes "0000", read as local time like blanks. An all-blank date (the "nb due date" of an online checkout) and the
all-zero "unsupported" date (with a zero or a blank zone) mean "no date" and become ``None``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from protocol.sip2.errors import DateError

DATE_WIDTH = 18
BLANK_DATE = " " * DATE_WIDTH
# "No date" written as zeros, with a zero or a blank zone (pysip2 cannot write blanks and writes the latter).
_ZERO_DATES = ("0" * DATE_WIDTH, "00000000    000000")

# Military time-zone letters as the spec uses them: A-M east of Greenwich (J is not used),
# N-Y west of it, Z is universal time.
_MILITARY = {letter: hours for hours, letter in enumerate("ABCDEFGHIKLM", start=1)}
_MILITARY.update({letter: -hours for hours, letter in enumerate("NOPQRSTUVWXY", start=1)})
_MILITARY["Z"] = 0
_NAMED = {
    "UTC": 0, "GMT": 0, "UT": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AST": -4, "ADT": -3,
}


def _zone(text: str, raw: str) -> timezone | None:
    """The tzinfo for a four-character zone field (None means local time)."""
    name = text.strip().upper()
    # Blanks are the spec's local time; Sierra (and others) write "0000" in the zone's place and mean
    # the same thing, so it is read as local time too rather than refused.
    if not name or name == "0000":
        return None
    hours = _MILITARY.get(name) if len(name) == 1 else _NAMED.get(name)
    if hours is None:
        raise DateError(f"The date {raw!r} has a time zone {text!r} that SIP2 does not define.")
    return timezone.utc if hours == 0 else timezone(timedelta(hours=hours))


def _digits(text: str) -> bool:
    # str.isdigit() accepts superscripts and other scripts' digits; SIP2 dates are ASCII only.
    return text.isascii() and text.isdigit()


def parse_sip_date(text: str) -> datetime | None:
    """Turn an 18-character SIP2 date into a datetime; all blanks or all zeros give None."""
    if len(text) == DATE_WIDTH and text[8:12] == "    " and text.isascii() and text[:8].isdigit() \
            and text[12:].isdigit():
        # The common form (local time, blank zone) without the general checks; a bad date still ends in DateError.
        try:
            return datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[12:14]), int(text[14:16]),
                            int(text[16:18]))
        except ValueError:
            if text == _ZERO_DATES[1]:
                return None
            raise DateError(f"The date {text!r} is not a real calendar date and time.") from None
    if len(text) != DATE_WIDTH:
        raise DateError(f"A SIP2 date has 18 characters (YYYYMMDDZZZZHHMMSS); {text!r} has {len(text)}.")
    if text == BLANK_DATE or text in _ZERO_DATES:
        return None
    day, zone, clock = text[:8], text[8:12], text[12:]
    if not (_digits(day) and _digits(clock)):
        raise DateError(f"The date {text!r} is not in the SIP2 form YYYYMMDDZZZZHHMMSS.")
    tzinfo = _zone(zone, text)
    try:
        return datetime(
            int(day[:4]), int(day[4:6]), int(day[6:8]),
            int(clock[:2]), int(clock[2:4]), int(clock[4:6]), tzinfo=tzinfo,
        )
    except ValueError:
        raise DateError(f"The date {text!r} is not a real calendar date and time.") from None


def format_sip_date(value: datetime | None) -> str:
    """Write a datetime as 18 SIP2 characters: naive = local time (blank zone), aware = UTC ("   Z")."""
    if value is None:
        return BLANK_DATE
    zone = "    "
    if value.tzinfo is not None and value.utcoffset() is not None:
        # One unambiguous form for every aware time: universal time with the spec's Z letter.
        value = value.astimezone(timezone.utc)
        zone = "   Z"
    return f"{value.year:04d}{value.month:02d}{value.day:02d}{zone}{value:%H%M%S}"


def sip_now() -> datetime:
    """The local time now, to the second (what a SIP2 date can carry)."""
    return datetime.now().replace(microsecond=0)
