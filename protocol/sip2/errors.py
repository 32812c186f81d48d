"""Typed SIP2 errors: every problem the codec finds is one of these, never a bare crash.

Each error's text is meant to be read by a school librarian on the staff screen or in a log,
so it says what was wrong and, where there is one, what to do about it.
"""
from __future__ import annotations


class SIP2Error(ValueError):
    """Base of every SIP2 codec error."""


class FieldValueError(SIP2Error):
    """A value we were asked to send cannot be written into a SIP2 message (refused, not sent)."""

    def __init__(self, message: str, field: str, code: str | None = None):
        super().__init__(message)
        self.field = field
        self.code = code


class MessageFormatError(SIP2Error):
    """A received message is garbled: truncated, a bad Y/N flag, a bad number, a stray field."""


class DateError(MessageFormatError):
    """An 18-character SIP2 date that is not a real date and time."""


class MissingFieldError(MessageFormatError):
    """A received message leaves out a field the SIP2 specification requires."""

    def __init__(self, message: str, code: str, message_name: str):
        super().__init__(message)
        self.code = code
        self.message_name = message_name


class ChecksumError(SIP2Error):
    """The AZ checksum does not match the bytes received: ask the other side to resend (97/96)."""

    def __init__(self, message: str, expected: str, received: str):
        super().__init__(message)
        self.expected = expected
        self.received = received


class TextEncodingError(SIP2Error):
    """The bytes received are not valid in the connection's text encoding (cp850 or utf-8)."""


class UnsupportedMessageError(SIP2Error):
    """A well-formed message whose command code this codec does not handle (for example 15 Hold)."""

    def __init__(self, message: str, command: str):
        super().__init__(message)
        self.command = command


class MessageTooLongError(SIP2Error):
    """More bytes arrived without a message terminator than the connection allows."""

    def __init__(self, message: str, completed: list[bytes] | None = None):
        super().__init__(message)
        self.completed = completed or []  # whole messages that arrived before the over-long one


class SequenceMismatchError(SIP2Error):
    """A response's AY sequence number does not echo the one sent in the request."""
