"""Offline scan-to-decision latency at the kiosk: a book scanned while the library computer is away.

Measures ``Session.scan`` (what /api/scan and the hub run for a book): classify, the offline
policy from the caches, the journal commit (WAL, synchronous=FULL) and the line on the list, with
the kiosk's real threads running (hub, sender, monitor, cache sync). Three cases:

1. the central server stopped (connection refused), an empty journal;
2. the central server frozen (the fault proxy stalls: connections open, nothing answers);
3. the server stopped and a journal of 300,000 events (five or six school years of a busy kiosk).

Prints p50/p99/max per case (target p99 < 30 ms), and the first scan after the freeze apart: it is
the one that waits ``[offline] answer_wait_seconds`` before the monitor turns offline.
Run: python bench/offline_decision.py
"""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _journal_fill import fill  # noqa: E402

from kiosk.app import create_app  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from protocol.identifiers import make_library_barcode  # noqa: E402
from protocol.wire import CheckinRequest  # noqa: E402
from tests.faults.proxy import FaultProxy  # noqa: E402
from tests.kiosk.conftest import ENV, config_text, write_config  # noqa: E402
from tests.kiosk.fake_central import FakeCentral  # noqa: E402

SCANS = 300  # 100 checkouts (the patron's offline limit), then 200 returns: each one a journal commit
BIG_JOURNAL = 300_000
PATRON = make_library_barcode("2", 1234, 4242)
OFFLINE = "\n[offline]\ncheckout_limit = 100\nanswer_wait_seconds = 1.5\n"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def case(label: str, trouble: str, prefill: int) -> tuple[str, list[float], float | None]:
    """Run one case; returns (label, the steady scans' ms, the first scan's ms)."""
    central = FakeCentral()
    central.add_patron(PATRON, "Bench B.", max_items=10_000)
    books = [make_library_barcode("3", 1234, 20_000 + n) for n in range(SCANS + 1)]
    for n, barcode in enumerate(books):
        central.add_item(barcode, f"Bench book {n}")
    central.start()
    proxy = FaultProxy("127.0.0.1", central.port).start()
    with tempfile.TemporaryDirectory(prefix="offline-decision-") as tmp:
        folder = Path(tmp)
        if prefill:
            print(f"  writing a journal of {prefill:,} events ...", flush=True)
            fill(folder / "journal.db", (CheckinRequest(books[n % len(books)]) for n in range(prefill)),
                 start=dt.datetime(2021, 9, 1, 8, tzinfo=dt.timezone.utc), step_seconds=30, delivered=True)
        config = load_config(write_config(folder, config_text(proxy.url, extra=OFFLINE)), env=ENV)
        app = create_app(config, start_threads=True)
        kiosk = app.extensions["kiosk"]
        try:
            deadline = time.monotonic() + 30
            while not kiosk.caches.freshness()["patrons_synced_at"] and time.monotonic() < deadline:
                time.sleep(0.05)
            kiosk.session.scan(PATRON)  # signed in while the server answers
            if trouble == "stopped":
                central.go_down()
            else:
                proxy.set_mode("stall")
            times, first = [], None
            for n, book in enumerate(books[:SCANS]):
                if n == 100:  # the offline limit of one patron: the rest of the books are returns
                    kiosk.session.set_mode("checkin")
                started = time.perf_counter()
                kiosk.session.scan(book)
                ms = (time.perf_counter() - started) * 1000
                if n == 0 and trouble == "frozen":
                    first = ms
                else:
                    times.append(ms)
            lines = kiosk.session.snapshot()[1].lines
            decided = sum(1 for x in lines if x.status == "ok")
            print(f"  {label}: {decided}/{len(lines)} books decided, journal pending "
                  f"{kiosk.journal.counts()['pending']}", flush=True)
        finally:
            kiosk.close()
            proxy.stop()
            central.stop()
    return label, times, first


def bare_commits(count: int = SCANS) -> list[float]:
    """The floor under every offline decision: one tiny SQLite commit, WAL and synchronous=FULL, on this disk."""
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="bare-commit-", dir=Path(__file__).resolve().parent.parent) as tmp:
        db = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (n INTEGER)")
        times = []
        for n in range(count):
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t VALUES (?)", (n,))
            db.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
        db.close()
    return times


def main() -> int:
    """Run the three cases and print the table."""
    results = [case("server stopped", "stopped", 0), case("server frozen (stalled)", "frozen", 0),
               case(f"server stopped, {BIG_JOURNAL:,}-event journal", "stopped", BIG_JOURNAL),
               ("bare commit (WAL, FULL) on this disk, same run", bare_commits(), None)]
    print()
    print(f"Offline scan -> decision on the list, {SCANS} books per case (target p99 < 30 ms)")
    print(f"{'case':<44}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    print("-" * 74)
    for label, times, first in results:
        print(f"{label:<44}{percentile(times, 0.5):>10.2f}{percentile(times, 0.99):>10.2f}{max(times):>10.2f}")
        if first is not None:
            print(f"{'  first scan after the freeze (answer wait)':<44}{first:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
