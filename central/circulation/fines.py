"""Money at the desk: take a payment (oldest fines first) and waive a fine with a reason.

A fine is paid once payments and waivers cover it; each one is a FinePayment row, so the patron's
history says what was paid, what was forgiven, by whom and why.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.messages import Refused
from central.store.models import Fine, FinePayment, Patron

# What the stored reasons (the kiosk shows them too) are called on the staff pages.
FINE_REASONS = {"overdue": "Overdue", "lost item": "Lost copy", "damaged item": "Damaged copy"}


def unpaid(session: Session, patron: Patron) -> list[Fine]:
    """The patron's unpaid fines at every school, oldest first."""
    return list(session.scalars(sa.select(Fine).where(Fine.patron_id == patron.id, Fine.paid.is_(False))
                                .order_by(Fine.assessed_on, Fine.id).with_for_update()))


def _apply(fine: Fine, amount: int) -> None:
    fine.paid_cents += amount
    if fine.paid_cents >= fine.amount_cents:
        fine.paid = True


def take_payment(session: Session, patron: Patron, amount_cents: int, *, school_id: int, staff_id: int | None,
                 now: datetime) -> list[FinePayment]:
    """Pay ``amount_cents`` towards the patron's fines, oldest first; more than is owed is refused."""
    fines = unpaid(session, patron)
    owed = sum(f.owed_cents for f in fines)
    if owed == 0:
        raise Refused("This patron owes nothing.")
    if amount_cents > owed:
        raise Refused("That is more than the patron owes ({owed}). Take {owed} or less.", owed=_money(owed))
    payments, left = [], amount_cents
    for fine in fines:
        part = min(left, fine.owed_cents)
        if part <= 0:
            break
        payments.append(FinePayment(fine_id=fine.id, patron_id=patron.id, school_id=school_id, kind="payment",
                                    amount_cents=part, staff_account_id=staff_id, recorded_at=now))
        _apply(fine, part)
        left -= part
    session.add_all(payments)
    session.flush()
    return payments


def waive(session: Session, patron: Patron, fine_id: int, reason: str, *, school_id: int, staff_id: int | None,
          now: datetime) -> FinePayment:
    """Forgive what is left of one fine, with the reason (kept with the fine)."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Say why the fine is waived, in a few words.")
    fine = session.get(Fine, fine_id, with_for_update=True)
    if fine is None or fine.patron_id != patron.id:
        raise Refused("This patron has no such fine.")
    if fine.paid:
        raise Refused("This fine is already paid or waived.")
    waiver = FinePayment(fine_id=fine.id, patron_id=patron.id, school_id=school_id, kind="waiver",
                         amount_cents=fine.owed_cents, reason=reason[:200], staff_account_id=staff_id,
                         recorded_at=now)
    session.add(waiver)
    _apply(fine, waiver.amount_cents)
    session.flush()
    return waiver


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"
