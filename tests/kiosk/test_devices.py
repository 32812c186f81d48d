"""The DeviceManager: device events reach the session; broken devices become statuses, not crashes."""
from __future__ import annotations

import pytest

from drivers.events import ItemTag
from kiosk.config import DeviceSection
from kiosk.hardware.manager import DeviceManager
from kiosk.web.view import state_view
from tests.kiosk.fake_central import BOOK1, BOOK2, SAM, SAM_CARD


def view(kiosk):
    return state_view(kiosk.session, kiosk.clock.now().date())


def pad(kiosk):
    return kiosk.devices.simulated("item_pad")


def tag(uid, item, secured=True):
    return ItemTag(uid=uid, item_id=item, secured=secured)


def test_given_simulated_devices_when_started_then_each_reports_ready(kiosk):
    statuses = kiosk.devices.statuses()
    assert {name: s["status"] for name, s in statuses.items()} == {
        "scanner": "ready", "card_reader": "ready", "item_pad": "ready", "printer": "ready"}
    assert kiosk.devices.status_words()["printer"] == "ready"


def test_given_a_scanner_and_card_reader_when_used_then_events_reach_the_session(kiosk):
    kiosk.devices.simulated("card_reader").simulate_tap(SAM_CARD)
    kiosk.devices.simulated("scanner").simulate_scan(BOOK1)
    v = view(kiosk)
    assert v["patron"]["name"] == "Sam T." and v["lines"][0]["title"] == "Charlotte's Web"


def test_given_patron_cards_starting_with_4_when_a_hardware_scan_reads_one_then_the_student_signs_in(
        tmp_path, central, clock):
    """GIVEN a library whose [identifiers] say patron cards start with 4 WHEN the scanner reads a 4... card THEN the
    driver passes it on and the kiosk, classifying once with its own rules, signs the student in (the driver used
    to refuse every such card with its default rules); the staff list masks it and shows the book whole."""
    from kiosk.app import create_app
    from kiosk.config import load_config
    from protocol.identifiers import make_library_barcode
    from tests.kiosk.conftest import ENV, config_text, write_config

    four = make_library_barcode("4", 1234, 77)
    central.add_patron(four, "Ana F.")
    extra = '\n[identifiers]\npatron_prefixes = ["4"]\nitem_prefixes = ["3"]\n'
    app = create_app(load_config(write_config(tmp_path, config_text(central.url, extra=extra)), env=ENV),
                     clock=clock, start_threads=False)
    k = app.extensions["kiosk"]
    try:
        k.devices.simulated("scanner").simulate_scan(four)
        k.devices.simulated("scanner").simulate_scan(BOOK1)
        v = view(k)
        assert v["patron"]["name"] == "Ana F." and v["lines"][0]["status"] == "ok"
        book, card = k.devices.scans.recent()
        assert card["code"] == "*" * 10 + four[-4:] and card["kind"] == "patron"
        assert book["code"] == BOOK1 and book["kind"] == "item"
    finally:
        k.close()


def test_given_books_on_the_pad_when_checked_out_then_their_security_bits_are_cleared(kiosk, central):
    kiosk.session.scan(SAM)
    pad(kiosk).place([tag("E0040000000001", BOOK1), tag("E0040000000002", BOOK2)])
    assert central.loans_of(SAM) == [BOOK1, BOOK2]
    assert all(not t.secured for t in pad(kiosk).tags())


def test_given_a_refused_book_on_the_pad_when_scanned_then_its_security_bit_stays_set(kiosk, central):
    from tests.kiosk.fake_central import REFERENCE

    kiosk.session.scan(SAM)
    pad(kiosk).place([tag("E0040000000009", REFERENCE)])
    assert pad(kiosk).tags()[0].secured and view(kiosk)["lines"][0]["status"] == "refused"


def test_given_returned_books_on_the_pad_when_checked_in_then_security_is_set_again(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.set_mode("checkin")
    pad(kiosk).place([tag("E0040000000001", BOOK1, secured=False)])
    assert pad(kiosk).tags()[0].secured and central.loans_of(SAM) == []


def test_given_a_book_left_on_the_pad_when_another_is_added_then_only_the_new_one_is_scanned(kiosk, central):
    kiosk.session.scan(SAM)
    pad(kiosk).place([tag("E0040000000001", BOOK1)])
    pad(kiosk).place([tag("E0040000000002", BOOK2)])
    assert len(central.events_sent("checkout")) == 2


def test_given_a_two_part_item_when_both_tags_are_on_the_pad_then_it_is_one_checkout(kiosk, central):
    kiosk.session.scan(SAM)
    pad(kiosk).place([ItemTag("E0040000000011", BOOK1, part=1, parts=2),
                      ItemTag("E0040000000012", BOOK1, part=2, parts=2)])
    assert len(central.events_sent("checkout")) == 1
    assert all(not t.secured for t in pad(kiosk).tags())


def test_given_an_unreadable_tag_when_placed_then_the_child_is_told_to_see_a_librarian(kiosk):
    kiosk.session.scan(SAM)
    pad(kiosk).place([ItemTag("E0040000000099", None, error="CRC error")])
    assert "couldn't read the tag" in view(kiosk)["notice"]["text"]


def test_given_a_device_with_an_unknown_driver_when_built_then_it_is_an_error_status_not_a_crash():
    manager = DeviceManager([DeviceSection("front", "scanner", "laser9000", {"driver": "laser9000"}),
                             DeviceSection("sim", "scanner", "simulated", {"driver": "simulated"})])
    statuses = manager.statuses()
    assert statuses["front"]["status"] == "error" and "laser9000" in statuses["front"]["detail"]
    assert statuses["sim"]["status"] == "stopped"


def test_given_a_device_that_fails_to_start_when_started_then_its_status_carries_the_message():
    class BrokenReader:
        """A card reader whose USB device is missing."""

        status = "stopped"

        def start(self, publish):
            from drivers.errors import DeviceUnavailable

            raise DeviceUnavailable("The card reader is not plugged in.")

        def stop(self):
            pass

    def build(kind, name, settings):
        return BrokenReader()

    manager = DeviceManager([DeviceSection("reader", "card_reader", "usb", {"driver": "usb"})], build=build)
    manager.start()
    assert manager.statuses()["reader"] == {"kind": "card_reader", "driver": "usb", "status": "error",
                                            "detail": "The card reader is not plugged in.", "origin": "config"}


def test_given_the_session_raises_when_a_device_publishes_then_the_driver_thread_survives(kiosk, monkeypatch):
    def broken_scan(code, source="screen", allow_patron=True):
        raise RuntimeError("boom")

    monkeypatch.setattr(kiosk.session, "scan", broken_scan)
    kiosk.devices.simulated("scanner").simulate_scan(BOOK1)  # logged, not raised into the driver


@pytest.mark.parametrize("status", ["disconnected", "error"])
def test_given_a_device_reports_trouble_when_the_status_changes_then_the_status_bar_names_it(client, kiosk, status):
    from drivers.events import StatusChanged

    kiosk.devices._publish(StatusChanged("scanner", status, "USB cable"))
    bar = client.get("/api/state").get_json()["status"]
    assert not bar["ok"] and "Check the scanner" in bar["text"]
