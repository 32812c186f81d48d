"""Staff mode's first page, the PIN pad and its lock (the guard itself is kiosk.web.guard).

The first page shows device statuses, the outbox (online or not, what waits, what is parked with
its reason in words, retry and resolve: kiosk.web.outbox_view), recent events and the last receipt.
"""
from __future__ import annotations

import hmac
import logging

from flask import jsonify, redirect, render_template, request, session, url_for

from kiosk.i18n import t
from kiosk.web import outbox_view
from kiosk.web.guard import LOCKOUT_SECONDS, MAX_TRIES, _lang, _tries, bp, staff_only, unlocked
from kiosk.web.screen import kiosk, status_bar

log = logging.getLogger("kiosk.staff")


def dashboard() -> dict:
    """What the staff first page shows."""
    k, lang = kiosk(), _lang()
    return {
        "devices": k.devices.statuses(),
        "status": status_bar(k, lang),
        "journal": k.journal.counts(),
        "numbering_problem": outbox_view.numbering_problem(k, lang),
        "outbox": outbox_view.overview(k, lang),
        "parked": outbox_view.parked_rows(k, lang),
        "recent": [outbox_view.row(k, e, lang) for e in k.journal.recent(15)],
        "backend": k.monitor.snapshot(),
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
    notice = request.args.get("notice")
    notice = t(f"staff.outbox.{notice}", lang) if notice in ("retried", "resolved", "gone", "need_note") else None
    return render_template("kiosk/staff.html", lang=lang, data=dashboard(), config=kiosk().config, notice=notice)


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
