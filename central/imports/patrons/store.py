"""Writing checked patron rows with bulk statements: find each patron again, add or update, add their card.

A patron is found again by their OneRoster sourcedId (when the row has one), else by their student
ID at their school, else (a file with no student IDs) by their card barcode. A card barcode that is
another patron's is refused; a new patron with no barcode in the file gets one made from their
student number (2, the school's institution number, the student number, the check digit) when it
fits, else the school's next free one. Patrons missing from a file are left as they are, and no
PIN, block or fine is ever touched. ``updated_at`` is stamped on every patron added or changed.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.imports.patrons.rows import PatronRow
from central.imports.report import ImportReport
from central.imports.wording import S
from central.store.models import Patron, PatronCard, School
from protocol.identifiers import make_library_barcode

def write_patrons(session: Session, rows: list[PatronRow], report: ImportReport, *, source: str, now: datetime,
                  default_expiry: dict[int, date]) -> None:
    """Apply ``rows`` in ``session``'s transaction, counting and refusing in ``report``."""
    schools = {s.id: s for s in session.scalars(sa.select(School))}
    found = _existing(session, rows, source)
    uids = [r.card_uid for r in rows if r.card_uid]
    cards = dict(session.execute(sa.select(PatronCard.uid, PatronCard.patron_id)
                                 .where(PatronCard.uid.in_(uids))).all()) if uids else {}
    next_free = _NextFree(session)
    new_rows, new_cards, updates, card_rows = [], [], [], []
    for row in rows:
        patron = _match(row, found)
        holder = found["barcode"].get(row.barcode) if row.barcode else None
        if holder is not None and (patron is None or holder.id != patron.id):
            where = "" if holder.school_id == row.school_id else schools[holder.school_id].name
            report.refuse(row.number, row.key, S(
                "The card barcode {code} already belongs to another patron{elsewhere}; each card belongs to one "
                "patron.", code=row.barcode, elsewhere=f" ({where})" if where else ""), name=row.name)
            continue
        for note in row.notes:
            report.keep_without(row.number, row.key, note, name=row.name)
        wanted = {"first_name": row.first_name, "last_name": row.last_name, "grade": row.grade,
                  "homeroom": (row.homeroom or None) and row.homeroom[:80], "patron_type": row.patron_type,
                  "active": row.active, "student_id": row.student_id}
        if row.language is not None:  # OneRoster has no language: a patron's own is kept
            wanted["language"] = row.language
        if row.external_id:
            wanted.update(import_source=source, external_id=row.external_id[:100])
        if row.barcode:
            wanted["barcode"] = row.barcode
        if row.expires_on:
            wanted["expires_on"] = row.expires_on
        card_owner = cards.get(row.card_uid) if row.card_uid else None
        if card_owner is not None and (patron is None or card_owner != patron.id):
            report.keep_without(row.number, row.key, S("The card UID {uid} is already another patron's card; this "
                                                       "patron was imported without it.", uid=row.card_uid),
                                name=row.name)
        add_card = row.card_uid is not None and card_owner is None
        if patron is None:
            school = schools[row.school_id]
            barcode = row.barcode or next_free.barcode(school, row.student_id, found["barcode"])
            wanted.setdefault("import_source", source)
            wanted.setdefault("language", "en")
            new_rows.append({**wanted, "barcode": barcode, "school_id": row.school_id, "updated_at": now,
                             "expires_on": row.expires_on or default_expiry[row.school_id]})
            new_cards.append(row.card_uid if add_card else None)
            found["barcode"][barcode] = _Placeholder(row.school_id)
            report.count("patrons", "added")
        else:
            changes = {k: v for k, v in wanted.items() if getattr(patron, k) != v}
            if changes or add_card:
                updates.append({"id": patron.id, **changes, "updated_at": now})
                report.count("patrons", "updated")
            else:
                report.count("patrons", "unchanged")
            if add_card:
                card_rows.append({"uid": row.card_uid, "patron_id": patron.id})
        if row.card_uid and card_owner is None:
            cards[row.card_uid] = patron.id if patron is not None else -1  # taken by this row from now on
    if new_rows:
        ids = list(session.scalars(sa.insert(Patron).returning(Patron.id, sort_by_parameter_order=True), new_rows))
        card_rows += [{"uid": uid, "patron_id": pid} for uid, pid in zip(new_cards, ids) if uid]
    if updates:
        session.execute(sa.update(Patron), updates)
    if card_rows:
        session.execute(sa.insert(PatronCard), card_rows)


class _Placeholder:
    """A barcode given to a patron added earlier in this batch (so a later row cannot take it)."""

    def __init__(self, school_id: int):
        self.id, self.school_id = None, school_id


def _existing(session: Session, rows: list[PatronRow], source: str) -> dict[str, dict]:
    ids = [r.external_id for r in rows if r.external_id]
    students = [r.student_id for r in rows if r.student_id]
    barcodes = [r.barcode for r in rows if r.barcode]
    by_external = {p.external_id: p for p in session.scalars(sa.select(Patron).where(
        Patron.import_source == source, Patron.external_id.in_(ids)))} if ids else {}
    by_student = {(p.school_id, p.student_id): p for p in session.scalars(sa.select(Patron).where(
        Patron.student_id.in_(students)))} if students else {}
    by_barcode = {p.barcode: p for p in session.scalars(sa.select(Patron).where(Patron.barcode.in_(barcodes)))} \
        if barcodes else {}
    return {"external": by_external, "student": by_student, "barcode": by_barcode}


def _match(row: PatronRow, found: dict[str, dict]) -> Patron | None:
    if row.external_id and row.external_id in found["external"]:
        return found["external"][row.external_id]
    if row.student_id:
        return found["student"].get((row.school_id, row.student_id))
    holder = found["barcode"].get(row.barcode) if row.barcode else None
    return holder if isinstance(holder, Patron) and holder.school_id == row.school_id else None


class _NextFree:
    """Barcodes for new patrons that bring none: from the student number when it fits, else the next free one."""

    def __init__(self, session: Session):
        self.session = session
        self.highest: dict[int, int] = {}

    def barcode(self, school: School, student_id: str | None, taken: dict) -> str:
        """A free patron barcode at ``school`` (never one in ``taken`` or in the database)."""
        if student_id and student_id.isdigit() and len(student_id) <= 8:
            made = make_library_barcode("2", school.institution, int(student_id))
            if made not in taken and not self._used(made):
                return made
        while True:
            sequence = self._next(school)
            made = make_library_barcode("2", school.institution, sequence)
            if made not in taken and not self._used(made):
                return made

    def _used(self, barcode: str) -> bool:
        return self.session.scalar(sa.select(Patron.id).where(Patron.barcode == barcode)) is not None

    def _next(self, school: School) -> int:
        if school.id not in self.highest:
            prefix = f"2{school.institution:04d}"
            top = self.session.scalar(sa.select(sa.func.max(Patron.barcode)).where(
                Patron.barcode.like(f"{prefix}%"), sa.func.length(Patron.barcode) == 14))
            # Student-number barcodes sit low in the range; new ones go above the highest in use.
            self.highest[school.id] = int(top[5:13]) if top and top[5:13].isdigit() else 0
        self.highest[school.id] += 1
        return self.highest[school.id]
