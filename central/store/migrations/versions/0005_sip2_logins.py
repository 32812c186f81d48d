"""SIP2 logins: per-station SIP2 credentials (argon2 hashes) for the central server's SIP2 server.

Revision ID: 0005_sip2_logins
Revises: 0004_schools_staff
Create Date: 2025-12-01

Written by hand: one new table, no change to existing rows. Plain SQLAlchemy types, as in 0001, so this
file never changes when the model code does.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sip2_logins"
# The chain is 0003 -> 0006_sync_order -> 0004_schools_staff -> 0005_sip2_logins (one head).
down_revision = "0004_schools_staff"
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
