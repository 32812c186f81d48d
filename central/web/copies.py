"""A copy's page: its status and loan, edit it, withdraw it, mark it lost, damaged or found."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from central.catalog import copies
from central.circulation import records
from central.messages import Refused
from central.store.models import ITEM_TYPES, Item, Patron
from central.web import forms, policy
from central.web.i18n import money

bp = Blueprint("copies", __name__, url_prefix="/catalog/items")


def _item(item_id: int) -> Item:
    item = policy.state().session().get(Item, item_id)
    if item is None:
        abort(404)
    policy.check_school(item.school_id)
    return item


@bp.get("/<int:item_id>")
@policy.requires("catalog.view")
def item_page(item_id: int):
    """The copy: title, barcode, call number, status with its reason, current loan, and what can be done."""
    session = policy.state().session()
    item = _item(item_id)
    loan = records.open_loan(session, item)
    return render_template("central/item.html", item=item, title=item.title_record, loan=loan,
                           borrower=session.get(Patron, loan.patron_id) if loan else None,
                           last_borrower=copies.last_borrower(session, item) if loan is None else None,
                           replacement=copies.replacement_cents(session, item), item_types=ITEM_TYPES,
                           item_type_names=copies.ITEM_TYPE_NAMES, form_id=forms.new_form_id())


def _act(item_id: int, action: str, summary: str, done: str, work):
    """Run one change on a copy (``work(session, item)`` returns extra audit values) and go back to its page."""
    item = _item(item_id)

    def change(session, form_id):
        record = session.get(Item, item.id)
        extra = work(session, record) or {}
        forms.note(session, action=action, summary=summary,
                   values={"barcode": record.barcode, "title": record.title_record.title, **extra},
                   form_id=form_id, school_id=record.school_id, target_type="item", target_id=record.id)
        return True

    forms.carry_out(change, done=done)
    return redirect(url_for("web.copies.item_page", item_id=item_id))


@bp.post("/<int:item_id>/edit")
@policy.requires("catalog.edit")
def edit(item_id: int):
    """Save a copy's call number, shelf location, kind and price."""
    def work(session, item):
        price = request.form.get("price", "").strip()
        changed = copies.edit_copy(item, call_number=forms.field("call_number", limit=60),
                                   location=forms.field("location", limit=80),
                                   item_type=request.form.get("item_type", ""),
                                   price_cents=forms.cents(price) if price else None)
        return {"fields": ", ".join(changed) or "-"}

    return _act(item_id, "item.edit", "Edited copy {barcode} of '{title}': {fields}.", "The copy is saved.", work)


@bp.post("/<int:item_id>/withdraw")
@policy.requires("catalog.edit")
def withdraw(item_id: int):
    """Weed the copy, with the reason."""
    def work(session, item):
        reason = forms.field("reason")
        copies.withdraw(session, item, reason, policy.state().clock.today())
        return {"reason": item.status_reason}

    return _act(item_id, "item.withdraw", "Withdrew copy {barcode} of '{title}': {reason}.",
                "The copy is withdrawn from the collection.", work)


def _charge(session, item) -> int | None:
    if request.form.get("charge") != "yes":
        return None
    return forms.cents(request.form.get("amount", ""))


@bp.post("/<int:item_id>/lost")
@policy.requires("catalog.edit")
def lost(item_id: int):
    """Mark the copy lost; a borrower who has it is charged the replacement when asked."""
    def work(session, item):
        clock = policy.state().clock
        fine = copies.mark_lost(session, item, forms.field("reason"), clock.now(), clock.today(),
                                _charge(session, item))
        return {"reason": item.status_reason, "charged": money(fine.amount_cents) if fine else "-"}

    return _act(item_id, "item.lost", "Marked copy {barcode} of '{title}' lost ({reason}); charged {charged}.",
                "The copy is marked lost.", work)


@bp.post("/<int:item_id>/damaged")
@policy.requires("catalog.edit")
def damaged(item_id: int):
    """Mark the copy damaged; its last borrower is charged when asked."""
    def work(session, item):
        amount = _charge(session, item)
        patron = copies.last_borrower(session, item) if amount else None
        if amount and patron is None:
            raise Refused("Nobody has borrowed this copy yet, so there is nobody to charge.")
        fine = copies.mark_damaged(session, item, forms.field("reason"), policy.state().clock.today(), patron, amount)
        return {"reason": item.status_reason, "charged": money(fine.amount_cents) if fine else "-"}

    return _act(item_id, "item.damaged", "Marked copy {barcode} of '{title}' damaged ({reason}); charged {charged}.",
                "The copy is marked damaged.", work)


@bp.post("/<int:item_id>/found")
@policy.requires("catalog.edit")
def found(item_id: int):
    """Put the copy back in circulation (found or mended); an unpaid lost-copy charge is waived."""
    def work(session, item):
        clock = policy.state().clock
        waived = copies.mark_found(session, item, clock.now(), clock.today(), g.staff.id)
        return {"waived": money(waived)}

    return _act(item_id, "item.found", "Copy {barcode} of '{title}' is back in circulation; waived {waived}.",
                "The copy is back in circulation. Check it in at the desk if someone is waiting for it.", work)
