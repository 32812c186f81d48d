"""ISO 28560-2 library RFID tags: the data model on ISO 15693 tag memory, decoded and encoded.

What is implemented (the subset a self-service kiosk needs), as we read ISO 28560-2 and the
ISO/IEC 15962 encoding rules it uses (no-directory access method):

Memory layout -- a sequence of data sets, ended by a 0x00 byte:
    precursor | [relative-OID byte] | [offset byte] | length | compacted data | [offset pad bytes]
* precursor bit 8 = an offset byte follows; bits 7-5 = compaction scheme; bits 4-1 = relative
  OID 1..14, or 15 meaning "OID - 15 is in the next byte" (OIDs 15..270).
* The primary item identifier (OID 1) comes first, padded with the offset so it fills whole
  blocks (it is the part libraries lock); later data sets are not padded.

Data elements given meaning here (others are kept as text by relative OID):
    1 primary item identifier (the item barcode), 3 owner library (ISIL),
    4 set information ("part x of y": the digits of y then x, same width, e.g. "1203" = part 3 of 12),
    2 content parameter and every other element: decoded, kept in ``TagData.elements``.

Compaction schemes (the 3 precursor bits) -- all eight are decoded and encoded:
    0 application-defined: raw bytes (shown as upper-case hex)
    1 integer: a digit string without leading zeros, as a big-endian binary number
    2 numeric: a digit string with leading zeros, as the binary number of "1" + digits
    3 5-bit: characters 0x41-0x5F (A-Z [ \\ ] ^ _), low 5 bits each, zero-padded
    4 6-bit: characters 0x20-0x5F (space, digits, A-Z, punctuation), low 6 bits each,
      padded with the leading bits of 100000 (a space; so 6-bit text never ends in a space)
    5 7-bit: ASCII 0x01-0x7E, 7 bits each, padded with 1 bits
    6 octet string: ISO/IEC 8859-1 bytes
    7 UTF-8
The integer, 6-bit and set-information rules are checked against the worked examples of the
standard's Annex D (ISO 28560-2:2014, as published in GOST R ISO 28560-2-2014). The numeric
scheme's "leading 1" and the 5/7-bit pad bits are our reading of ISO/IEC 15962; the 7-bit
decoder accepts zero or one pad bits, so tags from other encoders read either way.

AFI (the tag's separate security byte, not in this memory): 0x07 = secured (on the shelf,
returned), 0xC2 = checked out (may leave the library).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from drivers.errors import TagError

OID_PRIMARY_ITEM_ID, OID_CONTENT_PARAMETER, OID_OWNER_LIBRARY, OID_SET_INFORMATION = 1, 2, 3, 4
AFI_SECURED, AFI_CHECKED_OUT = 0x07, 0xC2
DSFID_ISO28560_2 = 0x06  # the tag's DSFID register value for this data model

(APPLICATION, INTEGER, NUMERIC, FIVE_BIT, SIX_BIT, SEVEN_BIT, OCTET, UTF8) = range(8)
SCHEME_NAMES = ("application-defined", "integer", "numeric", "5-bit", "6-bit", "7-bit", "octet", "utf-8")
MAX_OID = 15 + 255
MAX_ITEM_ID = 64  # longer than any barcode (protocol.identifiers.MAX_CODE_LENGTH): damaged data


class TagDataTruncated(TagError):
    """The memory read so far ends before the data does (read more blocks, or the tag is damaged)."""


@dataclass(frozen=True)
class TagData:
    """The library data on one tag."""

    primary_item_id: str
    owner_library: str | None = None
    part: int = 1
    parts: int = 1
    elements: dict[int, str] = field(default_factory=dict)  # other data elements by relative OID


def is_secured(afi: int) -> bool:
    """True unless the AFI says the item is checked out (unknown AFIs count as secured: safer)."""
    return afi != AFI_CHECKED_OUT


def afi_for(secured: bool) -> int:
    """The AFI byte to write for a secured or checked-out item."""
    return AFI_SECURED if secured else AFI_CHECKED_OUT


# -- compaction -------------------------------------------------------------------------------
def choose_scheme(text: str) -> int:
    """The most compact scheme that can hold ``text`` (the order ISO/IEC 15962 prefers)."""
    if text.isdigit() and text.isascii():
        return INTEGER if text[0] != "0" or text == "0" else NUMERIC
    if all("\x41" <= c <= "\x5f" for c in text):
        return FIVE_BIT
    if all("\x20" <= c <= "\x5f" for c in text) and not text.endswith(" "):
        return SIX_BIT
    if all("\x00" < c < "\x7f" for c in text):
        return SEVEN_BIT
    if all(c <= "\xff" for c in text):
        return OCTET
    return UTF8


def compact(text: str, scheme: int | None = None) -> tuple[int, bytes]:
    """Compact ``text``; returns (scheme, bytes). Raises TagError if the scheme cannot hold it."""
    if not text:
        raise TagError("An empty value cannot be written to a tag.")
    scheme = choose_scheme(text) if scheme is None else scheme
    try:
        if scheme == APPLICATION:
            return scheme, bytes.fromhex(text)
        if scheme in (INTEGER, NUMERIC):
            if not (text.isdigit() and text.isascii()) or (scheme == INTEGER and text[0] == "0" and text != "0"):
                raise ValueError("digits")
            number = int(text if scheme == INTEGER else "1" + text)
            return scheme, number.to_bytes(max(1, (number.bit_length() + 7) // 8), "big")
        if scheme == FIVE_BIT:
            return scheme, _pack([ord(c) - 0x40 for c in text], 5, pad_ones=False, check=lambda c: 1 <= c <= 31)
        if scheme == SIX_BIT:
            if text.endswith(" "):
                raise ValueError("a trailing space reads back as 6-bit padding")
            return scheme, _pack([ord(c) & 0x3F for c in text], 6, pad_ones=None,
                                 check=lambda c: True, source=text, low=0x20, high=0x5F)
        if scheme == SEVEN_BIT:
            # NUL and DEL are left out: they are what a 7-bit pad looks like (and no library uses them).
            return scheme, _pack([ord(c) for c in text], 7, pad_ones=True, check=lambda c: 0 < c < 0x7F)
        if scheme == OCTET:
            return scheme, text.encode("latin-1")
        if scheme == UTF8:
            return scheme, text.encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        pass  # the text has a character this scheme cannot hold: the same sentence as an unknown scheme
    raise TagError(f"'{text[:30]}' cannot be written with {SCHEME_NAMES[scheme] if 0 <= scheme < 8 else scheme} compaction.")


def _pack(codes: list[int], bits: int, pad_ones: bool | None, check, source: str | None = None,
          low: int = 0, high: int = 0x7F) -> bytes:
    if not all(check(c) for c in codes) or (source is not None and not all(low <= ord(c) <= high for c in source)):
        raise ValueError("character outside the scheme")
    value, count = 0, 0
    for code in codes:
        value, count = (value << bits) | code, count + bits
    pad = (-count) % 8
    if pad:
        if pad_ones is None:  # 6-bit: the leading bits of 100000
            pad_bits = 1 << (pad - 1)
        else:
            pad_bits = (1 << pad) - 1 if pad_ones else 0
        value, count = (value << pad) | pad_bits, count + pad
    return value.to_bytes(count // 8, "big")


def expand(scheme: int, data: bytes) -> str:
    """The text held by compacted ``data``; raises TagError for data the scheme cannot produce."""
    if not data:
        raise TagError("A data element on the tag is empty.")
    if scheme == APPLICATION:
        return data.hex().upper()
    if scheme == INTEGER:
        return str(int.from_bytes(data, "big"))
    if scheme == NUMERIC:
        text = str(int.from_bytes(data, "big"))
        if text[0] != "1" or len(text) < 2:
            raise TagError("A numeric value on the tag is malformed.")
        return text[1:]
    if scheme in (FIVE_BIT, SIX_BIT, SEVEN_BIT):
        bits = {FIVE_BIT: 5, SIX_BIT: 6, SEVEN_BIT: 7}[scheme]
        value, total = int.from_bytes(data, "big"), len(data) * 8
        count = total // bits
        codes = [(value >> (total - bits * (i + 1))) & ((1 << bits) - 1) for i in range(count)]
        # The pad is under 8 bits, so the last group can be pure pad only if it and the bits
        # after it fit in 7 bits. Then the pad pattern is dropped: 5-bit 00000, 6-bit 100000
        # (a space: 6-bit text never ends in one), 7-bit 1111111 or 0000000 (DEL, NUL).
        leftover = total - count * bits
        if leftover + bits <= 7 and codes:
            pad_codes = {FIVE_BIT: (0,), SIX_BIT: (0x20,), SEVEN_BIT: (0, 0x7F)}[scheme]
            if codes[-1] in pad_codes:
                codes.pop()
        if scheme == FIVE_BIT:
            if any(c == 0 for c in codes):
                raise TagError("A 5-bit value on the tag has an invalid character.")
            return "".join(chr(0x40 + c) for c in codes)
        if scheme == SIX_BIT:
            return "".join(chr(c if c >= 0x20 else c + 0x40) for c in codes)
        return "".join(chr(c) for c in codes)
    if scheme == OCTET:
        return data.decode("latin-1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TagError("A UTF-8 value on the tag is not valid UTF-8.") from None


# -- data sets --------------------------------------------------------------------------------
def encode_element(oid: int, text: str, scheme: int | None = None, block_size: int = 0, used: int = 0) -> bytes:
    """One data set; with ``block_size`` it is padded (offset) to end on a block boundary."""
    if not 1 <= oid <= MAX_OID:
        raise TagError(f"Data element {oid} cannot be written (relative OIDs are 1 to {MAX_OID}).")
    scheme, data = compact(text, scheme)
    if len(data) > 255:
        raise TagError("A value is too long for one data element on a tag.")
    head = bytes([(scheme << 4) | min(oid, 15)]) + (bytes([oid - 15]) if oid >= 15 else b"")
    plain = head + bytes([len(data)]) + data
    if not block_size or (used + len(plain)) % block_size == 0:
        return plain
    pad = (-(used + len(plain) + 1)) % block_size
    return bytes([head[0] | 0x80]) + head[1:] + bytes([pad, len(data)]) + data + b"\x00" * pad


def decode_elements(memory: bytes, require_terminator: bool = False) -> list[tuple[int, int, bytes]]:
    """The (relative OID, scheme, compacted data) of each data set up to the terminator."""
    out, pos, size = [], 0, len(memory)

    def need(n: int) -> None:
        """Fail clearly if fewer than ``n`` bytes remain."""
        if pos + n > size:
            raise TagDataTruncated("The tag's data ends in the middle of a data element: it is damaged or was cut short.")

    while pos < size:
        precursor = memory[pos]
        pos += 1
        if precursor == 0:
            break
        scheme, oid = (precursor >> 4) & 0x07, precursor & 0x0F
        if oid == 0:
            raise TagError("The tag's data has an element without an identifier: it is not ISO 28560-2 data.")
        if oid == 15:
            need(1)
            oid, pos = 15 + memory[pos], pos + 1
        offset = 0
        if precursor & 0x80:
            need(1)
            offset, pos = memory[pos], pos + 1
        need(1)
        length, pos = memory[pos], pos + 1
        need(length + offset)
        out.append((oid, scheme, bytes(memory[pos:pos + length])))
        pos += length + offset
    else:
        if require_terminator:
            raise TagDataTruncated("The tag's data has no end marker within the memory read.")
    return out


def encode(tag: TagData, block_size: int = 4, memory_size: int | None = None) -> bytes:
    """The bytes to write to a tag's user memory for ``tag`` (terminated, block-aligned PII)."""
    if not tag.primary_item_id:
        raise TagError("A library tag needs a primary item identifier (the item barcode).")
    if not 1 <= tag.part <= tag.parts <= 99_999:
        raise TagError(f"Set information 'part {tag.part} of {tag.parts}' is not possible.")
    out = encode_element(OID_PRIMARY_ITEM_ID, tag.primary_item_id, block_size=block_size)
    if tag.parts > 1:
        width = len(str(tag.parts))
        out += encode_element(OID_SET_INFORMATION, f"{tag.parts}{tag.part:0{width}d}")
    if tag.owner_library:
        out += encode_element(OID_OWNER_LIBRARY, tag.owner_library)
    for oid, text in sorted(tag.elements.items()):
        if oid in (OID_PRIMARY_ITEM_ID, OID_OWNER_LIBRARY, OID_SET_INFORMATION):
            raise TagError(f"Data element {oid} is set through its own field, not 'elements'.")
        out += encode_element(oid, text, APPLICATION if oid == OID_CONTENT_PARAMETER else None)
    out += b"\x00"
    if memory_size is not None and len(out) > memory_size:
        raise TagError(f"The data needs {len(out)} bytes; the tag has only {memory_size}.")
    return out


