"""Creating and checking SIP2 logins; the demo's login, made idempotently.

Each login's station is a kiosks-table row of kind ``sip2`` at a school, with no API token (the REST
API refuses every station that is not a kiosk); it is never a kiosk's or a desk's row, whose event
numbering it would share. The demo login's station is at the district's first school.
Passwords are hashed with argon2id. The cost is OWASP's minimum (19 MiB, two passes): a login is
checked once per connection, and twenty self-checks reconnecting at once must not need a gigabyte.
A password is generated when none is given, so a weak one is never the default.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from central.store.db import Database
from central.store.models import Kiosk, School, Sip2Login

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
DEMO_USER, DEMO_PASSWORD, DEMO_STATION = "demo-sip2", "demo-sip2-password", "demo-sip2-1"
_MAX_USER = 64


class LoginError(ValueError):
    """A login cannot be created as asked (the message says why, for the command line)."""


@dataclass(frozen=True)
class CreatedLogin:
    """What `central create-sip2-login` prints: the user, the password (shown once) and the station."""

    login_user: str
    password: str
    station_id: str
    created: bool = True
    school: str = ""  # the station's school code


@dataclass(frozen=True)
class CheckedLogin:
    """A login that was accepted: which station its transactions belong to."""

    login_user: str
    station_id: str
    location_code: str | None


def _school(session, code: str | None) -> School:
    # The school named, or the district's only one; a SIP2 station belongs to a school like every station.
    schools = session.scalars(sa.select(School).order_by(School.id)).all()
    if code:
        found = [school for school in schools if school.code == code.strip().lower()]
        if not found:
            known = ", ".join(school.code for school in schools) or "none yet"
            raise LoginError(f"There is no school '{code}' (schools: {known}).")
        return found[0]
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise LoginError("There is no school yet: add one with `central create-school CODE NAME` first.")
    raise LoginError(f"This district has {len(schools)} schools ({', '.join(s.code for s in schools)}): "
                     f"say which one with --school.")


def _station(session, station_id: str, name: str, school: School) -> Kiosk:
    station = session.get(Kiosk, station_id)
    if station is None:
        # A SIP2 station never uses the REST API (kind sip2, no token): the API refuses every station but a kiosk.
        station = Kiosk(id=station_id, name=name[:120], school_id=school.id, kind="sip2", token_hash=None)
        session.add(station)
        session.flush()  # the station row first: the login refers to it, and no relationship orders the two
        return station
    if station.kind != "sip2":
        # A kiosk numbers its own events and a desk is the librarians'; sharing their numbering would collide.
        raise LoginError(f"The station '{station_id}' is a {station.kind}, not a SIP2 station: give the SIP2 "
                         f"login a station id of its own.")
    if station.school_id != school.id:
        raise LoginError(f"The SIP2 station '{station_id}' belongs to another school than '{school.code}'.")
    return station


def _check_user(login_user: str) -> str:
    user = login_user.strip()
    if not user or len(user) > _MAX_USER or any(c in user for c in "|\r\n") or not user.isprintable():
        raise LoginError(f"A SIP2 login user is 1 to {_MAX_USER} printable characters without '|'.")
    return user


def create_login(db: Database, now: datetime, login_user: str, station_id: str, *, password: str | None = None,
                 location_code: str | None = None, station_name: str | None = None,
                 school: str | None = None) -> CreatedLogin:
    """Add a SIP2 login for ``station_id`` at ``school`` (a code; the district's only school when None).

    The station is made as a kiosks-table row of kind ``sip2`` when it does not exist yet; an existing
    station must be a SIP2 station of that school. LoginError says what is wrong.
    """
    user = _check_user(login_user)
    station_id = (station_id or "").strip()
    if not station_id or len(station_id) > _MAX_USER or not station_id.isprintable():
        raise LoginError(f"A station id is 1 to {_MAX_USER} printable characters (for example 'selfcheck-1').")
    if password is not None and (len(password) < 8 or any(c in password for c in "|\r\n")):
        raise LoginError("A SIP2 password has at least 8 characters and no '|' or line breaks.")
    password = password or secrets.token_urlsafe(18)
    with db.writer() as session, session.begin():
        if session.scalar(sa.select(Sip2Login.id).where(Sip2Login.login_user == user)) is not None:
            raise LoginError(f"A SIP2 login '{user}' already exists.")
        at = _school(session, school)
        _station(session, station_id, station_name or f"SIP2 self-check {user}", at)
        session.add(Sip2Login(login_user=user, password_hash=HASHER.hash(password), station_id=station_id,
                              location_code=location_code, enabled=True, created_at=now))
    return CreatedLogin(user, password, station_id, school=at.code)


def ensure_demo_login(db: Database, now: datetime) -> CreatedLogin:
    """The demo's login (demo-sip2 / demo-sip2-password for station demo-sip2-1 at the district's first school),
    made or repaired; safe to repeat. LoginError when the database has no school yet (seed the demo first)."""
    with db.writer() as session, session.begin():
        login = session.scalars(sa.select(Sip2Login).where(Sip2Login.login_user == DEMO_USER)).first()
        if login is not None and _matches(login.password_hash, DEMO_PASSWORD) and login.enabled:
            station = session.get(Kiosk, login.station_id)
            return CreatedLogin(DEMO_USER, DEMO_PASSWORD, login.station_id, created=False,
                                school=station.school.code)
        first = session.scalars(sa.select(School).order_by(School.id)).first()
        if first is None:
            raise LoginError("There is no school yet: run `central seed-demo` before making the demo SIP2 login.")
        station = session.get(Kiosk, DEMO_STATION)
        if station is None or station.kind == "sip2":
            at = station.school if station is not None else first
            _station(session, DEMO_STATION, "Demo SIP2 self-check", at)
        else:
            raise LoginError(f"The station '{DEMO_STATION}' exists and is a {station.kind}, not a SIP2 station.")
        if login is None:
            session.add(Sip2Login(login_user=DEMO_USER, password_hash=HASHER.hash(DEMO_PASSWORD),
                                  station_id=DEMO_STATION, location_code="DEMO", enabled=True, created_at=now))
        else:
            login.password_hash, login.enabled = HASHER.hash(DEMO_PASSWORD), True
        code = at.code
    return CreatedLogin(DEMO_USER, DEMO_PASSWORD, DEMO_STATION, school=code)


def _matches(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _decoy() -> str:
    # A hash of a random password: checking an unknown user against it takes as long as a real check,
    # so the time of a refusal does not tell which user ids exist.
    return HASHER.hash(secrets.token_urlsafe(16))


def check_login(db: Database, now: datetime, login_user: str, password: str) -> CheckedLogin | None:
    """The accepted login for this user and password, or None (unknown, disabled or wrong password)."""
    with db.reader() as session:
        login = session.scalars(sa.select(Sip2Login).where(Sip2Login.login_user == login_user)).first()
        found = (login.id, login.password_hash, login.station_id, login.location_code, login.enabled) if login else None
    if found is None:
        _matches(_decoy(), password)
        return None
    login_id, stored, station_id, location, enabled = found
    if not _matches(stored, password) or not enabled:
        return None
    with db.writer() as session, session.begin():
        row = session.get(Sip2Login, login_id)
        row.last_login_at = now
        if HASHER.check_needs_rehash(stored):
            row.password_hash = HASHER.hash(password)
    return CheckedLogin(login_user, station_id, location)
