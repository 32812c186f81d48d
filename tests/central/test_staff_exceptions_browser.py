"""The exceptions page in a real headless Chromium: kiosks' offline batches arrive over HTTP, a librarian reads
them in words from the home page's count and resolves one. Screenshot staff-09-exceptions.png (in docs/screenshots/
under `make screenshots`)."""
from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from central.store.models import CirculationException
from central.web.exceptions import RULE_SENTENCES
from tests.central.conftest import SQLITE_ONLY
from tests.central.staff import PASSWORD, add_staff
from tests.central.test_staff_browser import browser  # noqa: F401 - the module's Chromium fixture
from tests.central.test_staff_exceptions import make_every_exception

pytestmark = pytest.mark.browser


class HttpKiosk:
    """A kiosk calling the served API over real TCP with its bearer token (the batch helpers' ``post``)."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def post(self, path: str, body: dict, language: str | None = None):
        """POST JSON to the API and return the answer, read as Flask's test responses are."""
        headers = {"Authorization": f"Bearer {self.token}", **({"Accept-Language": language} if language else {})}
        answer = requests.post(self.base + path, json=body, headers=headers, timeout=10)
        return _Answer(answer)


class _Answer:
    """A requests response with the two names the batch helpers read."""

    def __init__(self, response: requests.Response):
        self.status_code, self._json = response.status_code, response.json()

    def get_json(self) -> dict:
        """The JSON body."""
        return self._json


@SQLITE_ONLY
def test_a_librarian_reads_the_exceptions_in_words_and_resolves_one(browser, server, database, clock,  # noqa: F811
                                                                   library, screenshots):
    """GIVEN two kiosks' offline batches sent over HTTP that trip every conflict rule WHEN a librarian signs in THEN
    the home page counts 15 open exceptions; WHEN she follows the count THEN every rule is there in words; WHEN she
    resolves the returned-later one with a note THEN the page says so, it leaves the open list, and the browser
    asked no other site for anything."""
    make_every_exception(HttpKiosk(server, "token-one"), HttpKiosk(server, "token-two"), library, database)
    base = server.removesuffix("/api/v1")
    add_staff(database, clock, "rivera", "librarian", library.school_id)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url) if not request.url.startswith(base) else None)
    try:
        page.goto(base + "/")
        page.fill("#username", "rivera")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        assert page.inner_text("#open-exceptions dd") == "15"
        page.click("#open-exceptions dt a")
        page.get_by_role("heading", name="Exceptions").wait_for()
        for sentence, _check in RULE_SENTENCES.values():
            page.get_by_text(sentence).first.wait_for()
        page.screenshot(path=str(screenshots / "staff-09-exceptions.png"), full_page=True)
        with database.reader() as session:
            target = session.scalar(sa.select(CirculationException.id).where(
                CirculationException.rule == "offline_checkout_returned_later").order_by(CirculationException.id))
        row = page.locator(f"#exception-{target}")
        row.locator("summary").click()
        row.locator("textarea").fill("Found it on the shelf.")
        row.get_by_role("button", name="Mark resolved").click()
        page.get_by_text("The exception is resolved.").wait_for()
        assert page.locator(f"#exception-{target}").count() == 0
        assert page.inner_text("#open-total") == "Open exceptions: 14"
    finally:
        context.close()
    assert elsewhere == []
    with database.reader() as session:
        assert session.get(CirculationException, target).resolution_note == "Found it on the shelf."
