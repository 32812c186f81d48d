"""The exceptions page: what the conflict rules decided and what kiosks alerted, in a librarian's words.

Each exception belongs to its kiosk's school: a librarian or technician sees their own school's,
the district admin every one (and those of no kiosk). Resolving one keeps it with who resolved it
and the note; a librarian may reopen it. Both are audit-logged, so earlier notes stay readable in
the exception's history even after a reopen.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from central.messages import Refused
from central.staff import audit, roles
from central.store.models import (AuditEntry, CirculationException, Item, Kiosk, Patron, StaffAccount,
                                  Title)
from central.web import forms, policy
from central.web.i18n import t, translate

bp = Blueprint("exceptions", __name__, url_prefix="/exceptions")
PAGE_SIZE = 50  # a row is several lines tall: fifty is already a long page
NOTE_LIMIT = 1000
STATUSES = ("open", "resolved", "all")
# Rule code (protocol/API.md, "Conflict rules") -> (what happened and what was decided, what to check).
RULE_SENTENCES = {
    "item_on_hold": (
        "A book checked out offline was on the hold shelf for another patron: the loan was recorded and that "
        "hold waits again, first in line for the next copy.",
        "Tell the patron who was waiting that this copy left; their hold gets the next copy returned."),
    "offline_checkout_closed_other_loan": (
        "A book checked out offline was on loan to someone else: their loan was closed at the checkout's time.",
        "Ask the other patron whether they gave the book back, and look at any fine their loan was given."),
    "offline_checkout_superseded": (
        "A book checked out offline had gone back and out again before the checkout arrived: the offline loan "
        "was recorded as returned when the current loan began.",
        "Check that the current borrower has the book."),
    "offline_checkout_returned_later": (
        "A book checked out offline was returned after the checkout happened: the loan was recorded and closed "
        "at that return's time.",
        "Look for the book on the shelf."),
    "clock_skew_ambiguous": (
        "A return and a checkout of this book happened minutes apart at kiosks whose clocks may differ: they "
        "were put in order by the corrected times.",
        "Look for the book on the shelf, and check the time on the kiosks."),
    "patron_blocked": (
        "A book was checked out offline by a patron who is blocked: the loan was recorded, because the patron "
        "has the book.",
        "Talk to the patron about the block; the book is on their record."),
    "card_expired": (
        "A book was checked out offline on an expired library card: the loan was recorded.",
        "Renew the patron's card, or ask for the book back."),
    "fines_over_limit": (
        "A book was checked out offline by a patron who owes more than the fine limit: the loan was recorded.",
        "Talk to the patron about the fines they owe."),
    "too_many_items": (
        "A book was checked out offline over the patron's limit of items: the loan was recorded.",
        "Ask the patron to return a book."),
    "item_reference": (
        "A reference book, which stays in the library, was checked out offline: the loan was recorded.",
        "Ask the patron to bring the book back."),
    "item_give_to_librarian": (
        "A copy marked lost, missing or withdrawn was checked out offline: the loan was recorded, and the audit "
        "log says the copy turned up.",
        "Mark the copy found on its page (that also settles a lost-copy charge) and check the patron has it."),
    "checkin_before_current_loan": (
        "A return made offline is older than the book's current loan: that loan stays open and the return is "
        "kept as history.",
        "Look for the book on the shelf: if it is there, check it in at the desk."),
    "event_id_reused": (
        "A kiosk sent a different transaction under an event ID it had already used: nothing was done with it.",
        "Ask the technician to look at this kiosk; its later transactions go on."),
    "sequence_reused": (
        "A kiosk sent a transaction under a number another one already has: the kiosk may be a copy, restored "
        "from a backup, or sharing another kiosk's token. Nothing was done with it.",
        "Ask the technician to check this kiosk and its token before it is used again."),
}
EVENT_KINDS = {"checkout": "Checkout", "checkin": "Return", "renew": "Renewal"}


def rule_sentence(code: str) -> str:
    """What the rule ``code`` decided, in the page's language (the code itself when it is not known)."""
    return t(RULE_SENTENCES[code][0]) if code in RULE_SENTENCES else code


def what_to_check(code: str) -> str:
    """What staff should look at for the rule ``code`` (empty when it is not known)."""
    return t(RULE_SENTENCES[code][1]) if code in RULE_SENTENCES else ""


