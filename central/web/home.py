"""The home page: the sign-in form for someone not signed in, else the library at a glance and its stations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request

from central.circulation import records
from central.staff import roles
from central.staff.accounts import ROLE_NAMES
from central.store.models import Item, Kiosk, Loan, Patron, School, Title
from central.web import exceptions, policy

bp = Blueprint("web", __name__)
bp.before_request(policy.load_staff)


@bp.app_context_processor
def _page_globals() -> dict:
    """What every staff page's frame needs: who is signed in, what they may do, the school switch."""
    staff = g.get("staff")
    return {"staff": staff, "allowed": lambda permission: roles.allowed(staff, permission),
            "school_choices": policy.schools_to_choose(),
            "working_school": policy.working_school() if staff is not None else None}


def library_counts(session, today, school_ids: list[int] | None) -> dict:
    """How many titles, items, patrons, loans out and overdue loans the schools have (None: the district)."""
    count = lambda query: int(session.scalar(query) or 0)  # noqa: E731 - five one-line queries
    items = sa.select(sa.func.count()).select_from(Item)
    patrons = sa.select(sa.func.count()).select_from(Patron)
    open_loans = sa.select(sa.func.count()).select_from(Loan).join(Item).where(Loan.returned_at.is_(None))
    if school_ids is not None:
        items, patrons = items.where(Item.school_id.in_(school_ids)), patrons.where(Patron.school_id.in_(school_ids))
        open_loans = open_loans.where(Item.school_id.in_(school_ids))
    return {
        "titles": count(sa.select(sa.func.count()).select_from(Title)),
        "items": count(items),
        "patrons": count(patrons),
        "loans_out": count(open_loans),
        "overdue": count(open_loans.where(Loan.due_date < today)),
    }


@bp.get("/")
@policy.public
def index():
    """The sign-in form, or for a signed-in staff member the counts and stations of their school(s)."""
    central = policy.state()
    session = central.session()
    if g.staff is None:
        return render_template("central/signin.html", error=None, username="",
                               next=request.args.get("next", ""))
    school_ids = policy.visible_school_ids()
    settings = records.load_settings(session, g.staff.school_id)
    stations = sa.select(Kiosk).order_by(Kiosk.school_id, Kiosk.kind.desc(), Kiosk.id)
    if school_ids is not None:
        stations = stations.where(Kiosk.school_id.in_(school_ids))
    schools = {s.id: s for s in session.scalars(sa.select(School))}
    return render_template("central/index.html", library_name=settings.library_name,
                           counts=library_counts(session, central.clock.today(), school_ids),
                           kiosks=session.scalars(stations).all(), schools=schools, now=central.clock.now(),
                           open_exceptions=exceptions.open_count(session, school_ids),
                           role_names=ROLE_NAMES)
