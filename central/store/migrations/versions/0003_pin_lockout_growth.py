"""PIN lockout growth: count each patron's lockouts in a row so each new lock lasts twice as long.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-25

Written by hand, like 0002: one plain ADD COLUMN, run in place on PostgreSQL and SQLite. The server
default gives every existing patron a clean record (no lockouts yet), so the next lock is the
library's base length.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the count of lockouts in a row to patrons."""
    op.add_column("patrons", sa.Column("pin_lockouts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Remove the lockout count again (locks go back to a fixed length)."""
    op.drop_column("patrons", "pin_lockouts")
