"""Ordered sync: rejected events kept, the item and corrected time of each event, staff exceptions, the
patron cache's key, change times for delta sync, each kiosk's clock offset.

Revision ID: 0006_sync_order
Revises: 0003
Create Date: 2026-12-01

Written by hand. Existing events are applied ones; their item barcode comes from their payload and
their corrected time is their own time (no offset was measured before). Every patron and item gets
"changed now", so each kiosk's first delta sync sends everything once.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from central.store.base import UTCDateTime  # noqa: I001 (the column type the models use)

revision = "0006_sync_order"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns and tables, then fill the new columns of existing rows."""
    with op.batch_alter_table("circulation_events") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="applied"))
        batch.add_column(sa.Column("item_barcode", sa.String(64), nullable=True))
        batch.add_column(sa.Column("effective_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_circulation_events_item_time", ["item_barcode", "effective_at"])
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("clock_offset_seconds", sa.Integer(), nullable=True))
    for table in ("patrons", "items"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
            batch.create_index(f"ix_{table}_updated_at", ["updated_at"])
    op.create_table(
        "circulation_exceptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), sa.ForeignKey("kiosks.id", name="fk_circulation_exceptions_kiosk_id_kiosks"),
                  nullable=True),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("item_barcode", sa.String(64), nullable=True),
        sa.Column("patron_barcode", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(120), nullable=True),
        sa.Column("resolution_note", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_circulation_exceptions"),
    )
    op.create_index("ix_circulation_exceptions_kiosk_id", "circulation_exceptions", ["kiosk_id"])
    op.create_index("ix_circulation_exceptions_event_id", "circulation_exceptions", ["event_id"])
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_server_secrets"),
    )
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    events = sa.table("circulation_events", sa.column("id"), sa.column("payload", sa.JSON()),
                      sa.column("occurred_at", UTCDateTime()), sa.column("item_barcode"),
                      sa.column("effective_at", UTCDateTime()))
    rows = bind.execute(sa.select(events.c.id, events.c.payload, events.c.occurred_at)).all()
    for event_id, payload, occurred_at in rows:
        barcode = payload.get("item_barcode") if isinstance(payload, dict) else None
        bind.execute(events.update().where(events.c.id == event_id)
                     .values(item_barcode=barcode if isinstance(barcode, str) else None, effective_at=occurred_at))
    now = datetime.now(timezone.utc)
    for table in ("patrons", "items"):
        bind.execute(sa.table(table, sa.column("updated_at", UTCDateTime())).update().values(updated_at=now))


def downgrade() -> None:
    """Remove what upgrade() added."""
    op.drop_table("server_secrets")
    op.drop_index("ix_circulation_exceptions_event_id", "circulation_exceptions")
    op.drop_index("ix_circulation_exceptions_kiosk_id", "circulation_exceptions")
    op.drop_table("circulation_exceptions")
    for table in ("patrons", "items"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_updated_at")
            batch.drop_column("updated_at")
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("clock_offset_seconds")
    with op.batch_alter_table("circulation_events") as batch:
        batch.drop_index("ix_circulation_events_item_time")
        batch.drop_column("effective_at")
        batch.drop_column("item_barcode")
        batch.drop_column("status")
