"""The catalog search index: an FTS5 table on SQLite, a weighted tsvector with a GIN index on PostgreSQL.

Revision ID: 0007_search
Revises: 0005_sip2_logins
Create Date: 2026-12-02

Written by hand. The index is filled from the titles already in the catalog, in the same
transaction, so a library that upgrades can search at once. See central/search/index.py.
"""
from __future__ import annotations

from alembic import op

from central.search import index

revision = "0007_search"
down_revision = "0005_sip2_logins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the index and index every title."""
    connection = op.get_bind()
    index.create(connection)
    index.rebuild(connection)


def downgrade() -> None:
    """Drop the index (the catalog itself is untouched)."""
    index.drop(op.get_bind())
