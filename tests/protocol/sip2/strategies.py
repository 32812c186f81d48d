"""Hypothesis strategies that build any SIP2 message from its declared layout."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from protocol.sip2.base import Message, fixed_layout, variable_layout
from protocol.sip2.fields import COUNT, DATE, DIGIT, FLAG, MAYBE, NUMBER2, OK, STORED, TEXT

FORBIDDEN = "|\r\n\x00"
# Every character cp850 can write, less the delimiter and line breaks.
CP850_ALPHABET = "".join(c for c in bytes(range(256)).decode("cp850") if c not in FORBIDDEN)


def alphabet(encoding: str) -> st.SearchStrategy[str]:
    """Single characters a value may hold on a connection with this encoding."""
    if encoding == "cp850":
        return st.sampled_from(CP850_ALPHABET)
    return st.characters(blacklist_categories=("Cs",), blacklist_characters=FORBIDDEN)


def dates() -> st.SearchStrategy[datetime | None]:
    """No date, a local (naive) time, or an aware time in some fixed zone -- all to the second."""
    naive = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30)).map(
        lambda d: d.replace(microsecond=0))
    zones = st.integers(min_value=-12, max_value=12).map(lambda h: timezone(timedelta(hours=h)))
    aware = st.builds(lambda d, z: d.replace(tzinfo=z), naive, zones)
    return st.one_of(st.none(), naive, aware)


def _value(kind, chars, width=None):
    if kind is TEXT:
        return st.text(chars, max_size=30)
    if kind.name.startswith("text"):
        return st.text(chars, min_size=kind.width, max_size=kind.width)
    return {
        FLAG.name: st.booleans(), OK.name: st.booleans(), STORED.name: st.booleans(),
        MAYBE.name: st.one_of(st.none(), st.booleans()), DATE.name: dates(),
        COUNT.name: st.one_of(st.none(), st.integers(0, 9999)), NUMBER2.name: st.integers(0, 99),
        DIGIT.name: st.integers(0, 9),
    }[kind.name]


def messages(cls: type[Message], encoding: str = "utf-8", sequence: bool = True) -> st.SearchStrategy[Message]:
    """Any instance of ``cls`` whose values are writable on a connection with ``encoding``."""
    chars = alphabet(encoding)
    args: dict[str, st.SearchStrategy] = {}
    for name, spec in fixed_layout(cls):
        args[name] = _value(spec.kind, chars)
    for name, spec in variable_layout(cls):
        one = _value(spec.kind, chars)
        if spec.repeat:
            args[name] = st.lists(one, max_size=3)
        elif spec.required:
            args[name] = one
        else:
            args[name] = st.one_of(st.none(), one)
    known = {spec.code for _, spec in variable_layout(cls)} | {"AY", "AZ"}
    codes = st.text(chars, min_size=2, max_size=2).filter(lambda code: code not in known)
    args["extra_fields"] = st.lists(st.tuples(codes, st.text(chars, max_size=20)), max_size=3)
    args["sequence_number"] = st.integers(0, 9) if sequence else st.none()
    if cls.COMMAND in ("96", "97"):
        args["sequence_number"] = st.none()  # the resend messages never carry a sequence number
    return st.builds(cls, **args)