def _visible(query, school_ids: list[int] | None):
    """``query`` of exceptions limited to the kiosks of ``school_ids`` (None: every exception)."""
    if school_ids is None:
        return query
    return query.where(CirculationException.kiosk_id.in_(
        sa.select(Kiosk.id).where(Kiosk.school_id.in_(school_ids))))


def open_count(session, school_ids: list[int] | None) -> int:
    """How many exceptions of these schools' kiosks are still open (None: the whole district)."""
    query = sa.select(sa.func.count()).select_from(CirculationException) \
        .where(CirculationException.resolved_at.is_(None))
    return int(session.scalar(_visible(query, school_ids)) or 0)


@dataclass(frozen=True)
class Shown:
    """One exception as the page shows it, with the records its barcodes name."""

    exception: CirculationException
    kiosk: Kiosk | None
    item: Item | None
    title: Title | None
    patron: Patron | None
    other_patron: Patron | None
    resolver: str | None

    @property
    def detail(self) -> dict:
        """The exception's detail (an empty dict when it has none)."""
        return self.exception.detail if isinstance(self.exception.detail, dict) else {}

    def time(self, key: str) -> datetime | None:
        """A time of the detail (occurred_at, effective_at, other_loan_since, returned_at), None when absent."""
        value = self.detail.get(key)
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None


def _other_patron(row: CirculationException) -> str | None:
    """The barcode of the other patron a conflict rule names (the one whose loan it closed or kept), if any."""
    value = row.detail.get("other_patron_barcode") if isinstance(row.detail, dict) else None
    return value if isinstance(value, str) else None


def _shown(session, rows: list[CirculationException]) -> list[Shown]:
    """Each exception with its kiosk, item, title and patrons, in one query per kind of record."""
    kiosk_ids = {r.kiosk_id for r in rows if r.kiosk_id}
    item_codes = {r.item_barcode for r in rows if r.item_barcode}
    others = {_other_patron(r) for r in rows} - {None}
    patron_codes = {r.patron_barcode for r in rows if r.patron_barcode} | others
    names = {r.resolved_by for r in rows if r.resolved_by}
    kiosks = {k.id: k for k in session.scalars(sa.select(Kiosk).where(Kiosk.id.in_(kiosk_ids)))}
    items = {i.barcode: i for i in session.scalars(sa.select(Item).where(Item.barcode.in_(item_codes)))}
    titles = {x.id: x for x in session.scalars(sa.select(Title).where(
        Title.id.in_({i.title_id for i in items.values()})))}
    patrons = {p.barcode: p for p in session.scalars(sa.select(Patron).where(Patron.barcode.in_(patron_codes)))}
    staff = dict(session.execute(sa.select(StaffAccount.username, StaffAccount.display_name)
                                 .where(StaffAccount.username.in_(names))).all())
    shown = []
    for row in rows:
        item = items.get(row.item_barcode)
        shown.append(Shown(row, kiosks.get(row.kiosk_id), item, titles.get(item.title_id) if item else None,
                           patrons.get(row.patron_barcode), patrons.get(_other_patron(row)),
                           staff.get(row.resolved_by, row.resolved_by)))
    return shown


def _filters() -> dict:
    """The page's filters from the address: status (open by default), kiosk, rule and page number."""
    status = request.args.get("status", "open")
    return {"status": status if status in STATUSES else "open", "kiosk": request.args.get("kiosk", "")[:64],
            "rule": request.args.get("rule", "")[:60], "page": max(request.args.get("page", 1, type=int), 1)}


