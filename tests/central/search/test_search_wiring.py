"""The search as the server runs it: built by the migration, kept by the `central` command's writes, behind the
staff catalog page and the kiosk API's OpenAPI document."""
from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from central.api.openapi import openapi_document
from central.search import index
from central.search.catalog import search
from central.store.db import Database
from central.store.migrate import downgrade, upgrade
from central.store.models import Item, Title, TitleSubject
from tests.central.conftest import SQLITE_ONLY
from tests.central.staff import text_of
from tests.conftest import ROOT


def _found(database, text: str) -> list[str]:
    with database.reader() as session:
        return [hit.title for hit in search(session, text, school_ids=None).hits]


def test_the_migration_indexes_the_catalog_already_there_and_its_downgrade_drops_the_index(database, library):
    """GIVEN the small library WHEN the schema goes back to 0005_sip2_logins THEN the index is gone and the catalog
    stays; WHEN upgraded again THEN every title already in the catalog is found at once."""
    downgrade(database.engine, "0005_sip2_logins")
    with database.engine.connect() as connection:
        assert not sa.inspect(connection).has_table(index.TABLE)
        assert connection.scalar(sa.select(sa.func.count()).select_from(Title)) > 0
    upgrade(database.engine)
    assert _found(database, "sharks") == ["All About Sharks"]


def test_seed_demo_through_the_command_line_leaves_every_title_searchable(tmp_path):
    """GIVEN a new database WHEN `central init-db` and `central seed-demo` run as processes THEN the search index holds
    every demo title and a search for sharks finds shark books with their call numbers."""
    url = f"sqlite:///{tmp_path / 'central.db'}"
    for command in (["init-db"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "central.cli", "--database-url", url, *command], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    database = Database(url)
    try:
        with database.reader() as session:
            indexed = session.scalar(sa.text(f"SELECT count(*) FROM {index.TABLE}"))
            assert indexed == session.scalar(sa.select(sa.func.count()).select_from(Title)) > 0
            hits = search(session, "sharks", school_ids=None).hits
        assert hits and all(hit.call_number.startswith("597") for hit in hits)
    finally:
        database.dispose()


@SQLITE_ONLY
def test_the_staff_catalog_page_searches_with_accents_ignored_and_shows_the_shelf(staff, database, library):
    """GIVEN "El niño y el mar" on the shelf with a subject WHEN staff search "nino" or a word of its subject THEN the
    catalog page lists it with its call number and its place in words."""
    with database.writer() as session, session.begin():
        title = Title(title="El niño y el mar", author="Peña, Ana", audience="fiction")
        title.subjects = [TitleSubject(subject="Océano -- Ficción juvenil", position=0)]
        session.add(title)
        session.flush()
        session.add(Item(barcode="31234000009993", title_id=title.id, school_id=library.school_id,
                         call_number="E PEN", location="Picture Books", item_type="book", status="available"))
    for query in ("nino", "oceano"):
        page = text_of(staff["read_only"].get(f"/catalog?q={query}"))
        assert "El niño y el mar" in page and "E PEN" in page and "Picture books" in page, query


def test_the_served_openapi_document_describes_the_search():
    """GIVEN the OpenAPI document the server serves THEN GET /search is in it with its SearchOutcome answer."""
    doc = openapi_document()
    answer = doc["paths"]["/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/SearchOutcome"}
    assert {"SearchOutcome", "SearchHit"} <= set(doc["components"]["schemas"])
