"""PIN lockout: after too many wrong PINs in a row, PIN sign-in for that patron pauses for a while.

A 4-digit PIN has only 10,000 values, so without a limit anyone at a kiosk could try them all.
Each wrong PIN adds one to the patron's count; reaching the library's limit (pin_max_failures,
default 5; 0 turns the lockout off) locks PIN sign-in and starts a fresh count. The first lock
lasts pin_lockout_minutes (default 15); each further lock in a row lasts twice as long as the one
before, up to a day (MAX_LOCK), so a guesser gets a handful of tries a day instead of ~480. A right
PIN resets the count and the growth. The lock ends on its own, and staff can clear it early
(`central unlock-pin BARCODE`), which also resets the growth. Scanning or tapping the patron's own
card still works while locked: the card is the credential, and the lock is about guessing PINs.

Counting happens in a short write transaction that holds the patron's row (FOR NO KEY UPDATE on
PostgreSQL; BEGIN IMMEDIATE on SQLite queues writers), so two wrong PINs sent at the same moment
count as two. The slow PIN hash is compared before that transaction, so the lock is held briefly.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import records
from central.store.db import Database
from central.store.models import Patron
from protocol.identifiers import mask_barcode

log = logging.getLogger("central.pin_lockout")
# The longest a lock grows to; a library whose own base length is longer keeps its base length.
MAX_LOCK = timedelta(hours=24)


def lock_length(base_minutes: int, lockouts: int) -> timedelta:
    """How long lock number ``lockouts`` in a row lasts: the base (at least a minute), doubled each time."""
    base = timedelta(minutes=max(base_minutes, 1))
    # The exponent is bounded so a patron locked for years never builds a huge number.
    grown = base * 2 ** min(max(lockouts - 1, 0), 16)
    return min(grown, max(base, MAX_LOCK))


def is_locked(patron: Patron, now: datetime) -> bool:
    """True while PIN sign-in is locked for ``patron``; the lock ends on its own at pin_locked_until."""
    return patron.pin_locked_until is not None and patron.pin_locked_until > now


def _hold_patron(session: Session, patron_id: int) -> Patron:
    # NO KEY UPDATE: waits for a racing count to commit, but not for loans that merely reference the patron.
    return session.scalars(sa.select(Patron).where(Patron.id == patron_id)
                           .with_for_update(key_share=True)).one()


def record_wrong_pin(db: Database, patron_id: int, now: datetime, *, kiosk_id: str = "-") -> bool:
    """Count one wrong PIN; True when PIN sign-in is now locked (by this try or a racing one)."""
    with db.writer() as session, session.begin():
        patron = _hold_patron(session, patron_id)
        if is_locked(patron, now):
            return True  # a try that raced the one that locked: refused, and not counted again
        settings = records.load_settings(session)
        if settings.pin_max_failures < 1:
            return False  # the library turned the lockout off
        patron.pin_failures += 1
        if patron.pin_failures < settings.pin_max_failures:
            return False
        patron.pin_lockouts += 1
        patron.pin_locked_until = now + lock_length(settings.pin_lockout_minutes, patron.pin_lockouts)
        failures, patron.pin_failures = patron.pin_failures, 0  # after the lock ends: a fresh set of tries
        barcode, until, lockouts = patron.barcode, patron.pin_locked_until, patron.pin_lockouts
    # Logged after the commit, so the line only appears for a lock that really happened.
    log.warning("pin lockout patron=%s kiosk=%s failures=%d lockouts=%d until=%s", mask_barcode(barcode),
                kiosk_id, failures, lockouts, until.isoformat())
    return True


def record_right_pin(db: Database, patron: Patron, now: datetime) -> bool:
    """Start the count again after a right PIN; False when a racing wrong PIN locked the patron first."""
    if patron.pin_failures == 0 and patron.pin_locked_until is None and patron.pin_lockouts == 0:
        return True  # nothing to reset: the usual sign-in writes nothing
    with db.writer() as session, session.begin():
        current = _hold_patron(session, patron.id)
        if is_locked(current, now):
            return False
        _forget(current)
    return True


def _forget(patron: Patron) -> None:
    """A clean record: no wrong PINs, no lock, and the next lock back at the base length."""
    patron.pin_failures, patron.pin_locked_until, patron.pin_lockouts = 0, None, 0


@dataclass(frozen=True)
class Unlocked:
    """What staff cleared: the lock's end (None when there was no lock), the wrong PINs and locks counted."""

    was_locked_until: datetime | None
    failures: int
    lockouts: int = 0


def unlock(db: Database, barcode: str, now: datetime) -> Unlocked | None:
    """Clear a patron's PIN lock, wrong-PIN count and lock growth (staff); None when no patron has ``barcode``."""
    with db.writer() as session, session.begin():
        patron_id = session.scalar(sa.select(Patron.id).where(Patron.barcode == barcode))
        if patron_id is None:
            return None
        patron = _hold_patron(session, patron_id)
        result = Unlocked(patron.pin_locked_until if is_locked(patron, now) else None, patron.pin_failures,
                          patron.pin_lockouts)
        _forget(patron)
    log.info("pin unlock patron=%s was_locked=%s failures=%d lockouts=%d", mask_barcode(barcode),
             result.was_locked_until is not None, result.failures, result.lockouts)
    return result
