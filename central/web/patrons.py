"""Patron pages: search, a patron's record (loans, holds, fines, history as the school allows), add,
edit, block and unblock, reset a PIN, add or remove a card, print library cards."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from central.circulation import records
from central.circulation.schools import next_barcode
from central.printing import barcodes, cards
from central.registration import patrons as registration
from central.store.models import PATRON_TYPES, Fine, FinePayment, Hold, Loan, Patron, PatronCard, School
from central.web import forms, policy
from central.web import search as finder
from central.web.i18n import t
from protocol.identifiers import mask_barcode

bp = Blueprint("patrons", __name__, url_prefix="/patrons")
MAX_CARDS = 300
PIN_SUMMARIES = {True: "Gave {patron} a new PIN.", False: "Took the PIN away from {patron}."}


def _patron(patron_id: int) -> Patron:
    patron = policy.state().session().get(Patron, patron_id)
    if patron is None:
        abort(404)
    policy.check_school(patron.school_id)
    return patron


def _fields() -> registration.PatronFields:
    return registration.PatronFields(
        barcode=forms.field("barcode", limit=32), first_name=forms.field("first_name", limit=80),
        last_name=forms.field("last_name", limit=80), patron_type=request.form.get("patron_type", ""),
        student_id=forms.field("student_id", limit=40), grade=forms.field("grade", limit=10),
        homeroom=forms.field("homeroom", limit=80), language=request.form.get("language", "en"),
        expires_on=forms.field("expires_on", limit=10))


def _typed() -> registration.PatronFields:
    # The form as it was typed, shown again with the error so nothing typed is lost.
    form = request.form
    return registration.PatronFields(**{name: (form.get(name) or "")[:80] for name in (
        "barcode", "first_name", "last_name", "patron_type", "student_id", "grade", "homeroom", "language",
        "expires_on")})


@bp.get("")
@policy.requires("patrons.view")
def search():
    """Find patrons by name, homeroom, student ID, barcode or card."""
    query = request.args.get("q", "").strip()[:100]
    found = finder.patrons(policy.state().session(), query, school_ids=policy.visible_school_ids()) if query else []
    return render_template("central/patron_search.html", query=query, patrons=found)


@bp.get("/<int:patron_id>")
@policy.requires("patrons.view")
def patron_page(patron_id: int):
    """A patron's record, loans, holds, fines with their payments, and past loans as far as the school allows."""
    session = policy.state().session()
    patron = _patron(patron_id)
    settings = records.load_settings(session, patron.school_id)
    today = policy.state().clock.today()
    loans = session.scalars(sa.select(Loan).where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
                            .order_by(Loan.due_date)).all()
    history = []
    if settings.loan_history_days > 0:
        since = policy.state().clock.now() - timedelta(days=settings.loan_history_days)
        history = session.scalars(sa.select(Loan).where(Loan.patron_id == patron.id, Loan.returned_at >= since)
                                  .order_by(Loan.returned_at.desc()).limit(200)).all()
    fines = session.scalars(sa.select(Fine).where(Fine.patron_id == patron.id)
                            .order_by(Fine.paid, Fine.assessed_on.desc()).limit(100)).all()
    payments = session.scalars(sa.select(FinePayment).where(FinePayment.patron_id == patron.id)
                               .order_by(FinePayment.recorded_at.desc()).limit(100)).all()
    holds = session.scalars(sa.select(Hold).where(Hold.patron_id == patron.id, Hold.status.in_(("waiting", "ready")))
                            .order_by(Hold.placed_at)).all()
    cards_of = session.scalars(sa.select(PatronCard).where(PatronCard.patron_id == patron.id)).all()
    return render_template("central/patron.html", patron=patron, school=session.get(School, patron.school_id),
                           loans=loans, history=history, history_days=settings.loan_history_days, fines=fines,
                           payments=payments, holds=holds, cards=cards_of, today=today,
                           owed=sum(f.owed_cents for f in fines), form_id=forms.new_form_id(),
                           mask=mask_barcode, type_names=registration.PATRON_TYPE_NAMES,
                           now_utc=policy.state().clock.now())


def _form(fields: registration.PatronFields, patron: Patron | None, status: int = 200):
    return render_template("central/patron_form.html", fields=fields, patron=patron, patron_types=PATRON_TYPES,
                           type_names=registration.PATRON_TYPE_NAMES, form_id=forms.new_form_id()), status


@bp.get("/new")
@policy.requires("patrons.edit")
def new_patron():
    """The add-patron form, with the school's next free barcode offered."""
    session = policy.state().session()
    school = policy.working_school()
    if school is None:
        abort(400)
    expires = records.load_settings(session, school.id).calendar.term_end
    return _form(registration.PatronFields(barcode=next_barcode(session, school, "patron"), first_name="",
                                           last_name="", expires_on=expires.isoformat() if expires else ""), None)


@bp.post("/new")
@policy.requires("patrons.edit")
def create_patron():
    """Add the patron typed into the form, at the working school."""
    school = policy.working_school()
    if school is None:
        abort(400)

    def change(session, form_id):
        patron = registration.add_patron(session, session.get(School, school.id), _fields())
        forms.note(session, action="patron.add", summary="Added the patron {patron}.",
                   values={"patron": f"{patron.display_name} ({mask_barcode(patron.barcode)})"}, form_id=form_id,
                   school_id=school.id, target_type="patron", target_id=patron.id)
        return patron.id

    patron_id = forms.carry_out(change, done="The patron is added.")
    if patron_id is None and g.get("already_done") is not None:
        patron_id = int(g.already_done.target_id)
    if patron_id is None:
        return _form(_typed(), None, 400)
    return redirect(url_for("web.patrons.patron_page", patron_id=patron_id))


