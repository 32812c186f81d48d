"""The library's records as SQLAlchemy 2 models: schools, catalog, patrons, circulation, stations.

One central server serves a district: every item, patron, hold, fine and station belongs to a school
(a site). Titles are the district's one union catalog; each school owns its own copies of a title.
Loan policies, settings and closed days are in ``policy_models``; staff accounts and the audit log in
``staff_models``. All of them are importable from here.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from central.store.base import Base, UTCDateTime  # noqa: F401  (Base is imported from here everywhere)

ITEM_TYPES = ("book", "picture_book", "reference", "dvd", "magazine", "audiobook")
PATRON_TYPES = ("student", "teacher", "staff")
# lost, missing, damaged and withdrawn carry a reason and the date they were set (status_reason, status_date).
ITEM_STATUSES = ("available", "on_loan", "on_hold_shelf", "lost", "missing", "damaged", "withdrawn")
HOLD_STATUSES = ("waiting", "ready", "fulfilled", "cancelled")
AUDIENCES = ("picture_book", "easy_reader", "fiction", "nonfiction", "biography", "reference", "media")
STATION_KINDS = ("kiosk", "desk", "sip2")  # only a kiosk has a token and may call /api/v1


class School(Base):
    """A school (site) of the district: its library owns items, patrons, staff and stations."""

    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # short name: URLs, `--school lincoln`
    name: Mapped[str] = mapped_column(sa.String(200))
    # The 4-digit institution number in the school's 14-digit library barcodes (2IIII... / 3IIII...).
    institution: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Title(Base):
    """A work in the district's catalog (one record however many copies its schools own)."""

    __tablename__ = "titles"
    # Unique indexes rather than constraints: SQLite adds an index in place, a constraint only by rebuilding.
    __table_args__ = (sa.Index("uq_titles_import_source", "import_source", "external_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    author: Mapped[str] = mapped_column(sa.String(200))
    isbn: Mapped[str | None] = mapped_column(sa.String(13), index=True)  # the main ISBN; all of them: isbns
    dewey: Mapped[str | None] = mapped_column(sa.String(20))
    audience: Mapped[str] = mapped_column(sa.String(20))
    series: Mapped[str | None] = mapped_column(sa.String(200))
    publisher: Mapped[str | None] = mapped_column(sa.String(200))
    publication_year: Mapped[int | None]
    edition: Mapped[str | None] = mapped_column(sa.String(100))
    # Where the record came from ("marc", a file name, ...) and its id there (MARC 001): a re-import
    # finds the record again and updates it instead of adding a duplicate.
    import_source: Mapped[str | None] = mapped_column(sa.String(40))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    items: Mapped[list[Item]] = relationship(back_populates="title_record")
    isbns: Mapped[list[TitleIsbn]] = relationship(back_populates="title_record", cascade="all, delete-orphan",
                                                  order_by="TitleIsbn.position")
    subjects: Mapped[list[TitleSubject]] = relationship(back_populates="title_record",
                                                        cascade="all, delete-orphan",
                                                        order_by="TitleSubject.position")


class TitleIsbn(Base):
    """One ISBN of a title (a title has one per edition and binding), normalised to 13 digits."""

    __tablename__ = "title_isbns"
    __table_args__ = (UniqueConstraint("title_id", "isbn"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    isbn: Mapped[str] = mapped_column(sa.String(13), index=True)
    qualifier: Mapped[str | None] = mapped_column(sa.String(80))  # "hardcover", "pbk.", "library binding"
    position: Mapped[int] = mapped_column(default=0)
    title_record: Mapped[Title] = relationship(back_populates="isbns")


class TitleSubject(Base):
    """One subject heading of a title, in catalog order ("Sharks -- Juvenile literature")."""

    __tablename__ = "title_subjects"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)
    title_record: Mapped[Title] = relationship(back_populates="subjects")


class Item(Base):
    """One physical copy with its own barcode label, owned by one school."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(sa.String(32), unique=True)  # unique in the whole district
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    call_number: Mapped[str] = mapped_column(sa.String(60))
    location: Mapped[str] = mapped_column(sa.String(80))  # the shelf location ("Fiction", "Reference")
    item_type: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="available")
    status_reason: Mapped[str | None] = mapped_column(sa.String(200))  # why lost/damaged/withdrawn
    status_date: Mapped[date | None]  # when that status was set
    price_cents: Mapped[int | None]  # replacement price; a lost or damaged copy is charged this
    acquired_on: Mapped[date | None]
    import_source: Mapped[str | None] = mapped_column(sa.String(40))
    # When this item's cache record last changed (kiosks' delta sync); kept by central.store.changes.
    updated_at: Mapped[datetime | None] = mapped_column(index=True)
    title_record: Mapped[Title] = relationship(back_populates="items")
    school: Mapped[School] = relationship()


class Patron(Base):
    """A borrower: student, teacher or staff member of one school."""

    __tablename__ = "patrons"
    __table_args__ = (sa.Index("uq_patrons_student_id", "school_id", "student_id", unique=True),
                      sa.Index("uq_patrons_import_source", "import_source", "external_id", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(sa.String(32), unique=True)  # unique in the whole district
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[str | None] = mapped_column(sa.String(40))  # the SIS's number, unique per school
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    patron_type: Mapped[str] = mapped_column(sa.String(20))
    grade: Mapped[str | None] = mapped_column(sa.String(10))
    homeroom: Mapped[str | None] = mapped_column(sa.String(80))
    pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    expires_on: Mapped[date]
    block_reason: Mapped[str | None] = mapped_column(sa.String(200))
    blocked_on: Mapped[date | None]
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    # False once the student information system no longer lists them (kept for their loans and fines).
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # "patrons-csv", "oneroster", ... and the id there (OneRoster sourcedId): re-imports update the same row.
    import_source: Mapped[str | None] = mapped_column(sa.String(40))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    # Wrong PINs in a row since the last right one or the last lock (see central.circulation.pin_lockout).
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None]
    # Locks in a row since the last right PIN or staff unlock: each one lasts twice as long as the last.
    pin_lockouts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When this patron's cache record last changed (kiosks' delta sync); kept by central.store.changes.
    updated_at: Mapped[datetime | None] = mapped_column(index=True)
    cards: Mapped[list[PatronCard]] = relationship(back_populates="patron")
    school: Mapped[School] = relationship()

    @property
    def display_name(self) -> str:
        """First name and last initial ("Maria G."): all a screen or receipt ever shows."""
        return f"{self.first_name} {self.last_name[:1]}." if self.last_name else self.first_name


class PatronCard(Base):
    """An NFC/RFID card UID (upper-case hex) that identifies a patron."""

    __tablename__ = "patron_cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(20), unique=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    patron: Mapped[Patron] = relationship(back_populates="cards")


class Loan(Base):
    """An item lent to a patron; open while returned_at is null. The lending school is the item's."""

    __tablename__ = "loans"
    # At most one open loan per item, enforced by the database itself as a last line of defence.
    __table_args__ = (sa.Index("uq_loans_open_item", "item_id", unique=True,
                               sqlite_where=sa.text("returned_at IS NULL"),
                               postgresql_where=sa.text("returned_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    checked_out_at: Mapped[datetime]
    due_date: Mapped[date]
    renewals: Mapped[int] = mapped_column(default=0)
    returned_at: Mapped[datetime | None]
    item: Mapped[Item] = relationship()
    patron: Mapped[Patron] = relationship()


class Hold(Base):
    """A patron waiting for a title (or one copy) at a school; `item_id` is the copy set aside once ready.

    Only copies of the hold's school fill it: school libraries do not ship books between sites.
    """

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)  # where it is picked up
    placed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(20), default="waiting")
    pickup_by: Mapped[date | None]
    title_record: Mapped[Title] = relationship()
    patron: Mapped[Patron] = relationship()


class Fine(Base):
    """Money a patron owes the library for one item; ``paid`` once payments and waivers cover it."""

    __tablename__ = "fines"
    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)  # the school that charged it
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(40))  # overdue, lost item, damaged item, ...
    note: Mapped[str | None] = mapped_column(sa.String(200))  # what staff wrote (the damage, ...)
    assessed_on: Mapped[date]
    paid: Mapped[bool] = mapped_column(default=False)
    # Paid and waived so far (the sum of its FinePayment rows), so the total owed is one query.
    paid_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    item: Mapped[Item | None] = relationship()

    @property
    def owed_cents(self) -> int:
        """What is still owed on this fine."""
        return 0 if self.paid else max(self.amount_cents - self.paid_cents, 0)


class FinePayment(Base):
    """Money taken for a fine at the desk, or a waiver of (part of) it with its reason."""

    __tablename__ = "fine_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    fine_id: Mapped[int] = mapped_column(ForeignKey("fines.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)  # where it was taken
    kind: Mapped[str] = mapped_column(sa.String(10))  # payment | waiver
    amount_cents: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.String(200))  # required for a waiver
    staff_account_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    recorded_at: Mapped[datetime]
    fine: Mapped[Fine] = relationship()


