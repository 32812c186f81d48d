"""What every importer shares: who runs it, which school the file is for, progress, and the run's audit entry."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.imports.codes import BARCODES_LIBRARY14
from central.imports.report import ImportReport, ImportStopped
from central.imports.wording import S
from central.staff import audit
from central.store.models import School, StaffAccount

Progress = Callable[[int, int], None]  # (records done, records in all)
BATCH = 1000  # records per write transaction: a kiosk's checkout waits at most one batch on SQLite


@dataclass(frozen=True)
class RunBy:
    """Who runs an import and from where: a staff member on the web page, or "cli" on the command line."""

    actor: str = "cli"
    staff_id: int | None = None
    address: str | None = None


@dataclass(frozen=True)
class Options:
    """Choices the librarian makes for one run."""

    school_code: str | None = None
    barcodes: str = BARCODES_LIBRARY14   # or codes.BARCODES_ANY for a school with its own label numbering
    batch: int = BATCH


def resolve_school(session: Session, code: str | None) -> School:
    """The school a file is for: the one named, or the district's only school; ImportStopped otherwise."""
    schools = session.scalars(sa.select(School).order_by(School.code)).all()
    if code:
        wanted = code.strip().lower()
        found = [s for s in schools if s.code == wanted or s.name.lower() == wanted]
        if not found:
            raise ImportStopped(S("There is no school '{code}' in this district (schools: {known}).", code=code,
                                  known=", ".join(s.code for s in schools) or "-"))
        return found[0]
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise ImportStopped(S("There is no school yet: add one first (central create-school)."))
    raise ImportStopped(S("This district has {count} schools ({known}): say which school the file is for.",
                          count=len(schools), known=", ".join(s.code for s in schools)))


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def record_run(session: Session, report: ImportReport, *, action: str, school_id: int | None, run_by: RunBy,
               now: datetime) -> None:
    """The one audit entry of an import run: the file, the counts, how many rows were refused."""
    staff = session.get(StaffAccount, run_by.staff_id) if run_by.staff_id else None
    details = {"file": report.file_name[:200], "records": report.records, "counts": report.counts,
               "refused": len(report.refused), "kept_without": len(report.problems) - len(report.refused)}
    audit.record(session, now=now, action=action, staff=staff, actor=None if staff else run_by.actor,
                 school_id=school_id, target_type="import", target_id=report.file_name[:64] or None,
                 summary=f"Imported {report.file_name or 'a file'}: {report.summary('en')}"[:500], details=details,
                 address=run_by.address)
