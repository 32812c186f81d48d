"""Scan latency: last byte of a barcode written to a socat pty -> Scan event published by the serial driver.

Runs ~200 scans through a real pty pair (socat) and the real SerialScanner thread, and prints
p50/p90/p99/max beside the time the same bytes would take on the wire at 9600 baud (a pty
has no baud rate, so the wire time is computed, not measured). Then unplugs and replugs the
pty 5 times and reports how long the driver takes to be READY again (the design asks < 2 s).
Run: python bench/scan_latency.py
"""
from __future__ import annotations

import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.events import Scan, StatusChanged  # noqa: E402
from drivers.scanner_serial import SerialScanner  # noqa: E402
from protocol.identifiers import make_library_barcode  # noqa: E402

SCANS = 200
BAUD = 9600
REPLUGS = 5


def start_socat(directory: Path) -> tuple[subprocess.Popen, Path, Path]:
    """A socat pty pair with stable links; returns (process, device end, peer end)."""
    device, peer = directory / "scanner", directory / "peer"
    proc = subprocess.Popen(["socat", "-d", "-d", f"pty,raw,echo=0,link={device}", f"pty,raw,echo=0,link={peer}"],
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    log, deadline = b"", time.monotonic() + 5
    while b"starting data transfer loop" not in log and time.monotonic() < deadline:
        if select.select([proc.stderr], [], [], 0.1)[0]:
            log += os.read(proc.stderr.fileno(), 4096)
    if len(re.findall(rb"PTY is /dev/pts/\d+", log)) != 2:
        proc.kill()
        raise SystemExit(f"socat did not start: {log.decode(errors='replace')}")
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    return proc, device, peer


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    """Measure and print the table."""
    if shutil.which("socat") is None:
        print("socat is not installed (apt-get install socat); cannot measure.")
        return 1
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        proc, device, peer = start_socat(Path(tmp))
        arrived = threading.Event()
        stamps: dict[str, float] = {}
        ready = threading.Event()

        def publish(event) -> None:
            if isinstance(event, Scan):
                stamps[event.code] = time.perf_counter()
                arrived.set()
            elif isinstance(event, StatusChanged) and event.status == "ready":
                ready.set()

        disconnected = threading.Event()

        def publish_all(event) -> None:
            if isinstance(event, StatusChanged) and event.status == "disconnected":
                disconnected.set()
            publish(event)

        scanner = SerialScanner("bench", url=str(device), baudrate=BAUD)
        scanner.start(publish_all)
        fd = os.open(peer, os.O_RDWR | os.O_NOCTTY)
        reconnects: list[float] = []
        try:
            if not ready.wait(5):
                print("the scanner did not become ready")
                return 1
            latencies, sizes = [], []
            for i in range(SCANS):
                code = make_library_barcode("3", 1234, i)
                data = code.encode() + b"\r"
                arrived.clear()
                # Stamp BEFORE the write: stamping after it lets the driver thread, woken during the
                # write, take the GIL first and publish before we read the clock (negative latencies).
                # So this is an upper bound that includes the write itself and socat's relay.
                written = time.perf_counter()
                os.write(fd, data)
                if not arrived.wait(2):
                    print(f"scan {i} was not published")
                    return 1
                latencies.append((stamps[code] - written) * 1000)
                sizes.append(len(data))
                if (i + 1) % 50 == 0:
                    print(f"  {i + 1}/{SCANS} scans", flush=True)
            os.close(fd)
            fd = -1
            for i in range(REPLUGS):
                disconnected.clear()
                proc.terminate()
                proc.wait(5)
                if not disconnected.wait(5):
                    print("the scanner did not notice the unplug")
                    return 1
                ready.clear()
                proc, device, peer = start_socat(Path(tmp))
                plugged = time.perf_counter()
                if not ready.wait(10):
                    print("the scanner did not reconnect")
                    return 1
                reconnects.append((time.perf_counter() - plugged) * 1000)
                print(f"  replug {i + 1}/{REPLUGS}", flush=True)
        finally:
            if fd >= 0:
                os.close(fd)
            scanner.stop()
            proc.terminate()
            proc.wait(5)
    wire_ms = statistics.mean(sizes) * 10 / BAUD * 1000  # 8N1: 10 bits per byte
    print()
    print(f"Serial scanner latency over {SCANS} scans ({statistics.mean(sizes):.0f} bytes each, socat pty)")
    print(f"{'measure':<34}{'ms':>10}")
    print("-" * 44)
    for label, value in (("driver latency p50", percentile(latencies, 0.50)),
                         ("driver latency p90", percentile(latencies, 0.90)),
                         ("driver latency p99", percentile(latencies, 0.99)),
                         ("driver latency max", max(latencies)),
                         ("driver latency mean", statistics.mean(latencies)),
                         (f"wire time of one scan at {BAUD} baud", wire_ms),
                         (f"replug -> READY, median of {REPLUGS}", statistics.median(reconnects)),
                         (f"replug -> READY, max of {REPLUGS}", max(reconnects))):
        print(f"{label:<34}{value:>10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
