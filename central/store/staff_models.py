"""Staff accounts, sign-in throttling per address, and the audit log of every staff change."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from central.store.base import Base

# librarian: everything at their school; technician: circulation and catalog at their school;
# read_only: looks, never changes; district_admin: everything at every school.
STAFF_ROLES = ("librarian", "technician", "read_only", "district_admin")
_ROLE_LIST = ", ".join(f"'{role}'" for role in STAFF_ROLES)


class StaffAccount(Base):
    """A person who signs in to the staff pages, with an Argon2id password hash and a role."""

    __tablename__ = "staff_accounts"
    __table_args__ = (
        sa.CheckConstraint(f"role IN ({_ROLE_LIST})", name="role"),
        # Every role but the district administrator works at one school.
        sa.CheckConstraint("role = 'district_admin' OR school_id IS NOT NULL", name="school_for_role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")  # the staff pages' language
    disabled: Mapped[bool] = mapped_column(default=False)
    # Sign-in throttling for this account: wrong passwords in a row, the lock, and locks in a row
    # (each lock lasts twice as long as the one before, like the patrons' PIN lockout).
    failed_signins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    lockouts: Mapped[int] = mapped_column(default=0)
    last_signin_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]


class SigninThrottle(Base):
    """Wrong sign-ins from one network address, whatever username they tried, and its lock."""

    __tablename__ = "signin_throttles"
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    lockouts: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]


class AuditEntry(Base):
    """One staff change: who, when, what, at which school. Never holds a PIN or a full card number."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    staff_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(80))  # the username then (or "cli" for a command)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)  # "item.withdraw", "patron.block", ...
    target_type: Mapped[str | None] = mapped_column(sa.String(30))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    summary: Mapped[str] = mapped_column(sa.String(500))  # one sentence a librarian reads
    details: Mapped[dict[str, Any] | None]
    address: Mapped[str | None] = mapped_column(sa.String(64))
    # The id of the form that made the change: a form posted twice finds its entry and is not done again.
    form_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    staff: Mapped[StaffAccount | None] = relationship()
