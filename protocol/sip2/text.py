"""The connection's text encoding: cp850 (the traditional SIP2 default), utf-8, latin-1, cp1252 or ascii.

The setting is per connection because servers disagree, and the checksum is summed over the
bytes in that encoding. cp850 cannot write every character: in text meant for reading (a
title, a name, a screen message) a character it lacks becomes a look-alike ("—" becomes "-",
"ő" becomes "o"); in identifiers and passwords it is refused, because a changed barcode would
find the wrong patron or item.
"""
from __future__ import annotations

import codecs
import unicodedata

from protocol.sip2.errors import FieldValueError, TextEncodingError

# Canonical codec name -> the name this project uses. cp850 is the spec's tradition; utf-8 is what
# newer servers speak; latin-1, cp1252 and ascii are settings some ILSs have (Koha's SIP encoding,
# Symphony's ascii-only links).
ENCODINGS = {"cp850": "cp850", "utf-8": "utf-8", "iso8859-1": "latin-1", "cp1252": "cp1252", "ascii": "ascii"}

# Typographic characters common in catalogue records, with the nearest plain character.
_LOOKALIKES = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2026": "...", "\u2022": "*", "\u00a0": " ",
}


def encoding_name(name: str) -> str:
    """Return the canonical name of a supported encoding ('cp850' or 'utf-8'), else raise ValueError."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        canonical = ""
    canonical = {"utf_8": "utf-8", "utf8": "utf-8"}.get(canonical, canonical)
    if canonical not in ENCODINGS:
        raise ValueError(f"SIP2 text encoding {name!r} is not supported: use one of "
                         f"{', '.join(ENCODINGS.values())}.")
    return ENCODINGS[canonical]


def _lookalike(char: str, encoding: str) -> str:
    if char in _LOOKALIKES:
        candidate = _LOOKALIKES[char]
    else:
        # Drop accents the encoding lacks: decomposed base letters survive, combining marks go.
        candidate = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        candidate.encode(encoding)
    except UnicodeEncodeError:
        return "?"
    # Compatibility forms can decompose to the delimiter (a full-width bar becomes "|").
    if not candidate or any(c in "|\r\n" for c in candidate):
        return "?"
    return candidate


def fit_text(value: str, encoding: str, readable: bool, where: str) -> str:
    """Return ``value`` writable in ``encoding``: look-alikes for readable text, else FieldValueError."""
    try:
        value.encode(encoding)
        return value
    except UnicodeEncodeError as err:
        if not readable:
            bad = value[err.start]
            raise FieldValueError(
                f"The {where} contains {bad!r}, which this connection's {encoding} text encoding cannot "
                "carry. Set the connection's encoding to utf-8 if the library system accepts it.",
                field=where,
            ) from None
    out = []
    for char in value:
        try:
            char.encode(encoding)
            out.append(char)
        except UnicodeEncodeError:
            out.append(_lookalike(char, encoding))
    return "".join(out)


def decode_bytes(data: bytes, encoding: str) -> str:
    """Bytes received to text in the connection's encoding; TextEncodingError if they are not valid."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise TextEncodingError(
            f"A message holds bytes that are not valid {encoding} (byte {err.start + 1} of {len(data)}). "
            "The library system probably uses another text encoding: try cp850 or latin-1 for this connection."
        ) from None
