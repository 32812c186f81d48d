"""MARC files for the import tests, made here with pymarc: books with 852/952/949 holdings, UTF-8 or MARC-8."""
from __future__ import annotations

import io

import pymarc
from pymarc import Field, Indicators, Subfield

from protocol.identifiers import make_library_barcode

UTF8_LEADER = "00000nam a2200000 a 4500"
MARC8_LEADER = "00000nam  2200000 a 4500"


def label(n: int, institution: int = 1234) -> str:
    """Item barcode number n of the test school (type digit 3)."""
    return make_library_barcode("3", institution, n)


class ClaimsMarc8(pymarc.Record):
    """A record written in UTF-8 whose leader says MARC-8, as some exports write them (binary() blanks leader/09)."""


def holding(tag: str, barcode: str, call_number: str, location: str = "", item_type: str = "",
            price: str = "") -> Field:
    """A holdings field as Destiny (852), Koha (952) or a Sierra-style export (949) writes it."""
    if tag == "852":
        parts = [("b", "MAIN"), ("c", location), ("h", call_number), ("p", barcode), ("9", price)]
    elif tag == "952":
        parts = [("a", "MAIN"), ("c", location), ("o", call_number), ("p", barcode), ("y", item_type), ("v", price)]
    else:
        parts = [("a", call_number), ("i", barcode), ("l", location), ("t", item_type), ("p", price)]
    return Field(tag=tag, indicators=Indicators(" ", " "),
                 subfields=[Subfield(code, value) for code, value in parts if value])


def book(control: str | None, title: str, author: str = "", *, isbns=(), subjects=(), dewey: str | None = None,
         holdings=(), publisher: str = "", year: str = "", subtitle: str = "", coding: str = "utf8") -> pymarc.Record:
    """A bibliographic record, written in UTF-8 (``coding`` "utf8"), MARC-8 ("marc8": the text values must then
    be MARC-8 already, as latin-1 characters), or UTF-8 under a leader that says MARC-8 ("utf8_as_marc8")."""
    if coding == "marc8":  # to_unicode=False: pymarc keeps the leader's MARC-8 flag and writes the bytes as given
        record = pymarc.Record(leader=MARC8_LEADER, to_unicode=False)
    else:
        record = (ClaimsMarc8 if coding == "utf8_as_marc8" else pymarc.Record)(leader=UTF8_LEADER)
    if control:
        record.add_field(Field(tag="001", data=control))
    record.add_field(Field(tag="008", data="250101s2020    xxu           000 1 eng d"))
    for number in isbns:
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", number)]))
    if dewey:
        record.add_field(Field(tag="082", indicators=Indicators("0", "4"), subfields=[Subfield("a", dewey)]))
    if author:
        record.add_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", author + ",")]))
    title_parts = [Subfield("a", title + (" :" if subtitle else " /"))]
    if subtitle:
        title_parts.append(Subfield("b", subtitle + " /"))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=title_parts))
    if publisher or year:
        record.add_field(Field(tag="264", indicators=Indicators(" ", "1"), subfields=[
            Subfield("a", "New York :"), Subfield("b", publisher + ","), Subfield("c", year + ".")]))
    for subject in subjects:
        record.add_field(Field(tag="650", indicators=Indicators(" ", "0"), subfields=[
            Subfield("a", part) if i == 0 else Subfield("x", part) for i, part in enumerate(subject.split(" -- "))]))
    for found in holdings:
        record.add_field(found)
    return record


def binary(*records: pymarc.Record) -> bytes:
    """The records as one MARC 21 transmission file."""
    out = io.BytesIO()
    for record in records:
        data = record.as_marc()
        if isinstance(record, ClaimsMarc8):
            data = data[:9] + b" " + data[10:]
        out.write(data)
    return out.getvalue()


def xml(*records: pymarc.Record) -> bytes:
    """The records as a MARCXML collection."""
    body = b"".join(pymarc.record_to_xml(r, namespace=False) for r in records)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">'
            + body + b"</collection>\n")
