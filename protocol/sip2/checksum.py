"""SIP2 error detection: the AZ checksum and where it sits in a message.

The checksum is the two's complement of the 16-bit sum of every byte from the first character
of the message through the letters ``AZ``, written as four upper-case hex digits. So adding the
checksum's value to that byte sum leaves the low 16 bits zero, which is how it is verified.
The bytes are the message in the connection's encoding (cp850 or utf-8), so the same text can
carry different checksums on different connections.
"""
from __future__ import annotations

import re

from protocol.sip2.errors import ChecksumError

# The checksum closes the message: "AZ" and four hex digits, nothing after them.
_TRAILER = re.compile(rb"AZ([0-9A-Fa-f]{4})\Z")
# Some clients (the `sip2` package on PyPI) write a checksum below 1000 hex without its leading zeros.
_SHORT_TRAILER = re.compile(rb"AZ([0-9A-Fa-f]{1,3})\Z")


def checksum(data: bytes) -> str:
    """Return the four hex digits that make ``data`` (ending in b"AZ") sum to zero mod 65536."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


def checksum_ok(data: bytes) -> bool:
    """True when a whole message (ending AZxxxx, no terminator) adds up to zero in its low 16 bits."""
    match = _TRAILER.search(data)
    if match is None:
        return False
    return (sum(data[: match.start(1)]) + int(match.group(1), 16)) & 0xFFFF == 0


def append_checksum(data: bytes) -> bytes:
    """Append b"AZ" and its checksum to a message body."""
    body = data + b"AZ"
    return body + checksum(body).encode("ascii")


def split_checksum(data: bytes) -> tuple[bytes, str | None]:
    """Verify and strip a trailing AZxxxx; return (body without AZ, the checksum or None if absent).

    Raises ChecksumError when the checksum is present and wrong, so the caller can ask for a
    resend (an SC sends 97, an ACS sends 96).
    """
    match = _TRAILER.search(data)
    if match is None:
        short = _SHORT_TRAILER.search(data)
        # Taken as a checksum only when it adds up: otherwise it is text that happens to end in "AZ1".
        if short is not None and checksum(data[: short.start(1)]) == short.group(1).decode("ascii").upper().zfill(4):
            return data[: short.start()], short.group(1).decode("ascii").upper().zfill(4)
        return data, None
    received = match.group(1).decode("ascii")
    covered = data[: match.start(1)]
    expected = checksum(covered)
    if expected != received.upper():
        raise ChecksumError(
            f"The message's checksum is {received} but its bytes add up to {expected}: it was damaged "
            "on the way (or the two sides disagree on the text encoding). Ask for it again.",
            expected=expected,
            received=received,
        )
    return data[: match.start()], received
