"""Shared queries and JSON shapes: settings, calendar, policies, patron/item facts, loan and item objects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import ledger as ledgers, rules
from central.store.models import (PIN_LOCKOUT_MINUTES_DEFAULT, PIN_MAX_FAILURES_DEFAULT, ClosedDay, Fine, Hold, Item,
                                  LibrarySettings, Loan, LoanPolicy, Patron, PatronCard, School, SchoolClosedDay)

DEFAULT_LIBRARY_NAME = "School Library"


@dataclass(frozen=True)
class Settings:
    """One school's settings (or the district's), with the calendar built from the closed days."""

    library_name: str
    calendar: rules.LibraryCalendar
    fines_block_cents: int
    hold_pickup_days: int
    pin_max_failures: int = PIN_MAX_FAILURES_DEFAULT  # 0 = never lock
    pin_lockout_minutes: int = PIN_LOCKOUT_MINUTES_DEFAULT
    loan_history_days: int = 0  # returned loans staff may see on a patron's page (0 = none)
    default_replacement_cents: int = 2000
    processing_fee_cents: int = 0
    school_id: int | None = None


def memo(session: Session, key: tuple, make):
    """``make()``, remembered for the rest of a session that asked for it (``start_memo``), else made afresh.

    A batch of kiosk events asks the same settings and policies hundreds of times; they do not change
    within its transaction.
    """
    cache = session.info.get("circulation_memo")
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def start_memo(session: Session) -> None:
    """Remember settings and policies for this session's life (a batch's one transaction)."""
    session.info["circulation_memo"] = {}


def load_settings(session: Session, school_id: int | None = None) -> Settings:
    """The settings of school ``school_id`` (its own row, else the district's), or the district's when None."""
    return memo(session, ("settings", school_id), lambda: _load_settings(session, school_id))


def _load_settings(session: Session, school_id: int | None = None) -> Settings:
    """The settings of school ``school_id`` (its own row, else the district's), or the district's when None.

    The calendar is the district's closed days plus the school's own. Defaults when never seeded.
    """
    rows = session.scalars(sa.select(LibrarySettings).where(
        sa.or_(LibrarySettings.school_id.is_(None), LibrarySettings.school_id == school_id)
        if school_id is not None else LibrarySettings.school_id.is_(None))
        .order_by(LibrarySettings.school_id.is_(None), LibrarySettings.id)).all()
    row = rows[0] if rows else None  # the school's own row sorts first
    closed = set(session.scalars(sa.select(ClosedDay.day)))
    if school_id is not None:
        closed.update(session.scalars(sa.select(SchoolClosedDay.day).where(SchoolClosedDay.school_id == school_id)))
    name = _school_name(session, school_id) if row is None or row.school_id is None else None
    if row is None:
        return Settings(name or DEFAULT_LIBRARY_NAME, rules.LibraryCalendar(closed_days=frozenset(closed)), 500, 7,
                        school_id=school_id)
    weekdays = frozenset(int(d) for d in row.closed_weekdays.split(",") if d.strip())
    calendar = rules.LibraryCalendar(closed_weekdays=weekdays, closed_days=frozenset(closed), term_end=row.term_end)
    return Settings(name or row.library_name, calendar, row.fines_block_cents, row.hold_pickup_days,
                    row.pin_max_failures, row.pin_lockout_minutes, row.loan_history_days,
                    row.default_replacement_cents, row.processing_fee_cents, school_id)


def _school_name(session: Session, school_id: int | None) -> str | None:
    # A school on the district's settings is still called by its own name.
    return session.scalar(sa.select(School.name).where(School.id == school_id)) if school_id is not None else None


def policies_for(session: Session, patron_type: str, school_id: int | None = None) -> dict[str, rules.PolicyFacts]:
    """The loan policies of one patron type at a school, by item type: the school's own where it has
    one, else the district's."""
    return memo(session, ("policies", patron_type, school_id), lambda: _policies_for(session, patron_type, school_id))


def _policies_for(session: Session, patron_type: str, school_id: int | None) -> dict[str, rules.PolicyFacts]:
    query = sa.select(LoanPolicy).where(LoanPolicy.patron_type == patron_type)
    query = query.where(sa.or_(LoanPolicy.school_id.is_(None), LoanPolicy.school_id == school_id)) \
        if school_id is not None else query.where(LoanPolicy.school_id.is_(None))
    found: dict[str, rules.PolicyFacts] = {}
    # District rows first, so a school's own row for the same item type replaces them.
    for row in session.scalars(query.order_by(LoanPolicy.school_id.is_not(None), LoanPolicy.id)):
        found[row.item_type] = rules.PolicyFacts(row.loanable, row.loan_days, row.max_items, row.max_renewals,
                                                 row.fine_cents_per_day, row.max_fine_cents)
    return found


def find_patron(session: Session, *, barcode: str | None = None, card_uid: str | None = None,
                lock: bool = False) -> Patron | None:
    """The patron with this barcode or card UID; ``lock`` holds the row until commit (PostgreSQL)."""
    ledger = ledgers.of(session)
    if ledger is not None and barcode is not None and barcode in ledger.patrons:
        return ledger.patrons[barcode]  # loaded (and locked) with the batch
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
    ledger = ledgers.of(session)
    if ledger is not None and barcode in ledger.items:
        return ledger.items[barcode]
    query = sa.select(Item).where(Item.barcode == barcode)
    if lock:
        query = query.with_for_update(key_share=True)
    return session.scalars(query).first()


def open_loan(session: Session, item: Item) -> Loan | None:
    """The item's current loan, if it is out."""
    ledger = ledgers.of(session)
    if ledger is not None:
        return ledger.open_loan(item)
    return session.scalars(sa.select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_(None))).first()


def flush(session: Session) -> None:
    """Flush now, unless a batch's ledger is open: then everything is written in one flush at the end."""
    if ledgers.of(session) is None:
        session.flush()


def fines_total(session: Session, patron: Patron) -> int:
    """What a patron still owes on their unpaid fines at every school of the district, in cents."""
    ledger = ledgers.of(session)
    if ledger is not None:
        return ledger.fines_owed.get(patron.id, 0)
    total = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Fine.amount_cents - Fine.paid_cents), 0))
                           .where(Fine.patron_id == patron.id, Fine.paid.is_(False)))
    return int(total or 0)


