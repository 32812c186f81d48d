"""Receipts: built in the patron's language with a masked card number; printer errors can be reprinted."""
from __future__ import annotations

import datetime as dt

from drivers.receipt import ReceiptLine, render_text
from kiosk.session.receipts import KioskReceipt, patron_label
from kiosk.web.view import state_view
from tests.kiosk.fake_central import BOOK1, BOOK2, MARIA, REFERENCE, SAM


def view(kiosk):
    return state_view(kiosk.session, kiosk.clock.now().date())


def printer(kiosk):
    return kiosk.devices.printer()


def test_given_a_session_when_finished_with_a_receipt_then_it_prints_in_spanish_with_a_masked_card(kiosk):
    kiosk.session.scan(MARIA)
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(REFERENCE)  # refused: not on the receipt
    kiosk.session.finish(True)
    text = printer(kiosk).last_text
    assert view(kiosk)["state"] == "ending" and view(kiosk)["receipt"]["status"] == "printed"
    assert "Test School Library" in text and "Prestados" in text
    assert f"Maria G. ****{MARIA[-4:]}" in text and MARIA not in text
    assert "Devolver: lunes, 15 de diciembre" in text and "Atlas" not in text
    assert f"[{kiosk.session.d.reference}]" in text  # the session reference, printed as a barcode too
    assert printer(kiosk).printed[-1]["escpos"]  # python-escpos really rendered it


def test_given_the_printer_is_out_of_paper_when_finishing_then_a_sentence_shows_and_reprint_works(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK2)
    printer(kiosk).paper = "out"
    kiosk.session.finish(True)
    v = view(kiosk)
    assert v["receipt"]["status"] == "error" and v["receipt"]["can_reprint"]
    assert v["receipt"]["message"].startswith("The receipt printer is not working")
    assert printer(kiosk).printed == [] and kiosk.receipts.error == "The receipt printer is out of paper."
    printer(kiosk).paper = "ok"
    kiosk.session.reprint()
    assert view(kiosk)["receipt"]["status"] == "printed"
    assert "Frog and Toad Are Friends" in printer(kiosk).last_text


def test_given_a_printer_error_when_the_goodbye_screen_would_end_then_it_waits_for_the_reprint(kiosk, clock):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK2)
    printer(kiosk).paper = "out"
    kiosk.session.finish(True)
    clock.advance(10)
    kiosk.session.tick()
    assert view(kiosk)["state"] == "ending"  # still there to press "Print again"
    clock.advance(40)
    kiosk.session.tick()
    assert view(kiosk)["state"] == "idle" and not view(kiosk)["receipt"]["can_reprint"]


def test_given_done_without_a_receipt_when_the_goodbye_shows_then_a_receipt_can_still_be_printed(kiosk, clock):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.finish(None)  # "auto" with the "ask" policy: no receipt
    assert printer(kiosk).printed == [] and view(kiosk)["receipt"]["can_reprint"]
    kiosk.session.reprint()
    assert len(printer(kiosk).printed) == 1
    clock.advance(9)
    kiosk.session.tick()
    assert view(kiosk)["state"] == "idle"