@bp.get("/<int:patron_id>/edit")
@policy.requires("patrons.edit")
def edit_patron(patron_id: int):
    """The edit form of a patron."""
    patron = _patron(patron_id)
    return _form(registration.PatronFields(
        barcode=patron.barcode, first_name=patron.first_name, last_name=patron.last_name,
        patron_type=patron.patron_type, student_id=patron.student_id or "", grade=patron.grade or "",
        homeroom=patron.homeroom or "", language=patron.language, expires_on=patron.expires_on.isoformat()), patron)


@bp.post("/<int:patron_id>/edit")
@policy.requires("patrons.edit")
def save_patron(patron_id: int):
    """Save the edited patron."""
    patron = _patron(patron_id)

    def change(session, form_id):
        record = session.get(Patron, patron.id)
        changed = registration.edit_patron(session, record, _fields())
        forms.note(session, action="patron.edit", summary="Edited the patron {patron}: {fields}.",
                   values={"patron": f"{record.display_name} ({mask_barcode(record.barcode)})",
                           "fields": ", ".join(changed) or "-"},
                   form_id=form_id, school_id=record.school_id, target_type="patron", target_id=record.id)
        return True

    if forms.carry_out(change, done="The patron is saved.") is None and g.get("already_done") is None:
        return _form(_typed(), patron, 400)
    return redirect(url_for("web.patrons.patron_page", patron_id=patron_id))


def _act(patron_id: int, action: str, summary: str, done: str, work):
    """One change to a patron (``work(session, patron)`` returns extra audit values), then back to the page."""
    patron = _patron(patron_id)

    def change(session, form_id):
        record = session.get(Patron, patron.id)
        extra = work(session, record) or {}
        forms.note(session, action=action, summary=summary,
                   values={"patron": f"{record.display_name} ({mask_barcode(record.barcode)})", **extra},
                   form_id=form_id, school_id=record.school_id, target_type="patron", target_id=record.id)
        return True

    forms.carry_out(change, done=done)
    return redirect(url_for("web.patrons.patron_page", patron_id=patron_id))


@bp.post("/<int:patron_id>/block")
@policy.requires("patrons.edit")
def block(patron_id: int):
    """Block the patron from borrowing, with the reason."""
    def work(session, patron):
        registration.block(patron, request.form.get("reason", ""), policy.state().clock.today())
        return {"reason": patron.block_reason}

    return _act(patron_id, "patron.block", "Blocked {patron}: {reason}.", "The patron is blocked.", work)


@bp.post("/<int:patron_id>/unblock")
@policy.requires("patrons.edit")
def unblock(patron_id: int):
    """Let the patron borrow again."""
    return _act(patron_id, "patron.unblock", "Unblocked {patron} (was: {reason}).", "The patron may borrow again.",
                lambda session, patron: {"reason": registration.unblock(patron)})


@bp.post("/<int:patron_id>/pin")
@policy.requires("patrons.edit")
def reset_pin(patron_id: int):
    """Give the patron a new PIN (or none); the PIN itself is never written to the audit log."""
    pin = request.form.get("pin", "")
    return _act(patron_id, "patron.pin", PIN_SUMMARIES[bool(pin.strip())], "The PIN is changed.",
                lambda session, patron: registration.set_pin(patron, pin))


@bp.post("/<int:patron_id>/cards")
@policy.requires("patrons.edit")
def add_card(patron_id: int):
    """Tie a tapped or typed NFC card UID to the patron."""
    def work(session, patron):
        card = registration.add_card(session, patron, request.form.get("uid", ""))
        return {"card": mask_barcode(card.uid)}

    return _act(patron_id, "patron.card", "Gave {patron} the card {card}.", "The card is added.", work)


@bp.post("/<int:patron_id>/cards/<int:card_id>/remove")
@policy.requires("patrons.edit")
def remove_card(patron_id: int, card_id: int):
    """Untie a lost or replaced card."""
    def work(session, patron):
        card = registration.remove_card(session, patron, card_id)
        return {"card": mask_barcode(card.uid)}

    return _act(patron_id, "patron.card_remove", "Took the card {card} from {patron}.", "The card is removed.", work)


@bp.get("/cards")
@policy.requires("cards.print")
def print_cards():
    """Library cards as a PDF, for the patrons chosen (or a whole homeroom of the working school)."""
    session = policy.state().session()
    ids = [int(v) for v in request.args.getlist("patron") if v.isdigit()][:MAX_CARDS]
    homeroom = request.args.get("homeroom", "").strip()
    query = sa.select(Patron).order_by(Patron.last_name, Patron.first_name)
    if ids:
        query = query.where(Patron.id.in_(ids))
    elif homeroom and policy.working_school() is not None:
        query = query.where(Patron.homeroom == homeroom, Patron.school_id == policy.working_school().id)
    else:
        abort(400)
    chosen = session.scalars(query.limit(MAX_CARDS)).all()
    if not chosen:
        abort(404)
    symbology = request.args.get("symbology", "codabar")
    start = request.args.get("start", "1")
    if symbology not in barcodes.SYMBOLOGIES or not start.isdigit() or not 1 <= int(start) <= 10:
        abort(400)
    schools = {s.id: s.name for s in session.scalars(sa.select(School))}
    printed = []
    for patron in chosen:
        policy.check_school(patron.school_id)
        line = " - ".join(part for part in (t("Grade {grade}", grade=patron.grade) if patron.grade else
                                            t(registration.PATRON_TYPE_NAMES[patron.patron_type]),
                                            patron.homeroom) if part)
        printed.append(cards.Card(patron.barcode, f"{patron.first_name} {patron.last_name}",
                                  schools[patron.school_id], line, t("Library card")))
    pdf = cards.library_cards(printed, symbology=symbology, start=int(start))
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="cards.pdf"'})
