"""Receipt rendering time for a 10-item receipt: plain text, HTML preview, ESC/POS through python-escpos Dummy.

Prints one row per renderer (mean, p50, p99 per receipt in ms, and output size), plus the
decoder reading the ESC/POS bytes back; then a serial printer over a real socat pty pair (a fake
printer answering DLE EOT at once): one status query the python-escpos way (read 16 bytes, which
waits out the timeout) against ours, and whole receipts with six status queries each.
Run: python bench/receipt_render.py
"""
from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from escpos.printer import Dummy, Serial  # noqa: E402

from bench.scan_latency import start_socat  # noqa: E402

from drivers.escpos_decode import decode  # noqa: E402
from drivers.printer_escpos import EscPosPrinter  # noqa: E402
from drivers.escpos_serial import ask_serial_status  # noqa: E402
from drivers.receipt import Receipt, ReceiptLine, render_escpos, render_html, render_text  # noqa: E402
from drivers.registry import build_device  # noqa: E402
from tests.drivers.fake_printer import FakeSerialPrinter  # noqa: E402

ROUNDS = 300
SERIAL_RECEIPTS = 20
STATUS_TIMEOUT = 1.5  # the printer default

RECEIPT = Receipt(
    library_name="Biblioteca Escolar Lincoln",
    heading="Préstamos",
    patron_label="María G. ****2345",
    lines=tuple(
        ReceiptLine(f"Libro número {i}: Cuentos del año y la señal del niño", f"3123400001{i:04d}",
                    dt.date(2026, 12, 1) + dt.timedelta(days=i), "Renovado" if i % 3 == 0 else "")
        for i in range(10)),
    printed_at=dt.datetime(2026, 11, 23, 10, 5),
    footer="¡Gracias por leer! Devuelve tus libros a tiempo.",
    due_label="Devolver",
    code="S-000042",
    qr="https://biblioteca.example/cuenta/42",
)


def escpos_default() -> bytes:
    dummy = Dummy()
    render_escpos(RECEIPT, dummy)
    return dummy.output


def escpos_tm_t88v() -> bytes:
    return PRINTER.render(RECEIPT)


PRINTER = EscPosPrinter("bench", connection="file", devfile="/dev/null", profile="TM-T88V", encoding="CP858")
ESC_BYTES = escpos_tm_t88v()


def timed(function) -> tuple[list[float], int]:
    """Per-call times in ms over ROUNDS calls (after one warm-up), and the output size."""
    out = function()
    size = len(out) if isinstance(out, (str, bytes)) else len(out.lines)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times, size


def main() -> int:
    """Measure each renderer and print the table."""
    rows = [
        ("text (render_text)", lambda: render_text(RECEIPT), "chars"),
        ("HTML (render_html)", lambda: render_html(RECEIPT), "chars"),
        ("ESC/POS, Dummy default profile", escpos_default, "bytes"),
        ("ESC/POS, TM-T88V + CP858", escpos_tm_t88v, "bytes"),
        ("decode ESC/POS back", lambda: decode(ESC_BYTES), "lines"),
    ]
    print(f"Rendering a 10-item receipt, {ROUNDS} rounds each")
    print(f"{'renderer':<34}{'mean ms':>10}{'p50 ms':>10}{'p99 ms':>10}{'size':>14}")
    print("-" * 78)
    for label, function, unit in rows:
        times, size = timed(function)
        ordered = sorted(times)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(f"{label:<34}{statistics.mean(times):>10.3f}{statistics.median(times):>10.3f}{p99:>10.3f}"
              f"{size:>8} {unit}", flush=True)
    return serial_figures()


def serial_figures() -> int:
    """Status query and whole-receipt times on a serial printer at the far end of a socat pty pair."""
    if shutil.which("socat") is None:
        print("socat is not installed (apt-get install socat); serial figures skipped.")
        return 1
    with tempfile.TemporaryDirectory() as directory:
        proc, device, peer = start_socat(Path(directory))
        fake = FakeSerialPrinter(peer, device)
        fake.start()
        try:
            print(f"\nSerial printer on a socat pty, status_timeout {STATUS_TIMEOUT} s, fake printer answers at once")
            print(f"{'what':<52}{'mean ms':>10}{'max ms':>10}")
            print("-" * 72)
            port = Serial(str(device), timeout=STATUS_TIMEOUT)
            port.open()
            try:
                old = [_ms(lambda: port.query_status(b"\x10\x04\x01")) for _ in range(2)]
                new = [_ms(lambda: ask_serial_status(port.device, b"\x10\x04\x01", STATUS_TIMEOUT))
                       for _ in range(50)]
            finally:
                port.close()
            printer = build_device("printer", "bench", {"driver": "serial", "devfile": str(device),
                                                        "status_timeout": STATUS_TIMEOUT})
            receipts = [_ms(lambda: printer.print_receipt(RECEIPT)) for _ in range(SERIAL_RECEIPTS)]
            for label, times in (("one DLE EOT, python-escpos query_status (read 16)", old),
                                 ("one DLE EOT, drivers.escpos_serial (answer byte)", new),
                                 (f"whole receipt, 6 status queries ({SERIAL_RECEIPTS} receipts)", receipts)):
                print(f"{label:<52}{statistics.mean(times):>10.1f}{max(times):>10.1f}", flush=True)
        finally:
            fake.stop()
            proc.terminate()
            proc.wait(5)
    return 0


def _ms(function) -> float:
    """How long one call takes, in ms."""
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main())
