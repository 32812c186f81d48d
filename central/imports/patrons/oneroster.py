"""`central import oneroster`: students and teachers from a OneRoster 1.1 CSV roster (a folder or a zip).

``orgs.csv`` names the schools, matched to the district's own by code, name or institution number;
``users.csv`` the people: students and teachers become patrons (administrators and aides become
staff patrons; parents and guardians are not patrons and are left out), with the student number
(``identifier``) as student ID and ``sourcedId`` as the id a next roster finds them by. The homeroom
is the title of the student's (or teacher's) class whose ``classType`` is homeroom, from
``classes.csv`` and ``enrollments.csv``. A user whose status is tobedeleted, or who is not enabled,
stays a patron (their loans and fines are kept) and is marked inactive.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from central.imports.common import Options, Progress, RunBy, chunks, record_run
from central.imports.patrons.csv_read import Table, read_table
from central.imports.patrons import rows as checks
from central.imports.patrons.importer import default_expiry
from central.imports.patrons.rows import PatronRow, RowRefused
from central.imports.patrons.store import write_patrons
from central.imports.report import ImportReport, ImportStopped
from central.imports.wording import S
from central.store.db import Database
from central.store.models import School

SOURCE = "oneroster"
FILES = ("users.csv", "orgs.csv", "classes.csv", "enrollments.csv")
NEEDED = {"users.csv": ("sourcedId", "role", "givenName", "familyName", "orgSourcedIds"),
          "orgs.csv": ("sourcedId", "name", "type")}
ROLES = {"student": "student", "teacher": "teacher", "administrator": "staff", "aide": "staff", "proctor": "staff"}
MAX_ZIP_BYTES = 200_000_000


def read_roster(path: Path) -> dict[str, bytes]:
    """The roster's CSV files from a folder or a zip file, by name; ImportStopped when it is neither."""
    if path.is_dir():
        return {name: (path / name).read_bytes() for name in FILES if (path / name).is_file()}
    try:
        return read_roster_zip(path.read_bytes())
    except OSError as exc:
        raise ImportStopped(S("Cannot read {path}: {why}.", path=str(path), why=exc.strerror or str(exc))) from None


