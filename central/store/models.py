"""The library's records as SQLAlchemy 2 models: catalog, patrons, circulation, policy, kiosks."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

ITEM_TYPES = ("book", "picture_book", "reference", "dvd", "magazine", "audiobook")
PATRON_TYPES = ("student", "teacher", "staff")
ITEM_STATUSES = ("available", "on_loan", "on_hold_shelf", "lost", "missing")
HOLD_STATUSES = ("waiting", "ready", "fulfilled", "cancelled")
AUDIENCES = ("picture_book", "easy_reader", "fiction", "nonfiction", "biography", "reference", "media")


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; SQLite hands back naive values, which are UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite, which has no time zones)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Hand back an aware UTC datetime whatever the database returned."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints the same everywhere."""

    metadata = sa.MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: sa.JSON}


class Title(Base):
    """A work in the catalog (one record however many copies the library owns)."""

    __tablename__ = "titles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    author: Mapped[str] = mapped_column(sa.String(200))
    isbn: Mapped[str | None] = mapped_column(sa.String(13), index=True)
    dewey: Mapped[str | None] = mapped_column(sa.String(20))
    audience: Mapped[str] = mapped_column(sa.String(20))
    series: Mapped[str | None] = mapped_column(sa.String(200))
    items: Mapped[list[Item]] = relationship(back_populates="title_record")


class Item(Base):
    """One physical copy with its own barcode label."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    call_number: Mapped[str] = mapped_column(sa.String(60))
    location: Mapped[str] = mapped_column(sa.String(80))
    item_type: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default="available")
    # When this item's cache record last changed (kiosks' delta sync); kept by central.sync.changes.
    updated_at: Mapped[datetime | None] = mapped_column(index=True)
    title_record: Mapped[Title] = relationship(back_populates="items")


class Patron(Base):
    """A borrower: student, teacher or staff member."""

    __tablename__ = "patrons"
    id: Mapped[int] = mapped_column(primary_key=True)
    barcode: Mapped[str] = mapped_column(sa.String(32), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    patron_type: Mapped[str] = mapped_column(sa.String(20))
    grade: Mapped[str | None] = mapped_column(sa.String(2))
    homeroom: Mapped[str | None] = mapped_column(sa.String(80))
    pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    expires_on: Mapped[date]
    block_reason: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    # Wrong PINs in a row since the last right one or the last lock (see central.circulation.pin_lockout).
    pin_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_locked_until: Mapped[datetime | None]
    # Locks in a row since the last right PIN or staff unlock: each one lasts twice as long as the last.
    pin_lockouts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When this patron's cache record last changed (kiosks' delta sync); kept by central.sync.changes.
    updated_at: Mapped[datetime | None] = mapped_column(index=True)
    cards: Mapped[list[PatronCard]] = relationship(back_populates="patron")

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
    """An item lent to a patron; open while returned_at is null."""

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
    """A patron waiting for a title (or one copy); `item_id` is the copy set aside once ready."""

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    placed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(20), default="waiting")
    pickup_by: Mapped[date | None]
    title_record: Mapped[Title] = relationship()
    patron: Mapped[Patron] = relationship()


class Fine(Base):
    """Money a patron owes the library for one item."""

    __tablename__ = "fines"
    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(40))
    assessed_on: Mapped[date]
    paid: Mapped[bool] = mapped_column(default=False)
    item: Mapped[Item | None] = relationship()


class LoanPolicy(Base):
    """How one patron type may borrow one item type."""

    __tablename__ = "loan_policies"
    __table_args__ = (UniqueConstraint("patron_type", "item_type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patron_type: Mapped[str] = mapped_column(sa.String(20))
    item_type: Mapped[str] = mapped_column(sa.String(20))
    loanable: Mapped[bool] = mapped_column(default=True)
    loan_days: Mapped[int] = mapped_column(default=14)
    max_items: Mapped[int] = mapped_column(default=2)
    max_renewals: Mapped[int] = mapped_column(default=1)
    fine_cents_per_day: Mapped[int] = mapped_column(default=0)
    max_fine_cents: Mapped[int] = mapped_column(default=0)


PIN_MAX_FAILURES_DEFAULT = 5
PIN_LOCKOUT_MINUTES_DEFAULT = 15


class LibrarySettings(Base):
    """The library's single settings row: name, term end, closed weekdays, fine block limit, PIN lockout."""

    __tablename__ = "library_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
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


class ClosedDay(Base):
    """A date the library is closed (holiday, break, teacher work day)."""

    __tablename__ = "closed_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(120))


class Kiosk(Base):
    """A self-check station allowed to call the API with its own token."""

    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_seen_at: Mapped[datetime | None]
    last_status: Mapped[dict[str, Any] | None]
    # Server time minus the kiosk's clock at its last heartbeat: offline events' times are corrected by it.
    clock_offset_seconds: Mapped[int | None]


EVENT_STATUSES = ("applied", "rejected")


class CirculationEvent(Base):
    """One checkout/checkin/renew as a kiosk sent it, with the outcome returned; kept forever.

    ``status`` is ``applied`` (the rules decided it: ``ok`` says yes or no) or ``rejected`` (the request
    itself was wrong, say a malformed barcode: kept so the kiosk's sequence goes on and a re-send gets
    the same answer). ``effective_at`` is ``occurred_at`` corrected by the kiosk's clock offset, the
    time conflict rules compare.
    """

    __tablename__ = "circulation_events"
    __table_args__ = (UniqueConstraint("kiosk_id", "sequence"),
                      sa.Index("ix_circulation_events_item_time", "item_barcode", "effective_at"))
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)  # the kiosk's event UUID
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


class CirculationException(Base):
    """Something staff must look at: a conflict rule that decided an offline event, or a kiosk alert.

    ``rule`` is a code of the conflict table in protocol/API.md (offline_checkout_closed_other_loan,
    sequence_reused, ...). Exceptions are resolved with a note, never deleted.
    """

    __tablename__ = "circulation_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosks.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    rule: Mapped[str] = mapped_column(sa.String(60))
    item_barcode: Mapped[str | None] = mapped_column(sa.String(64))
    patron_barcode: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(sa.String(120))
    resolution_note: Mapped[str | None] = mapped_column(sa.String(1000))


class ServerSecret(Base):
    """A named secret the server makes once and keeps (the patron cache's identifier key)."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
