"""Writing one batch of prepared MARC records into the catalog with bulk statements, as the rules say.

A title is found again by where it came from (``marc:<school>`` and its 001 control number) and then
updated when a field changed; else by any of its ISBNs (the district shares one catalog, so another
school may have it already): its copies are added and its record is left as that school made it;
else it is added. A copy is found by its barcode, which is unique in the district: the same copy
again is updated when its call number, place, type or price changed; a barcode already on another
school's copy, or on a copy of another title, is refused and that copy is left as it was. Nothing is
ever deleted by an import. Bulk statements bypass the ORM, so this module stamps ``updated_at`` on
the copies it touches (kiosks' delta sync) and refreshes the search index of the titles it touches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.imports.marc.fields import CopyData, TitleData
from central.imports.report import ImportReport
from central.imports.wording import S
from central.search import index
from central.store.models import Item, School, Title, TitleIsbn, TitleSubject

TITLE_FIELDS = ("title", "author", "isbn", "dewey", "audience", "series", "publisher", "publication_year", "edition")
COPY_FIELDS = ("call_number", "location", "item_type", "price_cents")


@dataclass
class Prepared:
    """A record that passed the file's own checks, with the copies whose barcodes are good."""

    number: int
    data: TitleData
    external_id: str
    copies: list[CopyData] = field(default_factory=list)


@dataclass
class _Batch:
    new_titles: list[dict] = field(default_factory=list)
    new_children: list[tuple[int, TitleData]] = field(default_factory=list)  # (index in new_titles, data)
    title_updates: list[dict] = field(default_factory=list)
    replaced: list[tuple[int, TitleData]] = field(default_factory=list)
    new_copies: list[tuple[object, dict]] = field(default_factory=list)       # (title ref, row)
    copy_updates: list[dict] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)


def title_row(data: TitleData, source: str, external_id: str) -> dict:
    """The titles row for a record."""
    return {"title": data.title, "author": data.author, "isbn": data.isbns[0][0] if data.isbns else None,
            "dewey": data.dewey, "audience": data.audience, "series": data.series, "publisher": data.publisher,
            "publication_year": data.year, "edition": data.edition, "import_source": source,
            "external_id": external_id}


def write_batch(session: Session, school: School, batch: list[Prepared], report: ImportReport, *, source: str,
                now: datetime, found_by_isbn: list[int]) -> None:
    """Apply ``batch`` in ``session``'s transaction, counting what happened in ``report``."""
    ours = _titles_by_external_id(session, source, [p.external_id for p in batch])
    owners = _isbn_owners(session, {n for p in batch for n, _ in p.data.isbns})
    copies = _copies_by_barcode(session, [c.barcode for p in batch for c in p.copies])
    children = _children(session, [row.id for row in ours.values()])
    work = _Batch()
    pending_isbns: dict[str, object] = {}
    for prepared in batch:
        ref = _title_ref(prepared, ours, owners, children, pending_isbns, work, report, source, found_by_isbn)
        for copy in prepared.copies:
            _copy(prepared, copy, ref, copies, school, work, report, session, now)
    _flush(session, work, now)


def _title_ref(prepared, ours, owners, children, pending_isbns, work: _Batch, report, source, found_by_isbn):
    data = prepared.data
    row = ours.get(prepared.external_id)
    if row is not None:
        wanted = title_row(data, source, prepared.external_id)
        isbns, subjects = children.get(row.id, ([], []))
        if any(getattr(row, f) != wanted[f] for f in TITLE_FIELDS) or isbns != data.isbns or subjects != data.subjects:
            work.title_updates.append({"id": row.id, **{f: wanted[f] for f in TITLE_FIELDS}})
            work.replaced.append((row.id, data))
            work.touched.add(row.id)
            report.count("titles", "updated")
        else:
            report.count("titles", "unchanged")
        return row.id
    for number, _ in data.isbns:
        if number in owners:
            found_by_isbn.append(prepared.number)
            report.count("titles", "unchanged")
            return owners[number]
        if number in pending_isbns:
            report.keep_without(prepared.number, prepared.external_id, S(
                "It has the same ISBN ({isbn}) as an earlier record of this file, so its copies were added to that "
                "title.", isbn=number), name=data.title)
            report.count("titles", "unchanged")
            return pending_isbns[number]
    ref = ("new", len(work.new_titles))
    work.new_titles.append(title_row(data, source, prepared.external_id))
    work.new_children.append((ref[1], data))
    for number, _ in data.isbns:
        pending_isbns[number] = ref
    report.count("titles", "added")
    return ref


