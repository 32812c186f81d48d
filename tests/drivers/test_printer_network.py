"""ESC/POS printers over a real TCP connection to a fake network printer, checked by decoding the bytes."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from drivers.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from drivers.escpos_decode import decode
from drivers.events import StatusChanged
from drivers.printer_escpos import EscPosPrinter
from drivers.receipt import Receipt, ReceiptLine
from drivers.registry import build_device
from tests.conftest import free_port

RECEIPT = Receipt(
    library_name="Biblioteca Escolar",
    heading="Préstamos",
    patron_label="María G. ****2345",
    lines=(
        ReceiptLine("El niño y el mar", "31234000012345", dt.date(2026, 12, 1)),
        ReceiptLine("Cuentos de año nuevo (€ 5)", "31234000012352", dt.date(2026, 12, 8), "Renovado"),
    ),
    printed_at=dt.datetime(2026, 11, 23, 10, 5),
    footer="¡Gracias por leer!",
    due_label="Devolver",
    date_format="%d/%m/%Y",
    code="S-000042",
    qr="https://biblioteca.example/cuenta",
)


def make_printer(fake, **settings) -> EscPosPrinter:
    return build_device("printer", "counter", {"driver": "network", "host": fake.host, "port": fake.port,
                                               "timeout": 3.0, "status_timeout": 1.0, **settings})


def test_given_a_network_printer_when_a_spanish_receipt_prints_then_the_decoded_bytes_match(network_printer):
    """GIVEN a TM-T88V on TCP WHEN a Spanish receipt prints THEN text, code page, styles, barcode, QR and cut decode right."""
    printer = make_printer(network_printer, profile="TM-T88V")
    printer.print_receipt(RECEIPT)
    [job] = network_printer.wait_for_jobs(1)
    out = decode(job)
    assert out.code_pages[0] == "cp858"  # ESC t 19 before any text
    assert out.find("Préstamos").bold and out.find("Préstamos").align == "center"
    assert out.find("Biblioteca Escolar").double_width
    assert out.find("María G. ****2345") is not None
    assert out.find("El niño y el mar").bold
    assert out.find("Cuentos de año nuevo (€ 5)") is not None
    assert out.find("Devolver: 01/12/2026").bold
    assert out.find("¡Gracias por leer!").align == "center"
    assert not out.find("31234000012345").bold
    assert out.barcodes == [("CODE128", "S-000042")]
    assert out.qr_codes == ["https://biblioteca.example/cuenta"]
    assert out.cuts == 1 and not out.unknown and not out.truncated
    assert out.status_queries == [1, 2, 4, 1, 2, 4]  # checked before and after the receipt
    assert "é".encode("cp858") in job and "€".encode("cp858") in job


def test_given_a_printer_out_of_paper_when_printing_then_paper_out_and_no_receipt_text_is_sent(network_printer):
    """GIVEN a printer reporting paper out WHEN a receipt is printed THEN PaperOut and only status queries went out."""
    network_printer.paper = "out"
    printer = make_printer(network_printer)
    with pytest.raises(PaperOut, match="out of paper"):
        printer.print_receipt(RECEIPT)
    out = decode(b"".join(network_printer.wait_for_jobs(1)))
    assert out.lines == [] and out.cuts == 0
    assert printer.status.value == "error"


def test_given_an_open_cover_when_printing_then_cover_open_is_raised(network_printer):
    """GIVEN a printer whose cover is open WHEN printing THEN CoverOpen with a sentence."""
    network_printer.cover_open = True
    with pytest.raises(CoverOpen, match="cover is open"):
        make_printer(network_printer).print_receipt(RECEIPT)


def test_given_a_printer_that_hangs_up_mid_receipt_when_printing_then_printer_error_says_incomplete(network_printer):
    """GIVEN a printer that closes its socket after 200 bytes WHEN printing THEN PrinterOffline saying incomplete."""
    network_printer.close_after = 200
    printer = make_printer(network_printer)
    with pytest.raises(PrinterOffline) as caught:
        printer.print_receipt(RECEIPT)
    assert "incomplete" in str(caught.value) or "stopped" in str(caught.value)
    assert isinstance(caught.value, PrinterError)


def test_given_paper_running_out_mid_receipt_when_printing_then_paper_out_says_it_may_be_incomplete(network_printer):
    """GIVEN paper that runs out after 300 bytes WHEN printing THEN PaperOut saying the receipt may be incomplete."""
    network_printer.paper_out_after = 300
    with pytest.raises(PaperOut, match="while printing"):
        make_printer(network_printer).print_receipt(RECEIPT)


def test_given_nothing_listening_when_printing_then_printer_offline_names_the_address():
    """GIVEN no printer at the address WHEN printing THEN PrinterOffline that names host:port."""
    port = free_port()
    printer = build_device("printer", "p", {"driver": "network", "host": "127.0.0.1", "port": port, "timeout": 2.0})
    with pytest.raises(PrinterOffline, match=f"127.0.0.1:{port}"):
        printer.print_receipt(RECEIPT)
    assert printer.printer_status().online is False


def test_given_a_printer_that_never_answers_status_when_printing_twice_then_both_print_and_it_stops_asking(
        network_printer):
    """GIVEN a clone that ignores DLE EOT WHEN two receipts print THEN both arrive and the second has no status query."""
    network_printer.answer_status = False
    printer = make_printer(network_printer, status_timeout=0.3)
    printer.print_receipt(RECEIPT)
    printer.print_receipt(RECEIPT)
    first, second = (decode(job) for job in network_printer.wait_for_jobs(2))
    assert first.status_queries == [1] and second.status_queries == []
    assert first.cuts == second.cuts == 1


def test_given_a_printer_that_answered_before_when_it_wedges_then_printing_fails_instead_of_hanging(network_printer):
    """GIVEN a printer that answered status WHEN it stops reading its socket THEN the next receipt raises PrinterOffline."""
    printer = make_printer(network_printer, status_timeout=0.3, timeout=1.0)
    printer.print_receipt(RECEIPT)
    network_printer.read_nothing = True
    with pytest.raises(PrinterOffline, match="stopped answering"):
        printer.print_receipt(RECEIPT)


def test_given_paper_near_end_when_status_is_read_then_near_end_is_reported_and_published(network_printer, events):
    """GIVEN a printer with the near-end sensor set WHEN started THEN status says near_end and a detail is published."""
    network_printer.paper = "near_end"
    printer = make_printer(network_printer, status_interval=0)
    printer.start(events)
    try:
        status = events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready")
        assert "nearly used up" in status.detail
        assert printer.printer_status().paper == "near_end"
        printer.print_receipt(RECEIPT)  # near end still prints
    finally:
        printer.stop()


def test_given_python_escpos_status_helpers_when_asking_the_fake_printer_then_they_agree_with_ours(network_printer):
    """GIVEN python-escpos' own is_online()/paper_status() WHEN used on the fake printer THEN they read the same states."""
    from escpos.printer import Network

    for paper, expected in (("ok", 2), ("near_end", 1), ("out", 0)):
        network_printer.paper = paper
        device = Network(network_printer.host, port=network_printer.port, timeout=2)
        device.open()
        try:
            assert device.paper_status() == expected
            assert device.is_online() is (paper != "out")
        finally:
            device.close()
    assert make_printer(network_printer).printer_status().paper == "out"


def test_given_a_started_printer_when_started_again_then_one_status_thread_runs_and_stop_ends_it(
        network_printer, events):
    """GIVEN a printer whose status thread runs WHEN start() is called again THEN there is still exactly
    one status thread, and stop() leaves none."""
    printer = make_printer(network_printer, status_interval=60)

    def threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "printer-counter" and t.is_alive()]

    printer.start(events)
    try:
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready")
        printer.start(events)
        assert len(threads()) == 1
    finally:
        printer.stop()
    assert threads() == [] and printer.status.value == "stopped"
