"""Every student and staff flow of the kiosk screen in Debian's Chromium, against the real central server and kiosk
processes: checkout with a refusal, return to the hold shelf, renew, My account, the scanner-only visit with the
"I'm done" barcode, the printed receipt, the inactivity timeout with Back and reload, Spanish kept across screens,
and the staff PIN with its lockout. At every step no control is covered (``elementFromPoint``), cut off or under
48 px; on every screen axe-core finds nothing, in English and Spanish at 1280x800, 1920x1080 and 1080x1920.
"""
from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.processes import central_cli, seeded_central_db, start_central, start_kiosk, write_kiosk_config
from tests.kiosk.screen_checks import CHROMIUM_ARGS, control_problems, every_size_and_language, two_frames

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A seeded central server and a kiosk with simulated devices pointed at it."""
    tmp = tmp_path_factory.mktemp("screen-e2e")
    env, samples = seeded_central_db(tmp)
    central = start_central(env, tmp / "central.log")
    kiosk = start_kiosk(write_kiosk_config(tmp / "kiosk.toml", central.url, tmp / "journal.db"), tmp / "kiosk.log")
    try:
        yield {"central": central, "kiosk": kiosk.url, "samples": samples, "tmp": tmp, "env": env}
    finally:
        assert kiosk.stop() == 0, (tmp / "kiosk.log").read_text()
        assert central.stop() == 0, (tmp / "central.log").read_text()


@pytest.fixture
def quick_kiosk(stack, tmp_path):
    """A second kiosk of its own (its own id, token, journal and staff PIN tries) that times out after 20 s."""
    token = central_cli(stack["env"], "create-kiosk", f"e2e-{tmp_path.name[-12:]}", "Quick kiosk",
                        "--school", "lincoln").strip().splitlines()[-1]
    config = write_kiosk_config(tmp_path / "kiosk.toml", stack["central"].url, tmp_path / "journal.db",
                                idle_timeout=20, kiosk_id=f"e2e-{tmp_path.name[-12:]}")
    kiosk = start_kiosk(config, tmp_path / "kiosk.log", token=token)
    try:
        yield kiosk.url
    finally:
        assert kiosk.stop() == 0, (tmp_path / "kiosk.log").read_text()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack):
    """A fresh page on the kiosk's idle screen, in English; the session is over again after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(stack["kiosk"])
    page.locator("#view-idle").wait_for()
    yield page
    context.close()
    for leave in (False, True):  # active -> goodbye -> idle, whatever the test left
        requests.post(stack["kiosk"] + "/api/finish", json={"receipt": False, "leave": leave}, timeout=10)


def scan(kiosk: str, code: str) -> None:
    """A read on the kiosk's scanner (simulated: the page learns it over SSE, as from a real one)."""
    requests.post(f"{kiosk}/dev/scan", json={"code": code}, timeout=15).raise_for_status()


def state(kiosk: str) -> dict:
    return requests.get(f"{kiosk}/api/state", timeout=10).json()


def line_count(page, n: int) -> None:
    """Wait until the list shows ``n`` lines, then for the paint."""
    page.locator(".line").nth(n - 1).wait_for()
    two_frames(page)


def uncovered(page, where: str, scroll: bool = False) -> None:
    """The elementFromPoint check of this step (at the size and language the page has now)."""
    problems = control_problems(page, scroll)
    assert problems == [], f"{where}: {problems}"


def place_hold(env: dict, patron_barcode: str, item_barcode: str) -> None:
    """A hold for ``patron_barcode`` on the title of ``item_barcode``, written as the staff desk writes it."""
    from central.circulation import holds
    from central.store.models import Item, Patron, Title

    engine = sa.create_engine(env["CENTRAL_DATABASE_URL"])
    try:
        with sa.orm.Session(engine) as session, session.begin():
            item = session.scalars(sa.select(Item).where(Item.barcode == item_barcode)).one()
            patron = session.scalars(sa.select(Patron).where(Patron.barcode == patron_barcode)).one()
            holds.place(session, patron, session.get(Title, item.title_id), item.school_id,
                        dt.datetime.now(dt.timezone.utc))
    finally:
        engine.dispose()