class Kiosk(Base):
    """A circulation station: a self-check kiosk (with its API token), a staff desk or a SIP2 login."""

    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="kiosk", server_default="kiosk")
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # None: cannot call the API
    last_seen_at: Mapped[datetime | None]
    last_status: Mapped[dict[str, Any] | None]
    # Server time minus the kiosk's clock at its last heartbeat: offline events' times are corrected by it.
    clock_offset_seconds: Mapped[int | None]
    school: Mapped[School] = relationship()


EVENT_STATUSES = ("applied", "rejected")


class CirculationEvent(Base):
    """One checkout/checkin/renew as a station sent it, with the outcome returned; kept forever.

    ``status`` is ``applied`` (the rules decided it: ``ok`` says yes or no) or ``rejected`` (the request
    itself was wrong, say a malformed barcode: kept so the kiosk's sequence goes on and a re-send gets
    the same answer). ``effective_at`` is ``occurred_at`` corrected by the kiosk's clock offset, the
    time conflict rules compare.
    """

    __tablename__ = "circulation_events"
    __table_args__ = (UniqueConstraint("kiosk_id", "sequence"),
                      sa.Index("ix_circulation_events_item_time", "item_barcode", "effective_at"))
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # the station's event UUID
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    sequence: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(20))
    payload: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    ok: Mapped[bool]
    offline: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(10), default="applied", server_default="applied")
    item_barcode: Mapped[str | None] = mapped_column(sa.String(64))
    effective_at: Mapped[datetime | None]


# Registered on the same metadata, and importable from here like every other model.
from central.store.policy_models import (  # noqa: E402,F401
    PIN_LOCKOUT_MINUTES_DEFAULT, PIN_MAX_FAILURES_DEFAULT, ClosedDay, LibrarySettings, LoanPolicy, SchoolClosedDay,
)
from central.store.staff_models import STAFF_ROLES, AuditEntry, SigninThrottle, StaffAccount  # noqa: E402,F401
from central.store.sync_models import CirculationException, ServerSecret  # noqa: E402,F401
from central.store.sip2_models import Sip2Login  # noqa: E402,F401
