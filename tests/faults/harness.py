"""The fault tests' world: the real central server (a process, SQLite), the fault proxy, and `kiosk run` processes.

The kiosk talks to the central server only through the proxy, so a test cuts, stalls, resets or
drops answers on the line at will, and kills the kiosk with SIGKILL whenever it likes.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import ROOT, free_port, wait_for_http
from tests.e2e.processes import Running, seeded_central_db, start_central
from tests.faults.proxy import FaultProxy

TOKEN = "demo-kiosk-token"
KIOSK_ID = "demo-kiosk-1"


def kiosk_config(path: Path, url: str, journal: Path) -> Path:
    """A kiosk config with simulated devices and short timeouts, talking to ``url`` (the proxy)."""
    path.write_text(f"""
config_version = 1

[kiosk]
id = "{KIOSK_ID}"
name = "Fault kiosk"
library_name = "Lincoln Elementary School Library"
idle_timeout_seconds = 600
warning_seconds = 0

[backend]
kind = "central"
url = "{url}"
timeout_seconds = 2
connect_timeout_seconds = 1

[journal]
path = "{journal}"

[sync]
heartbeat_seconds = 2
max_backoff_seconds = 1

[offline]
sign_in = "cache"
checkout_limit = 50
cache_refresh_seconds = 10
answer_wait_seconds = 1

[devices.scanner]
kind = "scanner"
driver = "simulated"

[devices.card_reader]
kind = "card_reader"
driver = "simulated"
""")
    return path


@dataclass
class World:
    """A seeded central server, the proxy in front of it, and one kiosk at a time."""

    tmp: Path
    env: dict
    central: Running
    proxy: FaultProxy
    config: Path
    journal: Path
    port: int = field(default_factory=free_port)
    kiosk: subprocess.Popen | None = None
    kills: int = 0
    # A backend choice (tests/faults/sip2_world.py): the kiosk's extra environment, and the station whose
    # events the server keeps (a SIP2 login's station, not the kiosk's id).
    kiosk_env: dict = field(default_factory=dict)
    station: str = KIOSK_ID

    @property
    def base(self) -> str:
        """The running kiosk's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def central_db(self) -> Path:
        """The central server's SQLite file."""
        return self.tmp / "central.db"

    def start_kiosk(self, caches: bool = False) -> None:
        """Start `kiosk run` and wait for its /health (and, if asked, its first cache sync), bounded."""
        env = {**os.environ, "KIOSK_TOKEN": TOKEN, "KIOSK_STAFF_PIN": "2468", "PYTHONUNBUFFERED": "1",
               **self.kiosk_env}
        log = (self.tmp / "kiosk.log").open("a")
        self.kiosk = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(self.config),
                                       "--port", str(self.port)], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
        wait_for_http(f"{self.base}/health", proc=self.kiosk, timeout=60)
        deadline = time.monotonic() + 60
        while caches and not self.health()["caches"]["patrons_synced_at"]:
            assert time.monotonic() < deadline, "the kiosk's patron cache was never synced"
            time.sleep(0.1)

    def kill_kiosk(self) -> None:
        """SIGKILL: no cleanup, whatever it was doing."""
        if self.kiosk is not None and self.kiosk.poll() is None:
            self.kiosk.send_signal(signal.SIGKILL)
            self.kiosk.wait(10)
            self.kills += 1
        self.kiosk = None

    def stop_kiosk(self) -> int:
        """Stop the kiosk as Ctrl-C would; its exit code."""
        proc, self.kiosk = self.kiosk, None
        if proc is None:
            return 0
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(5)

    def post(self, path: str, body: dict, timeout: float = 20) -> dict:
        """POST to the kiosk; its JSON answer."""
        response = requests.post(self.base + path, json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict:
        """The kiosk's /health."""
        return requests.get(self.base + "/health", timeout=10).json()

    def wait_drained(self, seconds: float = 60) -> dict:
        """Wait (bounded) until the kiosk has nothing pending; returns its journal counts."""
        deadline = time.monotonic() + seconds
        counts = {}
        while time.monotonic() < deadline:
            counts = self.health()["journal"]
            if counts["pending"] == 0:
                return counts
            time.sleep(0.2)
        raise AssertionError(f"the kiosk still has events pending after {seconds:g} s: {counts}")

    def server_events(self) -> list[tuple]:
        """(event_id, sequence, type, item_barcode, ok, offline) of every event the server keeps for this kiosk."""
        import json

        with sqlite3.connect(self.central_db) as db:
            rows = db.execute("SELECT id, sequence, type, payload, ok, offline FROM circulation_events"
                              " WHERE kiosk_id = ? ORDER BY sequence", (self.station,)).fetchall()
        return [(r[0], r[1], r[2], json.loads(r[3]).get("item_barcode"), bool(r[4]), bool(r[5])) for r in rows]

    def open_loans(self) -> dict[str, str]:
        """item barcode -> patron barcode of every open loan on the server."""
        with sqlite3.connect(self.central_db) as db:
            rows = db.execute("SELECT i.barcode, p.barcode FROM loans l JOIN items i ON i.id = l.item_id"
                              " JOIN patrons p ON p.id = l.patron_id WHERE l.returned_at IS NULL").fetchall()
        return dict(rows)

    def shelf(self, count: int, offset: int = 0) -> list[str]:
        """Barcodes of ``count`` available, loanable items on the server (none reference)."""
        with sqlite3.connect(self.central_db) as db:
            rows = db.execute("SELECT barcode FROM items WHERE status = 'available' ORDER BY barcode"
                              " LIMIT ? OFFSET ?", (count, offset)).fetchall()
        return [r[0] for r in rows]

    def students(self, count: int) -> list[str]:
        """Barcodes of ``count`` students who may borrow (no block, no PIN, no loans, no fines)."""
        with sqlite3.connect(self.central_db) as db:
            rows = db.execute("SELECT barcode FROM patrons p WHERE patron_type = 'student' AND block_reason IS NULL"
                              " AND pin_hash IS NULL AND expires_on > date('now')"
                              " AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.patron_id = p.id AND l.returned_at IS NULL)"
                              " AND NOT EXISTS (SELECT 1 FROM fines f WHERE f.patron_id = p.id)"
                              " ORDER BY barcode LIMIT ?", (count,)).fetchall()
        return [r[0] for r in rows]

    def journal_rows(self) -> tuple[str, dict[str, int], list[tuple]]:
        """The kiosk journal read directly: (integrity_check, counts by state, (event_id, state, outcome ok))."""
        import json

        with sqlite3.connect(self.journal) as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            counts = dict(db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall())
            counts["events"] = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            rows = db.execute("SELECT event_id, state, outcome FROM deliveries ORDER BY sequence").fetchall()
        return integrity, counts, [(r[0], r[1], json.loads(r[2])["ok"] if r[2] else None) for r in rows]

    def close(self) -> None:
        """Stop everything this world started."""
        if self.kiosk is not None:
            self.kill_kiosk()
        self.proxy.stop()
        self.central.stop()


def make_world(tmp: Path) -> World:
    """Seed a central database, start the server and the proxy, write the kiosk config (kiosk not started)."""
    env, _samples = seeded_central_db(tmp)
    central = start_central(env, tmp / "central.log")
    port = int(central.url.rsplit(":", 1)[1])
    proxy = FaultProxy("127.0.0.1", port).start()
    journal = tmp / "journal.db"
    return World(tmp=tmp, env=env, central=central, proxy=proxy,
                 config=kiosk_config(tmp / "kiosk.toml", proxy.url, journal), journal=journal)
