"""Sign-in and sign-out, and the staff member's own choices: page language and (district admin) school."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from central.staff import signin
from central.store.models import School, StaffAccount
from central.web import policy
from central.web.i18n import LANGUAGES, t

bp = Blueprint("auth", __name__)


def _safe_next(target: str) -> str:
    # Only a path on this server: a sign-in link must never send someone to another site.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.index")


@bp.post("/signin")
@policy.public
def sign_in():
    """Check the username and password; on success start a fresh session for the account."""
    username = (request.form.get("username") or "").strip()[:80]
    password = request.form.get("password") or ""
    central = policy.state()
    outcome = signin.sign_in(central.db, username, password, request.remote_addr or "unknown", central.clock.now())
    if not outcome.ok:
        until = outcome.until.astimezone(central.clock.tz).strftime("%H:%M") if outcome.until else ""
        return render_template("central/signin.html", error=t(outcome.refusal, time=until), username=username,
                               next=request.form.get("next", "")), 401
    account = central.session().get(StaffAccount, outcome.account_id)
    language = session.get("language")
    session.clear()  # a new session at sign-in: nothing from before it (session fixation) carries over
    session.permanent = True
    session["staff_id"], session["staff_version"] = account.id, policy.account_version(account)
    if language in LANGUAGES:
        session["language"] = language
    return redirect(_safe_next(request.form.get("next", "")))


@bp.post("/signout")
@policy.requires("home")
def sign_out():
    """End the session."""
    session.clear()
    return redirect(url_for("web.index"))


@bp.post("/language")
@policy.public
def choose_language():
    """Switch the pages' language: saved on the account when signed in, else for this browser."""
    language = request.form.get("language", "en")
    if language not in LANGUAGES:
        abort(400)
    session["language"] = language
    if g.staff is not None:
        with policy.state().db.writer() as writer, writer.begin():
            writer.get(StaffAccount, g.staff.id).language = language
    return redirect(_safe_next(request.form.get("next", "")))


@bp.post("/school")
@policy.requires("school.switch")
def choose_school():
    """A district administrator chooses the school the desk and new copies are for."""
    school = policy.state().session().get(School, request.form.get("school_id", type=int))
    if school is None:
        abort(400)
    session["school_id"] = school.id
    return redirect(_safe_next(request.form.get("next", "")))
