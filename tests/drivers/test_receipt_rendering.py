"""Receipt rendering: python-escpos Dummy bytes decoded back, HTML preview escaping, file and serial printers."""
from __future__ import annotations

import datetime as dt
import html.parser
import os
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers.errors import CoverOpen, DeviceConfigError, PaperOut, PrinterOffline
from drivers.escpos_decode import decode
from drivers.printer_escpos import EscPosPrinter
from drivers.receipt import Receipt, ReceiptLine, render_escpos, render_html, render_text
from drivers.registry import build_device
from drivers.simulated import SimulatedPrinter
from tests.drivers.test_printer_network import RECEIPT

HOSTILE = Receipt(
    library_name="Lincoln <Elementary> & Co",
    heading="Checked out",
    patron_label='Ana "<script>alert(1)</script>" ****9999',
    lines=(ReceiptLine("<b>Bold</b> & brave", "31234000012345", dt.date(2026, 1, 2), "Note <i>"),),
    printed_at=dt.datetime(2026, 1, 1, 9, 0),
    qr='https://x.example/?a=1&b="2"',
)


def test_given_a_receipt_when_rendered_on_dummy_then_decoding_gives_back_every_line_in_order():
    """GIVEN a receipt WHEN drawn on python-escpos Dummy THEN the decoded lines follow the text rendering."""
    dummy = Dummy()
    render_escpos(RECEIPT, dummy)
    out = decode(dummy.output)
    printed = [line.text.strip() for line in out.lines if line.text.strip()]
    expected = [line.strip() for line in render_text(RECEIPT).splitlines() if line.strip()]
    # The text preview shows the code as "[S-000042]"; on paper it is a barcode.
    assert printed == [line for line in expected if line != "[S-000042]"]
    assert out.barcodes == [("CODE128", "S-000042")] and out.cuts == 1


def test_given_render_escpos_when_a_barcode_prints_then_nothing_is_written_to_stdout(capsys):
    """GIVEN python-escpos' habit of print()ing WHEN a receipt with a barcode renders THEN stdout stays clean."""
    render_escpos(RECEIPT, Dummy())
    assert capsys.readouterr().out == ""


