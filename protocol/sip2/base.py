"""The base of every SIP2 message dataclass, and the registry from command code to class."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import ClassVar, TypeVar

from protocol.sip2.fields import RESERVED_CODES, FieldSpec, spec_of

MESSAGE_TYPES: dict[str, type["Message"]] = {}

M = TypeVar("M", bound=type["Message"])


@dataclass(kw_only=True)
class Message:
    """A SIP2 message: typed attributes plus what the codec carries around them.

    ``extra_fields`` keeps, in order, every variable field this codec does not know for the
    message (vendor extensions such as Koha's patron-class field, or a repeated single field),
    so decoding and re-encoding loses nothing. ``sequence_number`` is the AY digit (None when
    error detection is off). ``wire_order`` is the codes of the variable fields in the order they
    arrived (empty for a message built here); the codec writes a decoded message back in that order.
    """

    COMMAND: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    RESPONSE: ClassVar[str | None] = None  # the command code that answers this one, if any

    extra_fields: list[tuple[str, str]] = field(default_factory=list)
    sequence_number: int | None = None
    wire_order: tuple[str, ...] = field(default=(), compare=False, repr=False)


def register(cls: M) -> M:
    """Class decorator: add a message class to MESSAGE_TYPES under its two-character command code."""
    if len(cls.COMMAND) != 2 or cls.COMMAND in MESSAGE_TYPES:
        raise TypeError(f"{cls.__name__}: command {cls.COMMAND!r} is not a new two-character code")
    codes = [spec.code for _, spec in variable_layout(cls)]
    if len(codes) != len(set(codes)) or RESERVED_CODES & set(codes):
        raise TypeError(f"{cls.__name__}: variable field codes must be unique and not AY/AZ")
    MESSAGE_TYPES[cls.COMMAND] = cls
    return cls


@cache
def fixed_layout(cls: type[Message]) -> tuple[tuple[str, FieldSpec], ...]:
    """The fixed-part attributes of a message class, in wire order."""
    return tuple((f.name, s) for f in dataclasses.fields(cls) if (s := spec_of(f)) and s.code is None)


@cache
def variable_layout(cls: type[Message]) -> tuple[tuple[str, FieldSpec], ...]:
    """The variable-field attributes of a message class, in the spec's order."""
    return tuple((f.name, s) for f in dataclasses.fields(cls) if (s := spec_of(f)) and s.code is not None)


@cache
def fixed_width(cls: type[Message]) -> int:
    """How many characters follow the command code before the first variable field."""
    return sum(spec.kind.width or 0 for _, spec in fixed_layout(cls))


def describe(cls: type[Message]) -> str:
    """The message's name as the spec says it, with its code: 'Checkout Response (12)'."""
    return f"{cls.NAME} ({cls.COMMAND})"
