"""Staff accounts: create one, find one, change a password; usernames and roles checked in words."""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.messages import Refused
from central.staff import passwords
from central.store.models import STAFF_ROLES, School, StaffAccount

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
ROLE_NAMES = {"librarian": "Librarian", "technician": "Library technician", "read_only": "Read-only (reports)",
              "district_admin": "District administrator"}


class AccountRefused(Refused):
    """An account that cannot be created or changed as asked; the message says why in one sentence."""


def normalize_username(username: str) -> str:
    """The stored form of a username (trimmed, lower-case), or AccountRefused when it cannot be one."""
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise AccountRefused("A username is 2 to 80 letters, digits, dots, dashes or underscores, "
                             "starting with a letter or digit.")
    return name


def find_account(session: Session, username: str) -> StaffAccount | None:
    """The account with this username (any case), or None."""
    name = (username or "").strip().lower()
    return session.scalar(sa.select(StaffAccount).where(StaffAccount.username == name)) if name else None


def find_school(session: Session, code: str) -> School | None:
    """The school with this code (any case), or None."""
    return session.scalar(sa.select(School).where(School.code == (code or "").strip().lower()))


def create_account(session: Session, username: str, password: str, role: str, *, school: School | None,
                   now: datetime, display_name: str | None = None, language: str = "en") -> StaffAccount:
    """Add a staff account; AccountRefused (or PasswordRefused) says what is wrong and nothing is added."""
    name = normalize_username(username)
    if role not in STAFF_ROLES:
        raise AccountRefused("The role must be one of: {roles}.", roles=", ".join(STAFF_ROLES))
    if role != "district_admin" and school is None:
        raise AccountRefused("A librarian, technician or read-only account belongs to a school: name it.")
    if find_account(session, name) is not None:
        raise AccountRefused("There is already a staff account called '{name}'.", name=name)
    passwords.check_new_password(password, name)
    account = StaffAccount(username=name, display_name=(display_name or name).strip()[:120],
                           password_hash=passwords.hash_password(password), role=role,
                           school_id=school.id if school is not None else None,
                           language=language if language in ("en", "es") else "en", disabled=False,
                           failed_signins=0, lockouts=0, created_at=now, password_changed_at=now)
    session.add(account)
    session.flush()
    return account


def set_password(account: StaffAccount, password: str, now: datetime) -> None:
    """Give ``account`` a new password (checked first) and clear its sign-in lock."""
    passwords.check_new_password(password, account.username)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = now
    account.failed_signins, account.locked_until, account.lockouts = 0, None, 0
