"""The audit log: every staff change written in the same transaction as the change, in words.

Entries never hold a PIN, a password or a full card number: callers pass ``details`` that name what
changed, and card numbers and barcodes of patrons go through ``protocol.identifiers.mask_barcode``.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.store.models import AuditEntry, StaffAccount

# Keys that must never reach the log, whatever a caller passes by mistake.
FORBIDDEN_KEYS = frozenset({"pin", "new_pin", "password", "new_password", "pin_hash", "password_hash",
                            "csrf_token", "card_uid"})


class AlreadyDone(Exception):
    """A form with this id was already carried out (a double click, a re-sent POST)."""

    def __init__(self, entry: AuditEntry):
        super().__init__(entry.summary)
        self.entry = entry


def record(session: Session, *, now: datetime, action: str, summary: str, staff: StaffAccount | None = None,
           actor: str | None = None, school_id: int | None = None, target_type: str | None = None,
           target_id: str | int | None = None, details: dict | None = None, address: str | None = None,
           form_id: str | None = None) -> AuditEntry:
    """Add one audit entry to ``session`` (committed with the change it describes)."""
    clean = {k: v for k, v in (details or {}).items() if k not in FORBIDDEN_KEYS} or None
    entry = AuditEntry(at=now, staff_account_id=staff.id if staff else None,
                       actor=(actor or (staff.username if staff else "system"))[:80],
                       school_id=school_id, action=action[:60], target_type=target_type,
                       target_id=str(target_id)[:64] if target_id is not None else None, summary=summary[:500],
                       details=clean, address=(address or None) and address[:64], form_id=form_id)
    session.add(entry)
    session.flush()
    return entry


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
