"""Kiosk memory: resident memory of `kiosk run` (demo config) at start and after 200 simulated scans.

The kiosk is started while its central server is down (it must start anyway), then a fake central
server (tests/kiosk/fake_central.py: real HTTP, real circulation rules) comes up on that port and
200 scans go through /dev/scan: 20 sessions of one card and 9 books, the first ten checking books
out with a printed receipt, the last ten returning them. Prints a plain table; takes a few seconds.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protocol.identifiers import make_library_barcode  # noqa: E402
from tests.kiosk.fake_central import FakeCentral  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB, from /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kiosk exited with {proc.returncode}:\n{proc.stdout.read()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def demo_config_copy(folder: Path) -> Path:
    """The demo config with its journal moved to ``folder`` (a running `make demo` is left alone)."""
    text = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^path = ".*journal.*"$', f'path = "{folder / "journal.db"}"', text)
    path = folder / "demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    """Run the measurement and print the table."""
    central = FakeCentral(token="demo-kiosk-token")
    central_port, kiosk_port = free_port(), free_port()
    for n in range(100):
        central.add_item(make_library_barcode("3", 4321, n + 1), f"Bench book {n + 1}")
    patrons = [make_library_barcode("2", 4321, n + 1) for n in range(10)]
    for n, barcode in enumerate(patrons):
        central.add_patron(barcode, f"Student{n} B.", max_items=50)
    books = [make_library_barcode("3", 4321, n + 1) for n in range(100)]

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        config = demo_config_copy(Path(tmp))
        env = {**os.environ, "CENTRAL_URL": f"http://127.0.0.1:{central_port}", "KIOSK_TOKEN": "demo-kiosk-token"}
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config),
                                 "--port", str(kiosk_port)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{kiosk_port}"
        rows = []
        try:
            started = time.monotonic()
            wait_for(f"{base}/health", proc)
            rows.append(("started, central down", rss_kib(proc.pid), f"{time.monotonic() - started:.1f} s to answer"))
            central.start(central_port)
            http = requests.Session()
            latencies = []
            began = time.monotonic()
            for session in range(20):
                patron = patrons[session % 10]
                mode = "checkout" if session < 10 else "checkin"
                scans = [patron] + books[(session % 10) * 9:(session % 10) * 9 + 9]
                for index, code in enumerate(scans):
                    t0 = time.perf_counter()
                    http.post(f"{base}/dev/scan", json={"code": code}, timeout=10).raise_for_status()
                    latencies.append(time.perf_counter() - t0)
                    if index == 0 and mode == "checkin":
                        http.post(f"{base}/api/mode", json={"mode": "checkin"}, timeout=10).raise_for_status()
                http.post(f"{base}/api/finish", json={"receipt": mode == "checkout"}, timeout=10).raise_for_status()
            spent = time.monotonic() - began
            health = http.get(f"{base}/health", timeout=10).json()
            rows.append(("after 200 scans", rss_kib(proc.pid),
                         f"{spent:.1f} s; median scan {statistics.median(latencies) * 1000:.0f} ms"))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            central.stop()

    print(f"{'moment':<24} {'VmRSS':>10}  note")
    print(f"{'-' * 24} {'-' * 10}  {'-' * 40}")
    for moment, kib, note in rows:
        print(f"{moment:<24} {kib / 1024:>7.1f} MiB  {note}")
    journal = health["journal"]
    print(f"journal: {journal['acked']} acked, {journal['refused']} refused, {journal['pending']} pending; "
          f"loans left on the fake central: {len(central.loans)}")
    print(f"growth over 200 scans: {(rows[1][1] - rows[0][1]) / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
