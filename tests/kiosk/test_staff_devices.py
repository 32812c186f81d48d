"""The staff device screen with real parts: a serial scanner on a socat pty and a TCP receipt printer,
both configured by posting the staff screen's forms, never by editing files."""
from __future__ import annotations

import re
import tomllib

import pytest

from drivers.escpos_decode import decode
from kiosk.config import load_config
from tests.drivers.fake_printer import FakeNetworkPrinter
from tests.kiosk.conftest import ENV, STAFF_PIN
from tests.kiosk.fake_central import BOOK1, SAM
from tests.kiosk.ptys import SerialCable, wait_until


def unlock(client):
    assert client.post("/staff/unlock", data={"pin": STAFF_PIN}).status_code == 302


def status(kiosk, name):
    return kiosk.devices.statuses()[name]["status"]


def banner(page: str, id_: str) -> str:
    found = re.search(rf'id="{id_}"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


@pytest.fixture
def cable(tmp_path):
    """A socat pty pair for the scanner, unplugged at the end."""
    pair = SerialCable(tmp_path)
    pair.plug()
    yield pair
    pair.unplug()


@pytest.fixture
def network_printer():
    """A real TCP receipt printer on 127.0.0.1."""
    printer = FakeNetworkPrinter()
    printer.start()
    yield printer
    printer.stop()


def printed_text(printer, needle: str) -> str:
    """The decoded text of the first finished connection whose receipt contains ``needle``."""
    def find():
        for job in printer.jobs:
            text = "\n".join(line.text for line in decode(job).lines)
            if needle in text:
                return text
        return None
    return wait_until(find, what=f"a receipt with {needle!r} on the network printer")


def test_given_staff_mode_is_locked_when_the_device_page_or_a_save_is_tried_then_nothing_is_shown_or_changed(client, kiosk):
    """GIVEN a locked kiosk, WHEN the device page, its JSON and a save are requested, THEN the PIN page,
    a 401 and no change."""
    assert "Staff PIN" in client.get("/staff/devices", follow_redirects=True).get_data(as_text=True)
    assert client.get("/staff/devices.json").status_code == 401
    client.post("/staff/devices/scanner", data={"driver": "serial", "url": "/dev/ttyACM0"})
    assert kiosk.devices.section("scanner").driver == "simulated"


def test_given_a_serial_scanner_saved_on_the_staff_screen_when_scans_arrive_on_the_pty_then_the_session_and_last_scans_follow(
        client, kiosk, cable, central, tmp_path):
    """GIVEN the scanner switched to the serial driver on the socat pty through the staff form,
    WHEN a card, a bad code and a book are sent on the wire, THEN the patron is identified, the book checked
    out, the bad code shown as its problem, and the last scans list them with the card number masked;
    WHEN the cable is pulled and put back, THEN the status goes disconnected and ready again."""
    unlock(client)
    response = client.post("/staff/devices/scanner", data={"driver": "serial", "url": str(cable.port), "baudrate": "9600"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/devices?saved=scanner")
    assert banner(client.get(response.headers["Location"]).get_data(as_text=True), "device-notice").startswith("Saved.")
    saved = tomllib.loads((tmp_path / "devices.toml").read_text(encoding="utf-8"))
    assert saved["devices"]["scanner"] == {"kind": "scanner", "driver": "serial", "url": str(cable.port), "baudrate": 9600}
    wait_until(lambda: status(kiosk, "scanner") == "ready", what="the serial scanner to be ready")

    cable.type(SAM.encode() + b"\r")
    wait_until(lambda: kiosk.session.d.patron is not None, what="the patron to be identified")
    assert kiosk.session.d.patron.display_name == "Sam T."
    misread = BOOK1[:-1] + str((int(BOOK1[-1]) + 1) % 10)  # a wrong check digit
    cable.type(misread.encode() + b"\r")
    wait_until(lambda: kiosk.session.d.notice and kiosk.session.d.notice[0] == "identifier_problem", what="the problem notice")
    cable.type(BOOK1.encode() + b"\r")
    wait_until(lambda: central.loans_of(SAM) == [BOOK1], what="the checkout")
    wait_until(lambda: kiosk.session.d.lines, what="the answer on the screen")  # the server answers first
    assert [line.item_barcode for line in kiosk.session.d.lines] == [BOOK1]  # the misread code was never sent

    scans = client.get("/staff/devices.json").get_json()["scans"]
    assert [(s["code"], s["kind"], bool(s["problem"])) for s in scans] == [
        (BOOK1, "item", False), ("*" * 10 + misread[-4:], "unknown", True), ("*" * 10 + SAM[-4:], "patron", False)]
    assert "does not match" in scans[1]["problem"] and SAM not in client.get("/staff/devices").get_data(as_text=True)

    cable.unplug()
    wait_until(lambda: status(kiosk, "scanner") == "disconnected", what="the scanner to be unplugged")
    cable.plug()
    wait_until(lambda: status(kiosk, "scanner") == "ready", what="the scanner to be back")
    kiosk.session.reset("test")
    cable.type(SAM.encode() + b"\r")
    wait_until(lambda: kiosk.session.d.patron is not None, what="a scan after replugging")

    again = load_config(kiosk.config.path, env=ENV)  # the next start uses the saved section
    scanner = next(s for s in again.devices if s.name == "scanner")
    assert (scanner.driver, scanner.origin, scanner.settings["url"]) == ("serial", "override", str(cable.port))


def test_given_bad_settings_when_saved_then_the_page_says_why_in_words_and_nothing_changes(client, kiosk, tmp_path):
    """GIVEN staff mode, WHEN a printer without an address, a speed in letters or no driver is saved,
    THEN a sentence says why, the typed values stay in the form and the running device is untouched."""
    unlock(client)
    response = client.post("/staff/devices/printer", data={"driver": "network", "host": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not saved: The printer &#39;printer&#39; setting &#39;host&#39;" in page
    response = client.post("/staff/devices/scanner", data={"driver": "serial", "url": "/dev/ttyACM7", "baudrate": "fast"})
    page = response.get_data(as_text=True)
    assert banner(page, "device-error") == "Not saved: Speed (baud) must be a whole number."
    assert 'value="/dev/ttyACM7"' in page
    assert banner(client.post("/staff/devices/scanner", data={"driver": "laser"}).get_data(as_text=True),
                  "device-error") == "Not saved: choose a driver first."
    assert not (tmp_path / "devices.toml").exists()
    assert (kiosk.devices.section("printer").driver, status(kiosk, "printer")) == ("simulated", "ready")


def test_given_a_network_printer_saved_on_the_staff_screen_when_a_test_receipt_is_printed_then_its_text_arrives(
        client, kiosk, network_printer):
    """GIVEN the printer switched to the network driver on a loopback TCP printer through the staff form,
    WHEN "Print test receipt" and "Check the printer" are pressed, THEN the ESC/POS bytes received decode
    to the test receipt's text and the page says the printer is online with paper."""
    unlock(client)
    response = client.post("/staff/devices/printer", data={"driver": "network", "host": "127.0.0.1",
                                                           "port": str(network_printer.port)})
    assert response.status_code == 303
    wait_until(lambda: status(kiosk, "printer") == "ready", what="the network printer to answer")
    page = client.post("/staff/printer/test", follow_redirects=True).get_data(as_text=True)
    assert banner(page, "printer-test").startswith("The test receipt was sent to the printer.")
    assert "Online · paper OK" in banner(page, "printer-words")
    text = printed_text(network_printer, "Test receipt")
    assert "Printer test" in text and "If you can read this, the printer works." in text


def test_given_a_network_printer_out_of_paper_when_a_receipt_fails_then_staff_see_it_and_reprint_works_after_refill(
        client, kiosk, network_printer):
    """GIVEN a network printer configured on the staff screen that runs out of paper, WHEN the test receipt
    and a student's receipt are printed, THEN both say the printer is out of paper; WHEN paper is put back,
    THEN the student's "Print again" prints the receipt with the book on it."""
    unlock(client)
    client.post("/staff/devices/printer", data={"driver": "network", "host": "127.0.0.1",
                                                "port": str(network_printer.port)})
    wait_until(lambda: status(kiosk, "printer") == "ready", what="the network printer to answer")
    network_printer.paper = "out"
    page = client.post("/staff/printer/test", follow_redirects=True).get_data(as_text=True)
    assert banner(page, "printer-test") == "The test receipt was not printed: The receipt printer is out of paper."
    assert "out of paper" in banner(page, "printer-words")
    assert client.get("/staff/devices.json").get_json()["devices"]["printer"]["status"] == "error"

    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK1})
    state = client.post("/api/finish", json={"receipt": True}).get_json()
    assert state["receipt"]["status"] == "error" and state["receipt"]["can_reprint"]

    network_printer.paper = "ok"
    state = client.post("/api/receipt/reprint").get_json()
    assert state["receipt"]["status"] == "printed"
    text = printed_text(network_printer, "Charlotte's Web")
    assert f"Sam T. ****{SAM[-4:]}" in text and SAM not in text


def test_given_a_network_printer_with_little_paper_or_its_cover_open_when_checked_then_the_page_says_so(
        client, kiosk, network_printer):
    """GIVEN a network printer on the staff screen, WHEN its paper is nearly used up and then its cover is
    opened and "Check the printer" is pressed each time, THEN the page says it in words, with the reason."""
    unlock(client)
    client.post("/staff/devices/printer", data={"driver": "network", "host": "127.0.0.1",
                                                "port": str(network_printer.port)})
    network_printer.paper = "near_end"
    page = client.post("/staff/printer/check", follow_redirects=True).get_data(as_text=True)
    assert banner(page, "printer-words") == "Online · paper nearly used up"
    assert banner(page, "printer-detail") == "The receipt paper is nearly used up; change the roll soon."
    network_printer.paper, network_printer.cover_open = "ok", True
    page = client.post("/staff/printer/check", follow_redirects=True).get_data(as_text=True)
    assert banner(page, "printer-words") == "Offline · paper OK · cover open"
    assert banner(page, "printer-detail") == "The receipt printer&#39;s cover is open."
