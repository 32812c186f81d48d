"""What a MARC bibliographic record says about a title and its copies, in the catalog's own terms.

Holdings come in the fields the school's old system exports: 852 (MARC holdings; Follett Destiny and
most others), 952 (Koha) and 949 (Sierra-style local item fields, used by several vendors). Each
subfield used is named below, because that is what a librarian checks when a column comes out wrong.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pymarc
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from central.store.models import AUDIENCES, ITEM_TYPES

# Holdings field -> (barcode, call number parts, shelf location, item type, price, date acquired) subfields.
HOLDINGS = {
    "852": {"barcode": "p", "call_number": "khim", "location": "cb", "item_type": "", "price": "9", "acquired": ""},
    "952": {"barcode": "p", "call_number": "o", "location": "c", "item_type": "y", "price": "vg", "acquired": "d"},
    "949": {"barcode": "ib", "call_number": "a", "location": "l", "item_type": "t", "price": "p", "acquired": ""},
}
_TRAILING = " /:;,.=+"
_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")
_DEWEY = re.compile(r"^\d{3}(\.\d+)?$")
_ISBN_TEXT = re.compile(r"^[\dXx\- ]{10,17}")


@dataclass
class CopyData:
    """One copy as the holdings field describes it (values as written there; validated by the importer)."""

    barcode: str
    call_number: str
    location: str
    item_type: str
    price_cents: int | None
    acquired_on: date | None
    field_tag: str
    bad_price: str | None = None


@dataclass
class TitleData:
    """One bibliographic record, reduced to what the catalog keeps."""

    control_number: str | None
    title: str
    author: str
    isbns: list[tuple[str, str | None]] = field(default_factory=list)  # (13 digits, qualifier)
    bad_isbns: list[str] = field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    edition: str | None = None
    series: str | None = None
    dewey: str | None = None
    subjects: list[str] = field(default_factory=list)
    audience: str = "fiction"
    copies: list[CopyData] = field(default_factory=list)


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "")).strip().rstrip(_TRAILING).strip()


def _first(record: pymarc.Record, tags: tuple[str, ...], codes: str) -> str:
    for tag in tags:
        for found in record.get_fields(tag):
            value = " ".join(v for c in codes for v in found.get_subfields(c))
            if _clean(value):
                return _clean(value)
    return ""


def title_data(record: pymarc.Record) -> TitleData:
    """The title, author, ISBNs, publication, subjects, Dewey and copies of one record."""
    control = record["001"].data.strip() if record["001"] and record["001"].data else None
    title = _title(record)
    author = _first(record, ("100", "110", "111"), "abq") or _first(record, ("245",), "c")
    data = TitleData(control_number=control or None, title=title, author=author[:200])
    _isbns(record, data)
    data.publisher = _first(record, ("264", "260"), "b")[:200] or None
    data.year = _year(record)
    data.edition = _first(record, ("250",), "a")[:100] or None
    data.series = _first(record, ("490", "830", "800"), "a")[:200] or None
    data.dewey = _dewey(record)
    data.subjects = _subjects(record)
    data.copies = [copy for tag in HOLDINGS for found in record.get_fields(tag) if (copy := _copy(tag, found))]
    fallback = _call_number_from_record(record, data)
    for copy in data.copies:
        copy.call_number = copy.call_number or fallback
        copy.item_type = item_type(copy.item_type, copy.call_number, str(record.leader))
    data.audience = audience(data.copies[0].call_number if data.copies else fallback, data, record)
    return data


def _title(record: pymarc.Record) -> str:
    found = record["245"]
    if found is None:
        return ""
    parts = [_clean(v) for c in "abnp" for v in found.get_subfields(c)]
    text = ": ".join(p for p in parts[:2] if p) if len(parts) >= 2 else (parts[0] if parts else "")
    if len(parts) > 2:
        text = ". ".join([text, *[p for p in parts[2:] if p]])
    return text[:300]


def _isbns(record: pymarc.Record, data: TitleData) -> None:
    for found in record.get_fields("020"):
        for raw in found.get_subfields("a"):
            match = _ISBN_TEXT.match(raw.strip())
            candidate = re.sub(r"[\s-]", "", match.group(0)) if match else raw.strip()
            qualifier = " ".join(found.get_subfields("q")) or _parenthesised(raw)
            try:
                number = stdnum_isbn.to_isbn13(stdnum_isbn.validate(candidate))
            except ValidationError:
                data.bad_isbns.append(candidate[:20] or raw.strip()[:20])
                continue
            if number not in {n for n, _ in data.isbns}:
                data.isbns.append((number, qualifier.strip().strip(" :;,/")[:80] or None))


def _parenthesised(text: str) -> str:
    found = re.search(r"\(([^)]*)\)", text)
    return found.group(1) if found else ""


def _year(record: pymarc.Record) -> int | None:
    found = _YEAR.search(_first(record, ("264", "260"), "c"))
    if found:
        return int(found.group(1))
    fixed = record["008"].data if record["008"] else ""
    return int(fixed[7:11]) if len(fixed) >= 11 and fixed[7:11].isdigit() and _YEAR.match(fixed[7:11]) else None


def _dewey(record: pymarc.Record) -> str | None:
    for tag in ("082", "092"):
        for found in record.get_fields(tag):
            for value in found.get_subfields("a"):
                text = value.replace("/", "").replace("'", "").strip()
                if _DEWEY.match(text):
                    return text[:20]
    return None


def _subjects(record: pymarc.Record) -> list[str]:
    found: list[str] = []
    for tag in ("600", "610", "611", "630", "650", "651", "655"):
        for heading in record.get_fields(tag):
            parts = [_clean(v) for c in "abcdtvxyz" for v in heading.get_subfields(c) if _clean(v)]
            text = " -- ".join(parts)[:300]
            if text and text not in found:
                found.append(text)
    return found


def _copy(tag: str, found: pymarc.Field) -> CopyData | None:
    layout = HOLDINGS[tag]
    barcode = next((v.strip() for c in layout["barcode"] for v in found.get_subfields(c) if v.strip()), "")
    call_number = _clean(" ".join(v for c in layout["call_number"] for v in found.get_subfields(c)))
    location = next((_clean(v) for c in layout["location"] for v in found.get_subfields(c) if _clean(v)), "")
    kind = next((v.strip() for c in layout["item_type"] for v in found.get_subfields(c) if v.strip()), "")
    for note in found.get_subfields("x") if tag == "852" else ():
        # This server's own export writes the item type as an 852 $x note ("item type: dvd").
        if note.strip().lower().startswith("item type:") and note.split(":", 1)[1].strip() in ITEM_TYPES:
            kind = note.split(":", 1)[1].strip()
    if not (barcode or call_number):
        return None  # an 852 with only an institution code: where the library is, not a copy
    raw_price = next((v.strip() for c in layout["price"] for v in found.get_subfields(c) if v.strip()), "")
    price = price_cents(raw_price) if raw_price else None
    acquired = next((v.strip() for c in layout["acquired"] for v in found.get_subfields(c) if v.strip()), "")
    return CopyData(barcode=barcode.replace(" ", ""), call_number=call_number[:60], location=location[:80],
                    item_type=kind, price_cents=price, acquired_on=_date(acquired), field_tag=tag,
                    bad_price=raw_price if raw_price and price is None else None)


def price_cents(text: str) -> int | None:
    """"$12.99", "12.99", "USD 12.99", "12,99" as cents; None when it is not an amount."""
    cleaned = re.sub(r"[^\d.,]", "", text)
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if amount < 0 or amount > 100000:
        return None
    return int((amount * 100).quantize(Decimal("1")))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _call_number_from_record(record: pymarc.Record, data: TitleData) -> str:
    local = _first(record, ("092", "099"), "ab")
    if local:
        return local[:60]
    if data.dewey:
        letters = re.sub(r"[^A-Za-z]", "", data.author)[:3].upper()
        return f"{data.dewey} {letters}".strip()[:60]
    return ""


_PREFIX_TYPES = {"E": "picture_book", "EASY": "picture_book", "PIC": "picture_book", "PB": "picture_book",
                 "REF": "reference", "R": "reference", "DVD": "dvd", "VID": "dvd", "CD": "audiobook",
                 "AB": "audiobook", "AUD": "audiobook", "PER": "magazine", "MAG": "magazine"}
_CODE_WORDS = (("dvd", "dvd"), ("video", "dvd"), ("audio", "audiobook"), ("cd", "audiobook"),
               ("mag", "magazine"), ("per", "magazine"), ("serial", "magazine"), ("ref", "reference"),
               ("pic", "picture_book"), ("easy", "picture_book"), ("bk", "book"), ("book", "book"))


def _prefix(call_number: str) -> str:
    return (call_number.split() or [""])[0].upper().rstrip(".")


def item_type(code: str, call_number: str, leader: str) -> str:
    """The catalog's item type from the holdings' type code, else the call number, else the leader."""
    lowered = code.lower()
    if lowered in ITEM_TYPES:
        return lowered
    if lowered in ("e", "pb", "pbk"):
        return "picture_book"
    for word, kind in _CODE_WORDS:
        if word in lowered:
            return kind
    if _prefix(call_number) in _PREFIX_TYPES:
        return _PREFIX_TYPES[_prefix(call_number)]
    record_type, level = (leader[6], leader[7]) if len(leader) > 7 else (" ", " ")
    return {"g": "dvd", "i": "audiobook"}.get(record_type) or ("magazine" if level == "s" else "book")


def audience(call_number: str, data: TitleData, record: pymarc.Record) -> str:
    """Which part of the library the title belongs to (the catalog's audience), from its call number first."""
    for note in (v for found in record.get_fields("900") for v in found.get_subfields("a")):
        # This server's own export keeps the audience in a local 900 $a ("audience: picture_book").
        if note.lower().startswith("audience:") and note.split(":", 1)[1].strip() in AUDIENCES:
            return note.split(":", 1)[1].strip()
    prefix = _prefix(call_number)
    words = call_number.upper().split()
    if prefix in ("ER", "EZ") or words[:2] in (["E", "READER"], ["EASY", "READER"], ["E", "READ"]):
        return "easy_reader"
    if prefix in ("E", "EASY", "PIC", "PB"):
        return "picture_book"
    if prefix in ("FIC", "F", "SC", "YA", "J"):
        return "fiction"
    if prefix in ("B", "BIO", "921", "920", "92"):
        return "biography"
    if prefix in ("REF", "R"):
        return "reference"
    if prefix in ("DVD", "VID", "CD", "AB", "AUD") or str(record.leader)[6:7] in ("g", "i", "j"):
        return "media"
    if _DEWEY.match(prefix) or data.dewey:
        return "biography" if (data.dewey or prefix).startswith("92") else "nonfiction"
    fixed = record["008"].data if record["008"] else ""
    literary_form = fixed[33:34] if len(fixed) > 33 else ""
    return "nonfiction" if literary_form == "0" else "fiction"
