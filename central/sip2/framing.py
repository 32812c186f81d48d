"""Writing answers the way each self-check wrote its request: AY echoed if it sent one, AZ if it sent one.

Self-checks differ: most send both a sequence number and a checksum, some neither, a few only one.
The answer matches the request, so every one of them can read it.
"""
from __future__ import annotations

import dataclasses

from protocol.sip2 import ChecksumError, Codec, Message, MissingFieldError, echo_sequence
from protocol.sip2.base import variable_layout
from protocol.sip2.checksum import split_checksum

OPTIONAL_IN_PRACTICE = frozenset({"AO", "AC", "AD", "AP"})
MAX_FIELD = 255  # the specification's longest variable field


def has_checksum(raw: bytes) -> bool:
    """True when a received message ends with an AZ checksum (the codec also reads one written without its
    leading zeros, as the ``sip2`` package on PyPI writes them)."""
    try:
        return split_checksum(bytes(raw).strip(b"\r\n\x00"))[1] is not None
    except ChecksumError:
        return True


def _clean(value: str) -> str:
    # No escape exists for the delimiter; a catalogue title with '|' or a line break must still go out.
    return value.replace("|", "/").replace("\r", " ").replace("\n", " ")[:MAX_FIELD]


class AnswerWriter:
    """Reads requests and writes answers for one server's text encoding and terminator."""

    def __init__(self, encoding: str = "cp850", terminator: str = "\r"):
        self.reader = Codec(encoding=encoding, terminator=terminator, strict=True)
        self.lenient = Codec(encoding=encoding, terminator=terminator, strict=False)
        # One writer per way of error detection a self-check may use: (sequence numbers, checksums).
        self.writers = {(numbered, summed): Codec(encoding=encoding, terminator=terminator, strict=False,
                                                  sequence_numbers=numbered, checksums=summed)
                        for numbered in (True, False) for summed in (True, False)}

    def decode(self, raw: bytes) -> Message:
        """A received request (typed SIP2Error when it cannot be read)."""
        data = bytes(raw).strip(b"\r\n")
        try:
            return self.reader.decode(data)
        except MissingFieldError as missing:
            # Self-checks leave out the institution id or the passwords they do not use; a request without
            # the patron or item it is about stays refused.
            if missing.code not in OPTIONAL_IN_PRACTICE:
                raise
            return self.lenient.decode(data)

    def carryable(self, response: Message) -> Message:
        """The response with its text fields made writable: '|' and line breaks replaced, 255 characters at most.

        The records come from the library's catalogue and patron list, where such characters can be; an
        answer refused by the codec would leave a self-check without any answer at all.
        """
        changes = {}
        for name, spec in variable_layout(type(response)):
            value = getattr(response, name)
            if isinstance(value, str):
                cleaned = _clean(value)
            elif isinstance(value, list):
                cleaned = [_clean(v) if isinstance(v, str) else v for v in value]
            else:
                continue
            if cleaned != value:
                changes[name] = cleaned
        encoding = self.reader.encoding
        extras = [(code, _clean(value).encode(encoding, "replace").decode(encoding))
                  for code, value in response.extra_fields]
        if extras != response.extra_fields:
            changes["extra_fields"] = extras
        return dataclasses.replace(response, **changes) if changes else response

    def encode(self, response: Message, request: Message | None, checksum: bool) -> bytes:
        """The answer's bytes, echoing the request's sequence number and matching its error detection."""
        response = self.carryable(response)
        sequence = request.sequence_number if request is not None else None
        if request is not None:
            response = echo_sequence(request, response)
        return self.writers[(sequence is not None, checksum)].encode(response, sequence)