def patron_facts(session: Session, patron: Patron | None) -> rules.PatronFacts | None:
    """What the rules need about ``patron``: expiry, block, fines, loans in total and by item type."""
    if patron is None:
        return None
    ledger = ledgers.of(session)
    if ledger is not None:
        by_type = ledger.open_loans_by_type(patron)
    else:
        rows = session.execute(sa.select(Item.item_type, sa.func.count()).join(Loan, Loan.item_id == Item.id)
                               .where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
                               .group_by(Item.item_type)).all()
        by_type = {item_type: count for item_type, count in rows}
    return rules.PatronFacts(patron.id, patron.expires_on, patron.block_reason, fines_total(session, patron),
                             sum(by_type.values()), by_type)


def item_facts(session: Session, item: Item | None) -> rules.ItemFacts | None:
    """What the rules need about ``item``: its borrower, renewals and the holds on it or on its title at
    its school (only a copy of the hold's own school fills a hold)."""
    if item is None:
        return None
    loan = open_loan(session, item)
    ledger = ledgers.of(session)
    if ledger is not None:
        holds = ledger.holds(item.title_id)
        ready = next((h.patron_id for h in holds if h.item_id == item.id and h.status == "ready"), None)
        waiting = [h.patron_id for h in holds if h.status == "waiting" and h.school_id == item.school_id
                   and h.item_id in (None, item.id)]
    else:
        ready = session.scalar(sa.select(Hold.patron_id).where(Hold.item_id == item.id, Hold.status == "ready"))
        waiting = session.scalars(sa.select(Hold.patron_id).where(
            Hold.title_id == item.title_id, Hold.status == "waiting", Hold.school_id == item.school_id,
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