def read_roster_zip(data: bytes) -> dict[str, bytes]:
    """The roster's CSV files from a zip (at its top or in one folder inside it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        found = {}
        for info in archive.infolist():
            name = info.filename.rsplit("/", 1)[-1].lower()
            if name in FILES and not info.is_dir():
                if info.file_size > MAX_ZIP_BYTES:
                    raise ImportStopped(S("{name} in the zip is too large to be a school roster.", name=name))
                found[name] = archive.read(info)
        return found
    except (zipfile.BadZipFile, EOFError):
        raise ImportStopped(S("This is not a OneRoster zip file (or it was cut short): export the roster again as a "
                              "OneRoster 1.1 CSV zip.")) from None


def _table(files: dict[str, bytes], name: str) -> Table | None:
    if name not in files:
        if name in NEEDED:
            raise ImportStopped(S("The roster has no {name}: a OneRoster 1.1 export always has users.csv and "
                                  "orgs.csv.", name=name))
        return None
    table = read_table(files[name])
    missing = [c for c in NEEDED.get(name, ()) if c not in table.header]
    if missing:
        raise ImportStopped(S("{name} has no column {columns} (its columns: {found}).", name=name,
                              columns=", ".join(missing), found=", ".join(table.header)))
    return table


def _records(table: Table | None) -> list[tuple[int, dict[str, str]]]:
    if table is None:
        return []
    return [(line, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(table.header)})
            for line, values in table.rows]


def _schools(orgs, schools: list[School], report: ImportReport) -> dict[str, School]:
    matched: dict[str, School] = {}
    for _, org in orgs:
        if org.get("type", "").lower() != "school":
            continue
        ident, name = org.get("identifier", "").lower(), org.get("name", "").lower()
        school = next((s for s in schools if ident and ident in (s.code, f"{s.institution:04d}", str(s.institution))),
                      None) or next((s for s in schools if s.name.lower() == name), None)
        if school is None:
            report.notes.append(S("The roster's school \u201c{name}\u201d ({ident}) is not a school of this district: "
                                  "add it (central create-school) and import again. Its people were not imported.",
                                  name=org.get("name", ""), ident=org.get("identifier", "") or org["sourcedId"]))
        else:
            matched[org["sourcedId"]] = school
    return matched


def _homerooms(classes, enrollments) -> dict[str, str]:
    homeroom_titles = {c["sourcedId"]: c.get("title", "") for _, c in classes
                       if c.get("classType", "").lower() == "homeroom" and c.get("status", "active") != "tobedeleted"}
    found: dict[str, str] = {}
    for _, e in enrollments:
        if e.get("classSourcedId") in homeroom_titles and e.get("status", "active") != "tobedeleted":
            found.setdefault(e.get("userSourcedId", ""), homeroom_titles[e["classSourcedId"]])
    return found


def import_oneroster(db: Database, files: dict[str, bytes], *, file_name: str, now: datetime,
                     options: Options = Options(), run_by: RunBy = RunBy(), progress: Progress | None = None
                     ) -> ImportReport:
    """Import a OneRoster roster (``files`` by name); ImportStopped (nothing changed) for a roster that cannot be used."""
    users, orgs = _records(_table(files, "users.csv")), _records(_table(files, "orgs.csv"))
    classes, enrollments = _records(_table(files, "classes.csv")), _records(_table(files, "enrollments.csv"))
    report = ImportReport(kind="oneroster", file_name=file_name, records=len(users))
    if not classes or not enrollments:
        report.notes.append(S("The roster has no classes.csv or enrollments.csv, so no homerooms were set."))
    with db.reader() as session:
        schools = list(session.scalars(sa.select(School)))
        expiry = {s.id: default_expiry(session, s.id, now.date()) for s in schools}
    by_org = _schools(orgs, schools, report)
    homerooms = _homerooms(classes, enrollments)
    rows, skipped, seen = [], 0, {}
    for line, user in users:
        role = user.get("role", "").lower()
        if role not in ROLES:
            skipped += 1
            continue
        if user["sourcedId"] in seen:
            report.refuse(line, user["sourcedId"], S("The user {value} is also on line {first}; only the first was "
                                                     "imported.", value=user["sourcedId"], first=seen[user["sourcedId"]]))
            continue
        seen[user["sourcedId"]] = line
        try:
            rows.append(_row(line, user, role, by_org, homerooms, options.barcodes))
        except RowRefused as refused:
            report.refuse(line, user.get("identifier") or user["sourcedId"], refused.sentence,
                          name=f"{user.get('givenName', '')} {user.get('familyName', '')}".strip())
    if skipped:
        report.notes.append(S("{count} parents, guardians and other non-patrons in users.csv were left out.",
                              count=skipped))
    done = 0
    for batch in chunks(rows, options.batch):
        with db.writer() as session, session.begin():
            write_patrons(session, list(batch), report, source=SOURCE, now=now, default_expiry=expiry)
        done += len(batch)
        if progress:
            progress(done, len(rows))
    with db.writer() as session, session.begin():
        only = {r.school_id for r in rows}
        record_run(session, report, action="import.oneroster", school_id=only.pop() if len(only) == 1 else None,
                   run_by=run_by, now=now)
    return report


def _row(line: int, user: dict[str, str], role: str, by_org: dict[str, School], homerooms: dict[str, str],
         barcodes: str) -> PatronRow:
    orgs = [o.strip() for o in user.get("orgSourcedIds", "").split(",") if o.strip()]
    school = next((by_org[o] for o in orgs if o in by_org), None)
    if school is None:
        raise RowRefused(S("Their school ({orgs}) is not a school of this district.", orgs=", ".join(orgs) or "-"))
    first, last = checks.names(user.get("givenName", ""), user.get("familyName", ""), "")
    grades = [g.strip() for g in user.get("grades", "").split(",") if g.strip()]
    active = user.get("status", "active").lower() != "tobedeleted" and \
        user.get("enabledUser", "true").strip().lower() not in ("false", "0", "no")
    return PatronRow(number=line, school_id=school.id, first_name=first, last_name=last,
                     student_id=checks.student_id(user.get("identifier", "")),
                     barcode=checks.card_barcode(_library_barcode(user.get("userIds", "")), barcodes),
                     patron_type=ROLES[role], grade=checks.grade(grades[0]) if grades and role == "student" else None,
                     homeroom=homerooms.get(user["sourcedId"]), language=None, external_id=user["sourcedId"],
                     active=active)


def _library_barcode(user_ids: str) -> str:
    # userIds is a list of {type:identifier}; some districts carry the library card there.
    for part in user_ids.replace("{", "").split("}"):
        kind, _, value = part.strip(" ,").partition(":")
        if kind.strip().lower() in ("library", "librarybarcode", "barcode", "librarycard"):
            return value.strip()
    return ""