def decode(memory: bytes, require_terminator: bool = False) -> TagData:
    """Read the library data from a tag's user memory; raises TagError for anything malformed."""
    elements = decode_elements(bytes(memory), require_terminator)
    if not elements:
        raise TagError("The tag is blank: it has no item identifier.")
    if elements[0][0] != OID_PRIMARY_ITEM_ID:
        raise TagError("The tag's first data element is not the item identifier: it is not ISO 28560-2 data.")
    values: dict[int, str] = {}
    for oid, scheme, data in elements:
        if oid in values:
            raise TagError(f"The tag holds data element {oid} twice: it is damaged.")
        values[oid] = expand(scheme, data)
    item_id = values[OID_PRIMARY_ITEM_ID]
    if len(item_id) > MAX_ITEM_ID or not item_id.isprintable() or not item_id.strip():
        raise TagError("The tag's item identifier is not readable: the tag is damaged or holds other data.")
    part, parts = 1, 1
    if OID_SET_INFORMATION in values:
        part, parts = _set_information(values.pop(OID_SET_INFORMATION))
    return TagData(primary_item_id=values.pop(OID_PRIMARY_ITEM_ID), owner_library=values.pop(OID_OWNER_LIBRARY, None),
                   part=part, parts=parts, elements=values)


def _set_information(text: str) -> tuple[int, int]:
    if not text.isdigit() or len(text) % 2:
        raise TagError(f"The tag's set information '{text[:12]}' is not 'part x of y'.")
    half = len(text) // 2
    parts, part = int(text[:half]), int(text[half:])
    if not 1 <= part <= parts:
        raise TagError(f"The tag says it is part {part} of {parts}, which is not possible.")
    return part, parts
