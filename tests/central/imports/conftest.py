"""Fixtures of the import tests: the search index kept by ORM writes (as the server does), counts of the library."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.search import index
from central.store.models import AuditEntry, Item, Patron, PatronCard, Title, TitleIsbn, TitleSubject


@pytest.fixture(autouse=True)
def search_index_kept():
    """Every ORM flush refreshes the search index, as in the running server."""
    index.install()


def counts(database) -> dict[str, int]:
    """How many rows each catalog and patron table holds: the data "as it was" before a refused file."""
    with database.reader() as session:
        return {model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Title, TitleIsbn, TitleSubject, Item, Patron, PatronCard, AuditEntry)}

