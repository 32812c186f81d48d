"""The import pages in a real headless Chromium: a librarian imports a MARC file, then a patron CSV through the
column step, and reads both results. Screenshots go to docs/screenshots/ under `make screenshots` (the `screenshots`
fixture), else to the test's own folder."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.store.models import Item, Patron
from tests.central.imports.marc_files import binary, book, holding, label
from tests.central.staff import PASSWORD, add_staff

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _files(tmp_path):
    catalog = tmp_path / "destiny-export.mrc"
    bad = label(5003)[:-1] + str((int(label(5003)[-1]) + 1) % 10)
    catalog.write_bytes(binary(
        book("d1", "Owls at night", "Hoot, Ann", isbns=["9780140502343"], subjects=["Owls -- Juvenile literature"],
             holdings=[holding("852", label(5001), "598.9 HOO", "Nonfiction", price="$16.99")]),
        book("d2", "El ni\xe4no y el mar", "Pe\xe4na, Ana", coding="marc8",
             holdings=[holding("852", label(5002), "E PEN", "Picture Books")]),
        book("d3", "Misprinted label", "Lo, Li", holdings=[holding("852", bad, "FIC LO")]),
        book("d4", "On order", "Diaz, Eva")))
    patrons = tmp_path / "powerschool.csv"
    patrons.write_text("Student_Number,LastFirst,Grade_Level,Room\n"
                       "7101,\"Peña, Inés\",2,Room 4\n7102,\"Lee, Tom\",0,Room 4\n7103,,3,Room 5\n", encoding="utf-8")
    return catalog, patrons


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the pages, not the database, are tested here
def test_a_librarian_imports_a_catalog_and_a_patron_csv_with_the_column_step(browser, app, server, database, clock,
                                                                            library, tmp_path, screenshots):
    """GIVEN a librarian signed in WHEN she uploads a Destiny MARC export THEN the result shows titles and copies added,
    the misprinted label refused and the title with no copies, in words; WHEN she uploads a PowerSchool CSV, maps
    its unknown "Room" column to Homeroom on the column step and starts THEN the students are imported, the row
    without a name is refused, and the browser never asked another site for anything."""
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    base = server.removesuffix("/api/v1")
    add_staff(database, clock, "rivera", "librarian", library.school_id)
    catalog, patrons = _files(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if not request.url.startswith(base) else None)
    try:
        page.goto(base + "/")
        page.fill("#username", "rivera")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.goto(base + "/imports/")
        page.get_by_role("heading", name="Import and export").wait_for()
        page.set_input_files("#marc-file", str(catalog))
        page.screenshot(path=str(screenshots / "import-01-upload.png"), full_page=True)
        page.click("#marc-form button[type=submit]")
        page.locator("#summary").wait_for()
        assert page.locator("#refused-count").inner_text() == "1"
        problems = page.locator("#problems").inner_text()
        assert "wrong check digit" in problems and "no copies" in problems
        page.screenshot(path=str(screenshots / "import-02-catalog-result.png"), full_page=True)

        page.goto(base + "/imports/")
        page.set_input_files("#patrons-file", str(patrons))
        page.click("#patrons-form button[type=submit]")
        page.get_by_role("heading", name="Choose the columns").wait_for()
        assert page.input_value("#column-1") == "last_first" and page.input_value("#column-3") == ""
        page.select_option("#column-3", "homeroom")
        page.screenshot(path=str(screenshots / "import-03-patron-columns.png"), full_page=True)
        page.click("#start-import")
        page.locator("#summary").wait_for()
        assert "patrons: 2 added" in page.locator("#summary").inner_text()
        assert "first name" in page.locator("#problems").inner_text()
        page.screenshot(path=str(screenshots / "import-04-patron-result.png"), full_page=True)
    finally:
        context.close()
    assert elsewhere == []
    with database.reader() as session:
        assert session.scalar(sa.select(Item.call_number).where(Item.barcode == label(5002))) == "E PEN"
        assert session.scalar(sa.select(Patron.homeroom).where(Patron.student_id == "7101")) == "Room 4"
        assert session.scalar(sa.select(Patron.last_name).where(Patron.student_id == "7101")) == "Peña"
