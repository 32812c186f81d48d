"""Encode SIP2 message dataclasses to bytes and decode bytes back, for either side of a connection.

One :class:`Codec` holds a connection's settings: text encoding, error detection (AY/AZ),
terminator and how strictly required fields are checked. It keeps no state between messages,
so one instance can serve a connection's reads and writes; sequence numbers live in
:mod:`protocol.sip2.sequence`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

# Importing the message modules registers every message class in MESSAGE_TYPES.
from protocol.sip2 import acs_messages as _acs_messages, sc_messages as _sc_messages  # noqa: F401
from protocol.sip2.base import MESSAGE_TYPES, Message, describe, fixed_layout, fixed_width, variable_layout
from protocol.sip2.checksum import append_checksum, split_checksum
from protocol.sip2.errors import (
    FieldValueError, MessageFormatError, MissingFieldError, TextEncodingError, UnsupportedMessageError,
)
from protocol.sip2.fields import (
    DELIMITER, MAX_FIELD_LENGTH, READABLE_CODES, RESERVED_CODES, TEXT, FieldSpec, check_text, forbidden_for,
)
from protocol.sip2.text import decode_bytes, encoding_name, fit_text

TERMINATORS = ("\r", "\r\n")
RESEND_COMMANDS = ("96", "97")  # the spec: never a sequence number, but a checksum when in use
OTHER_COMMANDS: dict[str, str] = {}  # well-formed command codes this codec knows of but does not handle
# Characters servers have been configured to separate fields with instead of '|' (FOLIO allows any).
_DELIMITER_CANDIDATES = "^~`!#$%&*;:,/\\@+=<>?"
_TRAILING_AY = re.compile(r"AY(\d)\Z")


def _label(name: str, code: str | None) -> str:
    words = name.replace("_", " ")
    return f"{words} ({code})" if code else words


@cache
def _fixed_plan(cls: type[Message]) -> tuple[tuple[str, Any, int, str], ...]:
    """How to read a class's fixed part: (attribute, parser, width, words for an error), made once per class."""
    return tuple((name, spec.kind.parse, spec.kind.width or 0, f"{_label(name, None)} of a {describe(cls)}")
                 for name, spec in fixed_layout(cls))


@cache
def _variable_plan(cls: type[Message]) -> dict[str, tuple[str, FieldSpec, str]]:
    """Code -> (attribute, spec, words for an error) of a class's variable fields, made once per class."""
    return {spec.code: (name, spec, f"{_label(name, spec.code)} of a {describe(cls)}")
            for name, spec in variable_layout(cls)}


