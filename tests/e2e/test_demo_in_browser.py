"""The demo as a person meets it: `kiosk demo` (what `make demo` runs) driven in real Chromium."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import ROOT, free_port, wait_for_http
from tests.kiosk.screen_checks import control_problems

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(params=["central", "sip2"])
def demo(tmp_path, request):
    """`kiosk demo` in its own process group, on free ports, with its instance folder in tmp: once with the
    central backend and once with the SIP2 backend (the kiosk talking SIP2 to `central sip2-server`)."""
    central_port, kiosk_port, sip2_port = free_port(), free_port(), free_port()
    log = (tmp_path / "demo.log").open("w")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("KIOSK_TOKEN", "KIOSK_STAFF_PIN", "CENTRAL_URL", "CENTRAL_DATABASE_URL"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--central-port", str(central_port),
                             "--kiosk-port", str(kiosk_port), "--instance", str(tmp_path / "instance"),
                             "--backend", request.param, "--sip2-port", str(sip2_port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{central_port}/api/v1/health", timeout=90, proc=proc)
        wait_for_http(f"http://127.0.0.1:{kiosk_port}/health", timeout=60, proc=proc)
        yield {"proc": proc, "kiosk": f"http://127.0.0.1:{kiosk_port}",
               "central": f"http://127.0.0.1:{central_port}", "log": tmp_path / "demo.log",
               "instance": tmp_path / "instance", "backend": request.param, "sip2_port": sip2_port}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def printed_samples(log_text: str) -> tuple[str, list[str]]:
    """The first sample student and the sample books, read from what the demo printed."""
    students = log_text.split("Sample students", 1)[1].split("Sample books:", 1)[0]
    books = log_text.split("Sample books:", 1)[1]
    student = re.findall(r"^\s+(2\d{13})\s", students, re.M)[0]
    return student, re.findall(r"^\s+(3\d{13})\s", books, re.M)


def wait_for_line(kiosk: str, barcode: str, timeout: float = 20) -> dict:
    """Poll the kiosk's screen state until the book's line is there; return the state."""
    deadline = time.monotonic() + timeout
    while True:
        state = requests.get(kiosk + "/api/state", timeout=10).json()
        if any(line["barcode"] == barcode for line in state["lines"]) or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def test_given_make_demo_when_a_person_checks_out_three_books_in_chromium_then_the_receipt_lists_them(demo):
    """GIVEN the demo started as `make demo` starts it
    WHEN a person opens the kiosk in Chromium, scans a sample student and three sample books with the
    developer panel and presses Receipt
    THEN the screen shows the three titles with due dates, the receipt lists them, the central server
    has the loans, the demo staff sign-ins are printed, staff mode names the library system in use and its
    connection check answers (for SIP2: connected, the last exchange masked), AND Ctrl-C stops the whole demo
    cleanly within a few seconds."""
    from playwright.sync_api import expect, sync_playwright

    deadline = time.monotonic() + 30
    while "Press Ctrl-C" not in demo["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    student, books = printed_samples(demo["log"].read_text())
    books = books[:3]
    sign_ins = demo["instance"] / "demo-staff.txt"
    assert sign_ins.stat().st_mode & 0o077 == 0  # the staff passwords: readable by their owner only
    username, password = sign_ins.read_text().splitlines()[0].split(None, 1)
    assert f"  {username:<20} {password}" in demo["log"].read_text()  # printed in the welcome text

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(demo["kiosk"])
            page.locator("#dev-toggle").click()
            for code in [student, *books]:
                page.fill("#dev-code", code)
                page.locator("#dev-scan-form button[type=submit]").click()
                state = wait_for_line(demo["kiosk"], code) if code != student else None
            expect(page.locator("body")).to_contain_text("Hi,")
            titles = [line["title"] for line in state["lines"] if line["status"] == "ok"]
            assert len(titles) == 3, state["lines"]
            for title in titles:
                expect(page.locator("body")).to_contain_text(title)
            assert control_problems(page) == []  # the open developer panel covers nothing
            page.locator("#btn-receipt").click()  # reachable with the developer panel open
            expect(page.locator("#dev-receipt")).to_contain_text(books[0], timeout=15000)
            receipt = page.locator("#dev-receipt").inner_text()
            for code in books:
                assert code in receipt
            assert student not in receipt
            staff = browser.new_page(viewport={"width": 1280, "height": 800})
            staff.goto(demo["kiosk"] + "/staff")
            for key in "0000":  # the demo's staff PIN
                staff.click(f'#keys [data-key="{key}"]')
            staff.click("#keys .key-ok")
            kind = {"central": "This project's central server", "sip2": "A library system over SIP2"}[demo["backend"]]
            expect(staff.locator("#backend-kind")).to_contain_text(kind)
            staff.click("#check-connection")
            expect(staff.locator("#backend-check")).to_contain_text("The library system answered")
            if demo["backend"] == "sip2":
                expect(staff.locator("#sip2-state")).to_contain_text("connected and logged in")
                exchange = staff.locator("#sip2-exchange").inner_text()
                assert exchange.strip() and student not in exchange  # the last exchange, masked
        finally:
            browser.close()

    account = requests.get(f"{demo['central']}/api/v1/patrons/{student}/account",
                           headers={"Authorization": "Bearer demo-kiosk-token"}, timeout=10).json()
    assert set(books) <= {loan["item_barcode"] for loan in account["loans"]}

    started = time.monotonic()
    os.killpg(demo["proc"].pid, signal.SIGINT)
    assert demo["proc"].wait(timeout=15) == 0, demo["log"].read_text()
    print(f"demo stopped {time.monotonic() - started:.1f} s after Ctrl-C")