def test_given_a_student_when_they_check_out_books_with_one_refused_then_every_screen_is_clear(stack, page,
                                                                                           screenshots):
    """GIVEN the idle kiosk WHEN a student scans their card, three books and a reference book, opens My account and
    asks for a receipt THEN three lines are ok and one is refused in words, the account lists the loans, the printed
    receipt lists the three books and not the student's number; no control is ever covered and axe-core is clean on
    every screen in both languages and three sizes."""
    kiosk, samples = stack["kiosk"], stack["samples"]
    student, books = samples["students"][0], [b["barcode"] for b in samples["items"][:3]]
    reference = samples["reference_item"]["barcode"]
    assert page.is_visible("#btn-search")  # the central server searches: Find a book is offered
    every_size_and_language(page, kiosk, "idle", shots=screenshots, name="kiosk-01-idle")

    scan(kiosk, student["barcode"])
    page.get_by_text(f"Hi, {student['display_name'].split()[0]}").wait_for()
    uncovered(page, "signed in")
    every_size_and_language(page, kiosk, "signed in, no books yet")
    for n, code in enumerate([*books, reference], 1):
        scan(kiosk, code)
        line_count(page, n)
        uncovered(page, f"after book {n}")
    assert page.locator(".line.refused").count() == 1
    assert "has to stay in the library" in page.inner_text(".line.refused")
    assert page.inner_text("#lines-count") == "4 books on your list"
    every_size_and_language(page, kiosk, "four books, one refused", shots=screenshots, name="kiosk-02-checkout")

    page.click("#btn-account")
    page.locator("#account-body .account-loan, #account-body li").first.wait_for()
    body = page.inner_text("#account-body")
    for line in state(kiosk)["lines"]:
        assert (line["title"] in body) == (line["status"] == "ok"), line
    every_size_and_language(page, kiosk, "My account", shots=screenshots, name="kiosk-03-account")
    page.click("#account-close")
    page.locator("#account").wait_for(state="hidden")

    page.click("#btn-receipt")
    page.locator("#view-ending").wait_for()
    page.wait_for_function("codes => codes.every(c => document.getElementById('dev-receipt').textContent.includes(c))",
                           arg=books)
    receipt = page.inner_text("#dev-receipt")
    assert student["barcode"] not in receipt
    assert reference not in receipt  # a refused book is not on the receipt: it stays in the library
    every_size_and_language(page, kiosk, "goodbye", shots=screenshots, name="kiosk-05-goodbye")
    page.click("#btn-next")
    page.locator("#view-idle").wait_for()


def test_given_find_a_book_when_a_child_searches_the_catalog_then_titles_show_with_their_shelf(stack, page,
                                                                                              screenshots):
    """GIVEN the idle kiosk WHEN a child opens Find a book and types a word of a sample title on the on-screen keys
    THEN the title shows with its shelf and whether a copy is in, clear in both languages and three sizes; WHEN they
    search for %, a quote, 2,000 characters or nothing THEN a sentence and no error; Close goes back to the start."""
    kiosk, samples = stack["kiosk"], stack["samples"]
    title = samples["items"][9]["title"]
    word = max((w for w in title.lower().split() if w.isalpha()), key=len)
    page.click("#btn-search")
    page.get_by_role("heading", name="Find a book").wait_for()
    for key in word:
        page.click(f'#search-keys [data-key="{key}"]')
    assert page.input_value("#search-input") == word
    page.click("#search-go")
    page.locator(".search-hit").get_by_text(title).first.wait_for()
    hit = page.locator(".search-hit", has_text=title).first.inner_text()
    assert "Where:" in hit and ("on the shelf" in hit or "checked out" in hit), hit
    assert "found" in page.inner_text("#search-count")
    every_size_and_language(page, kiosk, "Find a book with results", shots=screenshots, name="kiosk-04-search")
    for query in ("%", "'", "x" * 2000, ""):
        page.fill("#search-input", query)
        page.evaluate("() => { document.getElementById('search-count').textContent = ''; }")  # this answer's words
        page.click("#search-go")
        page.wait_for_function("() => { const t = document.getElementById('search-count').textContent.trim();"
                               " return t.length > 0 && t !== 'Looking...'; }")
        said = page.inner_text("#search-count")
        assert ("Type a word" in said) if not query else ("found" in said), said
        assert "Traceback" not in page.inner_text("body") and "error" not in said.lower()
        uncovered(page, f"search for {query[:10]!r}")
    page.click("#search-close")
    page.locator("#search").wait_for(state="hidden")
    page.locator("#view-idle").wait_for()