@bp.get("")
@policy.requires("exceptions.view")
def page():
    """Exceptions of the staff member's schools, open ones first and newest first, with filters."""
    session = policy.state().session()
    chosen = _filters()
    school_ids = policy.visible_school_ids()
    query = _visible(sa.select(CirculationException), school_ids)
    if chosen["status"] != "all":
        resolved = CirculationException.resolved_at
        query = query.where(resolved.is_(None) if chosen["status"] == "open" else resolved.is_not(None))
    if chosen["kiosk"]:
        query = query.where(CirculationException.kiosk_id == chosen["kiosk"])
    if chosen["rule"]:
        query = query.where(CirculationException.rule == chosen["rule"])
    total = int(session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(query.order_by(CirculationException.resolved_at.is_not(None),
                                          CirculationException.created_at.desc(), CirculationException.id.desc())
                           .offset((chosen["page"] - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    kiosks = sa.select(Kiosk).order_by(Kiosk.name, Kiosk.id)
    if school_ids is not None:
        kiosks = kiosks.where(Kiosk.school_id.in_(school_ids))
    rules = sorted(session.scalars(_visible(sa.select(CirculationException.rule).distinct(), school_ids)),
                   key=rule_sentence)
    return render_template("central/exceptions.html", shown=_shown(session, rows), filters=chosen, total=total,
                           page_size=PAGE_SIZE, kiosks=session.scalars(kiosks).all(), rules=rules,
                           open_total=open_count(session, school_ids), **_helpers())


def _helpers() -> dict:
    """What the exception templates call: the rule's words, the event's kind, times in the school's zone."""
    tz = policy.state().clock.tz
    return {"rule_sentence": rule_sentence, "what_to_check": what_to_check, "note_limit": NOTE_LIMIT,
            "event_kind": lambda kind: t(EVENT_KINDS[kind]) if kind in EVENT_KINDS else (kind or ""),
            "when": lambda moment: moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "",
            "new_form_id": forms.new_form_id, "sees": lambda school_id: roles.may_see_school(g.staff, school_id)}


def _exception(session, exception_id: int) -> CirculationException:
    """The exception, or 404; 403 when it belongs to a school the staff member does not see."""
    record = session.get(CirculationException, exception_id)
    if record is None:
        abort(404)
    policy.check_school(_school_of(session, record))
    return record


def _school_of(session, record: CirculationException) -> int | None:
    """An exception's school is its kiosk's (None for one with no kiosk: the district admin's)."""
    return session.scalar(sa.select(Kiosk.school_id).where(Kiosk.id == record.kiosk_id)) if record.kiosk_id else None


@bp.get("/<int:exception_id>")
@policy.requires("exceptions.view")
def exception_page(exception_id: int):
    """One exception with everything its event says, and its history of resolutions and reopenings."""
    session = policy.state().session()
    record = _exception(session, exception_id)
    history = session.scalars(sa.select(AuditEntry).where(
        AuditEntry.target_type == "exception", AuditEntry.target_id == str(record.id))
        .order_by(AuditEntry.at, AuditEntry.id)).all()
    return render_template("central/exception.html", item=_shown(session, [record])[0], history=history,
                           sentence=lambda entry: audit.summary_in(entry, translate), **_helpers())


def _back(exception_id: int):
    """Back to the page the form was on (the list with its filters, or the exception's own page)."""
    target = request.form.get("next", "")
    if target.startswith("/exceptions") and "\\" not in target:
        return redirect(target)
    return redirect(url_for("web.exceptions.exception_page", exception_id=exception_id))


@bp.post("/<int:exception_id>/resolve")
@policy.requires("exceptions.resolve")
def resolve(exception_id: int):
    """Mark the exception resolved, with the note saying what was done (kept, never deleted)."""
    school = _school_of(policy.state().session(), _exception(policy.state().session(), exception_id))

    def change(session, form_id):
        note = forms.field("note", required="Write in the note what was done about it.", limit=NOTE_LIMIT)
        record = session.get(CirculationException, exception_id, with_for_update=True)
        if record.resolved_at is not None:
            raise Refused("{who} already resolved this exception: {note}", who=record.resolved_by or "-",
                          note=record.resolution_note or "-")
        record.resolved_at, record.resolved_by = policy.state().clock.now(), g.staff.username
        record.resolution_note = note
        forms.note(session, action="exception.resolve", summary="Resolved exception {number} ({rule}): {note}",
                   values={"number": record.id, "rule": record.rule, "note": note}, form_id=form_id,
                   school_id=school, target_type="exception", target_id=record.id)
        return True

    forms.carry_out(change, done="The exception is resolved.")
    return _back(exception_id)


@bp.post("/<int:exception_id>/reopen")
@policy.requires("exceptions.reopen")
def reopen(exception_id: int):
    """Open a resolved exception again (its note stays in the history)."""
    school = _school_of(policy.state().session(), _exception(policy.state().session(), exception_id))

    def change(session, form_id):
        record = session.get(CirculationException, exception_id, with_for_update=True)
        if record.resolved_at is None:
            raise Refused("This exception is open already.")
        forms.note(session, action="exception.reopen",
                   summary="Reopened exception {number} ({rule}), resolved by {who}: {note}",
                   values={"number": record.id, "rule": record.rule, "who": record.resolved_by or "-",
                           "note": record.resolution_note or "-"},
                   form_id=form_id, school_id=school, target_type="exception", target_id=record.id)
        record.resolved_at = record.resolved_by = record.resolution_note = None
        return True

    forms.carry_out(change, done="The exception is open again.")
    return _back(exception_id)
