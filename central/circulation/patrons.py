"""Patron-facing reads: identify a patron (barcode or card, with PIN), their account, an item lookup."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from central.circulation import pin_lockout, records, rules
from central.store.db import Database
from central.store.models import Fine, Hold, Item, Loan, Patron
from protocol.circulation import Refusal

# scrypt with a modest cost: a 4-digit PIN has only 10,000 values, so the hash guards the PIN at rest
# against casual reading, and a higher cost would only slow every typed sign-in.
PIN_HASH_METHOD = "scrypt:16384:8:1"


def hash_pin(pin: str) -> str:
    """A salted hash of a PIN for storage."""
    return generate_password_hash(pin, method=PIN_HASH_METHOD)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """True when ``pin`` matches the stored hash (werkzeug compares in constant time)."""
    return check_password_hash(pin_hash, pin)


def patron_json(session: Session, patron: Patron, settings: records.Settings, today: date,
                language: str) -> dict:
    """The API's patron object, including whether they may check out and why not."""
    facts = records.patron_facts(session, patron)
    policies = records.policies_for(session, patron.patron_type)
    refusal = rules.patron_refusal(facts, today, settings.fines_block_cents)
    return {
        "barcode": patron.barcode, "display_name": patron.display_name, "patron_type": patron.patron_type,
        "grade": patron.grade, "homeroom": patron.homeroom, "language": patron.language,
        "expires_on": patron.expires_on.isoformat(), "loans_count": facts.loans_count,
        "max_items": rules.patron_item_limit(list(policies.values())),
        "fines_total_cents": facts.fines_total_cents, "can_checkout": refusal is None,
        # The code alone, as API.md lists it (kiosks re-word codes); the sentence is an added field.
        "refusal": refusal, "refusal_message": Refusal.of(refusal, language).message if refusal else None,
    }


def identify(session: Session, db: Database, *, barcode: str | None, card_uid: str | None, pin: str | None,
             method: str | None, now: datetime, today: date, language: str, kiosk_id: str = "-") -> dict:
    """Find the patron for a scanned/typed barcode or tapped card, checking the PIN when one applies.

    A PIN is asked for only when the number was typed (anyone could type a classmate's number);
    a scanned or tapped card is the credential. A PIN that is sent is always checked, and counts
    towards the lockout when wrong (central.circulation.pin_lockout). ``db`` is for recording PIN tries.
    """
    patron = records.find_patron(session, barcode=barcode, card_uid=card_uid)
    if patron is None:
        return {"ok": False, "refusal": Refusal.of("patron_unknown", language).to_json()}
    if patron.pin_hash and (pin is not None or method == "typed"):
        refusal = _pin_refusal(db, patron, pin, now, kiosk_id)
        if refusal:
            return {"ok": False, "refusal": Refusal.of(refusal, language).to_json()}
    settings = records.load_settings(session)
    return {"ok": True, "patron": patron_json(session, patron, settings, today, language)}


def _pin_refusal(db: Database, patron: Patron, pin: str | None, now: datetime, kiosk_id: str) -> str | None:
    """Why a PIN sign-in is refused (pin_locked, pin_required, pin_incorrect), or None to let it through."""
    # The lock is checked before the PIN: if a right PIN got through a lock, guessing would go on.
    if pin_lockout.is_locked(patron, now):
        return "pin_locked"
    if pin is None:
        return "pin_required"
    if pin_matches(patron.pin_hash, pin):
        return None if pin_lockout.record_right_pin(db, patron, now) else "pin_locked"
    locked = pin_lockout.record_wrong_pin(db, patron.id, now, kiosk_id=kiosk_id)
    return "pin_locked" if locked else "pin_incorrect"


def account(session: Session, barcode: str, *, today: date, language: str) -> dict | None:
    """A patron's loans, holds and unpaid fines, or None when the barcode is unknown."""
    patron = records.find_patron(session, barcode=barcode)
    if patron is None:
        return None
    settings = records.load_settings(session)
    policies = records.policies_for(session, patron.patron_type)
    loans = session.scalars(sa.select(Loan).join(Item).where(Loan.patron_id == patron.id,
                                                             Loan.returned_at.is_(None))
                            .order_by(Loan.due_date, Item.call_number)).all()
    loans_json = [records.loan_json(loan, _max_renewals(policies, loan.item.item_type), today)
                  for loan in loans]
    holds = session.scalars(sa.select(Hold).where(Hold.patron_id == patron.id,
                                                  Hold.status.in_(("waiting", "ready")))
                            .order_by(Hold.placed_at)).all()
    fines = session.scalars(sa.select(Fine).where(Fine.patron_id == patron.id, Fine.paid.is_(False))
                            .order_by(Fine.assessed_on)).all()
    patron_obj = patron_json(session, patron, settings, today, language)
    return {
        "patron": patron_obj,
        "loans": loans_json,
        "holds": [_hold_json(session, hold) for hold in holds],
        "fines": [{"amount_cents": f.amount_cents, "reason": f.reason, "assessed_on": f.assessed_on.isoformat(),
                   "title": f.item.title_record.title if f.item else None} for f in fines],
        "fines_total_cents": patron_obj["fines_total_cents"],
    }


def _max_renewals(policies: dict[str, rules.PolicyFacts], item_type: str) -> int:
    policy = policies.get(item_type)
    return policy.max_renewals if policy else 0


def _hold_json(session: Session, hold: Hold) -> dict:
    position = None
    if hold.status == "waiting":
        # 1 = next in line: waiting holds on the same title placed earlier, plus this one.
        position = session.scalar(sa.select(sa.func.count()).select_from(Hold).where(
            Hold.title_id == hold.title_id, Hold.status == "waiting", Hold.placed_at <= hold.placed_at))
    return {"title": hold.title_record.title, "author": hold.title_record.author, "status": hold.status,
            "pickup_by": hold.pickup_by.isoformat() if hold.pickup_by else None, "queue_position": position}


def item_lookup(session: Session, barcode: str) -> dict | None:
    """The API's item object for ``barcode``, or None when unknown."""
    item = records.find_item(session, barcode)
    if item is None:
        return None
    return records.item_json(item, records.open_loan(session, item))
