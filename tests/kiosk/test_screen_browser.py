"""The kiosk screen in a real headless Chromium, served by waitress, against the fake central server."""
from __future__ import annotations

import pytest
import requests

from tests.kiosk.fake_central import BOOK1, BOOK2, SAM, SAM_PIN
from tests.kiosk.serving import served

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def tap_digits(page, digits):
    for digit in digits:
        page.click(f'#keys [data-key="{digit}"]')


def bad_buttons(page):
    """Visible buttons (outside the developer panel) smaller than 64 px, or partly covered by something else."""
    return page.evaluate("""() => [...document.querySelectorAll('button')]
        .filter(b => b.offsetParent !== null && !b.closest('#dev-panel'))
        .map(b => {
            const r = b.getBoundingClientRect();
            const i = 16;  // inside the rounded corners
            const corners = [[r.left + i, r.top + i], [r.right - i, r.top + i], [r.left + i, r.bottom - i],
                             [r.right - i, r.bottom - i], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
            const covered = corners.some(([x, y]) => !b.contains(document.elementFromPoint(x, y)));
            return {text: b.textContent.trim(), w: r.width, h: r.height, covered};
        })
        .filter(b => b.w < 64 || b.h < 64 || b.covered)""")


def test_given_the_kiosk_in_chromium_when_a_student_checks_out_two_books_then_the_screen_follows(app, browser):
    """GIVEN the kiosk page, WHEN a student types their number and PIN on the keypad, two books are scanned,
    the language is switched to Spanish and Done is pressed, THEN titles, due dates and Spanish text show."""
    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.set_default_timeout(10_000)
        failed = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(url)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        for width, height in ((1024, 768), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight"), (width, height)
        assert bad_buttons(page) == []
        page.screenshot(path="/tmp/kiosk-screen-idle.png")

        page.click("#btn-type")
        page.get_by_role("heading", name="Type your library card number").wait_for()
        tap_digits(page, SAM)
        assert page.inner_text("#keypad-display") == SAM
        page.click('#keys [data-key="ok"]')
        page.get_by_role("heading", name="Type your PIN").wait_for()
        tap_digits(page, SAM_PIN)
        assert page.inner_text("#keypad-display") == "\u25cf" * 4  # the PIN never shows
        page.click('#keys [data-key="ok"]')
        page.get_by_text("Hi, Sam!").wait_for()
        assert page.is_hidden("#keypad")

        for book in (BOOK1, BOOK2):  # the scanner: through the simulated device, the page learns over SSE
            requests.post(f"{url}/dev/scan", json={"code": book}, timeout=10).raise_for_status()
        page.get_by_text("Frog and Toad Are Friends").wait_for()
        page.get_by_text("Charlotte's Web").wait_for()
        assert page.locator(".line-due").all_inner_texts() == ["Due Monday, December 15"] * 2
        assert bad_buttons(page) == []

        page.get_by_role("button", name="Español").click()
        page.get_by_text("¡Hola, Sam!").wait_for()
        assert page.locator(".line-due").all_inner_texts() == ["Devolver el lunes, 15 de diciembre"] * 2
        assert page.inner_text("#btn-done") == "Terminar" and page.get_attribute("html", "lang") == "es"
        page.screenshot(path="/tmp/kiosk-screen-active.png")

        page.click("#btn-done")
        page.get_by_text("¡Adiós, Sam!").wait_for()
        page.screenshot(path="/tmp/kiosk-screen-goodbye.png")
        assert failed == []  # every asset is local and loaded
        page.close()


def test_given_a_refused_book_and_the_dev_panel_when_used_in_chromium_then_the_red_sentence_shows(app, browser):
    """GIVEN the kiosk page with its developer panel, WHEN a card and a reference book are scanned from the
    panel, THEN the refused book shows its child sentence in a red-bordered line."""
    from tests.kiosk.fake_central import MARIA, REFERENCE

    with served(app, threads=8) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(10_000)
        page.goto(url)
        page.get_by_text("Scan your library card or tap it here").wait_for()
        page.click("#dev-panel summary")
        for code in (MARIA, REFERENCE):
            page.fill("#dev-code", code)
            page.click("#dev-scan-form button")
            page.wait_for_function("code => !document.getElementById('dev-code').value", arg=code)
        page.get_by_text("Este libro tiene que quedarse en la biblioteca.").wait_for()
        line = page.locator(".line.refused")
        assert line.count() == 1
        assert line.evaluate("el => getComputedStyle(el).borderTopColor") == "rgb(180, 35, 24)"
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
            requests.post(f"{url}/dev/scan", json={"code": code}, timeout=10).raise_for_status()
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
