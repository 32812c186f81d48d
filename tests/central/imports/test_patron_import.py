"""Patron CSV import: Destiny, PowerSchool and Infinite Campus exports, mapping, encodings, re-runs and bad rows."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.imports.common import Options
from central.imports.patrons.csv_read import read_table
from central.imports.patrons.columns import guess_mapping
from central.imports.patrons.importer import import_patrons
from central.imports.report import ImportStopped, problems_csv
from central.store.models import Patron, PatronCard
from tests.central.imports.conftest import counts
from protocol.identifiers import make_library_barcode
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def run(database, clock, data: bytes, name: str = "patrons.csv", **kwargs):
    """Import ``data`` as a patron CSV."""
    options = Options(**kwargs.pop("options", {}))
    return import_patrons(database, data, file_name=name, now=clock.now(), options=options, **kwargs)


def patron(database, student_id: str) -> Patron:
    """The patron with that student ID, with their cards."""
    with database.reader() as session:
        found = session.scalars(sa.select(Patron).where(Patron.student_id == student_id)).one()
        _ = found.cards
        return found


def test_a_destiny_export_is_mapped_by_its_headers_and_imported(database, library, clock):
    """GIVEN Destiny's patron export (District ID, Barcode, Patron Type, Homeroom, Language, Card UID) WHEN imported
    THEN every patron is added with their barcode, type, grade in the catalog's form, language and card; a patron
    with no barcode in the file gets one made from their student number."""
    report = run(database, clock, (FIXTURES / "patrons_destiny.csv").read_bytes())
    assert report.get("patrons", "added") == 4 and report.refused == []
    jose = patron(database, "100201")
    assert (jose.first_name, jose.last_name, jose.barcode, jose.grade, jose.language, jose.patron_type) == \
        ("José", "Peña", "21234001020114", "3", "es", "student")
    assert [c.uid for c in jose.cards] == ["04A1B2C3D4E5F7"] and jose.updated_at == clock.now()
    linh = patron(database, "100202")
    assert (linh.grade, linh.barcode, linh.homeroom) == ("K", make_library_barcode("2", 1234, 100202),
                                                         "Room 4 - Mr. Ortiz")
    assert patron(database, "100203").last_name == "O'Brien, Jr."
    teacher = patron(database, "T-17")
    assert (teacher.patron_type, teacher.language, teacher.grade) == ("teacher", "es", None)
    assert jose.expires_on.isoformat() == "2026-06-12"  # the school's term end


def test_a_powerschool_export_with_one_name_column_and_a_school_column(database, library, clock):
    """GIVEN PowerSchool's export (UTF-8 with a byte-order mark; LastFirst; Grade_Level 0 and 12; a school column
    by code and by institution number) WHEN imported THEN names are split and grades made K and 12."""
    report = run(database, clock, (FIXTURES / "patrons_powerschool.csv").read_bytes())
    assert report.get("patrons", "added") == 3 and report.refused == []
    anna = patron(database, "200301")
    assert (anna.first_name, anna.last_name, anna.grade, anna.homeroom) == ("Anna", "Müller", "1", "101")
    assert patron(database, "200302").grade == "K" and patron(database, "200303").grade == "12"


def test_an_infinite_campus_export_with_semicolons_and_a_language_the_kiosk_does_not_speak(database, library, clock):
    """GIVEN Infinite Campus's semicolon-separated export WHEN imported THEN both students are added; one whose home
    language is Igbo gets English and the report says so (imported without that value)."""
    report = run(database, clock, (FIXTURES / "patrons_infinite_campus.csv").read_bytes())
    assert report.get("patrons", "added") == 2
    assert patron(database, "300401").language == "es" and patron(database, "300402").language == "en"
    assert [(p.key, p.outcome) for p in report.problems] == [("300402", "kept_without")]
    assert "Igbo" in report.problems[0].reason.say()


def test_the_header_guesses_for_each_system():
    """GIVEN the three exports' headers WHEN the mapping is guessed THEN each required field has its column."""
    for name, expected in (("patrons_destiny.csv", {"student_id": 0, "last_name": 1, "first_name": 2, "barcode": 3,
                                                    "patron_type": 4, "grade": 5, "homeroom": 6, "language": 7,
                                                    "card_uid": 8}),
                           ("patrons_powerschool.csv", {"student_id": 0, "last_first": 1, "grade": 2, "homeroom": 3,
                                                        "school": 4}),
                           ("patrons_infinite_campus.csv", {"student_id": 0, "last_name": 1, "first_name": 2,
                                                            "grade": 3, "homeroom": 4, "language": 5})):
        assert guess_mapping(read_table((FIXTURES / name).read_bytes()).header) == expected, name


