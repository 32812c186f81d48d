"""Initial schema: catalog, patrons and cards, loans, holds, fines, policies, calendar, kiosks, events.

Revision ID: 0001
Revises:
Create Date: 2025-11-23

Written by hand from an autogenerate run and reviewed. It uses plain SQLAlchemy types (not the
models' UTCDateTime decorator) so this file never changes when the model code does.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)
OPEN_LOAN = sa.text("returned_at IS NULL")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    """Create every table of the first release."""
    op.create_table(
        "closed_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_closed_days"),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("last_seen_at", TZ_DATETIME, nullable=True),
        sa.Column("last_status", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kiosks"),
        sa.UniqueConstraint("token_hash", name="uq_kiosks_token_hash"),
    )
    op.create_table(
        "library_settings",
        _id(),
        sa.Column("library_name", sa.String(200), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("closed_weekdays", sa.String(20), nullable=False),
        sa.Column("fines_block_cents", sa.Integer(), nullable=False),
        sa.Column("hold_pickup_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_library_settings"),
    )
    op.create_table(
        "loan_policies",
        _id(),
        sa.Column("patron_type", sa.String(20), nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("loanable", sa.Boolean(), nullable=False),
        sa.Column("loan_days", sa.Integer(), nullable=False),
        sa.Column("max_items", sa.Integer(), nullable=False),
        sa.Column("max_renewals", sa.Integer(), nullable=False),
        sa.Column("fine_cents_per_day", sa.Integer(), nullable=False),
        sa.Column("max_fine_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_loan_policies"),
        sa.UniqueConstraint("patron_type", "item_type", name="uq_loan_policies_patron_type"),
    )
    op.create_table(
        "patrons",
        _id(),
        sa.Column("barcode", sa.String(32), nullable=False),
        sa.Column("first_name", sa.String(80), nullable=False),
        sa.Column("last_name", sa.String(80), nullable=False),
        sa.Column("patron_type", sa.String(20), nullable=False),
        sa.Column("grade", sa.String(2), nullable=True),
        sa.Column("homeroom", sa.String(80), nullable=True),
        sa.Column("pin_hash", sa.String(200), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("block_reason", sa.String(200), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patrons"),
        sa.UniqueConstraint("barcode", name="uq_patrons_barcode"),
    )
    op.create_table(
        "titles",
        _id(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("isbn", sa.String(13), nullable=True),
        sa.Column("dewey", sa.String(20), nullable=True),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("series", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_titles"),
    )
    op.create_index("ix_titles_isbn", "titles", ["isbn"])
    op.create_table(
        "circulation_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", TZ_DATETIME, nullable=False),
        sa.Column("recorded_at", TZ_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name="fk_circulation_events_kiosk_id_kiosks"),
        sa.PrimaryKeyConstraint("id", name="pk_circulation_events"),
        sa.UniqueConstraint("kiosk_id", "sequence", name="uq_circulation_events_kiosk_id"),
    )
    op.create_table(
        "items",
        _id(),
        sa.Column("barcode", sa.String(32), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("call_number", sa.String(60), nullable=False),
        sa.Column("location", sa.String(80), nullable=False),
        sa.Column("item_type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name="fk_items_title_id_titles"),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("barcode", name="uq_items_barcode"),
    )
    op.create_index("ix_items_title_id", "items", ["title_id"])
    op.create_table(
        "patron_cards",
        _id(),
        sa.Column("uid", sa.String(20), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patron_id"], ["patrons.id"], name="fk_patron_cards_patron_id_patrons"),
        sa.PrimaryKeyConstraint("id", name="pk_patron_cards"),
        sa.UniqueConstraint("uid", name="uq_patron_cards_uid"),
    )
    op.create_index("ix_patron_cards_patron_id", "patron_cards", ["patron_id"])
    op.create_table(
        "fines",
        _id(),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_fines_item_id_items"),
        sa.ForeignKeyConstraint(["patron_id"], ["patrons.id"], name="fk_fines_patron_id_patrons"),
        sa.PrimaryKeyConstraint("id", name="pk_fines"),
    )
    op.create_index("ix_fines_patron_id", "fines", ["patron_id"])
    op.create_table(
        "holds",
        _id(),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", TZ_DATETIME, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pickup_by", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_holds_item_id_items"),
        sa.ForeignKeyConstraint(["patron_id"], ["patrons.id"], name="fk_holds_patron_id_patrons"),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name="fk_holds_title_id_titles"),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
    )
    op.create_index("ix_holds_item_id", "holds", ["item_id"])
    op.create_index("ix_holds_patron_id", "holds", ["patron_id"])
    op.create_index("ix_holds_title_id", "holds", ["title_id"])
    op.create_table(
        "loans",
        _id(),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("patron_id", sa.Integer(), nullable=False),
        sa.Column("checked_out_at", TZ_DATETIME, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("returned_at", TZ_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_loans_item_id_items"),
        sa.ForeignKeyConstraint(["patron_id"], ["patrons.id"], name="fk_loans_patron_id_patrons"),
        sa.PrimaryKeyConstraint("id", name="pk_loans"),
    )
    op.create_index("ix_loans_item_id", "loans", ["item_id"])
    op.create_index("ix_loans_patron_id", "loans", ["patron_id"])
    # The database itself refuses a second open loan for one item, whatever the code does.
    op.create_index("uq_loans_open_item", "loans", ["item_id"], unique=True,
                    sqlite_where=OPEN_LOAN, postgresql_where=OPEN_LOAN)


def downgrade() -> None:
    """Drop every table, children first."""
    for table in ("loans", "holds", "fines", "patron_cards", "items", "circulation_events", "titles",
                  "patrons", "loan_policies", "library_settings", "kiosks", "closed_days"):
        op.drop_table(table)
