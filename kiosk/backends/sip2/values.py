"""Reading the free-form parts of SIP2 answers: due dates, money, names, language codes, extension fields.

Library systems fill these fields in their own ways (a due date may be the 18-character SIP2 form,
an ISO date or "10/20/2025"; a fine item may be "$1.50 Overdue: Title" or "Title 1.50"), so each
reader accepts the common forms and gives None rather than a guess when it cannot tell.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from protocol.sip2 import Message, parse_sip_date
from protocol.sip2.base import variable_layout
from protocol.sip2.errors import DateError

# SIP2 language codes (the specification's table) for the languages the kiosk speaks.
LANGUAGE_CODES = {"en": "001", "es": "008"}
_LANGUAGES = {"001": "en", "024": "en", "008": "es", "021": "es"}

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_US_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})")
_AMOUNT = re.compile(r"(?<![\d.])-?\$?\s?(\d{1,7}(?:[.,]\d{1,2})?)(?![\d])")


def sip_language(lang: str) -> str:
    """The SIP2 language code for a kiosk language ("000", unknown, for others)."""
    return LANGUAGE_CODES.get(lang, "000")


def kiosk_language(code: str | None, default: str = "en") -> str:
    """The kiosk language for a SIP2 language code (``default`` when the code is unknown)."""
    return _LANGUAGES.get((code or "").strip(), default)


def parse_due_date(text: str | None) -> dt.date | None:
    """The date part of a due date as library systems write it, or None when it is blank or unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) >= 18:
        try:
            moment = parse_sip_date(text[:18])
            if moment is not None:
                return moment.date()
        except DateError:
            pass  # not the 18-character form: try the others below
    for pattern, order in ((_ISO_DAY, "ymd"), (_COMPACT_DAY, "ymd"), (_US_DAY, "mdy")):
        found = pattern.match(text)
        if found:
            parts = dict(zip(order, (int(g) for g in found.groups())))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def parse_cents(text: str | None) -> int | None:
    """An amount of money ("1.50", "$1.50", "1,50") in cents, or None when there is none."""
    found = _AMOUNT.search(text or "")
    if not found:
        return None
    number = found.group(1).replace(",", ".")
    try:
        cents = int((Decimal(number) * 100).to_integral_value())
    except InvalidOperation:
        return None
    return -cents if found.group(0).lstrip().startswith("-") else cents


def display_name(personal_name: str) -> str:
    """First name and last initial ("Maria G.") from "Garcia, Maria" or "Maria Garcia"."""
    name = " ".join(personal_name.split())
    if not name:
        return ""
    if "," in name:
        last, _, first = name.partition(",")
        first, last = first.strip(), last.strip()
    else:
        words = name.split(" ")
        first, last = words[0], (words[-1] if len(words) > 1 else "")
    if not first:
        first, last = last, ""
    first = first.split(" ")[0]
    return f"{first} {last[:1]}." if last else first


def field_text(message: Message, code: str) -> str | None:
    """The value of field ``code`` whether the codec knows it (an attribute) or kept it in extra_fields."""
    for name, spec in variable_layout(type(message)):
        if spec.code == code:
            value = getattr(message, name)
            if isinstance(value, list):
                return value[0] if value else None
            if value is None or isinstance(value, str):
                return value
            return str(value)
    for extra_code, value in message.extra_fields:
        if extra_code == code:
            return value
    return None


def screen_text(message: Message) -> str:
    """The screen messages (AF) of an answer joined into one line."""
    lines = getattr(message, "screen_messages", None) or []
    return " ".join(line.strip() for line in lines if line.strip())


def looks_like_barcode(text: str) -> bool:
    """True for a one-word entry ("31234000012345", "B-1042", "Holes"): worth an item lookup before taking it as a title."""
    text = text.strip()
    return bool(text) and not any(c.isspace() for c in text)


def local_naive(moment: dt.datetime) -> dt.datetime:
    """An aware moment as the library's local wall time, the form SIP2 prefers (blank time zone)."""
    return moment.astimezone().replace(tzinfo=None, microsecond=0)