def test_given_a_book_someone_is_waiting_for_when_it_is_returned_then_it_goes_to_the_hold_shelf(stack, page,
                                                                                             screenshots):
    """GIVEN a student who has a book another student is waiting for WHEN the book is returned with Return books,
    without a card THEN the line says to give it to a librarian (hold shelf) and a plain book just says returned."""
    kiosk, env, samples = stack["kiosk"], stack["env"], stack["samples"]
    borrower, waiting = samples["students"][1], samples["students"][0]
    held, plain = samples["items"][3]["barcode"], samples["items"][4]["barcode"]
    for code in (borrower["barcode"], held, plain):
        scan(kiosk, code)
    assert [line["status"] for line in state(kiosk)["lines"]] == ["ok", "ok"]
    requests.post(kiosk + "/api/finish", json={"receipt": False}, timeout=10)
    requests.post(kiosk + "/api/finish", json={"receipt": False, "leave": True}, timeout=10)
    place_hold(env, waiting["barcode"], held)

    page.locator("#view-idle").wait_for()
    page.click("#btn-return")
    page.locator("#view-return").wait_for()
    every_size_and_language(page, kiosk, "return without a card", shots=screenshots, name="kiosk-06-return")
    scan(kiosk, held)
    line_count(page, 1)
    assert "Someone is waiting for this book" in page.inner_text(".line")
    uncovered(page, "hold shelf line")
    scan(kiosk, plain)
    line_count(page, 2)
    lines = {line["barcode"]: line for line in state(kiosk)["lines"]}
    assert lines[plain]["status"] == "ok" and "waiting" not in lines[plain]["message"]
    every_size_and_language(page, kiosk, "returned, one to the hold shelf", shots=screenshots,
                            name="kiosk-07-returned")


def test_given_a_student_with_a_loan_when_they_renew_it_then_the_new_due_date_shows(stack, page):
    """GIVEN a student with a book out WHEN they sign in, choose Renew and scan the book THEN the line says renewed
    with its due date, in the flow of the list, covering nothing."""
    kiosk, samples = stack["kiosk"], stack["samples"]
    student, book = samples["students"][0], samples["items"][0]["barcode"]  # checked out by the first test
    if not any(loan["item_barcode"] == book for loan in requests.get(
            f"{stack['central'].url}/api/v1/patrons/{student['barcode']}/account",
            headers={"Authorization": "Bearer demo-kiosk-token"}, timeout=10).json()["loans"]):
        scan(kiosk, student["barcode"])
        scan(kiosk, book)
        requests.post(kiosk + "/api/finish", json={"receipt": False}, timeout=10)
        requests.post(kiosk + "/api/finish", json={"receipt": False, "leave": True}, timeout=10)
    scan(kiosk, student["barcode"])
    page.get_by_text(f"Hi, {student['display_name'].split()[0]}").wait_for()
    page.click('#tabs [data-mode="renew"]')
    page.wait_for_function("() => document.querySelector('#tabs [data-mode=renew]').getAttribute('aria-selected')"
                           " === 'true'")
    every_size_and_language(page, kiosk, "renew mode")
    scan(kiosk, book)
    line_count(page, 1)
    line = state(kiosk)["lines"][0]
    assert line["type"] == "renew" and line["status"] == "ok" and line["due_date"], line
    assert "Renewed" in page.inner_text(".line")
    every_size_and_language(page, kiosk, "renewed")


def test_given_only_a_scanner_when_a_student_visits_then_the_done_barcode_ends_it_with_a_receipt(stack, page):
    """GIVEN a student who only uses the scanner WHEN they scan their card, two books and the printed "I'm done,
    receipt" barcode THEN the goodbye screen shows and the receipt lists both books, with no touch at all."""
    kiosk, samples = stack["kiosk"], stack["samples"]
    student, books = samples["students"][1], [b["barcode"] for b in samples["items"][5:7]]
    scan(kiosk, student["barcode"])
    page.get_by_text(f"Hi, {student['display_name'].split()[0]}").wait_for()
    for n, code in enumerate(books, 1):
        scan(kiosk, code)
        line_count(page, n)
        uncovered(page, f"scanner-only book {n}")
    scan(kiosk, "LIBRARY-DONE-RECEIPT")
    page.locator("#view-ending").wait_for()
    page.wait_for_function("codes => codes.every(c => document.getElementById('dev-receipt').textContent.includes(c))",
                           arg=books)
    uncovered(page, "goodbye after the done barcode")


def test_given_spanish_chosen_when_the_child_moves_between_screens_then_it_stays_spanish(stack, page, screenshots):
    """GIVEN a child who pressed Español WHEN they go to Return books and back, tap their card (whose record may say
    English), scan a book and open My account THEN every screen is Spanish; WHEN they finish THEN English again."""
    kiosk, samples = stack["kiosk"], stack["samples"]
    student = next(s for s in samples["students"] if s.get("card_uid"))
    page.get_by_role("button", name="Español").click()
    page.wait_for_function("() => document.documentElement.lang === 'es'")
    page.click("#btn-return")
    page.locator("#view-return").wait_for()
    page.click("#btn-return-back")
    page.locator("#view-idle").wait_for()
    assert page.get_attribute("html", "lang") == "es"
    requests.post(f"{kiosk}/dev/tap", json={"uid": student["card_uid"]}, timeout=15).raise_for_status()
    page.get_by_text(f"¡Hola, {student['display_name'].split()[0]}").wait_for()
    scan(kiosk, samples["items"][7]["barcode"])
    line_count(page, 1)
    assert "Devolver el" in page.inner_text(".line") and "Prestado" in page.inner_text(".line")
    uncovered(page, "Spanish list")
    page.click("#btn-account")
    page.get_by_role("heading", name="Mi cuenta").wait_for()
    uncovered(page, "Spanish account")
    page.click("#account-close")
    assert page.get_attribute("html", "lang") == "es"
    page.click("#btn-done")
    page.locator("#view-ending").wait_for()
    page.click("#btn-next")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.get_by_text("Scan your library card or tap it here").wait_for()


