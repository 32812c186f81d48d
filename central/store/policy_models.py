"""Loan policies, library settings and closed days: the district's defaults, and a school's own.

A row with ``school_id`` NULL is the district's. A school uses its own settings row when it has one,
else the district's; its own loan policy for a patron type and item type when it has one, else the
district's; and it is closed on the district's closed days plus its own.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.store.base import Base

PIN_MAX_FAILURES_DEFAULT = 5
PIN_LOCKOUT_MINUTES_DEFAULT = 15
DISTRICT_ROWS = sa.text("school_id IS NULL")


class LoanPolicy(Base):
    """How one patron type may borrow one item type, district-wide or at one school."""

    __tablename__ = "loan_policies"
    # NULLs are distinct in a UNIQUE constraint, so the district's rows need a partial index of their own.
    __table_args__ = (UniqueConstraint("school_id", "patron_type", "item_type"),
                      sa.Index("uq_loan_policies_district", "patron_type", "item_type", unique=True,
                               sqlite_where=DISTRICT_ROWS, postgresql_where=DISTRICT_ROWS))
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    patron_type: Mapped[str] = mapped_column(sa.String(20))
    item_type: Mapped[str] = mapped_column(sa.String(20))
    loanable: Mapped[bool] = mapped_column(default=True)
    loan_days: Mapped[int] = mapped_column(default=14)
    max_items: Mapped[int] = mapped_column(default=2)
    max_renewals: Mapped[int] = mapped_column(default=1)
    fine_cents_per_day: Mapped[int] = mapped_column(default=0)
    max_fine_cents: Mapped[int] = mapped_column(default=0)


class LibrarySettings(Base):
    """The district's settings row (school_id NULL) or one school's: name, term end, closed weekdays,
    fine block limit, hold pickup days, PIN lockout, loan history privacy and lost/damaged charges."""

    __tablename__ = "library_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), unique=True)
    library_name: Mapped[str] = mapped_column(sa.String(200))
    term_end: Mapped[date | None]
    closed_weekdays: Mapped[str] = mapped_column(sa.String(20), default="5,6")  # Monday=0 ... Sunday=6
    fines_block_cents: Mapped[int] = mapped_column(default=500)
    hold_pickup_days: Mapped[int] = mapped_column(default=7)
    # Wrong PINs in a row that lock PIN sign-in (0 turns the lockout off), and for how long.
    pin_max_failures: Mapped[int] = mapped_column(default=PIN_MAX_FAILURES_DEFAULT,
                                                  server_default=str(PIN_MAX_FAILURES_DEFAULT))
    pin_lockout_minutes: Mapped[int] = mapped_column(default=PIN_LOCKOUT_MINUTES_DEFAULT,
                                                     server_default=str(PIN_LOCKOUT_MINUTES_DEFAULT))
    # Returned loans staff may see on a patron's page: 0 = none (the reading record stays private),
    # N = those returned in the last N days. The rows are kept either way (events and fines need them).
    loan_history_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # What a lost or damaged copy costs when it has no price of its own, and a processing fee on top.
    default_replacement_cents: Mapped[int] = mapped_column(default=2000, server_default="2000")
    processing_fee_cents: Mapped[int] = mapped_column(default=0, server_default="0")


class ClosedDay(Base):
    """A date every library of the district is closed (holiday, break, teacher work day)."""

    __tablename__ = "closed_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(120))


class SchoolClosedDay(Base):
    """A date one school's library is closed on top of the district's closed days."""

    __tablename__ = "school_closed_days"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(120))
