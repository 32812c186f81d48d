"""MARC import: good files in every holdings dialect and encoding, re-runs, changed records, and every bad input."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.imports.codes import BARCODES_ANY
from central.imports.common import Options, RunBy
from central.imports.marc.importer import import_marc
from central.imports.report import ImportStopped
from central.search.catalog import search
from central.store.models import AuditEntry, Item, Title
from tests.central.imports.conftest import counts
from tests.central.imports.marc_files import binary, book, holding, label, xml

SHARKS_ISBN, SHARKS_PBK = "9780823415441", "0823415449"


def sharks(holdings_tag: str = "852", call_number: str = "597.3 GIB", **extra):
    """A nonfiction record with two ISBNs, two subjects, Dewey and two copies."""
    return book("ocm0001", "All about sharks", "Gibbons, Gail", isbns=[SHARKS_ISBN, f"{SHARKS_PBK} (pbk.)"],
                subjects=["Sharks -- Juvenile literature", "Marine animals"], dewey="597.3", subtitle="a first look",
                publisher="Holiday House", year="2020",
                holdings=[holding(holdings_tag, label(1001), call_number, "Nonfiction", "BK", "$15.99"),
                          holding(holdings_tag, label(1002), call_number, "Nonfiction", "BK", "15.99")], **extra)


def bear():
    """A picture book with one copy."""
    return book("ocm0002", "The sleepy bear", "Rowan, Ann", isbns=["9780140502343"],
                holdings=[holding("852", label(1003), "E ROW", "Picture Books")])


def run(database, clock, data: bytes, name: str = "catalog.mrc", **options):
    """Import ``data`` for the test school."""
    return import_marc(database, data, file_name=name, now=clock.now(), options=Options(**options),
                       run_by=RunBy(actor="cli"))


def title_named(database, name: str) -> Title:
    """The title with that name, its ISBNs, subjects and copies loaded."""
    with database.reader() as session:
        title = session.scalars(sa.select(Title).where(Title.title == name)).one()
        _ = (title.isbns, title.subjects, title.items)
        return title


@pytest.mark.parametrize("tag", ["852", "952", "949"])
def test_a_binary_file_brings_titles_isbns_subjects_and_copies_from_each_holdings_dialect(database, library, clock,
                                                                                         tag):
    """GIVEN a MARC 21 file with a record whose copies are in Destiny's 852, Koha's 952 or a 949
    WHEN it is imported THEN the title has its ISBNs (13 digits), subjects, Dewey, publisher, year, and
    two copies with barcode, call number, shelf location and price, changed "now" for the kiosks."""
    report = run(database, clock, binary(sharks(tag), bear()))
    assert report.get("titles", "added") == 2 and report.get("copies", "added") == 3 and report.refused == []
    title = title_named(database, "All about sharks: a first look")
    assert title.author == "Gibbons, Gail" and title.isbn == SHARKS_ISBN
    assert [i.isbn for i in title.isbns] == [SHARKS_ISBN]  # the ISBN-10 given beside it is the same number
    assert [s.subject for s in title.subjects] == ["Sharks -- Juvenile literature", "Marine animals"]
    assert (title.dewey, title.publisher, title.publication_year, title.audience) == \
        ("597.3", "Holiday House", 2020, "nonfiction")
    copies = sorted(title.items, key=lambda i: i.barcode)
    assert [(c.barcode, c.call_number, c.location, c.price_cents, c.status, c.school_id) for c in copies] == [
        (label(1001), "597.3 GIB", "Nonfiction", 1599, "available", library.school_id),
        (label(1002), "597.3 GIB", "Nonfiction", 1599, "available", library.school_id)]
    assert all(c.updated_at == clock.now() for c in copies)
    assert title_named(database, "The sleepy bear").items[0].item_type == "picture_book"


def test_every_isbn_of_a_record_is_kept_and_ten_digit_ones_become_thirteen(database, library, clock):
    """GIVEN a record with a hardcover ISBN-13 and a different paperback ISBN-10 WHEN imported THEN both are kept,
    as 13 digits, in the record's order, with the paperback's qualifier."""
    record = book("ocm9", "Two bindings", "Lee, Al", isbns=["9780316015844", "0316160172 (pbk.)"],
                  holdings=[holding("852", label(1009), "FIC LEE")])
    run(database, clock, binary(record))
    title = title_named(database, "Two bindings")
    assert [(i.isbn, i.qualifier) for i in title.isbns] == [("9780316015844", None), ("9780316160179", "pbk.")]


def test_marcxml_gives_the_same_library_as_binary(database, library, clock):
    """GIVEN the same records as MARCXML WHEN imported THEN the same titles and copies are made."""
    report = run(database, clock, xml(sharks(), bear()), name="catalog.xml")
    assert report.get("titles", "added") == 2 and report.get("copies", "added") == 3
    assert "MARCXML" in " ".join(n.say() for n in report.notes)


def test_marc8_text_with_diacritics_is_converted_to_unicode(database, library, clock):
    """GIVEN a MARC-8 record whose title and author have combining tilde and circumflex WHEN imported THEN the
    catalog holds "El niño y la école" by "Peña, Ana", and the search finds it typed without accents."""
    record = book("m8", "El ni\xe4no y la \xe2ecole", "Pe\xe4na, Ana", coding="marc8",
                  holdings=[holding("852", label(1010), "E PEN", "Picture Books")])
    report = run(database, clock, binary(record))
    assert report.refused == []
    title = title_named(database, "El niño y la école")
    assert title.author == "Peña, Ana"
    with database.reader() as session:
        found = search(session, "nino pena", school_ids=[library.school_id])
    assert [h.title for h in found.hits] == ["El niño y la école"]


def test_utf8_text_under_a_leader_that_says_marc8_is_read_as_utf8_and_said(database, library, clock):
    """GIVEN a record written in UTF-8 whose leader says MARC-8 (as some exports do) WHEN imported THEN its accents
    are right and the report says how many records were read that way."""
    record = book("u1", "Canción de cuna", "Núñez, Rosa", coding="utf8_as_marc8",
                  holdings=[holding("852", label(1011), "E NUN")])
    report = run(database, clock, binary(record))
    assert title_named(database, "Canción de cuna").author == "Núñez, Rosa"
    assert any("were read as UTF-8" in n.say() for n in report.notes)


def test_running_the_same_file_again_changes_nothing_and_says_so(database, library, clock):
    """GIVEN a file already imported WHEN it is imported again THEN no row changes (not even a change time)
    and the summary says nothing changed; the audit log has one entry per run."""
    data = binary(sharks(), bear())
    run(database, clock, data)
    first_run = clock.now()
    before = counts(database)
    clock.advance(hours=1)
    again = run(database, clock, data)
    assert not again.changed_anything
    assert again.get("titles", "unchanged") == 2 and again.get("copies", "unchanged") == 3
    assert again.summary("en").startswith("Nothing changed")
    assert again.summary("es").startswith("No cambió nada")
    after = counts(database)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert after["audit_log"] == before["audit_log"] + 1
    with database.reader() as session:
        stamps = set(session.scalars(sa.select(Item.updated_at).where(Item.barcode.in_([label(1001), label(1003)]))))
    assert stamps == {first_run}


def test_a_changed_record_updates_its_title_and_copies(database, library, clock):
    """GIVEN an imported file WHEN the same record comes again with a new subject and a new call number THEN
    that title and its copies are updated (and stamped changed), and the other record is unchanged."""
    run(database, clock, binary(sharks(), bear()))
    changed = sharks(call_number="597.31 GIB")
    changed.add_field(*book(None, "x", subjects=["Fishes"]).get_fields("650"))
    clock.advance(days=1)
    report = run(database, clock, binary(changed, bear()))
    assert report.get("titles", "updated") == 1 and report.get("titles", "unchanged") == 1
    assert report.get("copies", "updated") == 2 and report.get("copies", "unchanged") == 1
    title = title_named(database, "All about sharks: a first look")
    assert [s.subject for s in title.subjects][-1] == "Fishes"
    assert {c.call_number for c in title.items} == {"597.31 GIB"}
    assert all(c.updated_at == clock.now() for c in title.items)
    with database.reader() as session:
        assert [h.title for h in search(session, "fishes", school_ids=None).hits] == ["All about sharks: a first look"]


def test_a_record_with_no_holdings_is_a_title_with_no_copies_and_is_reported(database, library, clock):
    """GIVEN a record with no 852/952/949 WHEN imported THEN its title is in the catalog with no copies and the
    report lists it as imported without copies."""
    report = run(database, clock, binary(book("nh1", "On order", "Diaz, Eva")))
    assert report.get("titles", "added") == 1 and title_named(database, "On order").items == []
    assert [(p.number, p.outcome) for p in report.problems] == [(1, "kept_without")]
    assert "no copies" in report.problems[0].reason.say()


def test_one_broken_record_is_refused_alone_and_the_records_after_it_are_read(database, library, clock):
    """GIVEN three records, the second with a broken leader WHEN imported THEN the first and third are imported
    and the second is refused with a sentence about its leader."""
    middle = bytearray(binary(book("b2", "Broken", "X, Y", holdings=[holding("852", label(1020), "FIC X")])))
    middle[0:5] = b"00x12"
    report = run(database, clock, binary(sharks()) + bytes(middle) + binary(bear()))
    assert report.get("titles", "added") == 2
    assert [(p.number, p.outcome) for p in report.refused] == [(2, "refused")]
    assert "leader" in report.refused[0].reason.say()
    assert "líder" in report.refused[0].reason.say("es")


def test_a_bad_marc8_escape_is_refused_alone(database, library, clock):
    """GIVEN a MARC-8 record with an escape sequence naming no character set WHEN imported THEN it alone is refused
    with words about its characters, and the good record beside it is imported."""
    broken = book("e1", "Bad \x1b(Z text", "Q, R", coding="marc8", holdings=[holding("852", label(1021), "FIC Q")])
    report = run(database, clock, binary(broken, bear()))
    assert report.get("titles", "added") == 1
    assert [p.number for p in report.refused] == [1] and "ESC (Z" in report.refused[0].reason.say()


def test_bad_isbns_and_barcodes_refuse_only_what_is_wrong(database, library, clock):
    """GIVEN a record with a wrong-check-digit ISBN, a copy with a wrong barcode check digit, a copy with a barcode
    used earlier in the file, and a copy with a patron-card barcode WHEN imported THEN the title is imported
    without the ISBN, the good copy is imported, and each bad copy is refused with its own reason."""
    bad_label = label(1030)[:-1] + str((int(label(1030)[-1]) + 1) % 10)
    record = book("x1", "Mixed bag", "Ng, Jo", isbns=["9780823415442"], holdings=[
        holding("852", label(1031), "FIC NG"), holding("852", bad_label, "FIC NG"),
        holding("852", library.maria, "FIC NG")])
    other = book("x2", "Second", "Ng, Jo", holdings=[holding("852", label(1031), "FIC NG")])
    report = run(database, clock, binary(record, other))
    title = title_named(database, "Mixed bag")
    assert title.isbn is None and [c.barcode for c in title.items] == [label(1031)]
    reasons = {p.key: p.reason.say() for p in report.refused}
    assert "check digit" in reasons[bad_label]
    assert "patron cards" in reasons[library.maria]
    assert [p.number for p in report.refused if p.key == label(1031)] == [2]
    assert any(p.outcome == "kept_without" and "9780823415442" in p.reason.say() for p in report.problems)


def test_a_barcode_already_on_another_title_is_refused_and_that_copy_kept(database, library, clock):
    """GIVEN the library's own copy of "All About Sharks" WHEN a file puts its barcode on another title THEN that
    copy is refused with the other title's name and stays where it was."""
    report = run(database, clock, binary(book("y1", "Whales", "Sea, Al", holdings=[
        holding("852", library.sharks, "599.5 SEA")])))
    assert "All About Sharks" in report.refused[0].reason.say()
    with database.reader() as session:
        item = session.scalars(sa.select(Item).where(Item.barcode == library.sharks)).one()
        assert (item.call_number, item.title_record.title) == ("597.3 GIB", "All About Sharks")


