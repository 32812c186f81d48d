"""The circulation desk: a page for the desk's keyboard-wedge scanner (it types a barcode and presses Enter).

Check out, check in and renew go through ``record_station_event`` as events of the school's desk
station, through the same rules and event store as the kiosk API. The form's id is the event's id,
so a form posted twice (a double Enter) is done once and shows the same outcome.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from central.catalog.titles import find_by_isbn, isbn13
from central.circulation import fines as money_desk
from central.circulation import holds, records, rules
from central.circulation.events import EventRefused, record_station_event
from central.circulation.schools import desk_id, ensure_desk
from central.messages import Refused
from central.staff import roles
from central.store.models import CirculationEvent, Fine, Hold, Item, Kiosk, Loan, Patron, School, Title
from central.web import forms, policy
from central.web.i18n import current_language, money, t
from protocol.circulation import Refusal
from protocol.identifiers import mask_barcode
from protocol.wire import CheckinRequest, CheckoutRequest, RenewRequest

bp = Blueprint("desk", __name__, url_prefix="/desk")
MODES = ("checkout", "checkin")


def _find_patron(session, code: str) -> Patron | None:
    """The patron with this barcode or student ID, among those the staff member sees."""
    code = (code or "").strip()
    if not code:
        return None
    patron = records.find_patron(session, barcode=code)
    if patron is None:
        query = sa.select(Patron).where(Patron.student_id == code)
        school_ids = policy.visible_school_ids()
        if school_ids is not None:
            query = query.where(Patron.school_id.in_(school_ids))
        patron = session.scalars(query.limit(1)).first()
    if patron is not None and not roles.may_see_school(g.staff, patron.school_id):
        return None
    return patron


def _panel(session, patron: Patron) -> dict:
    """What the desk shows about a patron: standing, loans, holds and unpaid fines."""
    today = policy.state().clock.today()
    settings = records.load_settings(session, patron.school_id)
    facts = records.patron_facts(session, patron)
    # Each row's copy and title come in the same query: the page lists them all (a teacher may have 25 out).
    loans = session.scalars(sa.select(Loan).join(Item).where(Loan.patron_id == patron.id, Loan.returned_at.is_(None))
                            .options(joinedload(Loan.item).joinedload(Item.title_record))
                            .order_by(Loan.due_date, Item.call_number)).all()
    active = session.scalars(sa.select(Hold).where(Hold.patron_id == patron.id, Hold.status.in_(holds.ACTIVE))
                             .options(joinedload(Hold.title_record)).order_by(Hold.placed_at)).all()
    unpaid = session.scalars(sa.select(Fine).where(Fine.patron_id == patron.id, Fine.paid.is_(False))
                             .options(joinedload(Fine.item).joinedload(Item.title_record))
                             .order_by(Fine.assessed_on, Fine.id)).all()
    return {"patron": patron, "loans": loans, "holds": active, "fines": unpaid, "today": today,
            "owed": sum(f.owed_cents for f in unpaid),
            "refusal": rules.patron_refusal(facts, today, settings.fines_block_cents)}


@bp.get("")
@policy.requires("desk.use")
def page():
    """The desk page: the patron being served (if any), the last transaction's outcome, the scan field."""
    session = policy.state().session()
    mode = request.args.get("mode", "checkout")
    mode = mode if mode in MODES else "checkout"
    code = request.args.get("patron", "").strip()[:40]
    patron = _find_patron(session, code) if code else None
    if code and patron is None:
        flash(t("No patron of your school has the barcode or student ID {code}.", code=mask_barcode(code)), "error")
    event, event_id = None, request.args.get("event", "")[:36]
    stored = session.get(CirculationEvent, event_id) if event_id else None
    if stored is not None and stored.kiosk_id.startswith("desk-"):
        # The copy's own school, so a book of another school checked in here is sent back there.
        item = session.scalar(sa.select(Item).where(Item.barcode == stored.payload.get("item_barcode")))
        event = {**stored.result, "type": stored.type, "item_school": item.school if item else None,
                 "replayed": request.args.get("replayed") == "1"}
    return render_template("central/desk.html", mode=mode, panel=_panel(session, patron) if patron else None,
                           event=event, school=policy.working_school(), form_id=forms.new_form_id(),
                           refusal_text=lambda code: Refusal.of(code, current_language()).message)


def _event_id() -> str:
    value = (request.form.get("form_id") or "").strip()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(400)


def _transaction(kind: str):
    session = policy.state().session()
    school = policy.working_school()
    if school is None:
        abort(400)
    patron_code = (request.form.get("patron") or "").strip()[:40]
    item_code = (request.form.get("item") or "").strip()[:40]
    patron = _find_patron(session, patron_code) if kind != "checkin" else None
    back = {"patron": patron.barcode} if patron else {}
    if kind == "checkin":
        back = {"mode": "checkin", **({"patron": patron_code} if patron_code else {})}
    if kind != "checkin" and patron is None:
        flash(t("Scan the patron's card first."), "error")
        return redirect(url_for("web.desk.page", **back))
    if not item_code:
        flash(t("Scan the book's barcode."), "error")
        return redirect(url_for("web.desk.page", **back))
    request_type = {"checkout": CheckoutRequest, "renew": RenewRequest}.get(kind)
    wire = request_type(patron.barcode, item_code) if request_type else CheckinRequest(item_code)
    central = policy.state()
    if session.get(Kiosk, desk_id(school)) is None:  # schools made before their desk existed get one now
        with central.db.writer() as writer, writer.begin():
            ensure_desk(writer, writer.get(School, school.id))
    event_id = _event_id()
    try:
        result = record_station_event(central.db, central.clock, desk_id(school), wire, current_language(),
                                      event_id=event_id)
    except EventRefused:
        # The page's form was already used for another transaction (a back button, a second tab): nothing done.
        flash(t("This page was already used for another transaction, so nothing was done. Scan the book again."),
              "error")
        return redirect(url_for("web.desk.page", **back))
    if result.get("replayed"):
        back["replayed"] = 1  # the page says it was done once, not twice
    else:
        _audit_transaction(kind, result, school.id, patron, item_code, event_id)
    return redirect(url_for("web.desk.page", event=event_id, **back))


