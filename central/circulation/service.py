"""Checkout, checkin and renew: decide with the pure rules, then change the records.

Each function runs inside the caller's write transaction (central.circulation.events makes it idempotent) and
returns the outcome dict sent to the kiosk. ``when`` is the moment that counts: now for online
events, the kiosk's occurred_at for offline ones (so due dates and fines are as of that moment).

Offline checkouts: the kiosk already let the student walk away with the book, so refusing the loan
now would only lose track of it. Such a checkout is applied whenever a loan can be recorded at all;
patron blocks, limits and holds it broke are listed in ``offline_exceptions`` (and ``exceptions``)
for staff, and an item whose record moved on meanwhile is settled by the conflict rules of
:mod:`central.circulation.offline`. It is refused (ok=false, still recorded) only when the patron or
item is unknown.

Schools: the item's school lends it, by its own rules: its loan policy for the patron's type, its
calendar for the due date and overdue days, its fine rates, fine limit and hold shelf. What the
patron brings with them is district-wide: their card's expiry, a block, every fine they owe at any
school and every loan they have out anywhere count against that school's limits. So a student
visiting another school borrows as that school lends, and cannot escape a block or a fine at home.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import found, ledger as ledgers, offline, records, rules
from central.store.models import Fine, Hold, Loan, Patron
from protocol.circulation import Refusal

OFFLINE_UNRECORDABLE = frozenset({"patron_unknown", "item_unknown"})


@dataclass(frozen=True)
class Moment:
    """When an event counts: the exact instant and the school-local date of it."""

    at: datetime
    day: date
    offline: bool = False


def checkout(session: Session, patron_barcode: str, item_barcode: str, when: Moment, language: str) -> dict:
    """Lend an item to a patron (or renew it if they already have it: ``renewed`` says which)."""
    patron = records.find_patron(session, barcode=patron_barcode, lock=True)
    item = records.find_item(session, item_barcode, lock=True)
    loan = records.open_loan(session, item) if item else None
    if patron is not None and loan is not None and loan.patron_id == patron.id:
        return renew(session, patron_barcode, item_barcode, when, language)
    school_id = lending_school(item, patron)
    settings = records.load_settings(session, school_id)
    policies = records.policies_for(session, patron.patron_type, school_id) if patron else {}
    policy = policies.get(item.item_type) if item else None
    pfacts = records.patron_facts(session, patron)
    ifacts = records.item_facts(session, item)
    refusal = rules.checkout_refusal(pfacts, ifacts, policy, today=when.day,
                                     fines_block_cents=settings.fines_block_cents,
                                     total_limit=rules.patron_item_limit(list(policies.values())))
    outcome: dict = {"renewed": False}
    if refusal is None and found.turned_up(item):  # marked lost, missing or withdrawn: it is here after all
        found.record_found(session, item, when.at, when.offline)
        refusal = found.GIVE_TO_LIBRARIAN
    apply_anyway = when.offline and refusal not in OFFLINE_UNRECORDABLE
    if refusal and not apply_anyway:
        return {**outcome, "ok": False, "loan": None, "refusal": Refusal.of(refusal, language).to_json()}
    resolution = offline.resolve(session, item, patron, loan, when.at) if when.offline else offline.Resolution()
    if resolution.close_other is not None:
        close_loan(session, resolution.close_other, item, when, settings)
    if refusal:
        # The book already left with the student: record the loan and tell staff every rule it broke
        # (being on loan to someone else is the conflict rules' business, not a broken rule).
        facts = ifacts if ifacts.borrower_id in (None, patron.id) else rules.ItemFacts(
            ifacts.item_type, None, 0, ifacts.ready_hold_for, ifacts.waiting_hold_patrons)
        broken = _offline_exceptions(pfacts, facts, policy, policies, when, settings)
        if refusal == found.GIVE_TO_LIBRARIAN:
            broken.append(refusal)
        if broken:
            outcome["offline_exceptions"] = broken
    if resolution.exceptions:
        outcome["offline_exceptions"] = outcome.get("offline_exceptions", []) + resolution.exceptions
        outcome["conflict"] = resolution.detail
    loan_days = policy.loan_days if policy and policy.loanable else 0
    loan = Loan(item_id=item.id, patron_id=patron.id, item=item, patron=patron, checked_out_at=when.at,
                due_date=rules.due_date(settings.calendar, when.day, loan_days), renewals=0,
                returned_at=resolution.closed_at)
    session.add(loan)
    if resolution.closed_at is None:
        item.status = "on_loan"
        _settle_holds_on_checkout(session, patron, item)
    else:
        # The book already came back (or went out again): the loan is history (recorded returned, with any
        # fine as of then) and the item keeps the state its later events gave it.
        back = Moment(resolution.closed_at, _school_day(resolution.closed_at, when), offline=True)
        close_loan(session, loan, item, back, settings, set_status=False)
    records.flush(session)
    max_renewals = policy.max_renewals if policy else 0
    return {**outcome, "ok": True, "loan": records.loan_json(loan, max_renewals, when.day), "refusal": None}


def _school_day(moment: datetime, when: Moment) -> date:
    """The school-local date of ``moment``: ``when.at`` is given in the school's zone by the event layer."""
    return moment.astimezone(when.at.tzinfo).date()


