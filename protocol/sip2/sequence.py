"""AY sequence numbers: the SC counts them, the ACS echoes them.

The SC gives each NEW message the next digit (0-9, wrapping 9 to 0). When it must send a
message again -- the ACS answered 96 Request SC Resend, or no answer came -- it resends the same
bytes with the same number, so the ACS can tell a resend from a new request. The ACS puts the
request's number in its response; the SC checks the echo to pair answer with question.
"""
from __future__ import annotations

import dataclasses
import threading

from protocol.sip2.base import Message
from protocol.sip2.errors import SequenceMismatchError


class SequenceCounter:
    """The SC side's AY counter; thread-safe because a sync worker and a session may share a link."""

    def __init__(self, start: int = 0):
        if not 0 <= start <= 9:
            raise ValueError("A SIP2 sequence number is one digit, 0 to 9.")
        self._next = start
        self._current: int | None = None
        self._lock = threading.Lock()

    def next(self) -> int:
        """The number for a NEW message (then 9 is followed by 0)."""
        with self._lock:
            self._current = self._next
            self._next = (self._next + 1) % 10
            return self._current

    @property
    def current(self) -> int | None:
        """The number of the last new message, which a resend of it keeps (None before the first)."""
        return self._current


def echo_sequence(request: Message, response: Message) -> Message:
    """ACS side: a copy of ``response`` carrying the request's sequence number."""
    return dataclasses.replace(response, sequence_number=request.sequence_number)


def check_echo(sent: int | None, response: Message) -> None:
    """SC side: raise SequenceMismatchError unless the response echoes the number we sent.

    A response with no AY at all is accepted: some servers leave it out even with checksums on.
    """
    received = response.sequence_number
    if sent is None or received is None or received == sent:
        return
    raise SequenceMismatchError(
        f"The {response.NAME} carries sequence number {received}, but the request was number {sent}: "
        "it answers an older request. Discard it and wait for the right answer."
    )
