"""`central import marc`: a school's catalog from MARC 21 or MARCXML, every record checked, the good ones written.

The whole file is read and checked before anything is written: a file that is cut short or is not
MARC stops with one sentence and changes nothing. Then the records go in batches of a thousand, one
transaction each (on SQLite a kiosk's checkout waits for one batch at most, not for the whole
file), and the run's one audit entry is written last with its counts.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from central.imports.marc import store as catalog_store
from central.imports.codes import barcode_problem
from central.imports.common import Options, Progress, RunBy, chunks, record_run, resolve_school
from central.imports.marc.fields import title_data
from central.imports.marc.read import read_marc
from central.imports.report import ImportReport
from central.imports.wording import S
from central.store.db import Database


def import_marc(db: Database, data: bytes, *, file_name: str, now: datetime, options: Options = Options(),
                run_by: RunBy = RunBy(), progress: Progress | None = None) -> ImportReport:
    """Import the MARC file ``data``; ImportStopped (nothing changed) when the file as a whole cannot be used."""
    report = ImportReport(kind="marc", file_name=file_name)
    with db.reader() as session:
        school = resolve_school(session, options.school_code)
        school_id, school_code = school.id, school.code
    file_format, entries = read_marc(data)
    report.records = len(entries)
    report.notes.append(S("Read as {format}: {count} records.", format=file_format, count=len(entries)))
    prepared = _check(entries, report, options)
    utf8 = sum(1 for e in entries if e.utf8_despite_leader)
    if utf8:
        report.notes.append(S("{count} records said their text was MARC-8 but it was UTF-8; they were read as UTF-8.",
                              count=utf8))
    source = f"marc:{school_code}"[:40]
    found_by_isbn: list[int] = []
    done = 0
    for batch in chunks(prepared, options.batch):
        with db.writer() as session, session.begin():
            school = session.get(type(school), school_id)
            catalog_store.write_batch(session, school, list(batch), report, source=source, now=now,
                                      found_by_isbn=found_by_isbn)
        done += len(batch)
        if progress:
            progress(done, len(prepared))
    if found_by_isbn:
        report.notes.append(S("{count} records were already in the district's catalog (found by ISBN): their copies "
                              "were added to those titles, which were left as they were.", count=len(found_by_isbn)))
    with db.writer() as session, session.begin():
        record_run(session, report, action="import.marc", school_id=school_id, run_by=run_by, now=now)
    return report


def external_id(data) -> str:
    """The record's id for finding it again on the next run: its 001, else its ISBN, else its title and author."""
    if data.control_number:
        return data.control_number[:100]
    if data.isbns:
        return f"isbn:{data.isbns[0][0]}"
    digest = hashlib.sha1(f"{data.title}|{data.author}|{data.year}".lower().encode("utf-8")).hexdigest()[:20]
    return f"title:{digest}"


def _check(entries, report: ImportReport, options: Options) -> list[catalog_store.Prepared]:
    """The records that can be imported, with their good copies; every problem is put in ``report``."""
    prepared = []
    first_of_id: dict[str, int] = {}
    first_of_barcode: dict[str, int] = {}
    for entry in entries:
        if entry.problem is not None:
            report.refuse(entry.number, "", entry.problem)
            continue
        data = title_data(entry.record)
        key = data.control_number or ""
        if not data.title:
            report.refuse(entry.number, key, S("It has no title (field 245 $a is missing or empty)."))
            continue
        ident = external_id(data)
        if ident in first_of_id:
            report.refuse(entry.number, key, S("The same record is in this file twice (first as record {first}); "
                                               "only the first was imported.", first=first_of_id[ident]),
                          name=data.title)
            continue
        first_of_id[ident] = entry.number
        for bad in data.bad_isbns:
            report.keep_without(entry.number, key, S("The ISBN {isbn} has a wrong check digit or length; the title "
                                                     "was imported without it.", isbn=bad), name=data.title)
        good = []
        for copy in data.copies:
            problem = barcode_problem(copy.barcode, "item", options.barcodes)
            if copy.barcode and problem is None and copy.barcode in first_of_barcode:
                problem = S("The barcode {code} is also on a copy in record {first}; a barcode belongs to one "
                            "copy, so this one was not imported.", code=copy.barcode,
                            first=first_of_barcode[copy.barcode])
            if problem is not None:
                if not copy.barcode:
                    problem = S("A copy in field {tag} has no barcode, so it was not imported.", tag=copy.field_tag)
                report.refuse(entry.number, copy.barcode or key, problem, name=data.title)
                continue
            first_of_barcode[copy.barcode] = entry.number
            if copy.bad_price:
                report.keep_without(entry.number, copy.barcode, S("The price '{price}' is not an amount of money; "
                                                                  "the copy was imported without a price.",
                                                                  price=copy.bad_price[:20]), name=data.title)
            good.append(copy)
        if not data.copies:
            report.keep_without(entry.number, key, S("It has no copies (no 852, 952 or 949 holdings field), so its "
                                                     "title was imported with no copies."), name=data.title)
        prepared.append(catalog_store.Prepared(entry.number, data, ident, good))
    return prepared