def _copy(prepared, copy: CopyData, ref, copies, school: School, work: _Batch, report, session, now) -> None:
    existing = copies.get(copy.barcode)
    wanted = {"call_number": copy.call_number, "location": copy.location, "item_type": copy.item_type,
              "price_cents": copy.price_cents}
    if existing is None:
        row = {"barcode": copy.barcode, "school_id": school.id, "status": "available", "acquired_on": copy.acquired_on,
               "import_source": f"marc:{school.code}"[:40], "updated_at": now, **wanted}
        work.new_copies.append((ref, row))
        copies[copy.barcode] = _Seen(ref, school.id)  # a later record with the same barcode is refused
        report.count("copies", "added")
        return
    if existing.school_id != school.id:
        other = session.get(School, existing.school_id)
        report.refuse(prepared.number, copy.barcode, S(
            "The barcode {code} is already on a copy at another school ({school}); a barcode belongs to one copy "
            "in the whole district.", code=copy.barcode, school=other.name if other else "?"), name=prepared.data.title)
        return
    if existing.title_id != ref:
        other = session.get(Title, existing.title_id) if isinstance(existing.title_id, int) else None
        report.refuse(prepared.number, copy.barcode, S(
            "The barcode {code} is already on a copy of another title, \u201c{other}\u201d; that copy was left as "
            "it was.", code=copy.barcode, other=other.title if other else prepared.data.title),
            name=prepared.data.title)
        return
    if isinstance(existing, _Seen):
        return  # the same copy twice in one record: counted once
    if any(getattr(existing, f) != v for f, v in wanted.items()):
        work.copy_updates.append({"id": existing.id, "updated_at": now, **wanted})
        work.touched.add(existing.title_id)
        report.count("copies", "updated")
    else:
        report.count("copies", "unchanged")


@dataclass(frozen=True)
class _Seen:
    title_id: object
    school_id: int


def _flush(session: Session, work: _Batch, now: datetime) -> None:
    ids: list[int] = []
    if work.new_titles:
        ids = list(session.scalars(sa.insert(Title).returning(Title.id, sort_by_parameter_order=True),
                                   work.new_titles))
    if work.title_updates:
        session.execute(sa.update(Title), work.title_updates)
        # A kiosk's item cache carries the title and author: its copies count as changed.
        session.execute(sa.update(Item).where(Item.title_id.in_([u["id"] for u in work.title_updates]))
                        .values(updated_at=now))
    replaced = [title_id for title_id, _ in work.replaced]
    if replaced:
        session.execute(sa.delete(TitleIsbn).where(TitleIsbn.title_id.in_(replaced)))
        session.execute(sa.delete(TitleSubject).where(TitleSubject.title_id.in_(replaced)))
    isbn_rows, subject_rows = [], []
    for title_id, data in [(ids[i], d) for i, d in work.new_children] + work.replaced:
        isbn_rows += [{"title_id": title_id, "isbn": n, "qualifier": q, "position": p}
                      for p, (n, q) in enumerate(data.isbns)]
        subject_rows += [{"title_id": title_id, "subject": s, "position": p} for p, s in enumerate(data.subjects)]
    if isbn_rows:
        session.execute(sa.insert(TitleIsbn), isbn_rows)
    if subject_rows:
        session.execute(sa.insert(TitleSubject), subject_rows)
    resolve = lambda ref: ids[ref[1]] if isinstance(ref, tuple) else ref  # noqa: E731
    if work.new_copies:
        rows = [{**row, "title_id": resolve(ref)} for ref, row in work.new_copies]
        session.execute(sa.insert(Item), rows)
        work.touched.update(row["title_id"] for row in rows)
    if work.copy_updates:
        session.execute(sa.update(Item), work.copy_updates)
    work.touched.update(ids)
    if index.has_index(session.connection()):
        index.refresh_titles(session.connection(), work.touched)


def _titles_by_external_id(session: Session, source: str, external_ids: list[str]) -> dict:
    columns = [Title.id, Title.external_id, *[getattr(Title, f) for f in TITLE_FIELDS]]
    return {row.external_id: row for row in session.execute(
        sa.select(*columns).where(Title.import_source == source, Title.external_id.in_(external_ids)))}


def _isbn_owners(session: Session, isbns: set[str]) -> dict[str, int]:
    if not isbns:
        return {}
    owners = dict(session.execute(sa.select(Title.isbn, sa.func.min(Title.id))
                                  .where(Title.isbn.in_(isbns)).group_by(Title.isbn)).all())
    for number, title_id in session.execute(sa.select(TitleIsbn.isbn, sa.func.min(TitleIsbn.title_id))
                                            .where(TitleIsbn.isbn.in_(isbns)).group_by(TitleIsbn.isbn)):
        owners.setdefault(number, title_id)
    return owners


def _copies_by_barcode(session: Session, barcodes: list[str]) -> dict:
    if not barcodes:
        return {}
    columns = [Item.id, Item.barcode, Item.title_id, Item.school_id, *[getattr(Item, f) for f in COPY_FIELDS]]
    return {row.barcode: row for row in session.execute(sa.select(*columns).where(Item.barcode.in_(barcodes)))}


def _children(session: Session, title_ids: list[int]) -> dict[int, tuple[list, list]]:
    found: dict[int, tuple[list, list]] = {i: ([], []) for i in title_ids}
    if not title_ids:
        return found
    for row in session.execute(sa.select(TitleIsbn.title_id, TitleIsbn.isbn, TitleIsbn.qualifier)
                               .where(TitleIsbn.title_id.in_(title_ids)).order_by(TitleIsbn.position)):
        found[row.title_id][0].append((row.isbn, row.qualifier))
    for row in session.execute(sa.select(TitleSubject.title_id, TitleSubject.subject)
                               .where(TitleSubject.title_id.in_(title_ids)).order_by(TitleSubject.position)):
        found[row.title_id][1].append(row.subject)
    return found
