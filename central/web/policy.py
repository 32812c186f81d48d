"""Who is signed in, and the one decorator every staff route wears: @requires("permission").

A route without @requires (or @public) is refused: tests/central/test_staff_roles.py walks every
registered route with every role, so a new page cannot forget its check.
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, session, url_for

from central.staff import roles
from central.store.models import School, StaffAccount


def state():
    """The app's CentralState (database and clock)."""
    return current_app.extensions["central"]


def account_version(account: StaffAccount) -> str:
    """Changes when the password does, so every other session of the account ends with a new password."""
    return account.password_changed_at.isoformat() if account.password_changed_at else "-"


def load_staff() -> None:
    """Put the signed-in staff member (or None) in ``g.staff`` for this request."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return
    account = state().session().get(StaffAccount, staff_id)
    if account is None or account.disabled or session.get("staff_version") != account_version(account):
        session.clear()
        return
    g.staff = account


def requires(permission: str):
    """Let the route run only for a signed-in staff member whose role holds ``permission``."""
    if permission not in roles.PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            staff = g.get("staff")
            if staff is None:
                if request.method == "GET":
                    return redirect(url_for("web.index", next=request.full_path.rstrip("?")))
                abort(401)
            if not roles.allowed(staff, permission):
                abort(403)
            return view(*args, **kwargs)

        guarded.permission = permission
        return guarded

    return decorate


def public(view):
    """Mark a route that anyone may open (the sign-in page itself)."""
    view.permission = "public"
    return view


def check_school(school_id: int | None) -> None:
    """Refuse (403) a record of a school the signed-in staff member may not see."""
    if not roles.may_see_school(g.staff, school_id):
        abort(403)


def visible_school_ids() -> list[int] | None:
    """The schools whose records the staff member sees: None means every school."""
    return None if roles.sees_every_school(g.staff) else [g.staff.school_id]


def working_school() -> School | None:
    """The school the staff member works at now: their own, or the one a district admin chose."""
    db = state().session()
    if not roles.sees_every_school(g.staff):
        return db.get(School, g.staff.school_id)
    chosen = session.get("school_id")
    school = db.get(School, chosen) if chosen else None
    return school or db.scalars(sa.select(School).order_by(School.code)).first()


def schools_to_choose() -> list[School]:
    """Every school, for the district admin's school switch (empty for everyone else)."""
    if g.get("staff") is None or not roles.sees_every_school(g.staff):
        return []
    return list(state().session().scalars(sa.select(School).order_by(School.name)))
