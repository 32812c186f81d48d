"""The staff device page in a real headless Chromium: devices, a found serial port put to use, a live scan."""
from __future__ import annotations

import pytest

from tests.kiosk.conftest import STAFF_PIN
from tests.kiosk.fake_central import BOOK1, SAM
from tests.kiosk.ptys import SerialCable
from tests.kiosk.serving import served
from tests.kiosk.test_screen_browser import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_given_the_staff_device_page_in_chromium_when_a_found_port_is_used_and_scanned_then_the_scan_shows_live(
        app, kiosk, browser, tmp_path):
    """GIVEN a socat serial port on this computer and the staff device page open in Chromium, WHEN staff
    unlock, see the four devices, press "Use this" on the found port for the scanner and a card and a book
    are scanned on the wire, THEN the scanner turns Ready and both scans appear in the test-scan list without
    a reload, the card number masked."""
    cable = SerialCable(tmp_path)
    cable.plug()
    kiosk.found.serial_globs = (str(tmp_path / "*-port"),)
    try:
        with served(app, threads=8) as url:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(10_000)
            failed = []
            page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
            page.goto(f"{url}/staff")
            page.fill("#pin", STAFF_PIN)
            page.click("#pin-form .key-ok")
            page.click("#staff-nav >> text=Devices")
            page.get_by_role("heading", name="Found on this computer").wait_for()
            cards = page.locator("form.device-card h3").all_inner_texts()
            assert cards == ["Barcode scanner (scanner)", "Card reader (card_reader)", "Book pad (RFID) (item_pad)",
                             "Receipt printer (printer)"]
            assert page.inner_text("#status-scanner") == "Ready"
            # The serial fields are hidden while the simulated driver is chosen.
            assert page.locator("#device-scanner .device-field").first.is_hidden()

            row = page.locator(".found-device", has_text=str(cable.port))
            row.locator("select.use-target").select_option("scanner")
            row.locator(".use-button").click()
            page.get_by_text("Saved. The scanner restarted with its new settings.").wait_for()
            assert page.input_value("#device-scanner select[name=driver]") == "serial"
            assert page.input_value("#device-scanner input[name=url]") == str(cable.port)
            page.wait_for_function("() => document.getElementById('status-scanner').textContent === 'Ready'")

            cable.type(SAM.encode() + b"\r")
            page.locator("#scans .scan-code", has_text="**********" + SAM[-4:]).wait_for()
            cable.type(BOOK1.encode() + b"\r")
            page.locator("#scans .scan-code", has_text=BOOK1).wait_for()
            assert SAM not in page.inner_text("#scans")
            page.screenshot(path="/tmp/kiosk-staff-devices.png", full_page=True)
            # A stream or refresh still open when the page changes is aborted by Chromium; nothing else may fail.
            assert [f for f in failed if f[1] != "net::ERR_ABORTED"] == []
            page.close()
    finally:
        cable.unplug()
