"""How one SIP2 connection writes and reads messages: the codec, with sequence and checksum switched apart.

Library systems differ: most want both AY (sequence number) and AZ (checksum), some want neither,
a few want only one of them. The codec switches both together, so the two odd cases are framed
here from the codec's own message body and checksum functions.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from protocol.sip2 import Codec, Message
from protocol.sip2.checksum import append_checksum

RESEND_COMMANDS = ("96", "97")  # never numbered, even when sequence numbers are on


class FormatNotSupported(ValueError):
    """The codec on this computer cannot write this format (names the setting)."""

    def __init__(self, setting: str, message: str):
        super().__init__(message)
        self.setting = setting


def _codec_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(Codec)}


def make_codec(encoding: str, delimiter: str, terminator: str, error_detection: bool, strict: bool) -> Codec:
    """A Codec for these settings; FormatNotSupported naming the setting this codec cannot do."""
    options = {"encoding": encoding, "terminator": terminator, "error_detection": error_detection,
               "strict": strict}
    if delimiter != "|":
        if "delimiter" not in _codec_fields():
            raise FormatNotSupported("delimiter", f"this kiosk's SIP2 codec writes only '|' between fields, "
                                                  f"not {delimiter!r}")
        options["delimiter"] = delimiter
    try:
        return Codec(**options)
    except ValueError as exc:
        setting = "encoding" if "encoding" in str(exc) else "terminator"
        raise FormatNotSupported(setting, str(exc)) from None


@dataclass(frozen=True)
class WireFormat:
    """Encode and decode for one connection, with AY and AZ each on or off."""

    codec: Codec
    sequence: bool = True
    checksum: bool = True

    @classmethod
    def build(cls, *, encoding: str = "cp850", delimiter: str = "|", terminator: str = "\r",
              sequence: bool = True, checksum: bool = True, strict: bool = True) -> "WireFormat":
        """The format for these settings (FormatNotSupported when the codec cannot write it)."""
        codec = make_codec(encoding, delimiter, terminator, sequence and checksum, strict)
        return cls(codec=codec, sequence=sequence, checksum=checksum)

    def encode(self, message: Message, sequence: int | None = None) -> bytes:
        """The message's bytes on the wire; ``sequence`` is used only when sequence numbers are on."""
        codec = self.codec
        if self.sequence == self.checksum:
            return codec.encode(message, sequence if self.sequence else None)
        body = codec.encode_body(message)
        if self.sequence and message.COMMAND not in RESEND_COMMANDS:
            body += f"AY{0 if sequence is None else sequence}"
        data = body.encode(codec.encoding)
        if self.checksum:
            data = append_checksum(data)
        return data + codec.terminator.encode("ascii")

    def decode(self, raw: bytes) -> Message:
        """The typed message (any SIP2Error when it cannot be read); a present checksum is always checked."""
        return self.codec.decode(raw)
