"""OneRoster 1.1 import: a folder or a zip, schools from orgs, homerooms from enrollments, re-runs and bad rosters."""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from central.imports.patrons.oneroster import import_oneroster, read_roster, read_roster_zip
from central.imports.report import ImportStopped
from central.store.models import Patron
from tests.central.imports.conftest import counts
from tests.conftest import ROOT

ROSTER = ROOT / "tests" / "fixtures" / "oneroster"


def run(database, clock, files, name: str = "oneroster"):
    """Import the roster ``files``."""
    return import_oneroster(database, files, file_name=name, now=clock.now())


def people(database) -> dict[str, Patron]:
    """Patrons imported from OneRoster, by sourcedId."""
    with database.reader() as session:
        return {p.external_id: p for p in session.scalars(sa.select(Patron).where(Patron.import_source == "oneroster"))}


def zipped(folder: str = "") -> bytes:
    """The fixture roster as a zip, its files at the top or in ``folder``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in ROSTER.glob("*.csv"):
            archive.writestr(f"{folder}{path.name}", path.read_bytes())
    return out.getvalue()


def test_students_and_teachers_become_patrons_with_grade_and_homeroom(database, library, clock):
    """GIVEN a roster with students, a teacher and a parent at the test school, and a student at a school the
    district does not have WHEN imported THEN students and the teacher are patrons with the student number as
    student ID, grade in the catalog's form and the homeroom class's title; the parent is left out; the other
    school's student is refused; a student marked tobedeleted is kept inactive."""
    report = run(database, clock, read_roster(ROSTER))
    found = people(database)
    assert sorted(found) == ["u-s1", "u-s2", "u-s3", "u-t1"]
    ines = found["u-s1"]
    assert (ines.first_name, ines.student_id, ines.grade, ines.homeroom, ines.patron_type, ines.active) == \
        ("Inés", "400501", "3", "Room 12 - Ms. Patel", "student", True)
    assert (found["u-s2"].grade, found["u-s2"].barcode) == ("K", "21234000007773")  # the card in its userIds
    assert found["u-t1"].patron_type == "teacher" and found["u-t1"].homeroom == "Room 12 - Ms. Patel"
    assert found["u-s3"].active is False and found["u-s1"].school_id == library.school_id
    refused = {p.key: p.reason.say() for p in report.refused}
    assert "school" in refused["500001"] and "first name" in refused["400504"]
    notes = " ".join(n.say() for n in report.notes)
    assert "Westview Middle" in notes and "1 parents" in notes


def test_a_zip_with_the_files_in_a_folder_reads_the_same(database, library, clock):
    """GIVEN the roster zipped inside a folder WHEN read THEN the same four files are found."""
    assert sorted(read_roster_zip(zipped("export-2025/"))) == sorted(read_roster(ROSTER))


def test_the_same_roster_again_changes_nothing_and_a_moved_student_is_updated(database, library, clock):
    """GIVEN an imported roster WHEN it is imported again THEN nothing changes; WHEN a student's grade changes THEN only
    that patron is updated, found again by sourcedId, and keeps their language."""
    files = read_roster(ROSTER)
    run(database, clock, files)
    with database.writer() as session, session.begin():
        session.scalars(sa.select(Patron).where(Patron.external_id == "u-s1")).one().language = "es"
    again = run(database, clock, files)
    assert not again.changed_anything and again.get("patrons", "unchanged") == 4
    files["users.csv"] = files["users.csv"].replace(b"Valencia,,400501,,,,u-p1,03", b"Valencia,,400501,,,,u-p1,04")
    clock.advance(days=1)
    report = run(database, clock, files)
    assert report.get("patrons", "updated") == 1
    ines = people(database)["u-s1"]
    assert (ines.grade, ines.language, ines.updated_at) == ("4", "es", clock.now())


@pytest.mark.parametrize("files, words", [
    ({"orgs.csv": b"sourcedId,name,type\n"}, "no users.csv"),
    ({"users.csv": b"sourcedId,role\n", "orgs.csv": b"sourcedId,name,type\n"}, "no column givenName"),
])
def test_a_roster_missing_a_file_or_a_column_stops_and_changes_nothing(database, library, clock, files, words):
    """GIVEN a roster with no users.csv, or a users.csv without its name columns WHEN imported THEN it stops with a
    sentence naming what is missing and nothing changed."""
    before = counts(database)
    with pytest.raises(ImportStopped) as stopped:
        run(database, clock, files)
    assert words in stopped.value.sentence.say()
    assert counts(database) == before


def test_a_file_that_is_not_a_zip_stops(database, library, clock):
    """GIVEN bytes that are not a zip (or a zip cut short) WHEN read as a roster THEN a sentence says so."""
    with pytest.raises(ImportStopped, match="not a OneRoster zip"):
        read_roster_zip(zipped()[:-200])
