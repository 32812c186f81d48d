"""Conflict rules for a checkout decided offline: deterministic, each one recorded for staff.

A kiosk that could not reach the server let a student walk away with a book; the event arrives
later, when the item's record may have moved on. The rules (the table in protocol/API.md):

- the item is on loan to another patron since **before** the offline checkout: the student has the
  book, so the other patron gave it back without a return being recorded. Their loan is closed as
  returned at the offline checkout's time (fines as of then) and the new loan is recorded
  (``offline_checkout_closed_other_loan``);
- the item is on loan to another patron since **after** the offline checkout: the book went back and
  out again meanwhile. The offline loan is recorded as already returned when that loan began, and
  the current loan is left alone (``offline_checkout_superseded``);
- the item was returned (at any kiosk or the desk) **after** the offline checkout and is not on loan
  now: the book came back then. The loan is recorded and closed at that return's time, with any
  fine as of then (``offline_checkout_returned_later``);
- two of those times less than :data:`CLOCK_SKEW_WINDOW` apart (kiosk clocks minutes apart can swap
  them): decided as above by the clock-corrected times, and also flagged ``clock_skew_ambiguous`` so
  staff look at the shelf.

Times are each event's ``effective_at``: its kiosk's clock corrected by the offset the server
measured at that kiosk's last heartbeat.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import ledger as ledgers
from central.store.models import CirculationEvent, Loan, Patron

CLOCK_SKEW_WINDOW = timedelta(minutes=5)


@dataclass
class Resolution:
    """What the rules decided for one offline checkout."""

    exceptions: list[str] = field(default_factory=list)
    closed_at: datetime | None = None  # the new loan is recorded already returned at this moment
    close_other: Loan | None = None  # another patron's loan to close at the checkout's time
    detail: dict = field(default_factory=dict)  # for the staff exception (barcodes, times; never names)


def _near(a: datetime, b: datetime) -> bool:
    return abs(a - b) < CLOCK_SKEW_WINDOW


def resolve(session: Session, item, patron, current: Loan | None, at: datetime) -> Resolution:
    """Decide an offline checkout of ``item`` by ``patron`` at ``at`` against the item's later history."""
    result = Resolution()
    if current is not None and current.patron_id != patron.id:
        other = session.get(Patron, current.patron_id)
        result.detail = {"other_patron_barcode": other.barcode if other else None,
                         "other_loan_since": current.checked_out_at.isoformat()}
        if current.checked_out_at <= at:
            result.close_other = current
            result.exceptions.append("offline_checkout_closed_other_loan")
        else:
            result.closed_at = current.checked_out_at
            result.exceptions.append("offline_checkout_superseded")
        if _near(current.checked_out_at, at):
            result.exceptions.append("clock_skew_ambiguous")
        return result
    later = _later_return(session, item.barcode, at)
    if later is not None:
        result.closed_at = later.effective_at
        result.detail = {"returned_by_event": later.id, "returned_at": later.effective_at.isoformat()}
        result.exceptions.append("offline_checkout_returned_later")
        if _near(later.effective_at, at):
            result.exceptions.append("clock_skew_ambiguous")
    return result


def _later_return(session: Session, item_barcode: str, at: datetime) -> CirculationEvent | None:
    """The first applied, accepted return of the item after ``at``."""
    ledger = ledgers.of(session)
    if ledger is not None:
        return ledger.later_return(item_barcode, at)
    return session.scalars(sa.select(CirculationEvent).where(
        CirculationEvent.item_barcode == item_barcode, CirculationEvent.type == "checkin",
        CirculationEvent.status == "applied", CirculationEvent.ok.is_(True), CirculationEvent.effective_at > at)
        .order_by(CirculationEvent.effective_at).limit(1)).first()
