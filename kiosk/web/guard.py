"""The staff guard: one blueprint for every staff page, open only behind the staff PIN and locked after a quiet spell.

kiosk.web.staff (the first page, the PIN pad) and kiosk.web.staff_devices (the device screen)
both add their routes to :data:`bp` and guard them with :func:`staff_only`; neither imports the other.
"""
from __future__ import annotations

import functools
import threading

from flask import Blueprint, current_app, redirect, session, url_for

from kiosk.web.screen import kiosk

bp = Blueprint("staff", __name__, url_prefix="/staff")

MAX_TRIES = 5
LOCKOUT_SECONDS = 60


class _Tries:
    """Wrong-PIN counter: after MAX_TRIES the PIN pad refuses for LOCKOUT_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wrong = 0
        self.locked_until = 0.0


def _tries() -> _Tries:
    return current_app.extensions.setdefault("kiosk_staff_tries", _Tries())


def _lang() -> str:
    return kiosk().config.kiosk.languages[0]


def unlocked(extend: bool) -> bool:
    """True while staff mode is open; ``extend`` counts this request as staff activity."""
    k = kiosk()
    until = session.get("staff_until")
    now = k.clock.monotonic()
    if not isinstance(until, (int, float)) or now >= until:
        session.pop("staff_until", None)
        return False
    if extend:
        session["staff_until"] = now + k.config.staff.lock_after_seconds
    return True


def staff_only(view):
    """Guard for staff pages: the PIN page when locked."""
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if not unlocked(extend=True):
            return redirect(url_for("staff.home"))
        return view(*args, **kwargs)
    return guarded
