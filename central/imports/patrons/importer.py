"""`central import patrons`: students and staff from a CSV export, with its columns mapped to patron fields.

The file is read and every row checked first (a missing column, a cut-short file or an unreadable
encoding stops with nothing changed), then the good rows go in batches, and the run's one audit
entry is written last. Rows refused here, with their reasons, are in the report.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from central.circulation.records import load_settings
from central.imports.common import Options, Progress, RunBy, chunks, record_run, resolve_school
from central.imports.patrons.csv_read import Table, read_table
from central.imports.patrons.columns import FIELD_NAMES, check_mapping, guess_mapping, parse_map
from central.imports.patrons import rows as checks
from central.imports.patrons.rows import PatronRow, RowRefused
from central.imports.patrons.store import write_patrons
from central.imports.report import ImportReport
from central.imports.wording import S
from central.store.db import Database
from central.store.models import School

SOURCE = "patrons-csv"


def default_expiry(session, school_id: int, today: date) -> date:
    """When a new patron's card expires: the school's term end, else the next 30 June."""
    term_end = load_settings(session, school_id).calendar.term_end
    if term_end and term_end >= today:
        return term_end
    return date(today.year if today.month < 7 else today.year + 1, 6, 30)


def import_patrons(db: Database, data: bytes, *, file_name: str, now: datetime, mapping: dict[str, int] | None = None,
                   map_options: list[str] | tuple = (), options: Options = Options(), run_by: RunBy = RunBy(),
                   progress: Progress | None = None) -> ImportReport:
    """Import the patron CSV ``data``; ImportStopped (nothing changed) when the file as a whole cannot be used.

    ``mapping`` (field -> column index) is the web page's confirmed mapping; else the guesses from the
    header with ``map_options`` ("COLUMN=FIELD") on top.
    """
    table = read_table(data)
    if mapping is None:
        mapping = parse_map(list(map_options), table.header, guess_mapping(table.header))
    check_mapping(mapping, table.header)
    report = ImportReport(kind="patrons", file_name=file_name, records=len(table.rows))
    if table.encoding == "Windows-1252":
        report.notes.append(S("The file is not UTF-8: it was read as Windows-1252, the way Excel saves CSV on "
                              "Windows. Check that names with accents look right below."))
    report.notes.append(S("Columns used: {columns}.", columns=_columns_used(mapping, table.header)))
    with db.reader() as session:
        schools = list(session.scalars(sa.select(School)))
        fixed = None if "school" in mapping else resolve_school(session, options.school_code)
        expiry = {s.id: default_expiry(session, s.id, now.date()) for s in schools}
    rows = check_rows(table, mapping, report, schools=schools, school=fixed, barcodes=options.barcodes)
    done = 0
    for batch in chunks(rows, options.batch):
        with db.writer() as session, session.begin():
            write_patrons(session, list(batch), report, source=SOURCE, now=now, default_expiry=expiry)
        done += len(batch)
        if progress:
            progress(done, len(rows))
    with db.writer() as session, session.begin():
        record_run(session, report, action="import.patrons", school_id=fixed.id if fixed else None, run_by=run_by,
                   now=now)
    return report


def _columns_used(mapping: dict[str, int], header: list[str]) -> str:
    return ", ".join(f"{header[p]} \u2192 {FIELD_NAMES[f]}" for f, p in sorted(mapping.items(), key=lambda x: x[1]))


def check_rows(table: Table, mapping: dict[str, int], report: ImportReport, *, schools: list[School],
               school: School | None, barcodes: str) -> list[PatronRow]:
    """The rows that can be imported; every refusal goes in ``report``."""
    good: list[PatronRow] = []
    first_seen: dict[tuple, int] = {}
    for line, values in table.rows:
        get = lambda f: values[mapping[f]].strip() if f in mapping and mapping[f] < len(values) else ""  # noqa: E731
        key = get("student_id") or get("barcode")
        if len(values) != len(table.header):
            report.refuse(line, key, S("This line has {found} values where the header has {columns} columns (a comma "
                                       "inside a name needs quotes around the name).", found=len(values),
                                       columns=len(table.header)))
            continue
        try:
            row = _row(line, get, schools, school, barcodes)
        except RowRefused as refused:
            report.refuse(line, key, refused.sentence, name=f"{get('first_name')} {get('last_name')}".strip()
                          or get("last_first"))
            continue
        duplicate = _duplicate(row, first_seen)
        if duplicate:
            report.refuse(line, row.key, duplicate, name=row.name)
            continue
        good.append(row)
    return good


def _row(line: int, get, schools: list[School], school: School | None, barcodes: str) -> PatronRow:
    if school is None:
        school = _school_named(get("school"), schools)
    notes: list[S] = []
    first, last = checks.names(get("first_name"), get("last_name"), get("last_first"))
    row = PatronRow(number=line, school_id=school.id, first_name=first, last_name=last,
                    student_id=checks.student_id(get("student_id")), barcode=checks.card_barcode(get("barcode"), barcodes),
                    card_uid=checks.card_uid(get("card_uid"), notes), patron_type=checks.patron_type(get("patron_type")),
                    grade=checks.grade(get("grade")), homeroom=get("homeroom")[:80] or None,
                    language=checks.language(get("language"), notes), expires_on=checks.expiry(get("expires_on")),
                    notes=notes)
    if not row.student_id and not row.barcode:
        raise RowRefused(S("It has neither a student ID nor a card barcode, so the patron could not be found "
                           "again on the next import."))
    return row


def _school_named(text: str, schools: list[School]) -> School:
    value = text.strip().lower()
    for school in schools:
        if value in (school.code, school.name.lower(), f"{school.institution:04d}", str(school.institution)):
            return school
    raise RowRefused(S("The school '{value}' is not a school of this district (schools: {known}).", value=text[:40],
                       known=", ".join(s.code for s in schools)))


def _duplicate(row: PatronRow, first_seen: dict[tuple, int]) -> S | None:
    """Why this row repeats an earlier one (same student ID at its school, same card barcode), or None."""
    student, barcode = ("student", row.school_id, row.student_id), ("barcode", row.barcode)
    if row.student_id and student in first_seen:
        return S("The student ID {value} is also on line {first}; only the first was imported.",
                 value=row.student_id, first=first_seen[student])
    if row.barcode and barcode in first_seen:
        return S("The card barcode {value} is also on line {first}; only the first was imported.",
                 value=row.barcode, first=first_seen[barcode])
    for key, value in ((student, row.student_id), (barcode, row.barcode)):
        if value:
            first_seen[key] = row.number
    if row.card_uid:
        card = ("card", row.card_uid)
        if card in first_seen:
            row.notes.append(S("The card UID {uid} is also on line {first}; this patron was imported without it.",
                               uid=row.card_uid, first=first_seen[card]))
            row.card_uid = None
        else:
            first_seen[card] = row.number
    return None
