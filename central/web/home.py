"""The server's web pages: a plain home page with the library at a glance (staff pages come later)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template

from central.circulation import records
from central.store.models import Item, Kiosk, Loan, Patron, Title

bp = Blueprint("web", __name__)


def library_counts(session, today) -> dict:
    """How many titles, items, patrons, loans out and overdue loans the library has."""
    count = lambda query: int(session.scalar(query) or 0)  # noqa: E731 - five one-line queries
    open_loans = sa.select(sa.func.count()).select_from(Loan).where(Loan.returned_at.is_(None))
    return {
        "titles": count(sa.select(sa.func.count()).select_from(Title)),
        "items": count(sa.select(sa.func.count()).select_from(Item)),
        "patrons": count(sa.select(sa.func.count()).select_from(Patron)),
        "loans_out": count(open_loans),
        "overdue": count(open_loans.where(Loan.due_date < today)),
    }


@bp.get("/")
def index():
    """The home page: server name, counts, kiosks last seen, link to the API description."""
    central = current_app.extensions["central"]
    session = central.session()
    settings = records.load_settings(session)
    kiosks = session.scalars(sa.select(Kiosk).order_by(Kiosk.id)).all()
    return render_template("central/index.html", server_name=current_app.config["SERVER_NAME_TEXT"],
                           library_name=settings.library_name,
                           counts=library_counts(session, central.clock.today()), kiosks=kiosks,
                           now=central.clock.now())
