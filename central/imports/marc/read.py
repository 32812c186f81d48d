"""Reading a MARC file, binary (ISO 2709, MARC-8 or UTF-8) or MARCXML, into pymarc records, one at a time.

A binary file is split on the record terminator (0x1D) before pymarc sees it, so a record with a
broken leader is refused alone and the records after it are still read in step (pymarc reading the
stream itself would take a broken length as gospel and garble every record behind it). A file that
ends in the middle of a record was cut short: the whole file is refused, since what is missing is
unknown. MARC-8 escape sequences are checked before conversion, because pymarc silently turns an
unknown one into wrong letters. A record whose leader says MARC-8 while its bytes are UTF-8 (Destiny
and Alexandria exports do this) is read as UTF-8 and counted, so the librarian is told.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from xml.sax import SAXParseException

import pymarc
from pymarc import marc8_mapping

from central.imports.report import ImportStopped
from central.imports.wording import S

RECORD_END, FIELD_END, ESC = 0x1D, 0x1E, 0x1B
_TRAILING_JUNK = b"\r\n\t \x00\x1a"  # newlines, padding and a DOS end-of-file after the last record
_DESIGNATORS = frozenset(b"(,$)-")
_TECHNIQUE_TWO = frozenset(b"gbps")  # Greek symbols, subscript, superscript, back to ASCII
_FINALS = frozenset(marc8_mapping.CODESETS) | {0x45}


@dataclass
class MarcEntry:
    """One record of the file: parsed, or the sentence saying why it could not be."""

    number: int
    record: pymarc.Record | None = None
    problem: S | None = None
    utf8_despite_leader: bool = False


def read_marc(data: bytes) -> tuple[str, list[MarcEntry]]:
    """The file's format ("MARC 21" or "MARCXML") and its records; ImportStopped for a file that is not MARC."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not start:
        raise ImportStopped(S("The file is empty."))
    if start == b"<":
        return "MARCXML", _read_xml(data)
    if start.isdigit():
        return "MARC 21", _read_binary(data)
    raise ImportStopped(S("This is not a MARC file: a MARC file starts with the record length (digits) or, "
                          "for MARCXML, with '<'. Export the catalog as MARC 21 (.mrc) or MARCXML and try again."))


def _read_binary(data: bytes) -> list[MarcEntry]:
    pieces = data.split(bytes([RECORD_END]))
    tail = pieces.pop()
    if tail.strip(_TRAILING_JUNK):
        raise ImportStopped(S("The file ends in the middle of record {number}: it was cut short while it was "
                              "copied or downloaded. Nothing was imported; export the file again.",
                              number=len(pieces) + 1))
    entries = []
    for number, piece in enumerate(pieces, start=1):
        chunk = piece.lstrip(_TRAILING_JUNK) + bytes([RECORD_END])
        entries.append(_parse_chunk(number, chunk))
    return entries


def _parse_chunk(number: int, chunk: bytes) -> MarcEntry:
    problem = _leader_problem(chunk)
    if problem:
        return MarcEntry(number, problem=problem)
    coding = chr(chunk[9])
    force_utf8 = False
    if coding != "a":
        body = chunk[24:]
        if ESC not in body and any(b >= 0x80 for b in body) and _is_utf8(body):
            force_utf8 = True
        else:
            bad = _bad_escape(body)
            if bad is not None:
                return MarcEntry(number, problem=S(
                    "Its MARC-8 text has a broken character code (escape sequence {code}), so its letters cannot be "
                    "read correctly. Fix the record in the old system or export it as UTF-8.", code=bad))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pymarc warns about odd subfield codes; the record is still usable
            record = pymarc.Record(chunk, to_unicode=True, force_utf8=force_utf8, hide_utf8_warnings=True,
                                   utf8_handling="strict")
    except UnicodeDecodeError:
        return MarcEntry(number, problem=S("Its leader says the text is UTF-8, but some of its bytes are not "
                                           "UTF-8. Export the record again, or as MARC-8."))
    except Exception:  # noqa: BLE001 - pymarc raises many kinds for one damaged record; each is refused alone
        return MarcEntry(number, problem=S("The record is damaged: its directory does not match its fields."))
    return MarcEntry(number, record=record, utf8_despite_leader=force_utf8)


def _leader_problem(chunk: bytes) -> S | None:
    broken = S("Its leader (the first 24 characters, which say how long the record is and where its fields "
               "begin) is broken, so the record cannot be read.")
    if len(chunk) < 25:
        return broken
    leader = chunk[:24]
    if not (leader[:5].isdigit() and leader[12:17].isdigit()):
        return broken
    base = int(leader[12:17])
    if base < 25 or base > len(chunk) or chunk[base - 1] != FIELD_END or (base - 25) % 12:
        return broken
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_escape(body: bytes) -> str | None:
    """The first MARC-8 escape sequence that names no character set, shown as text, or None."""
    position = body.find(bytes([ESC]))
    while position != -1:
        i = position + 1
        if i >= len(body):
            return "ESC"
        if body[i] in _TECHNIQUE_TWO:
            position = body.find(bytes([ESC]), i + 1)
            continue
        if body[i] not in _DESIGNATORS:
            return "ESC " + body[i:i + 1].decode("latin-1")
        designator, i = body[i], i + 1
        if designator == ord("$") and body[i:i + 1] in (b",", b"-"):
            i += 1
        if body[i:i + 1] == b"!":
            i += 1
        if i >= len(body) or body[i] not in _FINALS:
            return "ESC " + body[position + 1:i + 1].decode("latin-1")
        position = body.find(bytes([ESC]), i + 1)
    return None


def _read_xml(data: bytes) -> list[MarcEntry]:
    import io

    try:
        records = pymarc.parse_xml_to_array(io.BytesIO(data), strict=False, normalize_form="NFC")
    except SAXParseException as exc:
        raise ImportStopped(S("The MARCXML file is not complete or not well-formed XML (line {line}): it may have "
                              "been cut short. Nothing was imported; export the file again.",
                              line=exc.getLineNumber())) from None
    entries = []
    for number, record in enumerate(records, start=1):
        if record is None or not isinstance(record, pymarc.Record):
            entries.append(MarcEntry(number, problem=S("The record is damaged: its directory does not match its "
                                                       "fields.")))
        else:
            entries.append(MarcEntry(number, record=record))
    if not entries:
        raise ImportStopped(S("The XML file has no MARC records in it (no <record> elements in the MARC 21 "
                              "namespace)."))
    return entries
