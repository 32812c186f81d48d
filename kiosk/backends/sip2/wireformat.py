"""How one SIP2 connection writes and reads messages: the codec with this connection's settings.

Library systems differ: most want both AY (sequence number) and AZ (checksum), some neither, a few
only one; FOLIO can use '^' between fields; encodings vary. The codec does each of these; this
module turns the kiosk's settings into one, and says which setting it cannot use and why.
"""
from __future__ import annotations

from dataclasses import dataclass

from protocol.sip2 import Codec, Message


class FormatNotSupported(ValueError):
    """The codec cannot write this format (names the setting)."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


def make_codec(encoding: str, delimiter: str, terminator: str, sequence: bool, checksum: bool,
               strict: bool) -> Codec:
    """A Codec for these settings; FormatNotSupported naming the setting it refuses."""
    try:
        return Codec(encoding=encoding, terminator=terminator, delimiter=delimiter, strict=strict,
                     sequence_numbers=sequence, checksums=checksum)
    except ValueError as exc:
        words = str(exc).lower()
        setting = next((name for name in ("encoding", "delimiter", "terminator") if name in words), "encoding")
        raise FormatNotSupported(setting, str(exc)) from None


@dataclass(frozen=True)
class WireFormat:
    """Encode and decode for one connection."""

    codec: Codec

    @property
    def sequence(self) -> bool:
        """Whether messages carry AY sequence numbers."""
        return bool(self.codec.sequence_numbers)

    @classmethod
    def build(cls, *, encoding: str = "cp850", delimiter: str = "|", terminator: str = "\r",
              sequence: bool = True, checksum: bool = True, strict: bool = True) -> "WireFormat":
        """The format for these settings (FormatNotSupported when the codec cannot write it)."""
        return cls(make_codec(encoding, delimiter, terminator, sequence, checksum, strict))

    def encode(self, message: Message, sequence: int | None = None) -> bytes:
        """The message's bytes on the wire; ``sequence`` is used only when sequence numbers are on."""
        return self.codec.encode(message, sequence if self.sequence else None)

    def decode(self, raw: bytes) -> Message:
        """The typed message (any SIP2Error when it cannot be read); a present checksum is always checked."""
        return self.codec.decode(raw)
