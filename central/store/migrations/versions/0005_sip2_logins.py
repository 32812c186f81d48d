"""SIP2 logins: per-station SIP2 credentials (argon2 hashes) for the central server's SIP2 server.

Revision ID: 0005_sip2_logins
Revises: 0006_sync_order
Create Date: 2025-12-01

Written by hand: one new table, no change to existing rows. Plain SQLAlchemy types, as in 0001, so this
file never changes when the model code does.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The model must be on the shared metadata whenever migrations run, or a schema comparison made right
# after upgrading would report this table as unknown. (central/store/migrations/env.py importing
# central.sip2.models would make this line unnecessary.)
import central.sip2.models  # noqa: F401

revision = "0005_sip2_logins"
# Linked after 0006_sync_order, which reached main first (one chain, one head); the lead may renumber.
down_revision = "0006_sync_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the sip2_logins table."""
    op.create_table(
        "sip2_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login_user", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("location_code", sa.String(length=64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["kiosks.id"], name="fk_sip2_logins_station_id_kiosks"),
        sa.PrimaryKeyConstraint("id", name="pk_sip2_logins"),
        sa.UniqueConstraint("login_user", name="uq_sip2_logins_login_user"),
    )
    op.create_index("ix_sip2_logins_station_id", "sip2_logins", ["station_id"])


def downgrade() -> None:
    """Drop the sip2_logins table."""
    op.drop_index("ix_sip2_logins_station_id", table_name="sip2_logins")
    op.drop_table("sip2_logins")