def close_loan(session: Session, loan: Loan, item, when: Moment, settings: records.Settings,
               set_status: bool = True) -> tuple[int, int, Patron]:
    """Mark ``loan`` returned at ``when`` and assess its overdue fine by the item's school's policy.

    Returns (days late, fine, borrower). ``set_status`` False leaves the item's status alone (a loan
    recorded as history by the offline conflict rules).
    """
    borrower = session.get(Patron, loan.patron_id)
    loan.returned_at = when.at
    days_late = rules.overdue_days(settings.calendar, loan.due_date, when.day)
    fine = 0
    policy = records.policies_for(session, borrower.patron_type, item.school_id).get(item.item_type)
    if policy is not None:
        fine = rules.fine_cents(days_late, policy.fine_cents_per_day, policy.max_fine_cents)
    if fine:
        session.add(Fine(patron_id=borrower.id, item_id=item.id, school_id=item.school_id, amount_cents=fine,
                         reason="overdue", assessed_on=when.day, paid=False))
    if set_status:
        item.status = "available"
    # Closed before another loan of the same item opens (a batch's single flush writes updates first).
    records.flush(session)
    return days_late, fine, borrower


def lending_school(item, patron) -> int | None:
    """The school whose rules apply: the item's, else (for an unknown item) the patron's own."""
    if item is not None:
        return item.school_id
    return patron.school_id if patron is not None else None


def _offline_exceptions(pfacts, ifacts, policy, policies, when: Moment, settings) -> list[str]:
    """Every rule an applied offline checkout broke, checked one by one (not just the first)."""
    found = []
    patron_reason = rules.patron_refusal(pfacts, when.day, settings.fines_block_cents)
    if patron_reason:
        found.append(patron_reason)
    # The same patron without card, block or fine problems, to find the item rules this loan broke too.
    healthy = rules.PatronFacts(patron_id=pfacts.patron_id, expires_on=when.day, loans_count=pfacts.loans_count,
                                loans_by_type=pfacts.loans_by_type)
    item_reason = rules.checkout_refusal(healthy, ifacts, policy, today=when.day, fines_block_cents=0,
                                         total_limit=rules.patron_item_limit(list(policies.values())))
    if item_reason == "item_on_hold":
        found.append(item_reason)
        item_reason = rules.checkout_refusal(healthy, rules.ItemFacts(ifacts.item_type), policy,
                                             today=when.day, fines_block_cents=0,
                                             total_limit=rules.patron_item_limit(list(policies.values())))
    if item_reason:
        found.append(item_reason)
    return found


def _settle_holds_on_checkout(session: Session, patron: Patron, item) -> None:
    """The borrower's own hold on this title is fulfilled; another patron's hold on this copy waits again."""
    ledger = ledgers.of(session)
    if ledger is not None:
        mine = sorted((h for h in ledger.holds(item.title_id) if h.patron_id == patron.id
                       and h.status in ("ready", "waiting") and h.item_id in (None, item.id)),
                      key=lambda h: (h.status, h.placed_at))
        own = mine[0] if mine else None
        others = [h for h in ledger.holds(item.title_id) if h.item_id == item.id and h.status == "ready"
                  and h.patron_id != patron.id]
    else:
        own = session.scalars(sa.select(Hold).where(
            Hold.patron_id == patron.id, Hold.title_id == item.title_id, Hold.status.in_(("ready", "waiting")),
            sa.or_(Hold.item_id.is_(None), Hold.item_id == item.id))
            .order_by(Hold.status, Hold.placed_at)).first()  # "ready" sorts before "waiting"
        others = session.scalars(sa.select(Hold).where(Hold.item_id == item.id, Hold.status == "ready",
                                                       Hold.patron_id != patron.id)).all()
    if own is not None:
        own.status, own.item_id = "fulfilled", item.id
    for other in others:
        # Only reachable offline: the copy set aside for someone else left with this patron.
        other.status, other.item_id, other.pickup_by = "waiting", None, None


