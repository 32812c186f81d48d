"""The catalog search on SQLite FTS5 and PostgreSQL: ranking, accents, word starts, call numbers, schools, upkeep."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.circulation.schools import add_school
from central.search import index
from central.search.catalog import search
from central.store.models import Item, Title, TitleIsbn, TitleSubject


@pytest.fixture(autouse=True)
def index_kept():
    """ORM writes keep the index current, as in the running server."""
    index.install()


@pytest.fixture
def shelf(database, library):
    """The small library plus titles made to test ranking and accents."""
    with database.writer() as session, session.begin():
        def title(name, author, subjects=(), call="FIC X", status="available", isbn=None):
            t = Title(title=name, author=author, audience="fiction", isbn=isbn)
            t.subjects = [TitleSubject(subject=s, position=i) for i, s in enumerate(subjects)]
            if isbn:
                t.isbns = [TitleIsbn(isbn=isbn, position=0)]
            session.add(t)
            session.flush()
            session.add(Item(barcode=f"3{1234:04d}{session.scalar(sa.select(sa.func.count(Item.id))) + 500:08d}9",
                             title_id=t.id, school_id=library.school_id, call_number=call, location="Shelves",
                             item_type="book", status=status))
            return t
        title("Whales of the deep", "Ocean, Ann", ["Sharks -- Juvenile literature"], "599.5 OCE")
        title("The shark who smiled", "Reef, Bo", [], "E REE")
        title("El niño y el mar", "Peña, Ana", ["Mar -- Ficción juvenil"], "E PEN")
        title("Lost forever", "Gone, Al", [], "FIC GON", status="lost")
        title("Counting stars", "Sky, Lu", [], "520 SKY", isbn="9780316015844")
    return library


def titles(session, text, **kwargs):
    """The titles found for ``text`` at the test school, best first."""
    kwargs.setdefault("school_ids", None)
    return [h.title for h in search(session, text, **kwargs).hits]


def test_a_word_in_the_title_ranks_above_the_same_word_in_a_subject(database, shelf):
    """GIVEN "shark" in one title and in another title's subject (and "sharks" in a third title) WHEN searched THEN the
    titles with the word come first and the subject match after them."""
    with database.reader() as session:
        found = titles(session, "shark")
    assert found.index("Whales of the deep") > max(found.index("The shark who smiled"), found.index("All About Sharks"))


def test_accents_are_ignored_both_ways(database, shelf):
    """GIVEN "El niño y el mar" by "Peña, Ana" WHEN searched as "nino", "NIÑO" or "pena mar" THEN it is found."""
    with database.reader() as session:
        for text in ("nino", "NIÑO", "pena mar", "Ficcion"):
            assert titles(session, text) == ["El niño y el mar"], text


def test_word_starts_plurals_and_call_numbers(database, shelf):
    """GIVEN the catalog WHEN a child types the start of a word, a plural, or a call number THEN the title is found."""
    with database.reader() as session:
        assert "All About Sharks" in titles(session, "shar")
        assert "The Sleepy Bear" in titles(session, "bears")
        assert titles(session, "597.3") == ["All About Sharks"]
        assert titles(session, "e row") == ["The Sleepy Bear"]
        assert titles(session, "599.5") == ["Whales of the deep"]


def test_every_word_must_match(database, shelf):
    """GIVEN two words WHEN only one matches a title THEN that title is not found."""
    with database.reader() as session:
        assert titles(session, "shark zebra") == []


def test_an_isbn_or_a_copy_barcode_finds_its_title(database, shelf):
    """GIVEN an ISBN (with hyphens, or as ISBN-10) or a copy's barcode WHEN searched THEN that title is the hit."""
    with database.reader() as session:
        assert titles(session, "978-0-316-01584-4") == ["Counting stars"]
        assert titles(session, "0316015849") == ["Counting stars"]
        assert titles(session, shelf.dragon) == ["Dragon Academy #1: First Flight"]


