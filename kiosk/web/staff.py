"""Staff mode's first page, the PIN pad and its lock (the guard itself is kiosk.web.guard).

The first page shows device statuses, the journal (pending / acked / refused, recent events)
and the last receipt.
"""
from __future__ import annotations

import hmac
import logging

from flask import jsonify, redirect, render_template, request, session, url_for

from kiosk.backends.central_numbering import CONFLICT
from kiosk.i18n import t
from kiosk.web.guard import LOCKOUT_SECONDS, MAX_TRIES, _lang, _tries, bp, staff_only, unlocked
from kiosk.web.screen import kiosk, status_bar

log = logging.getLogger("kiosk.staff")


def numbering_problem(k, lang: str) -> str | None:
    """The sentence for staff when the server has this journal's numbers and the journal may not renumber."""
    conflicted = any((e.last_error or "").startswith(CONFLICT) for e in k.journal.pending(limit=50))
    if conflicted and not k.journal.renumberable():
        return t("staff.numbering_conflict", lang)
    return None  # no conflict, or one the kiosk repairs by itself on its next try


def dashboard() -> dict:
    """What the staff first page shows."""
    k, lang = kiosk(), _lang()
    problem = numbering_problem(k, lang)

    def error_words(e) -> str:
        # The server's code means nothing to a librarian: a conflict row says what happened, in words.
        if problem and e.state == "pending" and (e.last_error or "").startswith(CONFLICT):
            return problem
        return e.last_error or ""

    return {
        "devices": k.devices.statuses(),
        "status": status_bar(k, lang),
        "journal": k.journal.counts(),
        "numbering_problem": problem,
        "recent": [{"sequence": e.sequence, "type": e.type, "item": e.payload.get("item_barcode"), "state": e.state,
                    "attempts": e.attempts, "error": error_words(e), "occurred_at": e.occurred_at}
                   for e in k.journal.recent(15)],
        "backend": k.reachability.snapshot(),
        "last_receipt": k.receipts.last_text,
        "session_state": k.session.d.state,
        "lock_after": k.config.staff.lock_after_seconds,
    }


@bp.get("")
def home():
    """The PIN page, or the staff first page when unlocked."""
    lang = _lang()
    if not unlocked(extend=True):
        return render_template("kiosk/staff_pin.html", lang=lang, error=request.args.get("error"))
    return render_template("kiosk/staff.html", lang=lang, data=dashboard(), config=kiosk().config)


@bp.post("/unlock")
def unlock():
    """Check the staff PIN (form field ``pin``)."""
    k, tries = kiosk(), _tries()
    now = k.clock.monotonic()
    with tries.lock:
        if now < tries.locked_until:
            return redirect(url_for("staff.home", error="locked_out"))
        good = hmac.compare_digest(request.form.get("pin", "").encode(), k.config.staff.pin.encode())
        if good:
            tries.wrong = 0
        else:
            tries.wrong += 1
            if tries.wrong >= MAX_TRIES:
                tries.wrong, tries.locked_until = 0, now + LOCKOUT_SECONDS
                log.warning("staff PIN: too many wrong tries, locked for %d s", LOCKOUT_SECONDS)
    if not good:
        log.info("staff PIN: wrong")
        return redirect(url_for("staff.home", error="wrong_pin"))
    session["staff_until"] = now + k.config.staff.lock_after_seconds
    log.info("staff mode unlocked")
    return redirect(url_for("staff.home"))


@bp.post("/lock")
def lock():
    """Leave staff mode."""
    session.pop("staff_until", None)
    return redirect(url_for("kiosk.index"))


@bp.post("/end-session")
@staff_only
def end_session():
    """End the student's session now (a student walked away mid-session)."""
    kiosk().session.reset("staff")
    return redirect(url_for("staff.home"))


@bp.get("/status.json")
def status_json():
    """The first page's data for its live refresh; does not count as staff activity."""
    if not unlocked(extend=False):
        return jsonify({"error": {"code": "locked", "message": t("staff.locked", _lang())}}), 401
    return jsonify(dashboard())
