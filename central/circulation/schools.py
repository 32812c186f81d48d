"""Schools of the district: add one, the desk station each has, and the next free library barcode."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.messages import Refused
from central.store.models import Item, Kiosk, Patron, School
from protocol.identifiers import make_library_barcode

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
ITEM_DIGIT, PATRON_DIGIT = "3", "2"


class SchoolRefused(Refused):
    """A school that cannot be added as asked; the message says why in one sentence."""


def add_school(session: Session, code: str, name: str, institution: int) -> School:
    """Add a school with its circulation desk station; SchoolRefused says what is wrong."""
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise SchoolRefused("A school code is 1 to 20 lower-case letters, digits or dashes (for example 'lincoln').")
    if not (name or "").strip():
        raise SchoolRefused("A school needs a name.")
    if not 0 <= institution <= 9999:
        raise SchoolRefused("The barcode institution number has 4 digits (0000 to 9999).")
    if session.scalar(sa.select(School.id).where(School.code == code)) is not None:
        raise SchoolRefused("There is already a school with the code '{code}'.", code=code)
    school = School(code=code, name=name.strip()[:200], institution=institution, active=True)
    session.add(school)
    session.flush()
    ensure_desk(session, school)
    return school


def desk_id(school: School) -> str:
    """The station id of a school's circulation desk."""
    return f"desk-{school.code}"


def ensure_desk(session: Session, school: School) -> Kiosk:
    """The school's desk station, created when missing. A desk has no token: it cannot call the kiosk API."""
    desk = session.get(Kiosk, desk_id(school))
    if desk is None:
        desk = Kiosk(id=desk_id(school), name=f"Circulation desk, {school.name}"[:120], school_id=school.id,
                     kind="desk", token_hash=None)
        session.add(desk)
        session.flush()
    return desk


def next_barcode(session: Session, school: School, kind: str = "item") -> str:
    """The next free library barcode in the school's range (after the highest one in use), check digit made."""
    digit = ITEM_DIGIT if kind == "item" else PATRON_DIGIT
    model = Item if kind == "item" else Patron
    prefix = f"{digit}{school.institution:04d}"
    highest = session.scalar(sa.select(sa.func.max(model.barcode)).where(
        model.barcode.like(f"{prefix}%"), sa.func.length(model.barcode) == 14))
    # 14 digits: type, 4-digit institution, 8-digit sequence, check digit. Same length, so max() is numeric.
    sequence = int(highest[5:13]) + 1 if highest and highest[5:13].isdigit() else 1
    return make_library_barcode(digit, school.institution, sequence)