DESK_SUMMARIES = {"checkout": "Checked out {item} to {patron} at the desk: {outcome}.",
                  "checkin": "Checked in {item} at the desk: {outcome}.",
                  "renew": "Renewed {item} for {patron} at the desk: {outcome}."}


def _audit_transaction(kind: str, result: dict, school_id: int, patron: Patron | None, item_code: str,
                       event_id: str) -> None:
    with policy.state().db.writer() as session, session.begin():
        forms.note(session, action=f"desk.{kind}", summary=DESK_SUMMARIES[kind],
                   values={"item": item_code,
                           "patron": f"{patron.display_name} ({mask_barcode(patron.barcode)})" if patron else "-",
                           "outcome": "done" if result.get("ok") else
                           "refused, " + (result.get("refusal") or {}).get("code", "-"),
                           "event_id": event_id},
                   form_id=None, school_id=school_id, target_type="event", target_id=event_id)


@bp.post("/checkout")
@policy.requires("desk.use")
def checkout():
    """Check the scanned book out to the patron being served."""
    return _transaction("checkout")


@bp.post("/checkin")
@policy.requires("desk.use")
def checkin():
    """Check the scanned book in: the outcome says where it goes (shelf or hold shelf) and any fine."""
    return _transaction("checkin")


@bp.post("/renew")
@policy.requires("desk.use")
def renew():
    """Renew one of the patron's loans."""
    return _transaction("renew")


def _patron_form(session) -> Patron:
    patron = _find_patron(session, request.form.get("patron", ""))
    if patron is None:
        raise Refused("Scan the patron's card first.")
    return patron


def _money_change(action: str, summary: str, done: str, work):
    """A hold or money change for the patron being served, done once, and back to the desk."""
    school = policy.working_school()
    if school is None:
        abort(400)
    found = {}

    def change(session, form_id):
        patron = _patron_form(session)
        found["barcode"] = patron.barcode
        values = work(session, patron, school) or {}
        forms.note(session, action=action, summary=summary,
                   values={"patron": f"{patron.display_name} ({mask_barcode(patron.barcode)})", **values},
                   form_id=form_id, school_id=school.id, target_type="patron", target_id=patron.id)
        return True

    forms.carry_out(change, done=done)
    code = found.get("barcode") or (request.form.get("patron") or "").strip()[:40]
    return redirect(url_for("web.desk.page", **({"patron": code} if code else {})))


def _title_for(session, code: str) -> Title:
    """The title named by a copy's barcode or an ISBN typed at the desk."""
    code = (code or "").strip()
    item = session.scalar(sa.select(Item).where(Item.barcode == code)) if code else None
    if item is not None:
        return item.title_record
    title = find_by_isbn(session, isbn13(code)) if code else None
    if title is None:
        raise Refused("No title has this barcode or ISBN: {code}.", code=code[:20])
    return title


@bp.post("/holds")
@policy.requires("desk.use")
def place_hold():
    """Place a hold for the patron on the title of a scanned copy or an ISBN."""
    def work(session, patron, school):
        title = _title_for(session, request.form.get("title_code", ""))
        holds.place(session, patron, title, school.id, policy.state().clock.now())
        return {"title": title.title}

    return _money_change("hold.place", "Placed a hold on '{title}' for {patron}.", "The hold is placed.", work)


@bp.post("/holds/<int:hold_id>/cancel")
@policy.requires("desk.use")
def cancel_hold(hold_id: int):
    """Cancel one of the patron's holds (a copy set aside for it goes to the next in line or the shelf)."""
    def work(session, patron, school):
        hold = session.get(Hold, hold_id)
        if hold is None or hold.patron_id != patron.id:
            raise Refused("This patron has no such hold.")
        policy.check_school(hold.school_id)
        holds.cancel(session, hold, policy.state().clock.now())
        return {"title": hold.title_record.title}

    return _money_change("hold.cancel", "Cancelled the hold on '{title}' for {patron}.", "The hold is cancelled.",
                         work)


@bp.post("/pay")
@policy.requires("desk.use")
def pay():
    """Take a payment towards the patron's fines (oldest first)."""
    def work(session, patron, school):
        amount = forms.cents(request.form.get("amount", ""))
        money_desk.take_payment(session, patron, amount, school_id=school.id, staff_id=g.staff.id,
                                now=policy.state().clock.now())
        return {"amount": money(amount)}

    return _money_change("fine.pay", "Took {amount} from {patron}.", "The payment is recorded.", work)


@bp.post("/fines/<int:fine_id>/waive")
@policy.requires("fines.waive")
def waive(fine_id: int):
    """Waive what is left of one fine, with the reason."""
    def work(session, patron, school):
        fine = session.get(Fine, fine_id)
        owed = fine.owed_cents if fine is not None else 0
        money_desk.waive(session, patron, fine_id, request.form.get("reason", ""), school_id=school.id,
                         staff_id=g.staff.id, now=policy.state().clock.now())
        return {"amount": money(owed), "reason": (request.form.get("reason") or "").strip()[:200]}

    return _money_change("fine.waive", "Waived {amount} for {patron}: {reason}.", "The fine is waived.", work)
