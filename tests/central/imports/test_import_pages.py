"""The import pages: roles, CSRF, the MARC upload to its result, the patron column step, refused-rows CSV, exports."""
from __future__ import annotations

import io
import time

import pytest
import sqlalchemy as sa

from central.imports.marc.importer import import_marc
from central.store.models import AuditEntry, Patron, Title
from tests.central.imports.marc_files import binary, book, holding, label
from tests.central.staff import text_of
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def imports_folder(app, tmp_path):
    """Import runs kept in the test's own folder."""
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def upload(client, path: str, name: str, data: bytes, **fields):
    """Post a file as the page's form does, with its CSRF token."""
    client.get("/imports/")
    body = {"csrf_token": client.token, "file": (io.BytesIO(data), name), **fields}
    return client.client.post(path, data=body, content_type="multipart/form-data")


def finished(client, location: str, seconds: float = 30.0):
    """The run page once its import has finished (polled, bounded in time)."""
    deadline = time.monotonic() + seconds
    job = location.rstrip("/").split("/")[-1]
    while time.monotonic() < deadline:
        state = client.get(f"/imports/{job}/status.json").get_json()["state"]
        if state in ("done", "stopped"):
            return client.get(f"/imports/{job}")
        time.sleep(0.05)
    raise AssertionError("the import did not finish in time")


def catalog_file() -> bytes:
    """Two good records and one with a wrong barcode check digit."""
    bad = label(4003)[:-1] + str((int(label(4003)[-1]) + 1) % 10)
    return binary(book("w1", "Owls at night", "Hoot, Ann", holdings=[holding("852", label(4001), "598.9 HOO")]),
                  book("w2", "Frogs", "Green, Bo", holdings=[holding("852", label(4002), "597.8 GRE")]),
                  book("w3", "Bad label", "X, Y", holdings=[holding("852", bad, "FIC X")]))


def test_a_librarian_uploads_a_marc_file_and_reads_the_result_with_its_refused_row(staff, database, imports_folder):
    """GIVEN a signed-in librarian WHEN they upload a MARC file THEN they are sent to the run's page, which shows the
    counts and the refused row in words, offers the refused rows as CSV, is never cached, and one audit entry
    names them."""
    librarian = staff["librarian"]
    response = upload(librarian, "/imports/marc", "catalog.mrc", catalog_file())
    assert response.status_code == 303
    page = finished(librarian, response.headers["Location"])
    text = text_of(page)
    assert "Titles added 3" in text and "Copies added 2" in text and "wrong check digit" in text
    assert page.headers["Cache-Control"] == "no-store"
    job = response.headers["Location"].rstrip("/").split("/")[-1]
    csv_file = librarian.get(f"/imports/{job}/problems.csv")
    assert csv_file.headers["Content-Disposition"].startswith("attachment") and "Bad label" in csv_file.get_data(
        as_text=True)
    with database.reader() as session:
        entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import.marc")).one()
        assert entry.actor == "librarian" and session.scalar(sa.select(Title.id).where(Title.title == "Frogs"))
    assert not (imports_folder / job / "upload").exists()  # the uploaded file is not kept


def test_the_patron_csv_goes_through_the_column_step(staff, database, imports_folder):
    """GIVEN a patron CSV with one header no system uses WHEN uploaded THEN the column step shows the guesses and the
    first rows; WHEN a required field is left unmapped THEN it says which; WHEN the columns are chosen THEN the
    patrons are imported."""
    librarian = staff["librarian"]
    data = "Pupil Code,First Name,Last Name,Grade\n6001,Inés,Peña,2\n6002,Tom,Lee,K\n".encode()
    response = upload(librarian, "/imports/patrons", "class.csv", data)
    columns = response.headers["Location"]
    page = librarian.get(columns)
    assert page.status_code == 200 and "Peña" in text_of(page)
    assert 'value="first_name" selected' in page.get_data(as_text=True)
    missing = librarian.post(columns, {"column-1": "first_name", "column-2": "last_name"})
    assert missing.status_code == 400 and "Student ID" in text_of(missing)
    chosen = librarian.post(columns, {"column-0": "student_id", "column-1": "first_name", "column-2": "last_name",
                                      "column-3": "grade"})
    assert chosen.status_code == 303
    assert "Patrons added 2" in text_of(finished(librarian, chosen.headers["Location"]))
    with database.reader() as session:
        assert session.scalar(sa.select(Patron.grade).where(Patron.student_id == "6002")) == "K"


def test_a_forged_upload_without_its_token_is_refused_and_changes_nothing(staff, database, imports_folder):
    """GIVEN a form posted without its CSRF token WHEN it uploads a file THEN it is refused with 400 and no run
    starts."""
    librarian = staff["librarian"]
    response = librarian.client.post("/imports/marc", data={"file": (io.BytesIO(catalog_file()), "c.mrc")},
                                     content_type="multipart/form-data")
    assert response.status_code == 400 and not imports_folder.exists()


def test_roles_a_read_only_user_cannot_import_and_a_technician_cannot_touch_patrons(staff, imports_folder):
    """GIVEN each role WHEN they open or post the import pages THEN read-only gets 403 everywhere that changes
    anything, a technician may import the catalog but not patrons or the patron export, and signed-out gets sent to
    sign in."""
    assert staff["read_only"].get("/imports/").status_code == 403
    assert upload(staff["read_only"], "/imports/marc", "c.mrc", catalog_file()).status_code == 403
    technician = staff["technician"]
    assert technician.get("/imports/").status_code == 200
    assert upload(technician, "/imports/patrons", "p.csv", b"a,b\n").status_code == 403
    assert technician.get("/imports/export/patrons.csv").status_code == 403
    assert technician.get("/imports/export/catalog.mrc").status_code == 200


def test_a_file_that_is_not_marc_stops_with_a_sentence(staff, imports_folder):
    """GIVEN a CSV uploaded as a catalog WHEN the run ends THEN the page says nothing was imported and why."""
    response = upload(staff["librarian"], "/imports/marc", "oops.csv", b"Title,Author\nA,B\n")
    page = finished(staff["librarian"], response.headers["Location"])
    assert "Nothing was imported" in text_of(page) and "not a MARC file" in text_of(page)


def test_exports_download_the_schools_catalog_and_patrons(staff, database, clock, imports_folder):
    """GIVEN an imported catalog WHEN the librarian downloads the exports THEN the MARC and the patron CSV come as
    attachments with the school's titles and patrons."""
    import_marc(database, catalog_file(), file_name="c.mrc", now=clock.now())
    librarian = staff["librarian"]
    marc = librarian.get("/imports/export/catalog.mrc")
    assert marc.status_code == 200 and b"Owls at night" in marc.get_data()
    xml = librarian.get("/imports/export/catalog.xml")
    assert xml.get_data().startswith(b"<?xml")
    patrons = librarian.get("/imports/export/patrons.csv")
    assert "Garcia" in patrons.get_data(as_text=True) and patrons.headers["Cache-Control"] == "no-store"


def test_the_pages_speak_spanish(staff, imports_folder):
    """GIVEN a librarian who reads Spanish WHEN they open the import page THEN its words are Spanish."""
    librarian = staff["librarian"]
    librarian.post("/language", {"language": "es"}, page="/")
    assert "Importar y exportar" in text_of(librarian.get("/imports/"))
