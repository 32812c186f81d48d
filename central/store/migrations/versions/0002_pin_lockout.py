"""PIN lockout: count each patron's wrong PINs in a row and lock PIN sign-in for a while after too many.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-24

Written by hand. Plain ADD/DROP COLUMN statements: PostgreSQL and SQLite (3.35 and later) both run
them in place, so the patrons table is never rebuilt. The server defaults fill existing rows (no
wrong PINs yet; the library gets the default limit of 5 tries and a 15-minute lock).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the wrong-PIN count and lock time to patrons, and the lockout settings to the library."""
    # String defaults (not sa.text) so Alembic never decides SQLite needs a table rebuild for them.
    op.add_column("patrons", sa.Column("pin_failures", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("patrons", sa.Column("pin_locked_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("library_settings", sa.Column("pin_max_failures", sa.Integer(), nullable=False,
                                                server_default="5"))
    op.add_column("library_settings", sa.Column("pin_lockout_minutes", sa.Integer(), nullable=False,
                                                server_default="15"))


def downgrade() -> None:
    """Remove the lockout columns again."""
    op.drop_column("library_settings", "pin_lockout_minutes")
    op.drop_column("library_settings", "pin_max_failures")
    op.drop_column("patrons", "pin_locked_until")
    op.drop_column("patrons", "pin_failures")