def renew(session: Session, patron_barcode: str, item_barcode: str, when: Moment, language: str) -> dict:
    """Extend a patron's loan from the renewal day, if no one is waiting and renewals are left."""
    patron = records.find_patron(session, barcode=patron_barcode, lock=True)
    item = records.find_item(session, item_barcode, lock=True)
    school_id = lending_school(item, patron)
    settings = records.load_settings(session, school_id)
    policies = records.policies_for(session, patron.patron_type, school_id) if patron else {}
    policy = policies.get(item.item_type) if item else None
    refusal = rules.renew_refusal(records.patron_facts(session, patron), records.item_facts(session, item),
                                  policy, today=when.day, fines_block_cents=settings.fines_block_cents)
    if refusal:
        return {"ok": False, "renewed": False, "loan": None, "refusal": Refusal.of(refusal, language).to_json()}
    loan = records.open_loan(session, item)
    loan.renewals += 1
    # A renewal never shortens a loan (near term end the capped date can be earlier than today's).
    loan.due_date = max(loan.due_date, rules.due_date(settings.calendar, when.day, policy.loan_days))
    records.flush(session)
    return {"ok": True, "renewed": True, "loan": records.loan_json(loan, policy.max_renewals, when.day),
            "refusal": None}


def checkin(session: Session, item_barcode: str, when: Moment, language: str) -> dict:
    """Return an item: close its loan, assess any overdue fine, and route it to the shelf or hold shelf."""
    item = records.find_item(session, item_barcode, lock=True)
    if item is None:
        return {"ok": False, "checkin": None, "refusal": Refusal.of("item_unknown", language).to_json()}
    settings = records.load_settings(session, item.school_id)
    current = records.open_loan(session, item)
    # A late-forwarded offline return from before the current loan began must not close that loan.
    stale = current is not None and when.offline and current.checked_out_at > when.at
    loan = None if stale else current
    outcome: dict = {"offline_exceptions": ["checkin_before_current_loan"]} if stale else {}
    days_late, fine, borrower = 0, 0, None
    if loan is not None:
        days_late, fine, borrower = close_loan(session, loan, item, when, settings)
    elif not stale and item.status in ("lost", "missing", "on_loan"):
        item.status = "available"  # found again
    hold = None if stale else _trap_hold(session, item, when, settings)
    records.flush(session)
    title = item.title_record
    outcome.update({"ok": True, "refusal": None, "checkin": {
        "item_barcode": item.barcode, "title": title.title, "author": title.author,
        "call_number": item.call_number, "location": item.location, "was_on_loan": loan is not None,
        "due_date": loan.due_date.isoformat() if loan else None, "overdue_days": days_late,
        "fine_cents": fine, "routing": "hold_shelf" if hold else "shelf",
        "hold_for": hold.patron.display_name if hold else None, "on_hold": hold is not None,
        "patron_barcode": borrower.barcode if borrower else None}})
    return outcome


def _trap_hold(session: Session, item, when: Moment, settings: records.Settings) -> Hold | None:
    """The hold this copy now goes to: one already set aside for it, else the first patron waiting for
    its title at its school."""
    ready, first_waiting = _holds_for_copy(session, item)
    hold = ready
    if hold is None:
        hold = first_waiting
        if hold is None:
            if item.status == "on_hold_shelf":
                item.status = "available"  # nobody is waiting for it any more
            return None
        pickup = rules.next_open_day(settings.calendar, when.day + timedelta(days=settings.hold_pickup_days))
        hold.status, hold.item_id, hold.pickup_by = "ready", item.id, pickup
    item.status = "on_hold_shelf"
    return hold


def _holds_for_copy(session: Session, item) -> tuple[Hold | None, Hold | None]:
    """The hold this copy is set aside for, and the first hold waiting for its title at its school."""
    ledger = ledgers.of(session)
    if ledger is not None:
        holds = ledger.holds(item.title_id)  # in placed_at, id order
        return (next((h for h in holds if h.item_id == item.id and h.status == "ready"), None),
                next((h for h in holds if h.status == "waiting" and h.school_id == item.school_id
                      and h.item_id in (None, item.id)), None))
    ready = session.scalars(sa.select(Hold).where(Hold.item_id == item.id, Hold.status == "ready")).first()
    if ready is not None:
        return ready, None
    return None, session.scalars(sa.select(Hold).where(
        Hold.title_id == item.title_id, Hold.status == "waiting", Hold.school_id == item.school_id,
        sa.or_(Hold.item_id.is_(None), Hold.item_id == item.id))
        .order_by(Hold.placed_at, Hold.id).with_for_update(key_share=True)).first()