def test_given_a_student_walks_away_when_the_session_times_out_then_back_and_reload_show_nothing_of_them(
        stack, browser, quick_kiosk):
    """GIVEN a student signed in with a book on the list WHEN they walk away, the kiosk times out (20 s), and someone
    presses Back from the staff page and then reloads THEN neither the page nor its account panel shows anything of
    the student, and /api/account answers nothing."""
    samples = stack["samples"]
    student, book = samples["students"][1], samples["items"][8]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(quick_kiosk)
    scan(quick_kiosk, student["barcode"])
    scan(quick_kiosk, book["barcode"])
    line_count(page, 1)
    page.click("#btn-account")
    page.locator("#account-body li").first.wait_for()
    page.click("#account-close")
    first = student["display_name"].split()[0]
    assert first in page.inner_text("body")
    page.click(".staff-link")
    page.get_by_role("heading", name="Staff PIN").wait_for()
    deadline = time.monotonic() + 60
    while state(quick_kiosk)["state"] != "idle" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert state(quick_kiosk)["state"] == "idle"
    page.go_back()
    page.locator("#view-idle").wait_for()
    two_frames(page)
    assert first not in page.inner_text("body") and book["title"] not in page.inner_text("body")
    page.reload()
    page.locator("#view-idle").wait_for()
    two_frames(page)
    assert first not in page.inner_text("body") and book["title"] not in page.inner_text("body")
    account = page.evaluate("() => fetch('/api/account').then(r => r.text())")
    assert first not in account and book["title"] not in account
    context.close()


def staff_language(page, lang: str) -> None:
    """Switch a staff page's language with its own button (nothing to do when it is in ``lang`` already)."""
    if page.get_attribute("html", "lang") != lang:
        page.locator(f'form[action$="/staff/language"]:has(input[value="{lang}"]) button').click()
        page.wait_for_function("lang => document.documentElement.lang === lang", arg=lang)


def test_given_the_staff_pin_when_right_then_staff_mode_and_when_wrong_too_often_then_the_pad_locks(
        stack, browser, quick_kiosk, screenshots):
    """GIVEN the staff PIN page WHEN the right PIN is typed THEN staff mode opens, says the backend in use, and its
    Out of order shows the friendly screen to students until Back in service; WHEN the wrong PIN is typed six times
    THEN the pad is locked and says for how long, the keys are disabled, and the screen stays readable."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(quick_kiosk + "/staff")
    page.get_by_role("heading", name="Staff PIN").wait_for()
    every_size_and_language(page, quick_kiosk, "staff PIN", shots=screenshots, name="kiosk-08-staff-pin",
                            set_language=staff_language)
    for key in "2468":
        page.click(f'#keys [data-key="{key}"]')
    page.click("#keys .key-ok")
    page.locator("main.staff-home, #staff-home, h1").first.wait_for()
    assert "central" in page.inner_text("body").lower()
    uncovered(page, "staff home", scroll=True)
    every_size_and_language(page, quick_kiosk, "staff home", set_language=staff_language, shots=screenshots,
                            name="kiosk-09-staff-home", scroll=True)
    page.click("#out-of-order")
    student_page = context.new_page()
    student_page.goto(quick_kiosk)
    student_page.locator("#view-ooo").wait_for()
    every_size_and_language(student_page, quick_kiosk, "out of order", shots=screenshots, name="kiosk-10-out-of-order")
    page.click("#back-in-service")
    student_page.locator("#view-idle").wait_for()

    page.locator('form[action$="/staff/lock"] button').first.click()  # Lock: back to the student screen
    page.locator("#view-idle").wait_for()
    page.goto(quick_kiosk + "/staff")
    page.get_by_role("heading", name="Staff PIN").wait_for()
    for _ in range(6):
        for key in "1111":
            page.click(f'#keys [data-key="{key}"]')
        page.click("#keys .key-ok")
        page.get_by_role("heading", name="Staff PIN").wait_for()
        if page.is_visible("#locked-out"):
            break
    page.locator("#locked-out").get_by_text("Too many wrong PINs").wait_for()
    assert page.is_disabled("#keys .key-ok")
    assert page.locator("#locked-left").inner_text().strip() != ""
    every_size_and_language(page, quick_kiosk, "staff PIN locked", set_language=staff_language)
    context.close()