@dataclass(frozen=True)
class Codec:
    """A connection's SIP2 settings, with encode() and decode()."""

    encoding: str = "cp850"
    error_detection: bool = True  # both AY sequence numbers and AZ checksums, unless set apart below
    terminator: str = "\r"
    strict: bool = True  # False: a missing required field is read as empty, stray NULs are dropped
    delimiter: str = DELIMITER
    sequence_numbers: bool | None = None  # None: as error_detection
    checksums: bool | None = None  # None: as error_detection

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoding", encoding_name(self.encoding))
        if self.terminator not in TERMINATORS:
            raise ValueError("The SIP2 message terminator must be CR ('\\r') or CR LF ('\\r\\n').")
        if (not isinstance(self.delimiter, str) or len(self.delimiter) != 1 or self.delimiter.isalnum()
                or self.delimiter in " \r\n\x00" or not self.delimiter.isascii()):
            raise ValueError(f"The SIP2 field delimiter must be one ASCII punctuation character such as '|' "
                             f"or '^', not {self.delimiter!r}.")
        for name in ("sequence_numbers", "checksums"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.error_detection)
        object.__setattr__(self, "error_detection", bool(self.sequence_numbers or self.checksums))
        object.__setattr__(self, "_forbidden", forbidden_for(self.delimiter))

    # ----------------------------------------------------------------- encode
    def encode(self, message: Message, sequence: int | None = None) -> bytes:
        """The message as bytes on the wire, with AY/AZ when error detection is on, and the terminator."""
        cls = type(message)
        if MESSAGE_TYPES.get(cls.COMMAND) is not cls:
            raise TypeError(f"{cls.__name__} is not a SIP2 message class")
        data = self.encode_body(message).encode(self.encoding)
        if self.sequence_numbers and cls.COMMAND not in RESEND_COMMANDS:
            data += f"AY{self._sequence(message, sequence)}".encode("ascii")
        if self.checksums:
            data = append_checksum(data)
        return data + self.terminator.encode("ascii")

    def encode_body(self, message: Message) -> str:
        """The message text without sequence number, checksum or terminator.

        A decoded message keeps the order its fields arrived in (``wire_order``) and is written back
        in that order, blank fields included, so a relayed or logged message reads as it was received;
        anything set since is written after, in the spec's order.
        """
        cls = type(message)
        parts = [cls.COMMAND]
        for name, spec in fixed_layout(cls):
            parts.append(self._format(spec, getattr(message, name), name))
        delim = self.delimiter
        layout = {spec.code: (name, spec) for name, spec in variable_layout(cls)}
        done: set[str] = set()  # single known fields already written
        used: dict[str, int] = {}  # items of repeated fields already written, by code
        extras = list(message.extra_fields)
        extras_used = [False] * len(extras)

        def write_extra(index: int) -> None:
            code, value = self._extra_field(extras[index])
            extras_used[index] = True
            parts.append(f"{code}{self._fit(value, 'extra field ' + repr(code), code)}{delim}")

        for code in message.wire_order:
            entry = layout.get(code)
            if entry is not None and entry[1].repeat:
                name, spec = entry
                items = self._list(getattr(message, name), name, spec)
                if used.get(code, 0) < len(items):
                    parts.append(f"{code}{self._format(spec, items[used.get(code, 0)], name)}{delim}")
                    used[code] = used.get(code, 0) + 1
            elif entry is not None and code not in done:
                name, spec = entry
                done.add(code)
                value = getattr(message, name)
                # Present but blank when received (a flag sent as "BO|"): written blank again.
                parts.append(f"{code}{'' if value is None else self._format(spec, value, name)}{delim}")
            else:  # an unknown field, or a second copy of a single one: the next extra with this code
                index = next((i for i, x in enumerate(extras) if not extras_used[i]
                              and isinstance(x, (tuple, list)) and x and x[0] == code), None)
                if index is not None:
                    write_extra(index)
        for name, spec in variable_layout(cls):
            value = getattr(message, name)
            if spec.repeat:
                items = self._list(value, name, spec)
                parts.extend(f"{spec.code}{self._format(spec, item, name)}{delim}"
                             for item in items[used.get(spec.code, 0):])
            elif spec.code in done:
                continue
            elif value is None:
                if spec.required:
                    raise FieldValueError(
                        f"A {describe(cls)} must include the {_label(name, spec.code)}, but it is empty (None).",
                        field=name, code=spec.code)
            else:
                parts.append(f"{spec.code}{self._format(spec, value, name)}{delim}")
        for index in range(len(extras)):
            if not extras_used[index]:
                write_extra(index)
        return "".join(parts)

    @staticmethod
    def _list(value: Any, name: str, spec: FieldSpec) -> list:
        if not isinstance(value, (list, tuple)):
            raise FieldValueError(f"The {_label(name, spec.code)} must be a list.", field=name, code=spec.code)
        return list(value)

    def _format(self, spec: FieldSpec, value: Any, name: str) -> str:
        kind = spec.kind
        # The common case first: plain ASCII text that needs no checks beyond these (no control character,
        # no delimiter, the right width): written as it is, without building the words an error would need.
        if type(value) is str and kind.is_text and value.isascii() and value.isprintable() \
                and self.delimiter not in value and (kind.width is None or len(value) == kind.width) \
                and len(value) <= MAX_FIELD_LENGTH:
            return value
        if kind.fast is not None:
            fast = kind.fast(value)
            if fast is not None:
                return fast
        where = _label(name, spec.code)
        try:
            text = spec.kind.format(value, where)
        except FieldValueError as err:
            err.field, err.code = name, spec.code
            raise
        return self._fit(text, where, spec.code, name)

    def _fit(self, value: Any, where: str, code: str | None, name: str | None = None) -> str:
        try:
            text = fit_text(check_text(value, where, self._forbidden), self.encoding, code in READABLE_CODES, where)
            if code is not None and len(text) > MAX_FIELD_LENGTH:
                if code not in READABLE_CODES:
                    raise FieldValueError(
                        f"The {where} is {len(text)} characters long; a SIP2 field holds at most "
                        f"{MAX_FIELD_LENGTH}, and an identifier cannot be shortened.", field=where)
                # Text for reading (a title, a screen message) is shortened rather than refused.
                text = text[:MAX_FIELD_LENGTH - 3] + "..."
            return text
        except FieldValueError as err:
            err.field, err.code = name or where, code
            raise

    def _extra_field(self, entry: Any) -> tuple[str, Any]:
        code = entry[0] if isinstance(entry, (tuple, list)) and len(entry) == 2 else None
        if (not isinstance(code, str) or len(code) != 2 or code in RESERVED_CODES
                or any(char in code for char in self._forbidden)):
            raise FieldValueError(f"An extra field must be a (code, value) pair whose code is two characters "
                                  f"other than AY, AZ, '|' or line breaks, not {entry!r}.", field="extra_fields")
        return self._fit(code, "extra field code", None, "extra_fields"), entry[1]

    @staticmethod
    def _sequence(message: Message, sequence: int | None) -> int:
        number = sequence if sequence is not None else message.sequence_number
        number = 0 if number is None else number
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= 9:
            raise FieldValueError(f"The sequence number (AY) is one digit, 0 to 9, not {number!r}.",
                                  field="sequence_number", code="AY")
        return number

    # ----------------------------------------------------------------- decode
    def decode(self, data: bytes | str) -> Message:
        """Parse one message (bytes as received, or text) into its dataclass; typed SIP2Error if it cannot."""
        if isinstance(data, str):
            try:
                data = data.encode(self.encoding)
            except UnicodeEncodeError:
                raise TextEncodingError(
                    f"The message has characters this connection's {self.encoding} encoding cannot carry.") from None
        # NUL padding around a message is seen from some terminals; a NUL inside one is damage.
        data = bytes(data).strip(b"\r\n\x00")
        if not data:
            raise MessageFormatError("An empty message arrived where a SIP2 message was expected.")
        if b"\r" in data or b"\n" in data:
            raise MessageFormatError("Two messages arrived run together (a line break in the middle of one).")
        if b"\x00" in data:
            if self.strict:
                raise MessageFormatError("The message holds a NUL byte, which SIP2 text never contains: it was "
                                         "damaged on the way. Ask for it again.")
            data = data.replace(b"\x00", b"")
        body, checksum = split_checksum(data)
        text = decode_bytes(body, self.encoding)
        sequence = None
        # AY closes the message, right before AZ. A server that leaves out the delimiter before AY
        # would otherwise have it read into the last field's value.
        match = _TRAILING_AY.search(text)
        if match and (checksum is not None or text[:match.start()].endswith(self.delimiter)):
            sequence, text = int(match.group(1)), text[:match.start()]
        message = self.parse_text(text)
        if sequence is not None:
            if message.sequence_number is not None:
                raise MessageFormatError("The message carries two sequence numbers (AY).")
            message.sequence_number = sequence
        return message

    def parse_text(self, text: str) -> Message:
        """Parse message text whose checksum (if any) has already been checked and removed."""
        command = text[:2]
        cls = MESSAGE_TYPES.get(command)
        if cls is None:
            if len(command) == 2 and command.isascii() and command.isdigit():
                name = OTHER_COMMANDS.get(command, "unknown message")
                raise UnsupportedMessageError(f"Message {command} ({name}) is not handled here.", command=command)
            raise MessageFormatError(f"This is not a SIP2 message: it should start with a two-digit code, "
                                     f"not {text[:12]!r}.")
        values: dict[str, Any] = {}
        width = fixed_width(cls)
        head = text[2:2 + width]
        if len(head) < width or self.delimiter in head:
            raise MessageFormatError(f"The {describe(cls)} was cut short: its fixed part needs {width} characters "
                                     f"before the first field, and fewer arrived.")
        position = 0
        for name, parse, width_here, where in _fixed_plan(cls):
            values[name] = parse(head[position:position + width_here], where)
            position += width_here
        extras, sequence, order = self._variable_fields(cls, text[2 + width:], values)
        return cls(**values, extra_fields=extras, sequence_number=sequence, wire_order=tuple(order))

    def _variable_fields(self, cls: type[Message], rest: str, values: dict[str, Any]):
        by_code = _variable_plan(cls)
        if rest and self.delimiter not in rest:
            self._check_foreign_delimiter(cls, rest, by_code)
        extras: list[tuple[str, str]] = []
        seen: set[str] = set()
        order: list[str] = []
        sequence = None
        for chunk in rest.split(self.delimiter):
            if not chunk:
                continue
            if len(chunk) < 2:
                raise MessageFormatError(f"The {describe(cls)} has a stray {chunk!r} where a field should be.")
            code, raw = chunk[:2], chunk[2:]
            if code == "AY":
                if not (len(raw) == 1 and raw.isascii() and raw.isdigit()) or sequence is not None:
                    raise MessageFormatError(f"The sequence number (AY) should be one digit, not {raw!r}.")
                sequence = int(raw)
                continue
            if code == "AZ":
                raise MessageFormatError(f"The checksum (AZ) should be four hex digits at the very end, not {raw!r}.")
            order.append(code)
            entry = by_code.get(code)
            if entry is None or (code in seen and not entry[1].repeat):
                extras.append((code, raw))  # unknown or repeated single field: kept, in order
                continue
            name, spec, where = entry
            seen.add(code)
            value = raw if spec.kind is TEXT else (None if raw == "" else spec.kind.parse(raw, where))
            if spec.repeat:
                values.setdefault(name, []).append(value)
            else:
                values[name] = value
        for name, spec in variable_layout(cls):
            if spec.required and spec.code not in seen:
                if self.strict:
                    raise MissingFieldError(
                        f"The {describe(cls)} leaves out the {_label(name, spec.code)}, which SIP2 requires.",
                        code=spec.code, message_name=cls.NAME)
                values[name] = ""
        return extras, sequence, order

    def _check_foreign_delimiter(self, cls: type[Message], rest: str, by_code: dict) -> None:
        """Refuse a message whose fields are separated by another character than this connection's."""
        for char in _DELIMITER_CANDIDATES:
            if char == self.delimiter:
                continue
            pieces = rest.split(char)
            if len(pieces) > 2 and sum(1 for piece in pieces if piece[:2] in by_code) >= 2:
                raise MessageFormatError(
                    f"The {describe(cls)} separates its fields with {char!r}, but this connection expects "
                    f"{self.delimiter!r}: set the connection's field delimiter to {char!r}.")
