"""ESC/POS printers on a serial line: a real socat pty pair with a fake printer answering status at the far end."""
from __future__ import annotations

import threading

import pytest

from drivers.errors import PaperOut
from drivers.escpos_decode import decode
from drivers.registry import build_device
from tests.drivers.test_printer_network import RECEIPT

CUT = b"\x1dV"


def make_printer(fake, **settings):
    return build_device("printer", "desk", {"driver": "serial", "devfile": str(fake.device), "timeout": 3.0,
                                            **settings})


def print_in_background(printer, receipt=RECEIPT) -> tuple[threading.Thread, list]:
    """Start print_receipt on a worker; the list gets None when it returned, or the exception it raised."""
    outcome: list = []

    def work():
        try:
            printer.print_receipt(receipt)
            outcome.append(None)
        except Exception as exc:  # noqa: BLE001 -- handed to the test to check
            outcome.append(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    return worker, outcome


def test_given_a_serial_printer_that_answers_status_when_printing_then_each_query_ends_on_its_answer(
        serial_printer):
    """GIVEN a serial printer that answers each DLE EOT at once, and a 30 s status_timeout WHEN a receipt
    prints THEN it is done long before even one timeout could pass (each query ended on its answer byte),
    six queries were answered, and the near-end paper sensor is reported."""
    serial_printer.paper = "near_end"
    printer = make_printer(serial_printer, status_timeout=30)
    worker, outcome = print_in_background(printer)
    worker.join(10)  # well under one 30 s status_timeout: only an answer can end a query this soon
    assert outcome == [None], "a status query waited for its timeout instead of its answer"
    out = decode(serial_printer.wait_for(CUT))
    assert out.status_queries == [1, 2, 4, 1, 2, 4] and serial_printer.answered == 6
    assert out.find("El niño y el mar") and out.cuts == 1
    assert printer.status.value == "ready" and "nearly used up" in printer.detail


def test_given_a_printer_sending_xon_before_each_answer_when_printing_then_the_status_byte_is_still_read(
        serial_printer):
    """GIVEN a printer on XON/XOFF that sends XON before each status answer WHEN a receipt prints
    THEN XON is not taken for the answer: the print succeeds with paper ok."""
    serial_printer.xon_before_answer = True
    printer = make_printer(serial_printer, status_timeout=30)
    worker, outcome = print_in_background(printer)
    worker.join(10)
    assert outcome == [None]
    assert printer.printer_status().paper == "ok"


def test_given_a_serial_printer_out_of_paper_when_printing_then_paper_out_and_only_status_queries_sent(
        serial_printer):
    """GIVEN a serial printer reporting paper out WHEN printing THEN PaperOut, and nothing but status queries went out."""
    serial_printer.paper = "out"
    printer = make_printer(serial_printer, status_timeout=5)
    with pytest.raises(PaperOut, match="out of paper"):
        printer.print_receipt(RECEIPT)
    out = decode(serial_printer.received)
    assert out.lines == [] and out.cuts == 0 and out.status_queries == [1, 2, 4]


def test_given_a_serial_clone_that_never_answers_status_when_printing_twice_then_both_print_blind(
        serial_printer):
    """GIVEN a serial clone that ignores DLE EOT WHEN two receipts print THEN the silence ends the first
    query after status_timeout, both receipts arrive, and the second is not asked at all."""
    serial_printer.answer_status = False
    printer = make_printer(serial_printer, status_timeout=0.2)
    printer.print_receipt(RECEIPT)
    printer.print_receipt(RECEIPT)
    out = decode(serial_printer.wait_for(CUT, count=2))
    assert out.status_queries == [1] and out.cuts == 2