def test_a_truncated_file_stops_with_a_sentence_and_changes_nothing(database, library, clock):
    """GIVEN a MARC file cut short in its last record WHEN imported THEN ImportStopped says where, in words, and
    no title, copy or audit entry was added."""
    data = binary(sharks(), bear())
    before = counts(database)
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, data[:-40])
    assert "record 2" in stopped.value.sentence.say() and "cut short" in stopped.value.sentence.say()
    assert stopped.value.sentence.say("es") != stopped.value.sentence.say("en")
    assert counts(database) == before


@pytest.mark.parametrize("data, words", [(b"", "empty"), (b"Title,Author\nA,B\n", "not a MARC file"),
                                         (b"<?xml version='1.0'?><collection><record>", "not complete")])
def test_files_that_are_not_marc_stop_and_change_nothing(database, library, clock, data, words):
    """GIVEN an empty file, a CSV, or XML cut short WHEN imported as MARC THEN a sentence says what it is."""
    before = counts(database)
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, data)
    assert words in stopped.value.sentence.say()
    assert counts(database) == before


def test_an_unknown_school_stops_the_import(database, library, clock):
    """GIVEN --school naming no school WHEN importing THEN it stops naming the schools there are."""
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, binary(bear()), school_code="nowhere")
    assert "nowhere" in str(stopped.value) and "test" in str(stopped.value)


