"""The kiosk screen in a real headless Chromium, served by waitress, against the fake central server.

Every screen is checked in both languages and at 1280x800, 1920x1080 and 1080x1920: no control covered
(``elementFromPoint`` at its centre and corners), cut off or under 48 px, and axe-core finds nothing.
"""
from __future__ import annotations

import time

import pytest
import requests

from kiosk.app import create_app
from kiosk.backends.central import CentralBackend
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOKS, MARIA, REFERENCE, SAM, SAM_PIN, TOKEN
from tests.kiosk.screen_checks import CHROMIUM_ARGS, SIZES, control_problems, every_size_and_language
from tests.kiosk.serving import served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def search_app(kiosk_config, clock, central):
    """The kiosk app whose central backend gives up after 2 s (a search server that does not answer)."""
    flask_app = create_app(kiosk_config, backend=CentralBackend(central.url, TOKEN, timeout=2.0), clock=clock,
                           start_threads=False)
    yield flask_app
    flask_app.extensions["kiosk"].close()


def tap_digits(page, digits):
    for digit in digits:
        page.click(f'#keys [data-key="{digit}"]')


def scan(url, code):
    """A read on the simulated scanner (the page learns it over SSE, as from a real one)."""
    requests.post(f"{url}/dev/scan", json={"code": code}, timeout=10).raise_for_status()


def test_given_the_kiosk_in_chromium_when_a_student_checks_out_books_then_every_screen_is_clear(search_app, browser,
                                                                                              screenshots):
    """GIVEN the kiosk page WHEN a student types their number and PIN, scans six books (one refused), opens My account,
    and says Done THEN at every step nothing is covered or too small and axe-core is clean in both languages and three
    sizes; the list counts the books and shows a scroll cue; the notice closes with a touch; sounds play."""
    with served(search_app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda response: failed.append(response.url) if response.status == 404 else None)
        page.goto(url)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        assert page.is_visible("#btn-search")
        every_size_and_language(page, url, "idle")

        page.click("#btn-type")
        page.get_by_role("heading", name="Type your library card number").wait_for()
        tap_digits(page, SAM)
        page.click('#keys [data-key="ok"]')
        page.get_by_role("heading", name="Type your PIN").wait_for()
        tap_digits(page, "9999")
        page.click('#keys [data-key="ok"]')
        page.locator("#keypad .notice").get_by_text("That PIN is not right").wait_for()  # inside the keypad, in its flow
        every_size_and_language(page, url, "keypad with a wrong PIN", shots=screenshots,
                                name="kiosk-13-keypad-wrong-pin")
        tap_digits(page, SAM_PIN)
        page.click('#keys [data-key="ok"]')
        page.get_by_text("Hi, Sam!").wait_for()
        assert page.is_hidden("#keypad")

        books = list(BOOKS)[:5] + [REFERENCE]
        for book in books:
            scan(url, book)
        page.locator(".line").nth(5).wait_for()
        assert page.inner_text("#lines-count") == "6 books on your list"
        assert page.locator(".line.refused").count() == 1
        assert page.evaluate("document.body.dataset.lastSound") in ("success", "refusal")
        assert page.is_visible("#more-below"), "six books do not fit at 1280x800: the cue must show"
        every_size_and_language(page, url, "six books on the list")
        page.screenshot(path=str(screenshots / "kiosk-11-six-books-scroll-cue-en-landscape.png"))
        page.click("#more-below")
        page.wait_for_function("() => document.getElementById('lines').scrollTop > 0")

        scan(url, "12345")  # half a barcode: a friendly notice, in the flow, closed by a touch
        page.get_by_text("We couldn't read that barcode").wait_for()
        assert control_problems(page) == []
        page.click("#notice-close")
        page.locator("#notice").wait_for(state="hidden")
        # The page hides the notice at once and tells the kiosk; the kiosk forgets it when that request lands.
        session = search_app.extensions["kiosk"].session
        deadline = time.monotonic() + 5  # well inside the 10 s an error notice lasts untouched
        while session.d.notice is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session.d.notice is None

        page.click("#btn-account")
        page.locator("#account-body").get_by_text("Charlotte's Web").wait_for()
        every_size_and_language(page, url, "My account")
        page.click("#account-close")

        page.dblclick("#btn-done")  # a double tap on Done is one Done: the goodbye screen stays
        page.get_by_text("Goodbye, Sam!").wait_for()
        page.wait_for_timeout(300)
        assert search_app.extensions["kiosk"].session.d.state == "ending"
        every_size_and_language(page, url, "goodbye")
        assert failed == []  # every asset is local and loaded (the favicon too)
        page.close()


