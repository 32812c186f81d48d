"""Shared queries and JSON shapes: settings, calendar, policies, patron/item facts, loan and item objects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import rules
from central.store.models import (PIN_LOCKOUT_MINUTES_DEFAULT, PIN_MAX_FAILURES_DEFAULT, ClosedDay, Fine, Hold, Item,
                                  LibrarySettings, Loan, LoanPolicy, Patron, PatronCard)

DEFAULT_LIBRARY_NAME = "School Library"


@dataclass(frozen=True)
class Settings:
    """Library-wide settings with the calendar built from the closed days."""

    library_name: str
    calendar: rules.LibraryCalendar
    fines_block_cents: int
    hold_pickup_days: int
    pin_max_failures: int = PIN_MAX_FAILURES_DEFAULT  # 0 = never lock
    pin_lockout_minutes: int = PIN_LOCKOUT_MINUTES_DEFAULT


def load_settings(session: Session) -> Settings:
    """The library's settings row and closed days (defaults when the database was never seeded)."""
    row = session.scalars(sa.select(LibrarySettings).order_by(LibrarySettings.id).limit(1)).first()
    closed = frozenset(session.scalars(sa.select(ClosedDay.day)))
    if row is None:
        return Settings(DEFAULT_LIBRARY_NAME, rules.LibraryCalendar(closed_days=closed), 500, 7)
    weekdays = frozenset(int(d) for d in row.closed_weekdays.split(",") if d.strip())
    calendar = rules.LibraryCalendar(closed_weekdays=weekdays, closed_days=closed, term_end=row.term_end)
    return Settings(row.library_name, calendar, row.fines_block_cents, row.hold_pickup_days,
                    row.pin_max_failures, row.pin_lockout_minutes)


def policies_for(session: Session, patron_type: str) -> dict[str, rules.PolicyFacts]:
    """The loan policies of one patron type, by item type."""
    rows = session.scalars(sa.select(LoanPolicy).where(LoanPolicy.patron_type == patron_type))
    return {row.item_type: rules.PolicyFacts(row.loanable, row.loan_days, row.max_items, row.max_renewals,
                                              row.fine_cents_per_day, row.max_fine_cents) for row in rows}


def find_patron(session: Session, *, barcode: str | None = None, card_uid: str | None = None,
                lock: bool = False) -> Patron | None:
    """The patron with this barcode or card UID; ``lock`` holds the row until commit (PostgreSQL)."""
    query = sa.select(Patron)
    if barcode is not None:
        query = query.where(Patron.barcode == barcode)
    else:
        query = query.join(PatronCard).where(PatronCard.uid == card_uid)
    if lock:
        # NO KEY UPDATE does not block inserts that merely reference the patron (loans, fines).
        query = query.with_for_update(key_share=True)
    return session.scalars(query).first()


def find_item(session: Session, barcode: str, *, lock: bool = False) -> Item | None:
    """The item with this barcode; ``lock`` holds the row until commit (PostgreSQL)."""
    query = sa.select(Item).where(Item.barcode == barcode)
    if lock:
        query = query.with_for_update(key_share=True)
    return session.scalars(query).first()


def open_loan(session: Session, item: Item) -> Loan | None:
    """The item's current loan, if it is out."""
    return session.scalars(sa.select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_(None))).first()


def fines_total(session: Session, patron: Patron) -> int:
    """Unpaid fines of a patron, in cents."""
    total = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Fine.amount_cents), 0))
                           .where(Fine.patron_id == patron.id, Fine.paid.is_(False)))
    return int(total or 0)


def patron_facts(session: Session, patron: Patron | None) -> rules.PatronFacts | None:
    """What the rules need about ``patron``: expiry, block, fines, loans in total and by item type."""
    if patron is None:
        return None
    rows = session.execute(sa.select(Item.item_type, sa.func.count()).join(Loan, Loan.item_id == Item.id)
                           .where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
                           .group_by(Item.item_type)).all()
    by_type = {item_type: count for item_type, count in rows}
    return rules.PatronFacts(patron.id, patron.expires_on, patron.block_reason, fines_total(session, patron),
                             sum(by_type.values()), by_type)


def item_facts(session: Session, item: Item | None) -> rules.ItemFacts | None:
    """What the rules need about ``item``: its borrower, renewals and the holds on it or its title."""
    if item is None:
        return None
    loan = open_loan(session, item)
    ready = session.scalar(sa.select(Hold.patron_id).where(Hold.item_id == item.id, Hold.status == "ready"))
    waiting = session.scalars(sa.select(Hold.patron_id).where(
        Hold.title_id == item.title_id, Hold.status == "waiting",
        sa.or_(Hold.item_id.is_(None), Hold.item_id == item.id)))
    return rules.ItemFacts(item.item_type, loan.patron_id if loan else None, loan.renewals if loan else 0,
                           ready, frozenset(waiting))


def item_status(item: Item, loan: Loan | None) -> str:
    """The status the API shows: on_loan, on_hold_shelf, reference, or the stored one."""
    if loan is not None:
        return "on_loan"
    if item.status == "on_hold_shelf":
        return "on_hold_shelf"
    if item.item_type == "reference" and item.status == "available":
        return "reference"
    return item.status


def item_json(item: Item, loan: Loan | None) -> dict:
    """The API's item object."""
    title = item.title_record
    return {"barcode": item.barcode, "title": title.title, "author": title.author,
            "call_number": item.call_number, "item_type": item.item_type, "location": item.location,
            "status": item_status(item, loan), "due_date": loan.due_date.isoformat() if loan else None}


def loan_json(loan: Loan, max_renewals: int, today: date) -> dict:
    """The API's loan object."""
    title = loan.item.title_record
    return {"item_barcode": loan.item.barcode, "title": title.title, "author": title.author,
            "call_number": loan.item.call_number, "due_date": loan.due_date.isoformat(),
            "renewals_left": max(max_renewals - loan.renewals, 0), "overdue": loan.due_date < today}
