"""Receipt rendering time for a 10-item receipt: plain text, HTML preview, ESC/POS through python-escpos Dummy.

Prints one row per renderer (mean, p50, p99 per receipt in ms, and output size), plus the
decoder reading the ESC/POS bytes back. Run: python bench/receipt_render.py
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from escpos.printer import Dummy  # noqa: E402

from drivers.escpos_decode import decode  # noqa: E402
from drivers.printer_escpos import EscPosPrinter  # noqa: E402
from drivers.receipt import Receipt, ReceiptLine, render_escpos, render_html, render_text  # noqa: E402

ROUNDS = 300

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