def test_a_school_with_its_own_label_numbering_imports_with_any_barcodes(database, library, clock):
    """GIVEN labels that are not 14-digit library barcodes ("T000123") WHEN imported with barcodes=any THEN they are
    accepted, except a copy labelled with the book's ISBN, which is refused; without the option they are refused."""
    record = book("z1", "Own labels", "Ko, Mi", holdings=[holding("852", "T000123", "FIC KO"),
                                                          holding("852", "9780823415441", "FIC KO")])
    strict = run(database, clock, binary(record))
    assert len(strict.refused) == 2 and "14-digit" in strict.refused[0].reason.say()
    relaxed = run(database, clock, binary(record), barcodes=BARCODES_ANY)
    assert relaxed.get("copies", "added") == 1 and "ISBN" in relaxed.refused[0].reason.say()


def test_a_second_school_with_the_same_book_adds_its_copies_to_the_districts_title(database, library, clock):
    """GIVEN another school of the district WHEN it imports a record with an ISBN already in the catalog THEN its
    copies join that title (one record for the district) and the title is left as the first school made it."""
    from central.circulation.schools import add_school

    run(database, clock, binary(sharks()))
    with database.writer() as session, session.begin():
        add_school(session, "north", "North School", 4321)
    theirs = book("n-77", "All about sharks!", "Gibbons, G.", isbns=[SHARKS_ISBN],
                  holdings=[holding("852", label(5, 4321), "597 GIB")])
    report = run(database, clock, binary(theirs), school_code="north")
    assert report.get("titles", "unchanged") == 1 and report.get("copies", "added") == 1
    title = title_named(database, "All about sharks: a first look")
    assert len(title.items) == 3 and any("found by ISBN" in n.say() for n in report.notes)


def test_batches_and_progress(database, library, clock):
    """GIVEN five records and batches of two WHEN imported THEN all five are in and progress was told 2, 4, 5."""
    records = [book(f"p{n}", f"Book {n}", "Au, Th", holdings=[holding("852", label(2000 + n), "FIC AU")])
               for n in range(5)]
    seen = []
    report = import_marc(database, binary(*records), file_name="p.mrc", now=clock.now(), options=Options(batch=2),
                         progress=lambda done, total: seen.append((done, total)))
    assert report.get("titles", "added") == 5 and seen == [(2, 5), (4, 5), (5, 5)]


def test_the_run_is_one_audit_entry_with_its_counts(database, library, clock):
    """GIVEN an import by a named actor WHEN it is done THEN one audit entry names the file and the counts."""
    import_marc(database, binary(sharks(), bear()), file_name="destiny.mrc", now=clock.now(),
                run_by=RunBy(actor="cli", address="127.0.0.1"))
    with database.reader() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import.marc")).one()
    assert entry.school_id == library.school_id and entry.target_type == "import"
    assert "destiny.mrc" in entry.summary and entry.details["counts"]["copies"]["added"] == 3