def test_given_hostile_text_when_rendered_as_html_then_every_piece_is_escaped():
    """GIVEN titles and names with markup WHEN rendered to HTML THEN no tag from the data survives."""
    page = render_html(HOSTILE)
    assert "<script>" not in page and "<b>Bold" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "&amp; brave" in page
    tags: list[str] = []

    class Collect(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    Collect().feed(page)
    assert set(tags) <= {"div", "h2", "h3", "p", "ol", "li", "span", "code"}
    assert 'data-due="2026-01-02"' in page


def test_given_a_receipt_when_rendered_as_html_then_titles_due_dates_and_notes_appear():
    """GIVEN a Spanish receipt WHEN rendered as HTML THEN it has each title, due phrase, note and footer."""
    page = render_html(RECEIPT)
    for text in ("El niño y el mar", "Devolver: 01/12/2026", "Renovado", "¡Gracias por leer!", "S-000042"):
        assert text in page


def test_given_a_file_printer_when_printing_then_the_file_holds_decodable_escpos(tmp_path):
    """GIVEN a File printer (like /dev/usb/lp0) WHEN printing THEN the file's bytes decode to the receipt."""
    target = tmp_path / "lp0"
    printer = build_device("printer", "lp", {"driver": "file", "devfile": str(target)})
    printer.print_receipt(RECEIPT)
    out = decode(target.read_bytes())
    assert out.find("El niño y el mar") and out.cuts == 1 and out.status_queries == []


def test_given_a_file_printer_on_a_missing_directory_when_printing_then_offline_error_names_it(tmp_path):
    """GIVEN a File printer whose path cannot be opened WHEN printing THEN a PrinterError naming the path."""
    printer = build_device("printer", "lp", {"driver": "file", "devfile": str(tmp_path / "no" / "lp0")})
    with pytest.raises(Exception, match="cannot be reached") as caught:
        printer.print_receipt(RECEIPT)
    assert str(tmp_path / "no" / "lp0") in str(caught.value)


def test_given_a_serial_printer_on_a_pty_when_printing_then_the_other_end_receives_the_receipt(socat_pair):
    """GIVEN a serial printer on a socat pty WHEN printing THEN the peer end reads the whole receipt."""
    printer = build_device("printer", "ser", {"driver": "serial", "devfile": str(socat_pair.device),
                                              "check_status": False})
    printer.print_receipt(RECEIPT)
    data = socat_pair.read(timeout=3.0, until=b"\x1dV")
    out = decode(data)
    assert out.find("Cuentos de año nuevo (€ 5)") and out.cuts == 1


def test_given_the_simulated_printer_when_out_of_paper_or_cover_open_then_typed_errors_and_keeps_html():
    """GIVEN the simulated printer WHEN paper is out or cover open THEN PaperOut/CoverOpen; WHEN fine THEN html kept."""
    printer = SimulatedPrinter("sim")
    printer.paper = "out"
    with pytest.raises(PaperOut):
        printer.print_receipt(RECEIPT)
    printer.paper, printer.cover_open = "ok", True
    with pytest.raises(CoverOpen):
        printer.print_receipt(RECEIPT)
    printer.cover_open = False
    printer.print_receipt(RECEIPT)
    assert "Préstamos" in printer.last_text and "Préstamos" in printer.printed[-1]["html"]
    assert decode(printer.printed[-1]["escpos"]).find("Préstamos") is not None


@pytest.mark.parametrize("settings, key", [
    ({"host": ""}, "host"),
    ({"host": "127.0.0.1", "port": "ninety"}, "port"),
    ({"host": "127.0.0.1", "profile": "NoSuchPrinter-9000"}, "profile"),
    ({"host": "127.0.0.1", "encoding": "KLINGON"}, "encoding"),
    ({"host": "127.0.0.1", "timeout": -1}, "timeout"),
    ({"host": "127.0.0.1", "papper": "x"}, "papper"),
])
def test_given_a_bad_printer_section_when_built_then_the_error_names_the_key(settings, key):
    """GIVEN a corrupt printer config WHEN built THEN DeviceConfigError naming the offending key."""
    with pytest.raises(DeviceConfigError) as caught:
        build_device("printer", "counter", {"driver": "network", **settings})
    assert caught.value.key == key and f"'{key}'" in str(caught.value)


def test_given_a_usb_printer_without_ids_when_built_then_the_error_asks_for_the_usb_id():
    """GIVEN a USB printer section without vendor/product id WHEN built THEN the error names vendor_id."""
    with pytest.raises(DeviceConfigError, match="vendor_id"):
        build_device("printer", "usb", {"driver": "usb"})
    printer = build_device("printer", "usb", {"driver": "usb", "vendor_id": "0x04b8", "product_id": "0x0202"})
    assert isinstance(printer, EscPosPrinter) and (printer.vendor_id, printer.product_id) == (0x04B8, 0x0202)


def _long_receipt(lines: int) -> Receipt:
    return Receipt(library_name="Lincoln Elementary", heading="Checked out", patron_label="****2345",
                   lines=tuple(ReceiptLine(f"Book number {n} with a long enough title", f"3123400001{n:04d}",
                                           dt.date(2026, 1, 2)) for n in range(lines)),
                   printed_at=dt.datetime(2026, 1, 1, 9, 0))


def test_given_a_file_printer_that_stops_reading_mid_receipt_when_printing_then_offline_error_not_a_hang(tmp_path):
    """GIVEN a File printer (a FIFO whose reader takes nothing, like a jammed /dev/usb/lp0) WHEN a receipt
    larger than its buffer prints THEN PrinterOffline says the receipt may be incomplete (the call returns)."""
    import fcntl
    import os

    from drivers.errors import PrinterOffline

    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # present, never reads
    try:
        fcntl.fcntl(reader, 1031, 4096)  # F_SETPIPE_SZ: a small buffer, like a printer's
        printer = build_device("printer", "lp", {"driver": "file", "devfile": str(fifo), "timeout": 0.3})
        receipt = _long_receipt(80)
        assert len(printer.render(receipt)) > 4096 * 2
        with pytest.raises(PrinterOffline, match="may be incomplete"):
            printer.print_receipt(receipt)
    finally:
        os.close(reader)


def test_given_a_file_printer_on_a_fifo_nobody_reads_when_printing_then_offline_error_not_a_hang(tmp_path):
    """GIVEN a File printer whose device has no reader (open would block) WHEN printing THEN 'cannot be reached'."""
    import os

    from drivers.errors import PrinterOffline

    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    printer = build_device("printer", "lp", {"driver": "file", "devfile": str(fifo), "timeout": 0.3})
    with pytest.raises(PrinterOffline, match="cannot be reached"):
        printer.print_receipt(RECEIPT)


def test_given_a_file_printer_under_dev_that_is_missing_when_printing_then_not_plugged_in_and_no_file_made():
    """GIVEN a File printer at a /dev path that does not exist (an unplugged /dev/usb/lp0) WHEN printing
    THEN PrinterOffline says it is not plugged in, and no ordinary file appears in its place."""
    missing = Path(f"/dev/kiosk-test-lp-{os.getpid()}")
    assert not missing.exists()
    printer = build_device("printer", "lp", {"driver": "file", "devfile": str(missing)})
    try:
        with pytest.raises(PrinterOffline) as caught:
            printer.print_receipt(RECEIPT)
        assert str(caught.value) == f"The receipt printer at {missing} is not plugged in."
        assert not missing.exists()
    finally:
        missing.unlink(missing_ok=True)  # only if a broken driver made it


def test_given_an_ordinary_file_left_where_a_dev_printer_belongs_when_printing_then_not_plugged_in():
    """GIVEN an ordinary file at a /dev printer path (left while it was unplugged) WHEN printing
    THEN PrinterOffline says it is not plugged in, and the file receives nothing."""
    leftover = Path(f"/dev/kiosk-test-lp-{os.getpid()}")
    try:
        leftover.write_bytes(b"")
    except OSError:
        pytest.skip("/dev is not writable here (needs root)")
    try:
        printer = build_device("printer", "lp", {"driver": "file", "devfile": str(leftover)})
        with pytest.raises(PrinterOffline, match="is not plugged in"):
            printer.print_receipt(RECEIPT)
        assert leftover.read_bytes() == b""
    finally:
        leftover.unlink(missing_ok=True)


def test_given_a_file_printer_outside_dev_that_is_missing_when_printing_then_the_file_is_created(tmp_path):
    """GIVEN a File printer at a missing path outside /dev (a file for testing) WHEN printing
    THEN the file is created and holds the receipt."""
    target = tmp_path / "receipts.bin"
    build_device("printer", "lp", {"driver": "file", "devfile": str(target)}).print_receipt(RECEIPT)
    assert decode(target.read_bytes()).cuts == 1