def test_given_the_last_receipt_when_the_next_session_starts_then_its_text_is_forgotten(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.finish(True)
    kiosk.session.finish(False)
    assert kiosk.receipts.last_text and "Sam T." in kiosk.receipts.last_text  # kept for the dev panel
    kiosk.session.scan(MARIA)
    assert kiosk.receipts.last_text is None


def test_given_a_session_with_nothing_done_when_a_receipt_is_asked_then_nothing_prints(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(REFERENCE)
    kiosk.session.finish(True)
    assert view(kiosk)["receipt"]["status"] == "nothing" and printer(kiosk).printed == []


def test_given_a_long_name_and_card_when_masked_then_only_the_last_four_digits_show():
    assert patron_label("Maria G.", "21234000002345") == "Maria G. ****2345"


def test_given_a_receipt_in_english_when_rendered_then_the_due_date_is_spelled_without_locales():
    receipt = KioskReceipt(library_name="L", heading="Checked out", patron_label="Sam T. ****0007",
                           lines=(ReceiptLine("Holes", "31234000000057", dt.date(2025, 12, 7)),),
                           printed_at=dt.datetime(2025, 12, 1, 9), due_label="Due", language="en")
    assert "Due: Sunday, December 7" in render_text(receipt)


def test_given_a_printer_driver_that_crashes_when_printing_then_the_session_shows_a_printer_error(kiosk, monkeypatch):
    def broken(receipt):
        raise ZeroDivisionError("driver bug")

    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    monkeypatch.setattr(printer(kiosk), "print_receipt", broken)
    kiosk.session.finish(True)
    assert view(kiosk)["receipt"]["status"] == "error" and view(kiosk)["receipt"]["can_reprint"]
    assert kiosk.receipts.error == "The printer driver failed: ZeroDivisionError"


def test_given_a_kiosk_without_a_printer_when_a_receipt_is_asked_then_it_says_there_is_none(tmp_path, central, clock):
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    devices = '\n[devices.scanner]\nkind = "scanner"\ndriver = "simulated"\n'
    config = load_config(write_config(tmp_path, config_text(central.url, devices=devices)), env=ENV)
    app = create_app(config, clock=clock, start_threads=False)
    try:
        client = app.test_client()
        client.post("/dev/scan", json={"code": SAM})
        client.post("/dev/scan", json={"code": BOOK1})
        state = client.post("/api/finish", json={"receipt": True}).get_json()
        assert state["has_printer"] is False and state["receipt"]["status"] == "no_printer"
        assert state["receipt"]["message"] == "This kiosk has no receipt printer."
    finally:
        app.extensions["kiosk"].close()


def _kiosk_with(tmp_path, central, clock, policy):
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    text = config_text(central.url, kiosk_extra=f'receipt = "{policy}"')
    app = create_app(load_config(write_config(tmp_path, text), env=ENV), clock=clock, start_threads=False)
    return app.extensions["kiosk"]


def test_given_the_always_policy_when_done_or_timed_out_then_the_receipt_prints_by_itself(tmp_path, central, clock):
    kiosk = _kiosk_with(tmp_path, central, clock, "always")
    try:
        kiosk.session.scan(SAM)
        kiosk.session.scan(BOOK1)
        kiosk.session.finish(None)  # Done ("auto")
        assert len(kiosk.devices.printer().printed) == 1
        kiosk.session.scan(MARIA)
        kiosk.session.scan(BOOK2)
        clock.advance(46)  # Maria walked away without pressing Done
        kiosk.session.tick()
        assert len(kiosk.devices.printer().printed) == 2 and kiosk.session.d.state == "idle"
    finally:
        kiosk.close()


def test_given_the_always_policy_when_a_session_times_out_then_the_printed_receipt_text_is_forgotten_at_once(
        tmp_path, central, clock):
    """GIVEN the always policy and a student who walked away, WHEN the idle timeout prints their receipt and
    ends the session, THEN no copy of it (name, titles) stays in memory for the dev panel or staff page."""
    kiosk = _kiosk_with(tmp_path, central, clock, "always")
    try:
        kiosk.session.scan(MARIA)
        kiosk.session.scan(BOOK2)
        clock.advance(kiosk.config.kiosk.idle_timeout_seconds)
        kiosk.session.tick()
        assert "Maria G." in kiosk.devices.printer().last_text  # it did print
        assert kiosk.session.d.state == "idle" and kiosk.receipts.last_text is None
    finally:
        kiosk.close()


def test_given_the_never_policy_when_a_receipt_is_asked_then_nothing_prints(tmp_path, central, clock):
    kiosk = _kiosk_with(tmp_path, central, clock, "never")
    try:
        kiosk.session.scan(SAM)
        kiosk.session.scan(BOOK1)
        kiosk.session.finish(True)
        assert kiosk.devices.printer().printed == [] and view(kiosk)["receipt_policy"] == "never"
    finally:
        kiosk.close()
