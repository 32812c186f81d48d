"""Copies (items): add one with its barcode, edit it, withdraw it, mark it lost, damaged or found.

A lost or damaged copy may be charged to a patron: its own price, else the school's default
replacement cost, plus the school's processing fee. A lost copy on loan closes the loan and is
charged to its borrower. A copy found again has its unpaid lost-copy charge waived.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import records
from central.messages import Refused
from central.store.models import ITEM_TYPES, Fine, FinePayment, Hold, Item, Loan, Patron, School, Title
from protocol.identifiers import validate_library_barcode

ITEM_TYPE_NAMES = {"book": "Book", "picture_book": "Picture book", "reference": "Reference", "dvd": "DVD",
                   "magazine": "Magazine", "audiobook": "Audiobook"}
OUT_OF_CIRCULATION = ("lost", "missing", "damaged", "withdrawn")
STATUS_NAMES = {"available": "On the shelf", "on_loan": "Checked out", "on_hold_shelf": "On the hold shelf",
                "lost": "Lost", "missing": "Missing", "damaged": "Damaged", "withdrawn": "Withdrawn"}


def item_barcode(text: str) -> str:
    """A typed or scanned item barcode, checked: 14 digits, item type digit 3, right check digit.

    Raises IdentifierError (its sentence in English and Spanish) or Refused.
    """
    code = (text or "").strip()
    validate_library_barcode(code)
    if not code.startswith("3"):
        raise Refused("An item barcode starts with 3 (a patron's starts with 2): {barcode} is not a copy's.",
                      barcode=code)
    return code


def add_copy(session: Session, title: Title, school: School, *, barcode: str, call_number: str, location: str,
             item_type: str, price_cents: int | None, acquired_on: date) -> Item:
    """A new copy of ``title`` at ``school``; Refused (nothing added) for a bad or taken barcode."""
    code = item_barcode(barcode)
    taken = session.scalar(sa.select(Item).where(Item.barcode == code))
    if taken is not None:
        raise Refused("The barcode {barcode} is already on another copy ('{title}'). Use the next free number.",
                      barcode=code, title=taken.title_record.title)
    _check_copy_fields(call_number, location, item_type)
    item = Item(barcode=code, title_id=title.id, school_id=school.id, call_number=call_number.strip()[:60],
                location=location.strip()[:80], item_type=item_type, status="available",
                price_cents=price_cents, acquired_on=acquired_on)
    session.add(item)
    session.flush()
    return item


def _check_copy_fields(call_number: str, location: str, item_type: str) -> None:
    if not call_number.strip():
        raise Refused("A copy needs its call number (what the spine label says, like FIC SAC).")
    if not location.strip():
        raise Refused("A copy needs its shelf location (like Fiction or Picture Books).")
    if item_type not in ITEM_TYPES:
        raise Refused("Choose the kind of copy (book, picture book, DVD, ...).")


def edit_copy(item: Item, *, call_number: str, location: str, item_type: str, price_cents: int | None) -> list[str]:
    """Change a copy's call number, shelf, kind or price; returns the names of the fields that changed."""
    _check_copy_fields(call_number, location, item_type)
    values = {"call_number": call_number.strip()[:60], "location": location.strip()[:80], "item_type": item_type,
              "price_cents": price_cents}
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    return changed


def _need_reason(reason: str) -> str:
    if not reason.strip():
        raise Refused("Say why, in a few words (the reason is kept with the copy).")
    return reason.strip()[:200]


def _release_holds(session: Session, item: Item) -> None:
    # A copy leaving circulation cannot fill the hold it was set aside for: that patron waits again.
    for hold in session.scalars(sa.select(Hold).where(Hold.item_id == item.id, Hold.status == "ready")):
        hold.status, hold.item_id, hold.pickup_by = "waiting", None, None


def withdraw(session: Session, item: Item, reason: str, today: date) -> None:
    """Weed a copy from the collection (kept as withdrawn, with the reason and date)."""
    reason = _need_reason(reason)
    if records.open_loan(session, item) is not None:
        raise Refused("This copy is checked out: check it in before withdrawing it.")
    if item.status == "withdrawn":
        raise Refused("This copy is already withdrawn.")
    _release_holds(session, item)
    item.status, item.status_reason, item.status_date = "withdrawn", reason, today


def replacement_cents(session: Session, item: Item) -> int:
    """What a lost or damaged copy costs: its price (else the school's default) plus the processing fee."""
    settings = records.load_settings(session, item.school_id)
    return (item.price_cents or settings.default_replacement_cents) + settings.processing_fee_cents


def mark_lost(session: Session, item: Item, reason: str, when: datetime, today: date,
              charge_cents: int | None) -> Fine | None:
    """Mark a copy lost; a copy on loan is closed out and its borrower charged ``charge_cents`` (if any)."""
    reason = _need_reason(reason)
    if item.status == "lost":
        raise Refused("This copy is already marked lost.")
    loan = records.open_loan(session, item)
    fine = None
    if loan is not None:
        loan.returned_at = when  # the loan ends: the patron no longer has the copy, they owe for it
        if charge_cents:
            fine = Fine(patron_id=loan.patron_id, item_id=item.id, school_id=item.school_id,
                        amount_cents=charge_cents, reason="lost item", note=reason, assessed_on=today, paid=False)
            session.add(fine)
    _release_holds(session, item)
    item.status, item.status_reason, item.status_date = "lost", reason, today
    session.flush()
    return fine


def mark_damaged(session: Session, item: Item, reason: str, today: date, charge_to: Patron | None,
                 charge_cents: int | None) -> Fine | None:
    """Mark a copy damaged (out of circulation until mended), charging ``charge_to`` when given."""
    reason = _need_reason(reason)
    if records.open_loan(session, item) is not None:
        raise Refused("This copy is checked out: check it in first, then mark it damaged.")
    fine = None
    if charge_to is not None and charge_cents:
        fine = Fine(patron_id=charge_to.id, item_id=item.id, school_id=item.school_id, amount_cents=charge_cents,
                    reason="damaged item", note=reason, assessed_on=today, paid=False)
        session.add(fine)
    _release_holds(session, item)
    item.status, item.status_reason, item.status_date = "damaged", reason, today
    session.flush()
    return fine


def mark_found(session: Session, item: Item, when: datetime, today: date, staff_id: int | None) -> int:
    """Back in circulation (found, or mended); waives what is unpaid of a lost-copy charge. Returns cents waived."""
    if item.status not in OUT_OF_CIRCULATION:
        raise Refused("This copy is not marked lost, missing, damaged or withdrawn.")
    waived = 0
    if item.status == "lost":
        for fine in session.scalars(sa.select(Fine).where(Fine.item_id == item.id, Fine.reason == "lost item",
                                                         Fine.paid.is_(False))):
            owed = fine.owed_cents
            session.add(FinePayment(fine_id=fine.id, patron_id=fine.patron_id, school_id=item.school_id,
                                    kind="waiver", amount_cents=owed, reason="The lost copy was found.",
                                    staff_account_id=staff_id, recorded_at=when))
            fine.paid_cents += owed
            fine.paid = True
            waived += owed
    item.status, item.status_reason, item.status_date = "available", None, today
    session.flush()
    return waived


def last_borrower(session: Session, item: Item) -> Patron | None:
    """Who had the copy last (for charging damage found at check-in), or None."""
    loan = session.scalars(sa.select(Loan).where(Loan.item_id == item.id).order_by(Loan.checked_out_at.desc())
                           .limit(1)).first()
    return session.get(Patron, loan.patron_id) if loan else None
