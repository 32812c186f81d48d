"""The staff guard: one blueprint for every staff page, open only behind the staff PIN and locked after a quiet spell.

kiosk.web.staff (the first page, the PIN pad) and kiosk.web.staff_devices (the device screen)
both add their routes to :data:`bp` and guard them with :func:`staff_only`; neither imports the other.

Wrong PINs: the first ``FREE_TRIES`` cost nothing (a child pressing keys must not lock the librarian
out for long); after that each further wrong PIN locks the pad, for ``FIRST_LOCK_SECONDS`` at first
and twice as long each time after, up to ``MAX_LOCK_SECONDS`` (as the central server's patron PIN
lockout grows), so guessing a 4-digit PIN takes days. The right PIN resets it all. The PIN page
shows how long is left.
"""
from __future__ import annotations

import functools
import threading

from flask import Blueprint, current_app, redirect, session, url_for

from kiosk.web.screen import kiosk

bp = Blueprint("staff", __name__, url_prefix="/staff")

FREE_TRIES = 5
FIRST_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 30 * 60


class Tries:
    """Wrong-PIN counter and the growing lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wrong = 0  # wrong PINs since the last right one
        self.locked_until = 0.0

    def remaining(self, now: float) -> int:
        """Whole seconds left on the lock (0 when the pad is open)."""
        return max(0, int(self.locked_until - now + 0.999))

    def failed(self, now: float) -> int:
        """Count a wrong PIN; the seconds of the lock it starts (0 while tries are free)."""
        self.wrong += 1
        if self.wrong <= FREE_TRIES:
            return 0
        seconds = min(FIRST_LOCK_SECONDS * 2 ** min(self.wrong - FREE_TRIES - 1, 16), MAX_LOCK_SECONDS)
        self.locked_until = now + seconds
        return seconds

    def succeeded(self) -> None:
        """The right PIN: everything forgiven."""
        self.wrong, self.locked_until = 0, 0.0


def _tries() -> Tries:
    return current_app.extensions.setdefault("kiosk_staff_tries", Tries())


def _lang() -> str:
    """The staff pages' language: the one staff chose (kept in their session cookie), else the kiosk's first."""
    languages = kiosk().config.kiosk.languages
    chosen = session.get("staff_lang")
    return chosen if chosen in languages else languages[0]


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
