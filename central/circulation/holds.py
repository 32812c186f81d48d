"""Holds placed and cancelled at the desk: a patron waits for a title at a school.

A cancelled hold that had a copy set aside passes the copy to the next patron waiting at that
school, or back to the shelf, exactly as a check-in would route it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import records, rules
from central.messages import Refused
from central.store.models import Hold, Item, Loan, Patron, Title

ACTIVE = ("waiting", "ready")


def place(session: Session, patron: Patron, title: Title, school_id: int, now: datetime) -> Hold:
    """A new hold for ``patron`` on ``title``, picked up at ``school_id``."""
    if patron.block_reason:
        raise Refused("This patron is blocked ({reason}): unblock them before placing a hold.",
                      reason=patron.block_reason)
    copies = session.scalar(sa.select(sa.func.count()).select_from(Item).where(
        Item.title_id == title.id, Item.school_id == school_id,
        Item.status.not_in(("withdrawn", "lost", "missing"))))
    if not copies:
        raise Refused("This school has no copy of '{title}' that can fill a hold.", title=title.title)
    twin = session.scalar(sa.select(Hold).where(Hold.patron_id == patron.id, Hold.title_id == title.id,
                                                Hold.status.in_(ACTIVE)))
    if twin is not None:
        raise Refused("{name} already has a hold on '{title}'.", name=patron.display_name, title=title.title)
    has_it = session.scalar(sa.select(Loan.id).join(Item).where(
        Loan.patron_id == patron.id, Loan.returned_at.is_(None), Item.title_id == title.id))
    if has_it is not None:
        raise Refused("{name} has '{title}' checked out already.", name=patron.display_name, title=title.title)
    hold = Hold(title_id=title.id, patron_id=patron.id, school_id=school_id, placed_at=now, status="waiting")
    session.add(hold)
    session.flush()
    return hold


def cancel(session: Session, hold: Hold, now: datetime) -> Item | None:
    """Cancel a waiting or ready hold; returns the copy that was set aside for it (now passed on), if any."""
    if hold.status not in ACTIVE:
        raise Refused("This hold is already fulfilled or cancelled.")
    item = session.get(Item, hold.item_id, with_for_update=True) if hold.item_id else None
    hold.status, hold.item_id, hold.pickup_by = "cancelled", None, None
    session.flush()
    if item is not None and item.status == "on_hold_shelf":
        _pass_on(session, item, now)
    return item


def _pass_on(session: Session, item: Item, now: datetime) -> None:
    # The copy on the hold shelf goes to the next patron waiting for its title at its school.
    settings = records.load_settings(session, item.school_id)
    nxt = session.scalars(sa.select(Hold).where(
        Hold.title_id == item.title_id, Hold.status == "waiting", Hold.school_id == item.school_id,
        sa.or_(Hold.item_id.is_(None), Hold.item_id == item.id)).order_by(Hold.placed_at, Hold.id)).first()
    if nxt is None:
        item.status = "available"
        return
    today = now.date()
    nxt.status, nxt.item_id = "ready", item.id
    nxt.pickup_by = rules.next_open_day(settings.calendar, today + timedelta(days=settings.hold_pickup_days))
