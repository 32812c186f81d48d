"""Exports, so a school is never locked in: its catalog as MARC 21 or MARCXML with holdings, its patrons as CSV.

Both are written so that this server's own importers read them back into the same library (the
tests re-import them): the MARC records keep the 001 they came with, and the patron CSV uses the
header names the patron import recognises. Each copy is an 852 (MARC holdings: $b school, $c shelf
location, $h call number, $p barcode, $9 price, $x "item type: ..."), and the title's audience is kept in a
local 900 ("audience: picture_book"), which the importer reads back. Withdrawn copies are left out;
PINs are never exported.
"""
from __future__ import annotations

import csv
import io

import pymarc
import sqlalchemy as sa
from pymarc import Field, Indicators, Subfield
from sqlalchemy.orm import Session

from central.imports.report import _safe_cell
from central.store.models import Item, Patron, PatronCard, School, Title, TitleIsbn, TitleSubject

ITEM_TYPE_NOTE, AUDIENCE_NOTE = "item type: ", "audience: "
PATRON_HEADER = ("Student ID", "First Name", "Last Name", "Barcode", "Patron Type", "Grade", "Homeroom", "Language",
                 "Card UID", "School", "Expires")
CHUNK = 500


def _school_titles(session: Session, school: School) -> list[int]:
    """The titles a school's export holds: those it has copies of, and those it imported with no copies."""
    with_copies = sa.select(Item.title_id).where(Item.school_id == school.id, Item.status != "withdrawn")
    imported = sa.select(Title.id).where(Title.import_source == f"marc:{school.code}"[:40])
    return sorted(set(session.scalars(with_copies)) | set(session.scalars(imported)))


def catalog_records(session: Session, school: School):
    """The school's catalog as pymarc records, one per title, with its copies at the school in 852 fields."""
    ids = _school_titles(session, school)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        titles = session.scalars(sa.select(Title).where(Title.id.in_(chunk)).order_by(Title.id)).all()
        isbns, subjects, copies = _grouped(session, TitleIsbn, chunk), _grouped(session, TitleSubject, chunk), {}
        for item in session.scalars(sa.select(Item).where(Item.title_id.in_(chunk), Item.school_id == school.id,
                                                          Item.status != "withdrawn").order_by(Item.barcode)):
            copies.setdefault(item.title_id, []).append(item)
        for title in titles:
            yield _record(title, isbns.get(title.id, []), subjects.get(title.id, []), copies.get(title.id, []), school)


def _grouped(session: Session, model, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in session.scalars(sa.select(model).where(model.title_id.in_(ids)).order_by(model.position)):
        found.setdefault(row.title_id, []).append(row)
    return found


def _record(title: Title, isbns, subjects, copies, school: School) -> pymarc.Record:
    record = pymarc.Record(leader="00000nam a2200000 a 4500", force_utf8=True)
    own = title.import_source == f"marc:{school.code}"[:40] and title.external_id
    record.add_field(Field(tag="001", data=title.external_id if own else f"central-{title.id}"))
    year = f"{title.publication_year:04d}" if title.publication_year else "    "
    record.add_field(Field(tag="008", data=f"000000s{year}    xx            000 0 eng d"))
    numbers = [(i.isbn, i.qualifier) for i in isbns] or ([(title.isbn, None)] if title.isbn else [])
    for number, qualifier in numbers:
        parts = [Subfield("a", number)] + ([Subfield("q", qualifier)] if qualifier else [])
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=parts))
    if title.dewey:
        record.add_field(Field(tag="082", indicators=Indicators("0", "4"), subfields=[Subfield("a", title.dewey)]))
    if title.author:
        record.add_field(Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", title.author)]))
    main, _, rest = title.title.partition(": ")
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", main)] + (
        [Subfield("b", rest)] if rest else [])))
    if title.edition:
        record.add_field(Field(tag="250", indicators=Indicators(" ", " "), subfields=[Subfield("a", title.edition)]))
    if title.publisher or title.publication_year:
        parts = ([Subfield("b", title.publisher)] if title.publisher else []) + (
            [Subfield("c", str(title.publication_year))] if title.publication_year else [])
        record.add_field(Field(tag="264", indicators=Indicators(" ", "1"), subfields=parts))
    if title.series:
        record.add_field(Field(tag="490", indicators=Indicators("0", " "), subfields=[Subfield("a", title.series)]))
    for subject in subjects:
        heading, *subdivisions = subject.subject.split(" -- ")
        record.add_field(Field(tag="650", indicators=Indicators(" ", "0"), subfields=[Subfield("a", heading)] + [
            Subfield("x", s) for s in subdivisions]))
    record.add_field(Field(tag="900", indicators=Indicators(" ", " "),
                           subfields=[Subfield("a", AUDIENCE_NOTE + title.audience)]))
    for item in copies:
        parts = [Subfield("b", school.code)] + ([Subfield("c", item.location)] if item.location else []) + [
            Subfield("h", item.call_number), Subfield("p", item.barcode)]
        if item.price_cents is not None:
            parts.append(Subfield("9", f"{item.price_cents // 100}.{item.price_cents % 100:02d}"))
        parts.append(Subfield("x", ITEM_TYPE_NOTE + item.item_type))
        record.add_field(Field(tag="852", indicators=Indicators("8", " "), subfields=parts))
    return record


def catalog_marc(session: Session, school: School) -> bytes:
    """The school's catalog as one MARC 21 (ISO 2709, UTF-8) file."""
    return b"".join(record.as_marc() for record in catalog_records(session, school))


def catalog_marcxml(session: Session, school: School) -> bytes:
    """The school's catalog as a MARCXML collection."""
    out = io.BytesIO()
    writer = pymarc.XMLWriter(out)
    for record in catalog_records(session, school):
        writer.write(record)
    writer.close(close_fh=False)
    return out.getvalue()


def patrons_csv(session: Session, school: School) -> str:
    """The school's patrons as CSV (UTF-8 with a byte-order mark, so Excel reads accents), active or not."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PATRON_HEADER)
    cards: dict[int, str] = {}
    for patron_id, uid in session.execute(sa.select(PatronCard.patron_id, PatronCard.uid)
                                          .join(Patron).where(Patron.school_id == school.id).order_by(PatronCard.id)):
        cards.setdefault(patron_id, uid)
    for p in session.scalars(sa.select(Patron).where(Patron.school_id == school.id).order_by(Patron.last_name,
                                                                                             Patron.first_name,
                                                                                             Patron.id)):
        writer.writerow((p.student_id or "", _safe_cell(p.first_name), _safe_cell(p.last_name), p.barcode,
                         p.patron_type.capitalize(), p.grade or "", _safe_cell(p.homeroom or ""), p.language,
                         cards.get(p.id, ""), school.code, p.expires_on.isoformat()))
    return "\ufeff" + out.getvalue()
