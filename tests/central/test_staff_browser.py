"""The staff web in a real headless Chromium: a librarian signs in, adds a copy and prints its label, checks a
book out and in at the desk with the keyboard-wedge scanner's keystrokes, and takes a fine. Screenshots go to
docs/screenshots/ (the import steps of the walk are the import pages' own)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.store.models import Fine, Item, Patron
from protocol.identifiers import make_library_barcode
from tests.central.conftest import SQLITE_ONLY
from tests.central.staff import PASSWORD, add_staff
from tests.central.test_labels_cards import decoded

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


def _wedge(page, field: str, code: str) -> None:
    """Type a barcode into the focused field and press Enter, as a keyboard-wedge scanner does.

    The scanner types wherever the focus is: the page must be loaded with ``field`` focused first."""
    page.locator(f"{field}:focus").wait_for()
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


@SQLITE_ONLY  # the pages, not the database, are tested here
def test_a_librarian_adds_a_copy_prints_its_label_works_the_desk_and_takes_a_fine(browser, server, database, clock,
                                                                                  library, screenshots):
    """GIVEN the small library served over HTTP and a librarian account WHEN she signs in, adds a copy of "All About
    Sharks" with the offered barcode, opens its label PDF, checks it out to Maria and back in at the desk by
    scanning, and takes Omar's $6.00 THEN each page says so in words, the label's barcode decodes to the new copy,
    the copy is on the shelf again, Omar owes nothing, and the browser never asked another site for anything."""
    base = server.removesuffix("/api/v1")
    add_staff(database, clock, "rivera", "librarian", library.school_id)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if not request.url.startswith(base) else None)
    try:
        page.goto(base + "/")
        page.get_by_role("heading", name="Staff sign-in").wait_for()
        page.fill("#username", "rivera")
        page.fill("#password", PASSWORD)
        page.screenshot(path=str(screenshots / "staff-01-sign-in.png"))
        page.click("#sign-in")
        page.get_by_text("Signed in as rivera (Librarian).").wait_for()
        page.screenshot(path=str(screenshots / "staff-02-home.png"), full_page=True)

        page.click("nav >> text=Catalog")
        page.fill("#q", "sharks")
        page.keyboard.press("Enter")
        page.click("#results >> text=All About Sharks")
        offered = make_library_barcode("3", 1234, 11)
        assert page.input_value("#barcode") == offered
        page.fill("#price", "14.99")
        page.screenshot(path=str(screenshots / "staff-03-title-add-copy.png"), full_page=True)
        page.click("#add-copy-button")
        page.get_by_text("The copy is added. Print its labels from its page.").wait_for()
        page.click("#print-labels")
        page.get_by_role("heading", name="Print labels").wait_for()
        page.screenshot(path=str(screenshots / "staff-04-print-labels.png"), full_page=True)
        query = page.evaluate("() => new URLSearchParams(new FormData(document.getElementById('labels-form'))).toString()")
        pdf = page.request.get(f"{base}/labels/print?{query}")
        assert pdf.headers["content-type"] == "application/pdf" and decoded(pdf.body()) == [offered]

        page.click("nav >> text=Circulation desk")
        _wedge(page, "#patron", library.maria)
        page.locator("#patron-panel").get_by_text("Maria Garcia").wait_for()
        _wedge(page, "#item", offered)
        page.get_by_text("Checked out: All About Sharks").wait_for()
        page.screenshot(path=str(screenshots / "staff-05-desk-checkout.png"), full_page=True)
        page.click("#mode-checkin")
        _wedge(page, "#item", offered)
        page.get_by_text("Checked in: All About Sharks").wait_for()
        page.get_by_text("Back to the shelf: 597.3 GIB (Nonfiction).").wait_for()
        page.screenshot(path=str(screenshots / "staff-06-desk-checkin.png"), full_page=True)

        page.click("#mode-checkout")
        _wedge(page, "#patron", library.owes)
        page.get_by_text("Fines: $6.00 owed").wait_for()
        assert page.input_value("#amount") == "6.00"
        page.click("#pay-button")
        page.get_by_text("The payment is recorded.").wait_for()
        page.get_by_text("Fines: $0.00 owed").wait_for()
        page.screenshot(path=str(screenshots / "staff-07-desk-fine-paid.png"), full_page=True)

        page.click("button[lang=es]")
        page.get_by_role("heading", name="Mostrador de circulación").wait_for()
        page.screenshot(path=str(screenshots / "staff-08-desk-spanish.png"), full_page=True)
    finally:
        context.close()
    assert elsewhere == []
    with database.reader() as session:
        assert session.scalar(sa.select(Item.status).where(Item.barcode == offered)) == "available"
        omar = session.scalar(sa.select(Patron.id).where(Patron.barcode == library.owes))
        assert all(f.paid for f in session.scalars(sa.select(Fine).where(Fine.patron_id == omar)))