def test_map_options_name_columns_the_guess_did_not_know(database, library, clock):
    """GIVEN a CSV with headers no system uses WHEN imported with --map for each THEN the patrons are imported; an
    unknown column or field in --map stops with a sentence."""
    data = "Pupil Code,Given,Family,Year\n555,Ada,Lovelace,2\n".encode()
    report = run(database, clock, data, map_options=["Pupil Code=student_id", "Given=first_name",
                                                     "Family=last_name", "Year=grade"])
    assert report.get("patrons", "added") == 1 and patron(database, "555").grade == "2"
    with pytest.raises(ImportStopped, match="no column 'Nope'"):
        run(database, clock, data, map_options=["Nope=grade"])
    with pytest.raises(ImportStopped, match="not a patron field"):
        run(database, clock, data, map_options=["Year=shoe_size"])


def test_a_missing_required_column_stops_and_changes_nothing(database, library, clock):
    """GIVEN a CSV with no last-name column WHEN imported THEN it stops naming the missing field and the columns."""
    before = counts(database)
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, b"Student ID,First Name,Grade\n1,Ann,3\n")
    assert "Last name" in stopped.value.sentence.say() and "Apellido" in stopped.value.sentence.say("es")
    assert counts(database) == before


def test_a_windows_1252_file_is_read_right_and_said(database, library, clock):
    """GIVEN a CSV saved by Excel on Windows (Windows-1252, "Peña" as byte F1) WHEN imported THEN the name is right
    and the report says the file was read as Windows-1252."""
    data = "Student ID,First Name,Last Name\r\n7001,Begoña,Peña\r\n".encode("cp1252")
    report = run(database, clock, data)
    assert patron(database, "7001").last_name == "Peña"
    assert any("Windows-1252" in n.say() for n in report.notes)


@pytest.mark.parametrize("data, words", [
    (b"Student ID,First Name,Last Name\r\n1,Ann,Lee\r\n2,Bo", "cut short"),
    (b'Student ID,First Name,Last Name\r\n1,Ann,"Lee', "inside a quoted value"),
    (b"", "empty"), (b"\x00\x01\x02binary", "not a text file")])
def test_a_truncated_or_unreadable_csv_stops_and_changes_nothing(database, library, clock, data, words):
    """GIVEN a CSV cut short in its last line or inside quotes, an empty file, or a binary file WHEN imported THEN a
    sentence says so and nothing changed."""
    before = counts(database)
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, data)
    assert words in stopped.value.sentence.say()
    assert counts(database) == before


def test_bad_rows_are_refused_with_reasons_and_the_good_ones_imported(database, library, clock):
    """GIVEN rows with a missing last name, a wrong barcode check digit, another patron's barcode, a student ID twice,
    an unknown patron type, a bad date and a bad card UID WHEN imported THEN each bad row is refused with its own
    reason (the card UID row is imported without it) and the good row is in."""
    data = ("Student ID,First Name,Last Name,Barcode,Patron Type,Expires,Card UID\n"
            "8001,Good,Row,,Student,,\n"
            "8002,No,,,Student,,\n"
            "8003,Bad,Check,21234000000019,Student,,\n"
            f"8004,Taken,Card,{library.maria},Student,,\n"
            "8001,Twice,Again,,Student,,\n"
            "8005,Odd,Type,,Volunteer,,\n"
            "8006,Bad,Date,,Student,31/31/2026,\n"
            "8007,Bad,Uid,,Student,,ZZZZ\n").encode()
    report = run(database, clock, data)
    assert report.get("patrons", "added") == 2
    reasons = {p.number: p.reason.say() for p in report.refused}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "last name" in reasons[3] and "check digit" in reasons[4] and "another patron" in reasons[5]
    assert "line 2" in reasons[6] and "Volunteer" in reasons[7] and "31/31/2026" in reasons[8]
    assert [p.number for p in report.problems if p.outcome == "kept_without"] == [9]


