"""The audit log: every staff change written in the same transaction as the change, in words.

Entries never hold a PIN, a password or a full card number: callers pass ``details`` that name what
changed, and card numbers and barcodes of patrons go through ``protocol.identifiers.mask_barcode``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.store.models import AuditEntry, StaffAccount

# Keys that must never reach the log, whatever a caller passes by mistake.
FORBIDDEN_KEYS = frozenset({"pin", "new_pin", "password", "new_password", "pin_hash", "password_hash",
                            "csrf_token", "card_uid"})


@dataclass(frozen=True)
class DoneEntry:
    """What an audit entry said, kept apart from its session (which is rolled back when a form repeats)."""

    summary: str
    details: dict | None
    target_id: str | None


class AlreadyDone(Exception):
    """A form with this id was already carried out (a double click, a re-sent POST)."""

    def __init__(self, entry: AuditEntry):
        super().__init__(entry.summary)
        self.entry = DoneEntry(entry.summary, entry.details, entry.target_id)


def record(session: Session, *, now: datetime, action: str, summary: str, values: dict | None = None,
           staff: StaffAccount | None = None, actor: str | None = None, school_id: int | None = None,
           target_type: str | None = None, target_id: str | int | None = None, details: dict | None = None,
           address: str | None = None, form_id: str | None = None) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with the change it describes).

    ``summary`` is an English sentence with ``{name}`` places filled from ``values``; both are kept so
    the audit page can show the sentence in the reader's language.
    """
    values = {k: v for k, v in (values or {}).items() if k not in FORBIDDEN_KEYS}
    clean = {k: v for k, v in (details or {}).items() if k not in FORBIDDEN_KEYS}
    if values:
        clean["summary"] = {"text": summary, "values": values}
    entry = AuditEntry(at=now, staff_account_id=staff.id if staff else None,
                       actor=(actor or (staff.username if staff else "system"))[:80],
                       school_id=school_id, action=action[:60], target_type=target_type,
                       target_id=str(target_id)[:64] if target_id is not None else None,
                       summary=(summary.format(**values) if values else summary)[:500], details=clean or None,
                       address=(address or None) and address[:64], form_id=form_id)
    session.add(entry)
    session.flush()
    return entry


def summary_in(entry: AuditEntry | DoneEntry, translate) -> str:
    """The entry's sentence in the language ``translate`` gives (as stored when it has no template)."""
    kept = (entry.details or {}).get("summary")
    if not isinstance(kept, dict) or "text" not in kept:
        return entry.summary
    try:
        return translate(kept["text"]).format(**kept.get("values", {}))
    except (KeyError, IndexError, ValueError):
        return entry.summary


def claim_form(session: Session, form_id: str | None) -> None:
    """Raise AlreadyDone when a change was already made with this form id (checked before changing)."""
    if not form_id:
        return
    done = session.scalar(sa.select(AuditEntry).where(AuditEntry.form_id == form_id))
    if done is not None:
        raise AlreadyDone(done)


def recent(session: Session, *, school_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest entries of one school, or of the whole district when ``school_id`` is None."""
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if school_id is not None:
        query = query.where(AuditEntry.school_id == school_id)
    return list(session.scalars(query))
