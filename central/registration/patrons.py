"""Patrons as the librarian keeps them: add, edit, block and unblock with a reason, reset a PIN, add a card.

Every function checks what it is given and raises Refused (or IdentifierError) before changing
anything, so the caller's transaction either makes the whole change or none of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation.patrons import hash_pin
from central.messages import Refused
from central.store.models import PATRON_TYPES, Patron, PatronCard, School
from protocol.identifiers import normalize_card_uid, validate_library_barcode

PATRON_TYPE_NAMES = {"student": "Student", "teacher": "Teacher", "staff": "Staff"}
PIN_LENGTHS = range(4, 7)


@dataclass
class PatronFields:
    """What a person types for a patron."""

    barcode: str
    first_name: str
    last_name: str
    patron_type: str = "student"
    student_id: str = ""
    grade: str = ""
    homeroom: str = ""
    language: str = "en"
    expires_on: str = ""


def patron_barcode(text: str) -> str:
    """A typed or scanned patron barcode, checked: 14 digits, patron type digit 2, right check digit."""
    code = (text or "").strip()
    validate_library_barcode(code)
    if not code.startswith("2"):
        raise Refused("A patron barcode starts with 2 (a copy's starts with 3): {barcode} is not a patron's.",
                      barcode=code)
    return code


def _clean(session: Session, fields: PatronFields, school: School, patron_id: int | None) -> dict:
    first, last = fields.first_name.strip(), fields.last_name.strip()
    if not first or not last:
        raise Refused("A patron needs a first and a last name.")
    if fields.patron_type not in PATRON_TYPES:
        raise Refused("Choose student, teacher or staff.")
    if fields.language not in ("en", "es"):
        raise Refused("Choose English or Spanish for the kiosk's language.")
    try:
        expires = date.fromisoformat(fields.expires_on.strip())
    except ValueError:
        raise Refused("The card's end date is a date like 2026-08-31.") from None
    code = patron_barcode(fields.barcode)
    taken = session.scalar(sa.select(Patron).where(Patron.barcode == code, Patron.id != (patron_id or -1)))
    if taken is not None:
        raise Refused("The barcode {barcode} already belongs to another patron.", barcode=code)
    student_id = fields.student_id.strip()[:40] or None
    if student_id:
        twin = session.scalar(sa.select(Patron).where(Patron.school_id == school.id, Patron.student_id == student_id,
                                                      Patron.id != (patron_id or -1)))
        if twin is not None:
            raise Refused("The student ID {student_id} already belongs to another patron of this school.",
                          student_id=student_id)
    return {"barcode": code, "first_name": first[:80], "last_name": last[:80], "patron_type": fields.patron_type,
            "student_id": student_id, "grade": fields.grade.strip()[:10] or None,
            "homeroom": fields.homeroom.strip()[:80] or None, "language": fields.language, "expires_on": expires}


def add_patron(session: Session, school: School, fields: PatronFields) -> Patron:
    """A new patron of ``school``."""
    patron = Patron(school_id=school.id, **_clean(session, fields, school, None))
    session.add(patron)
    session.flush()
    return patron


def edit_patron(session: Session, patron: Patron, fields: PatronFields) -> list[str]:
    """Change a patron's record; returns the names of the fields that changed."""
    values = _clean(session, fields, session.get(School, patron.school_id), patron.id)
    changed = [name for name, value in values.items() if getattr(patron, name) != value]
    for name in changed:
        setattr(patron, name, values[name])
    session.flush()
    return changed


def block(patron: Patron, reason: str, today: date) -> None:
    """Stop a patron borrowing (kiosk and desk both refuse them) until unblocked; the reason is shown to staff."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Say why the patron is blocked, in a few words.")
    if patron.block_reason:
        raise Refused("This patron is already blocked: {reason}", reason=patron.block_reason)
    patron.block_reason, patron.blocked_on = reason[:200], today


def unblock(patron: Patron) -> str:
    """Let a blocked patron borrow again; returns the reason the block had."""
    if not patron.block_reason:
        raise Refused("This patron is not blocked.")
    reason, patron.block_reason, patron.blocked_on = patron.block_reason, None, None
    return reason


def set_pin(patron: Patron, pin: str) -> None:
    """Give the patron a new PIN (4 to 6 digits), or none at all when ``pin`` is empty; ends a PIN lockout."""
    pin = (pin or "").strip()
    if pin and (not pin.isdigit() or len(pin) not in PIN_LENGTHS):
        raise Refused("A PIN is 4 to 6 digits.")
    patron.pin_hash = hash_pin(pin) if pin else None
    patron.pin_failures, patron.pin_locked_until, patron.pin_lockouts = 0, None, 0


def add_card(session: Session, patron: Patron, uid: str) -> PatronCard:
    """Tie an NFC/RFID card (its UID, as the reader shows it) to the patron."""
    value = normalize_card_uid(uid)
    owner = session.scalar(sa.select(PatronCard).where(PatronCard.uid == value))
    if owner is not None:
        raise Refused("This card already belongs to another patron." if owner.patron_id != patron.id
                      else "This card is already this patron's.")
    card = PatronCard(uid=value, patron_id=patron.id)
    session.add(card)
    session.flush()
    return card


def remove_card(session: Session, patron: Patron, card_id: int) -> PatronCard:
    """Untie a lost or replaced card from the patron."""
    card = session.get(PatronCard, card_id)
    if card is None or card.patron_id != patron.id:
        raise Refused("This patron has no such card.")
    session.delete(card)
    session.flush()
    return card
