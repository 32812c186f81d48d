"""SIP2 field kinds and the metadata that declares a message's layout.

A message is a dataclass; each attribute is declared with :func:`fixed` (a positional field of
the fixed part, in the spec's order and width) or :func:`var` (a variable field introduced by its
two-letter code and closed by ``|``). The codec reads that metadata, so the layout of a message
is written once, next to its attribute names.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from protocol.sip2.dates import DATE_WIDTH, format_sip_date, parse_sip_date
from protocol.sip2.errors import FieldValueError, MessageFormatError

DELIMITER = "|"  # the spec's field delimiter; a connection may be set to another (FOLIO can use '^')
FORBIDDEN = {"|": "'|' (the SIP2 field separator)", "\r": "a carriage return", "\n": "a line feed",
             "\x00": "a NUL byte"}
# The spec limits a variable-length field to 255 characters.
MAX_FIELD_LENGTH = 255
# Codes the codec manages itself: never a message attribute or an extra field.
RESERVED_CODES = frozenset({"AY", "AZ"})
# Text meant for reading (names, titles, messages): in cp850 an unwritable character may be
# replaced by a look-alike. Identifiers, passwords and codes are never altered: refused instead.
READABLE_CODES = frozenset({"AE", "AJ", "AF", "AG", "AM", "AL", "AN", "AP", "AQ", "BD", "BG", "CL"})


@dataclass(frozen=True)
class Kind:
    """How one kind of field is read from and written to message text.

    ``fast`` writes the common, always valid values (a bool flag, a date) without the checks and error
    words of ``format``; None when it cannot, and ``format`` then says what is wrong.
    """

    name: str
    width: int | None
    parse: Callable[[str, str], Any]
    format: Callable[[Any, str], str]
    fast: Callable[[Any], str | None] | None = None

    @property
    def is_text(self) -> bool:
        """True for free text and fixed-width text fields."""
        return self.name.startswith("text")


@dataclass(frozen=True)
class FieldSpec:
    """Where an attribute lives in the message: fixed part (code None) or a coded variable field."""

    kind: Kind
    code: str | None = None
    required: bool = False
    repeat: bool = False


def forbidden_for(delimiter: str) -> dict[str, str]:
    """The characters no value may hold on a connection with this field delimiter, with their names."""
    if delimiter == DELIMITER:
        return FORBIDDEN
    found = {k: v for k, v in FORBIDDEN.items() if k != DELIMITER}
    found[delimiter] = f"{delimiter!r} (this connection's field separator)"
    return found


def check_text(value: Any, where: str, forbidden: dict[str, str] | None = None) -> str:
    """Return ``value`` if it can be written into a message, else raise FieldValueError naming it.

    ``forbidden`` is the connection's set (``forbidden_for(delimiter)``); without it only line
    breaks and NUL are checked here, and the codec checks the delimiter itself.
    """
    if not isinstance(value, str):
        raise FieldValueError(f"The {where} must be text, not {type(value).__name__}.", field=where)
    for char, words in (forbidden if forbidden is not None else _ALWAYS_FORBIDDEN).items():
        if char in value:
            raise FieldValueError(
                f"The {where} contains {words}, which SIP2 cannot carry inside a value "
                f"(there is no escape for it): {value[:40]!r}. Correct the record and try again.",
                field=where,
            )
    return value


_ALWAYS_FORBIDDEN = {k: v for k, v in FORBIDDEN.items() if k != DELIMITER}


def _flag_parse(text: str, where: str) -> bool:
    # Lower case is accepted because some servers send it; anything else is a garbled flag.
    if text in ("Y", "y"):
        return True
    if text in ("N", "n"):
        return False
    raise MessageFormatError(f"The {where} should be Y or N, but it is {text!r}.")


def _flag_format(value: Any, where: str) -> str:
    if not isinstance(value, bool):
        raise FieldValueError(f"The {where} must be True or False, not {value!r}.", field=where)
    return "Y" if value else "N"


def _maybe_parse(text: str, where: str) -> bool | None:
    # Y / N / U: U ("unknown") is treated by a self-check like N, but the difference is kept.
    if text in ("U", "u"):
        return None
    return _flag_parse(text, where)


def _maybe_format(value: Any, where: str) -> str:
    return "U" if value is None else _flag_format(value, where)


def _ok_parse(text: str, where: str) -> bool:
    if text in ("0", "1"):
        return text == "1"
    raise MessageFormatError(f"The {where} should be 1 or 0, but it is {text!r}.")


def _ok_format(value: Any, where: str) -> str:
    if not isinstance(value, bool):
        raise FieldValueError(f"The {where} must be True or False, not {value!r}.", field=where)
    return "1" if value else "0"


def _stored_parse(text: str, where: str) -> bool:
    # "item properties ok": the spec says a 1 means stored and any other value means not stored.
    return text == "1"


def _number_parse(width: int) -> Callable[[str, str], int | None]:
    def parse(text: str, where: str) -> int | None:
        digits = text.strip()
        if digits == "":
            return None
        if not (digits.isascii() and digits.isdigit()) or len(digits) > width:
            raise MessageFormatError(f"The {where} should be a number of up to {width} digits, but it is {text!r}.")
        return int(digits)
    return parse


def _number_format(width: int) -> Callable[[Any, str], str]:
    def fmt(value: Any, where: str) -> str:
        if value is None and width == 4:
            return "    "  # the spec's "four blanks" for a count the system does not know
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**width:
            raise FieldValueError(f"The {where} must be a whole number from 0 to {10**width - 1}, not {value!r}.",
                                  field=where)
        return f"{value:0{width}d}"
    return fmt


def _required_number(width: int) -> Callable[[str, str], int]:
    inner = _number_parse(width)

    def parse(text: str, where: str) -> int:
        value = inner(text, where)
        if value is None:
            raise MessageFormatError(f"The {where} should be a {width}-digit number, but it is blank.")
        return value
    return parse


def _date_parse(text: str, where: str):
    return None if text == "" else parse_sip_date(text)


def _date_format(value: Any, where: str) -> str:
    if value is not None and not hasattr(value, "tzinfo"):
        raise FieldValueError(f"The {where} must be a date and time, not {value!r}.", field=where)
    try:
        return format_sip_date(value)
    except OverflowError:
        # An aware time near year 1 or 9999 leaves the calendar when turned into universal time.
        raise FieldValueError(f"The {where} {value.isoformat()} cannot be written as a SIP2 date: in universal "
                              "time it falls outside the years 0001-9999.", field=where) from None


def _text_format(width: int | None) -> Callable[[Any, str], str]:
    def fmt(value: Any, where: str) -> str:
        check_text(value, where)
        if width is not None and len(value) != width:
            raise FieldValueError(f"The {where} must be exactly {width} characters, not {value!r}.", field=where)
        return value
    return fmt


def text(width: int) -> Kind:
    """A fixed-width text field, kept exactly as received (language, protocol version...)."""
    return Kind(f"text{width}", width, lambda raw, where: raw, _text_format(width))


def _fast_flag(value: Any) -> str | None:
    return ("Y" if value else "N") if type(value) is bool else None


def _fast_maybe(value: Any) -> str | None:
    return "U" if value is None else _fast_flag(value)


def _fast_ok(value: Any) -> str | None:
    return ("1" if value else "0") if type(value) is bool else None


def _fast_date(value: Any) -> str | None:
    # A naive date and time of years 1-9999 always fits; aware ones (and None) take the full path.
    if type(value) is datetime and value.tzinfo is None:
        return (f"{value.year:04d}{value.month:02d}{value.day:02d}    "
                f"{value.hour:02d}{value.minute:02d}{value.second:02d}")
    return None


TEXT = Kind("text", None, lambda raw, where: raw, _text_format(None))
FLAG = Kind("flag", 1, _flag_parse, _flag_format, _fast_flag)                    # Y / N
MAYBE = Kind("maybe", 1, _maybe_parse, _maybe_format, _fast_maybe)               # Y / N / U
OK = Kind("ok", 1, _ok_parse, _ok_format, _fast_ok)                              # 1 / 0
STORED = Kind("stored", 1, _stored_parse, _ok_format, _fast_ok)                  # 1 / anything else
DATE = Kind("date", DATE_WIDTH, _date_parse, _date_format, _fast_date)
COUNT = Kind("count", 4, _number_parse(4), _number_format(4))        # 0000-9999 or four blanks
NUMBER2 = Kind("number2", 2, _required_number(2), _number_format(2))  # enumerations: 01..13 etc.
DIGIT = Kind("digit", 1, _required_number(1), _number_format(1))      # status code 0 / 1 / 2


def coded(base: Kind, table) -> Kind:
    """An enumeration field: read as a member of ``table`` (protocol.sip2.codes) when the code is in it."""
    from protocol.sip2.codes import lookup

    def parse(raw: str, where: str):
        value = base.parse(raw, where)
        return value if value is None else lookup(table, value)
    return Kind(base.name, base.width, parse, base.format, base.fast)


def fixed(kind: Kind, **field_args: Any) -> Any:
    """Declare a fixed-part attribute (position = declaration order, width = the kind's)."""
    return dataclasses.field(metadata={"sip2": FieldSpec(kind)}, **field_args)


def var(code: str, kind: Kind = TEXT, *, required: bool = False, repeat: bool = False, **field_args: Any) -> Any:
    """Declare a variable field by its two-letter code; optional ones default to None, repeats to []."""
    if repeat:
        field_args.setdefault("default_factory", list)
    elif not required:
        field_args.setdefault("default", None)
    spec = FieldSpec(kind, code=code, required=required, repeat=repeat)
    return dataclasses.field(metadata={"sip2": spec}, **field_args)


def spec_of(field: dataclasses.Field) -> FieldSpec | None:
    """The SIP2 placement of a dataclass field, or None for bookkeeping attributes."""
    return field.metadata.get("sip2")