def test_copies_and_availability_are_counted_at_the_schools_asked_and_lost_ones_not_at_all(database, shelf):
    """GIVEN two copies of Sharks here, one at another school, and a lost copy of another title WHEN the test school
    searches THEN Sharks has 2 copies (2 in) and its place in words, and the lost title has no copies; the kiosk
    search (copies only) leaves the lost title out and the other school's title too."""
    with database.writer() as session, session.begin():
        hill = add_school(session, "hill", "Hill School", 4321)
        sharks = session.scalar(sa.select(Item.title_id).where(Item.barcode == shelf.sharks))
        session.add(Item(barcode="34321000000011", title_id=sharks, school_id=hill.id, call_number="597.3 GIB",
                         location="Nonfiction", item_type="book", status="available"))
        only_hill = Title(title="Hill only atlas", author="Map, Al", audience="reference")
        session.add(only_hill)
        session.flush()
        session.add(Item(barcode="34321000000029", title_id=only_hill.id, school_id=hill.id, call_number="912 MAP",
                         location="Reference", item_type="reference", status="available"))
    with database.reader() as session:
        hit = next(h for h in search(session, "sharks", school_ids=[shelf.school_id]).hits
                   if h.title == "All About Sharks")
        assert (hit.title, hit.copies, hit.available, hit.location) == ("All About Sharks", 2, 2,
                                                                        "Nonfiction, number 597.3")
        lost = search(session, "lost forever", school_ids=[shelf.school_id]).hits[0]
        assert (lost.copies, lost.available) == (0, 0)
        assert titles(session, "lost forever", school_ids=[shelf.school_id], with_copies_only=True) == []
        assert titles(session, "atlas", school_ids=[shelf.school_id], with_copies_only=True) == []
        assert search(session, "atlas", school_ids=None).hits[0].copies == 1


def test_paging_and_totals(database, shelf):
    """GIVEN several matches WHEN asked one at a time THEN total stays the same and each page has the next hit."""
    with database.reader() as session:
        first = search(session, "fic", school_ids=None, limit=1, offset=0)
        second = search(session, "fic", school_ids=None, limit=1, offset=1)
        beyond = search(session, "fic", school_ids=None, limit=1, offset=500)
    assert first.total == second.total == beyond.total >= 2
    assert first.hits[0].title != second.hits[0].title and beyond.hits == ()


def test_the_index_follows_title_subject_copy_changes_and_removals(database, shelf):
    """GIVEN the index WHEN a title is renamed, given a subject, a copy gets a new call number, and a title is
    removed THEN the next search sees each change (the ORM keeps the index in the same transaction)."""
    with database.writer() as session, session.begin():
        bear = session.scalars(sa.select(Title).where(Title.title == "The Sleepy Bear")).one()
        bear.title = "The Wide Awake Bear"
        bear.subjects.append(TitleSubject(subject="Hibernation", position=0))
        copy = session.scalars(sa.select(Item).where(Item.barcode == shelf.dragon)).one()
        copy.call_number = "FIC ZEB"
        gone = session.scalars(sa.select(Title).where(Title.title == "Counting stars")).one()
        for item in gone.items:
            session.delete(item)
        session.flush()
        session.execute(sa.delete(TitleIsbn).where(TitleIsbn.title_id == gone.id))
        session.delete(gone)
    with database.reader() as session:
        assert titles(session, "awake") == ["The Wide Awake Bear"] and titles(session, "sleepy") == []
        assert titles(session, "hibernation") == ["The Wide Awake Bear"]
        assert titles(session, "fic zeb") == ["Dragon Academy #1: First Flight"]
        assert titles(session, "counting") == []


@pytest.mark.parametrize("text", ["%", "'", "\"", "*", "x" * 2000, "", "   ", "...", "a' OR 1=1 --", "NEAR(", "é",
                                  "\x00", "(", "shark*", "-shark", "日本"])
def test_any_text_gets_an_answer(database, shelf, text):
    """GIVEN text a search parser could choke on WHEN searched THEN the answer comes, with a searchable flag."""
    with database.reader() as session:
        result = search(session, text, school_ids=[shelf.school_id])
    assert result.total >= 0 and len(result.query) <= 200


def test_the_index_is_rebuilt_from_the_catalog(database, shelf):
    """GIVEN an emptied index WHEN it is rebuilt THEN every title is findable again."""
    with database.writer() as session, session.begin():
        connection = session.connection()
        connection.exec_driver_sql(f"DELETE FROM {index.TABLE}")
        assert index.rebuild(connection) == session.scalar(sa.select(sa.func.count()).select_from(Title))
    with database.reader() as session:
        assert titles(session, "whales") == ["Whales of the deep"]