def test_running_the_same_file_again_changes_nothing_and_a_changed_row_updates(database, library, clock):
    """GIVEN an imported Destiny file WHEN it is imported again THEN nothing changes and it says so; WHEN a row changes
    grade and homeroom THEN only that patron is updated and stamped changed."""
    data = (FIXTURES / "patrons_destiny.csv").read_bytes()
    run(database, clock, data)
    first = clock.now()
    clock.advance(days=1)
    again = run(database, clock, data)
    assert not again.changed_anything and again.get("patrons", "unchanged") == 4
    assert patron(database, "100202").updated_at == first
    changed = data.replace(b"100202,Nguyen,Linh,,Student,KG,Room 4 - Mr. Ortiz", b"100202,Nguyen,Linh,,Student,1,Room 9")
    report = run(database, clock, changed)
    assert report.get("patrons", "updated") == 1 and report.get("patrons", "unchanged") == 3
    linh = patron(database, "100202")
    assert (linh.grade, linh.homeroom, linh.updated_at) == ("1", "Room 9", clock.now())
    assert patron(database, "100201").updated_at == first


def test_the_refused_rows_csv_has_every_problem_in_words(database, library, clock):
    """GIVEN an import with refused rows WHEN the problems CSV is made THEN it has a byte-order mark, a header in the
    reader's language, one row per problem, and a name starting with = cannot run as a formula."""
    data = b"Student ID,First Name,Last Name\n9001,=HYPERLINK(x),\n9002,Ok,Fine\n"
    report = run(database, clock, data)
    text = problems_csv(report, "en")
    assert text.startswith("\ufeffLine or record,Identifier,Name or title,What happened,Why\r\n")
    assert "9001,'=HYPERLINK(x),Not imported,The last name is missing." in text
    assert problems_csv(report, "es").startswith("\ufeffLínea o registro")


def test_patrons_of_a_district_file_go_to_their_schools(database, library, clock):
    """GIVEN a district file with a school column naming two schools and an unknown one WHEN imported THEN each patron
    is at their school and the unknown school's row is refused naming the district's schools."""
    from central.circulation.schools import add_school

    with database.writer() as session, session.begin():
        add_school(session, "north", "North School", 4321)
    data = b"Student ID,First Name,Last Name,School\n1,Ann,Lee,test\n1,Bo,Kim,North School\n2,Cy,Ng,Westview\n"
    report = run(database, clock, data)
    assert report.get("patrons", "added") == 2
    assert "Westview" in report.refused[0].reason.say() and "north" in report.refused[0].reason.say()
    with database.reader() as session:
        rows = session.execute(sa.select(Patron.student_id, Patron.school_id, Patron.barcode)
                               .where(Patron.student_id == "1").order_by(Patron.school_id)).all()
    assert [r.barcode[1:5] for r in rows] == ["1234", "4321"]


def test_a_card_uid_already_anothers_is_left_out_and_the_patron_imported(database, library, clock):
    """GIVEN a row whose card UID is Sam's card WHEN imported THEN the patron is added without it, and Sam keeps it."""
    from tests.central.library import CARD_UID

    report = run(database, clock, f"Student ID,First Name,Last Name,Card UID\n9100,Al,Bo,{CARD_UID}\n".encode())
    assert report.get("patrons", "added") == 1 and "another patron" in report.problems[0].reason.say()
    with database.reader() as session:
        owner = session.scalar(sa.select(Patron.barcode).join(PatronCard).where(PatronCard.uid == CARD_UID))
    assert owner == library.sam
