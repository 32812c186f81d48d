"""The audit log page: the newest staff changes of the school (every school for the district admin)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request

from central.staff import audit, roles
from central.store.models import School
from central.web import policy
from central.web.i18n import translate

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@policy.requires("audit.view")
def page():
    """Who changed what, when, newest first (200 at a time)."""
    session = policy.state().session()
    school = None if roles.sees_every_school(g.staff) else g.staff.school_id
    entries = audit.recent(session, school_id=school, limit=min(request.args.get("limit", 200, type=int), 1000))
    schools = {s.id: s.name for s in session.scalars(sa.select(School))}
    return render_template("central/audit.html", entries=entries, schools=schools,
                           sentence=lambda entry: audit.summary_in(entry, translate), tz=policy.state().clock.tz)
