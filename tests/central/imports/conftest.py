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


def _register_import_pages() -> None:
    """Put the import pages in the staff pages' tree, as the app does once the lead wires them (idempotent).

    Done at collection, before any app is made: Flask refuses to add to a blueprint once it is registered.
    """
    try:
        from central.web import home, policy  # noqa: F401 - policy: the sign-in the pages need
    except ImportError:
        return  # the staff sign-in is not on this branch yet: the page tests skip themselves
    from central.imports import views

    if all(child.name != views.bp.name for child, _ in home.bp._blueprints):
        home.bp.register_blueprint(views.bp)


_register_import_pages()
