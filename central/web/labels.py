"""Label printing: choose copies, sheet, barcode kind and the first free label, then open the PDF."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, render_template, request

from central.printing import barcodes, labels
from central.staff import roles
from central.store.models import Item, School
from central.web import policy

bp = Blueprint("labels", __name__, url_prefix="/labels")
MAX_LABELS = 600  # twenty sheets: more in one PDF is a mistake, not a print run


def _chosen_items() -> list[Item]:
    ids = [int(v) for v in request.args.getlist("item") if v.isdigit()][:MAX_LABELS]
    if not ids:
        return []
    items = policy.state().session().scalars(sa.select(Item).where(Item.id.in_(ids)).order_by(Item.barcode)).all()
    for item in items:
        if not roles.may_see_school(g.staff, item.school_id):
            abort(403)
    return list(items)


@bp.get("")
@policy.requires("labels.print")
def choose():
    """The print page: the copies asked for (or this week's new copies) and the sheet options."""
    items = _chosen_items()
    school = policy.working_school()
    recent = []
    if school is not None:
        since = policy.state().clock.today() - timedelta(days=7)
        recent = policy.state().session().scalars(sa.select(Item).where(
            Item.school_id == school.id, Item.acquired_on >= since).order_by(Item.barcode).limit(MAX_LABELS)).all()
    return render_template("central/labels.html", items=items, recent=recent, sheets=labels.SHEETS,
                           symbologies=barcodes.SYMBOLOGIES)


@bp.get("/print")
@policy.requires("labels.print")
def print_pdf():
    """The labels as a PDF: barcode labels or spine labels, from the first free position of the sheet."""
    items = _chosen_items()
    if not items:
        abort(400)
    kind = request.args.get("kind", "barcode")
    symbology = request.args.get("symbology", "codabar")
    sheet = request.args.get("sheet", "avery5160" if kind == "barcode" else "spine")
    start = request.args.get("start", "1")
    if kind not in ("barcode", "spine") or symbology not in barcodes.SYMBOLOGIES or sheet not in labels.SHEETS \
            or not start.isdigit() or not 1 <= int(start) <= labels.SHEETS[sheet].per_page:
        abort(400)
    session = policy.state().session()
    schools = {s.id: s.name for s in session.scalars(sa.select(School))}
    rows = [labels.Label(item.barcode, item.title_record.title, item.call_number, schools[item.school_id])
            for item in items]
    if kind == "barcode":
        pdf = labels.barcode_labels(rows, sheet=sheet, symbology=symbology, start=int(start))
    else:
        pdf = labels.spine_labels(rows, sheet=sheet, start=int(start))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{kind}-labels.pdf"'})