def test_given_a_refused_book_and_the_dev_panel_when_used_in_chromium_then_the_red_sentence_shows(app, browser):
    """GIVEN the kiosk page with its developer panel open WHEN a card and a reference book are scanned from the panel
    THEN the refused book shows its child sentence in a red-bordered line, and the open panel covers nothing."""
    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        page.click("#dev-toggle")
        for code in (MARIA, REFERENCE):
            page.fill("#dev-code", code)
            page.click("#dev-scan-form button")
            page.wait_for_function("code => !document.getElementById('dev-code').value", arg=code)
        page.get_by_text("Este libro tiene que quedarse en la biblioteca.").wait_for()
        line = page.locator(".line.refused")
        assert line.count() == 1
        assert line.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(180, 35, 24)"
        for width, height in SIZES.values():
            page.set_viewport_size({"width": width, "height": height})
            assert control_problems(page) == [], (width, height)
        page.close()


def test_given_find_a_book_when_a_child_searches_then_books_show_and_bad_questions_get_words(search_app, browser,
                                                                                           central, screenshots):
    """GIVEN the search panel WHEN a child types "frog" on the on-screen keys THEN the book shows with its shelf and
    whether it is in; WHEN they search for %, a quote, 2,000 characters or nothing THEN a sentence, never an error;
    WHEN the search server does not answer THEN "searching is not working", and the panel still closes."""
    with served(search_app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        page.click("#btn-search")
        page.get_by_role("heading", name="Find a book").wait_for()
        for key in "frog":
            page.click(f'#search-keys [data-key="{key}"]')
        assert page.input_value("#search-input") == "frog"
        page.click("#search-go")
        page.locator(".search-hit").get_by_text("Frog and Toad Are Friends").wait_for()
        assert page.inner_text("#search-count") == "1 book found"
        assert "Picture books, shelf A" in page.inner_text(".search-hit") and "on the shelf" in page.inner_text(".search-hit")
        every_size_and_language(page, url, "Find a book with a result")
        page.screenshot(path=str(screenshots / "kiosk-12-search-frog-en-landscape.png"))
        for query, words in (("%", "No books found"), ("'", "No books found"), ("x" * 2000, "No books found"),
                             ("", "Type a word")):
            page.fill("#search-input", query)
            page.click("#search-go")
            page.locator("#search-count").get_by_text(words).wait_for()
            assert page.locator(".search-hit").count() == 0
        assert all(len(args.get("q", "")) <= 200 for args in central.search_args)
        central.mode, central.delay = "slow", 4.0  # answers after the kiosk's own timeout (2 s)
        page.fill("#search-input", "matilda")
        page.click("#search-go")
        page.locator("#search-count").get_by_text("Searching is not working right now").wait_for()
        central.mode = "up"
        assert control_problems(page) == []
        page.click("#search-close")
        page.locator("#search").wait_for(state="hidden")
        assert control_problems(page) == []
        page.close()


def test_given_out_of_order_when_staff_set_it_then_the_screen_says_so_and_ignores_scans(app, browser, kiosk):
    """GIVEN staff put the kiosk out of order WHEN a child scans their card THEN the friendly out-of-order screen stays
    and nobody is signed in; WHEN staff put it back in service THEN the idle screen returns."""
    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        kiosk.screen.set(out_of_order=True)
        page.get_by_text("This kiosk is taking a break").wait_for()
        scan(url, SAM)
        assert kiosk.session.d.state == "idle"
        every_size_and_language(page, url, "out of order")
        kiosk.screen.set(out_of_order=False)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        page.close()


def test_given_my_account_open_when_the_session_times_out_then_the_account_leaves_the_screen(app, browser, clock):
    """GIVEN a student's 'My account' overlay open in Chromium, WHEN they walk away and the idle timeout
    ends the session, THEN the overlay closes and its loans are wiped from the page."""
    kiosk = app.extensions["kiosk"]
    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        for code in (SAM, BOOK1):
            scan(url, code)
        page.get_by_text("Charlotte's Web").wait_for()
        page.click("#btn-account")
        page.locator("#account-body").get_by_text("Charlotte's Web").wait_for()
        clock.advance(kiosk.config.kiosk.idle_timeout_seconds + 1)
        kiosk.session.tick()
        page.get_by_text("Scan your library card or tap it here").wait_for()
        page.locator("#account").wait_for(state="hidden")
        assert page.inner_text("#account-body") == ""
        assert "Charlotte" not in page.evaluate("document.body.innerText")
        page.close()


def test_given_spanish_chosen_when_the_child_goes_to_return_and_back_then_it_stays_spanish(app, browser, kiosk):
    """GIVEN a child who pressed Español WHEN they press Return books, then Back, then scan an English-speaking card
    THEN the screen is Spanish throughout; WHEN their session ends THEN the next child gets English again."""
    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_role("button", name="Español").click()
        page.get_by_text("Escanea tu tarjeta").first.wait_for()
        page.click("#btn-return")
        page.locator("#btn-return-back").wait_for()
        page.click("#btn-return-back")
        page.get_by_text("Escanea tu tarjeta").first.wait_for()
        scan(url, SAM)  # Sam's record says English
        page.get_by_text("¡Hola, Sam!").wait_for()
        scan(url, BOOK2)
        page.get_by_text("Frog and Toad Are Friends").wait_for()
        assert page.get_attribute("html", "lang") == "es"
        page.click("#btn-done")
        page.click("#btn-next")
        page.get_by_text("Scan your library card or tap it here").wait_for()
        page.close()
