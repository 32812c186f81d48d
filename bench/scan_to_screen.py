"""Scan to screen: last byte of a barcode written on a socat pty -> the kiosk's session has checked the book out.

The whole kiosk is built with create_app (journal on disk, SSE broker, device manager), its
scanner is the real serial driver on a socat pty pair, and the backend is the tests' fake central
server over HTTP on loopback. A patron card is scanned once, then ~100 books; for each book the
clock runs from just before the write to the moment the session's list shows the book (what the
screen re-reads on its SSE message). "Scan seen" is when the device manager logged the scan for the
staff screen, before the session calls the backend. A pty has no baud rate, so the wire time at
9600 baud is computed beside the figures. Run: python bench/scan_to_screen.py  (under a minute)
"""
from __future__ import annotations

import os
import queue
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.app import create_app  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from protocol.identifiers import make_library_barcode  # noqa: E402
from tests.kiosk.conftest import ENV, config_text, write_config  # noqa: E402
from tests.kiosk.fake_central import FakeCentral  # noqa: E402
from tests.kiosk.ptys import SerialCable, wait_until  # noqa: E402

BOOKS = 100
BAUD = 9600
PATRON = make_library_barcode("2", 1234, 4242)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def wait_for(messages: queue.Queue, done, timeout: float = 5.0) -> tuple[float | None, float]:
    """Read SSE notices until ``done()``; returns (time of the first 'scans' notice, time done)."""
    seen, deadline = None, time.monotonic() + timeout
    while True:
        try:
            message = messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise SystemExit("the kiosk did not process a scan within 5 s") from None
        now = time.perf_counter()
        if message.get("topic") == "scans" and seen is None:
            seen = now
        if done():
            return seen, now


def main() -> int:
    """Measure and print the table."""
    if shutil.which("socat") is None:
        print("socat is not installed (apt-get install socat); cannot measure.")
        return 1
    central = FakeCentral()
    central.add_patron(PATRON, "Bench B.", max_items=BOOKS + 10)
    books = [make_library_barcode("3", 1234, 5000 + n) for n in range(BOOKS)]
    for n, barcode in enumerate(books):
        central.add_item(barcode, f"Bench book {n}")
    central.start()
    with tempfile.TemporaryDirectory(prefix="scan-to-screen-") as tmp:
        folder = Path(tmp)
        cable = SerialCable(folder)
        cable.plug()
        devices = (f'\n[devices.scanner]\nkind = "scanner"\ndriver = "serial"\nurl = "{cable.port}"\n'
                   f'baudrate = {BAUD}\n\n[devices.printer]\nkind = "printer"\ndriver = "simulated"\n')
        config = load_config(write_config(folder, config_text(central.url, devices=devices)), env=ENV)
        app = create_app(config, start_threads=False)
        kiosk = app.extensions["kiosk"]
        try:
            wait_until(lambda: kiosk.devices.statuses()["scanner"]["status"] == "ready", what="the scanner")
            messages = kiosk.broker.subscribe()
            cable.type(PATRON.encode() + b"\r")
            wait_for(messages, lambda: kiosk.session.d.patron is not None)
            seen_ms, done_ms = [], []
            for n, barcode in enumerate(books):
                data = barcode.encode() + b"\r"
                written = time.perf_counter()  # before the write: an upper bound, as in scan_latency.py
                cable.type(data)
                seen, done = wait_for(messages, lambda: len(kiosk.session.snapshot()[1].lines) == n + 1)
                seen_ms.append(((seen or done) - written) * 1000)
                done_ms.append((done - written) * 1000)
                if (n + 1) % 25 == 0:
                    print(f"  {n + 1}/{BOOKS} books", flush=True)
            checked_out = len(central.loans_of(PATRON))
        finally:
            kiosk.close()
            cable.unplug()
            central.stop()
    wire = (len(books[0]) + 1) * 10 / BAUD * 1000  # 8N1: 10 bits a byte, CR included
    print()
    print(f"Scan to screen over {BOOKS} books ({checked_out} checked out on the fake central over HTTP)")
    print(f"{'measure':<44}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print("-" * 74)
    for label, values in (("last byte -> scan seen by the kiosk", seen_ms),
                          ("last byte -> book on the session's list", done_ms)):
        print(f"{label:<44}{percentile(values, 0.5):>10.2f}{percentile(values, 0.99):>10.2f}{max(values):>10.2f}")
    print(f"{f'wire time of one scan at {BAUD} baud':<44}{wire:>10.2f}")
    print(f"{'mean, last byte -> on the list':<44}{statistics.mean(done_ms):>10.2f}")
    return 0 if checked_out == BOOKS else 1


if __name__ == "__main__":
    sys.exit(main())
