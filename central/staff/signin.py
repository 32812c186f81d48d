"""Staff sign-in with throttling per account and per network address, each with growing lockouts.

An account locks after 5 wrong passwords in a row for 1 minute, then 2, 4, ... up to a day; an
address locks after 20 wrong sign-ins (whatever usernames were tried) for 5 minutes, then 10, 20 ...
up to a day. A right password ends the account's run of locks; a quiet day forgets an address's.
The lock is checked before the password, so guessing cannot go on while locked. Log lines name the
username and address, never the password.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from central.staff import passwords
from central.staff.accounts import find_account
from central.store.db import Database
from central.store.models import SigninThrottle, StaffAccount

log = logging.getLogger("central.signin")
ACCOUNT_MAX_FAILURES, ACCOUNT_BASE_LOCK = 5, timedelta(minutes=1)
ADDRESS_MAX_FAILURES, ADDRESS_BASE_LOCK = 20, timedelta(minutes=5)
LONGEST_LOCK = timedelta(hours=24)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class SignIn:
    """The outcome: the account id when signed in, else a refusal sentence (English, with values)."""

    account_id: int | None
    refusal: str | None = None
    until: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the sign-in succeeded."""
        return self.account_id is not None


def lock_length(base: timedelta, lockouts: int) -> timedelta:
    """How long the ``lockouts``-th lock in a row lasts: doubling from ``base``, at most a day."""
    return min(base * (2 ** max(lockouts - 1, 0)), LONGEST_LOCK)


def sign_in(db: Database, username: str, password: str, address: str, now: datetime) -> SignIn:
    """Check a username and password from ``address``, counting wrong tries and locking as needed."""
    address = (address or "unknown")[:64]
    for attempt in range(2):
        try:
            return _sign_in_once(db, username, password, address, now)
        except IntegrityError:
            if attempt:  # two first tries from one new address raced to create its row
                raise
    raise AssertionError("unreachable")


def _sign_in_once(db: Database, username: str, password: str, address: str, now: datetime) -> SignIn:
    with db.writer() as session, session.begin():
        place = session.get(SigninThrottle, address, with_for_update=True)
        if place is None:
            place = SigninThrottle(address=address, failures=0, lockouts=0)
            session.add(place)
            session.flush()
        if place.locked_until is not None and place.locked_until > now:
            return SignIn(None, "Too many wrong sign-ins from this computer. Try again after {time}.",
                          place.locked_until)
        account = find_account(session, username)
        if account is not None:
            session.refresh(account, with_for_update=True)
            if account.locked_until is not None and account.locked_until > now:
                return SignIn(None, "Too many wrong passwords for this account. Try again after {time}, "
                                    "or ask a librarian to set a new password.", account.locked_until)
        # Checked against a dummy hash when the username is unknown, so both take the same time.
        right = passwords.verify_password(account.password_hash if account else None, password)
        if not right:
            _count_wrong(place, account, now)
            log.info("staff sign-in refused user=%s address=%s known=%s",
                     account.username if account else _shown(username), address, account is not None)
            return SignIn(None, "The username or password is not right.")
        if account.disabled:
            log.info("staff sign-in refused user=%s address=%s disabled", account.username, address)
            return SignIn(None, "This account is turned off. Ask a librarian or the district office.")
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        account.failed_signins, account.locked_until, account.lockouts = 0, None, 0
        account.last_signin_at = now
        place.failures = 0
        log.info("staff sign-in user=%s address=%s role=%s", account.username, address, account.role)
        return SignIn(account.id)


def _count_wrong(place: SigninThrottle, account: StaffAccount | None, now: datetime) -> None:
    if place.last_failure_at is not None and now - place.last_failure_at > FORGET_AFTER:
        place.failures, place.lockouts = 0, 0
    place.failures += 1
    place.last_failure_at = now
    if place.failures >= ADDRESS_MAX_FAILURES:
        place.lockouts += 1
        place.locked_until = now + lock_length(ADDRESS_BASE_LOCK, place.lockouts)
        place.failures = 0
        log.warning("staff sign-in address locked address=%s lockouts=%d until=%s", place.address,
                    place.lockouts, place.locked_until.isoformat())
    if account is None:
        return
    account.failed_signins += 1
    if account.failed_signins >= ACCOUNT_MAX_FAILURES:
        account.lockouts += 1
        account.locked_until = now + lock_length(ACCOUNT_BASE_LOCK, account.lockouts)
        account.failed_signins = 0
        log.warning("staff account locked user=%s lockouts=%d until=%s", account.username, account.lockouts,
                    account.locked_until.isoformat())


def _shown(username: str) -> str:
    # What was typed as a username may be a password typed in the wrong box: log only its start.
    name = (username or "").strip()
    return name[:3] + "..." if len(name) > 3 else name or "-"
