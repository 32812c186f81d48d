"""Form handling shared by the staff pages: one write transaction per change, done once, in words.

Every form carries a ``form_id`` made when the page was drawn. The change and its audit entry are
committed together under that id, so a form posted twice (a double click, a re-sent page) finds
the entry and is not done again; bad input raises ``Refused`` and nothing is changed.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from flask import flash, g, request
from sqlalchemy.exc import IntegrityError

from central.messages import Refused
from central.staff import audit
from central.web.i18n import current_language, t, translate
from central.web.policy import state
from protocol.identifiers import IdentifierError


def new_form_id() -> str:
    """A fresh id for one form on one page."""
    return str(uuid.uuid4())


def field(name: str, *, required: str | None = None, limit: int = 200) -> str:
    """A trimmed text field; ``required`` is the sentence to refuse with when it is empty."""
    value = (request.form.get(name) or "").strip()
    if required and not value:
        raise Refused(required)
    if len(value) > limit:
        raise Refused("{field} is too long: at most {limit} characters.", field=name.replace("_", " "), limit=limit)
    return value


def cents(text: str, *, allow_zero: bool = False) -> int:
    """Dollars typed by a person ("12.99", "$5", "3") as cents; Refused when it is not an amount."""
    cleaned = (text or "").strip().replace("$", "").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise Refused("'{text}' is not an amount of money (for example 12.99).", text=text[:20]) from None
    if amount != amount.quantize(Decimal("0.01")) or amount < 0 or (amount == 0 and not allow_zero) \
            or amount > Decimal("100000"):
        raise Refused("An amount must be more than $0.00, at most $100,000, with at most two decimals.")
    return int(amount * 100)


def carry_out(change: Callable, *, done: str | None = None, **values):
    """Run ``change(session, form_id)`` in one write transaction and flash the outcome.

    Returns the change's result, or None when it was refused or already done (both flashed).
    """
    form_id = (request.form.get("form_id") or "").strip()[:36] or None
    try:
        with state().db.writer() as session, session.begin():
            audit.claim_form(session, form_id)
            result = change(session, form_id)
    except audit.AlreadyDone as already:
        g.already_done = already.entry  # the view may go on to what that first post made
        flash(t("This form was already sent, so nothing more was done: {summary}",
                summary=audit.summary_in(already.entry, translate)), "info")
        return None
    except Refused as refused:
        flash(refused.sentence(translate), "error")
        return None
    except IdentifierError as wrong:
        flash(wrong.message(current_language()), "error")
        return None
    except IntegrityError:
        # The same form sent twice at once: the second insert of its audit entry lost the race.
        flash(t("This form was already sent, so nothing more was done."), "info")
        return None
    if done:
        flash(t(done, **values), "ok")
    return result


def note(session, *, action: str, summary: str, values: dict, form_id: str | None, school_id: int | None,
         target_type: str, target_id) -> None:
    """The audit entry for a staff change made through a form, by the signed-in staff member."""
    audit.record(session, now=state().clock.now(), action=action, summary=summary, values=values, staff=g.staff,
                 school_id=school_id, target_type=target_type, target_id=target_id,
                 address=request.remote_addr, form_id=form_id)
