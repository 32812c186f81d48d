"""Exports re-imported give the same library: the catalog as MARC 21 and MARCXML, the patrons as CSV."""
from __future__ import annotations

import shutil

import pymarc
import pytest
import sqlalchemy as sa

from central.circulation.schools import add_school
from central.imports.export import catalog_marc, catalog_marcxml, patrons_csv
from central.imports.marc.importer import import_marc
from central.imports.patrons.importer import import_patrons
from central.store.db import Database
from central.store.models import Item, Patron, School, Title
from tests.central.imports.marc_files import binary, book, holding, label
from tests.conftest import ROOT


def catalog(database) -> dict:
    """Every title with its ISBNs, subjects and copies, as comparable values."""
    with database.reader() as session:
        out = {}
        for title in session.scalars(sa.select(Title)):
            copies = sorted((i.barcode, i.call_number, i.location, i.item_type, i.price_cents) for i in title.items
                            if i.status != "withdrawn")
            out[title.title] = (title.author, title.isbn, title.dewey, title.audience, title.publisher,
                                title.publication_year, title.edition, title.series,
                                [(i.isbn, i.qualifier) for i in title.isbns], [s.subject for s in title.subjects],
                                copies)
        return out


def patrons(database) -> dict:
    """Every patron as comparable values."""
    with database.reader() as session:
        return {p.barcode: (p.student_id, p.first_name, p.last_name, p.patron_type, p.grade, p.homeroom, p.language,
                            p.expires_on, sorted(c.uid for c in p.cards))
                for p in session.scalars(sa.select(Patron))}


@pytest.fixture
def fresh(sqlite_template, tmp_path, clock):
    """A second, empty library with a school of the same code and institution number."""
    path = tmp_path / "fresh.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    with db.writer() as session, session.begin():
        add_school(session, "test", "Test School", 1234)
    yield db
    db.dispose()


@pytest.fixture
def rich_library(database, library, clock):
    """The small library plus imported titles with every field, MARC-8 text, and imported patrons."""
    records = [book("r1", "El ni\xe4no", "Pe\xe4na, Ana", coding="marc8", isbns=["9780140502343"],
                    holdings=[holding("952", label(3001), "E PEN", "Picture Books", "PB", "12.50")]),
               book("r2", "Volcanoes", "Ruiz, Tom", isbns=["9780316015844", "0316160172 (pbk.)"], dewey="551.21",
                    subjects=["Volcanoes -- Juvenile literature", "Earth sciences"], publisher="Lerner", year="2019",
                    subtitle="fire from below", holdings=[holding("852", label(3002), "551.21 RUI", "Nonfiction"),
                                                          holding("949", label(3003), "REF 551.21 RUI", "Reference")]),
               book("r3", "No copies yet", "Lo, Li")]
    import_marc(database, binary(*records), file_name="r.mrc", now=clock.now())
    import_patrons(database, (ROOT / "tests" / "fixtures" / "patrons_destiny.csv").read_bytes(), file_name="p.csv",
                   now=clock.now())
    return library


@pytest.mark.parametrize("form", ["marc", "marcxml"])
def test_the_catalog_exported_and_imported_into_an_empty_library_is_the_same(database, rich_library, fresh, clock,
                                                                              form):
    """GIVEN a library (hand-made titles and imported ones, with ISBNs, subjects, prices, item types) WHEN its catalog
    is exported as MARC 21 or MARCXML and imported into an empty library THEN every title and copy is the same."""
    with database.reader() as session:
        school = session.scalars(sa.select(School).where(School.code == "test")).one()
        data = catalog_marc(session, school) if form == "marc" else catalog_marcxml(session, school)
    report = import_marc(fresh, data, file_name=f"export.{form}", now=clock.now())
    assert report.refused == []
    assert catalog(fresh) == catalog(database)


def test_the_exported_marc_is_valid_marc_that_pymarc_reads_back(database, rich_library):
    """GIVEN the exported catalog WHEN pymarc reads it THEN each title is one record with an 852 per copy."""
    with database.reader() as session:
        school = session.scalars(sa.select(School).where(School.code == "test")).one()
        data = catalog_marc(session, school)
        titles = session.scalar(sa.select(sa.func.count()).select_from(Title))
        copies = session.scalar(sa.select(sa.func.count()).select_from(Item))
    records = list(pymarc.MARCReader(data, to_unicode=True))
    assert len(records) == titles and sum(len(r.get_fields("852")) for r in records) == copies
    assert any(r["245"]["a"] == "El niño" for r in records)


def test_patrons_exported_and_imported_into_an_empty_library_are_the_same(database, rich_library, fresh, clock):
    """GIVEN the library's patrons (with and without student IDs, cards, languages, grades) WHEN exported as CSV and
    imported into an empty library THEN every patron is the same, found by the same header names."""
    with database.reader() as session:
        school = session.scalars(sa.select(School).where(School.code == "test")).one()
        text = patrons_csv(session, school)
    report = import_patrons(fresh, text.encode("utf-8"), file_name="export.csv", now=clock.now())
    assert report.refused == [] and report.get("patrons", "added") == len(patrons(database))
    assert patrons(fresh) == patrons(database)
