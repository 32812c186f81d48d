"""Central API throughput: N kiosks x M checkouts (then the same checkins) over real HTTP, SQLite vs PostgreSQL.

`python bench/central_api.py [--kiosks 4] [--per-kiosk 80]` seeds the demo library into a temporary
database, starts `central run` (waitress, 8 threads) as a subprocess, and has one thread per kiosk send
its events one after another, as a real kiosk does. Teachers borrow (their limit is high), so every
checkout succeeds and each one does the full work: locks, rule checks, loan insert, event record.
Prints a plain table; bounded to well under two minutes.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central.api.routes import token_hash  # noqa: E402
from central.clock import SystemClock  # noqa: E402
from central.demo.seed import seed_demo  # noqa: E402
from central.store.db import Database  # noqa: E402
from central.store.migrate import upgrade  # noqa: E402
from central.store.models import Item, Kiosk, Loan, Patron  # noqa: E402
from tests.conftest import _as_db_user, _pg_bin, free_port, wait_for_http  # noqa: E402

PER_TEACHER = 15  # stays under the teacher limit even for teachers the seed gave a few loans


@contextlib.contextmanager
def temporary_postgres():
    """A throwaway PostgreSQL cluster on a loopback port (as tests/conftest.py starts one); yields a URL."""
    base = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    subprocess.run(_as_db_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                "--no-locale"]), check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
    subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
                                "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def prepare(url: str, kiosks: int, per_kiosk: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Seed the demo library, register the bench kiosks, and deal each kiosk (teacher, book) pairs."""
    db = Database(url)
    upgrade(db.engine)
    with db.writer() as session, session.begin():
        seed_demo(session, SystemClock())
        for n in range(kiosks):
            session.add(Kiosk(id=f"bench-{n}", name=f"Bench kiosk {n}", token_hash=token_hash(f"bench-token-{n}")))
    with db.reader() as session:
        out = sa.select(Loan.item_id).where(Loan.returned_at.is_(None))
        books = list(session.scalars(sa.select(Item.barcode).where(Item.item_type == "book",
                                                                    Item.status == "available",
                                                                    Item.id.not_in(out)).order_by(Item.id)))
        teachers = list(session.scalars(sa.select(Patron.barcode).where(Patron.patron_type == "teacher")
                                        .order_by(Patron.id)))
    db.dispose()
    needed = kiosks * per_kiosk
    if needed > min(len(books), len(teachers) * PER_TEACHER):
        raise SystemExit(f"Too many checkouts asked for ({needed}); the demo library supports "
                         f"{min(len(books), len(teachers) * PER_TEACHER)}.")
    pairs = [(teachers[i // PER_TEACHER], books[i]) for i in range(needed)]
    return [(f"bench-token-{n}", pairs[n::kiosks]) for n in range(kiosks)]


def drive(base: str, plan, kind: str) -> tuple[float, list[float], int]:
    """Send every kiosk's events from its own thread; return wall seconds, latencies and failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    occurred = datetime.now(timezone.utc).isoformat()

    def kiosk(token: str, pairs, sequence_start: int):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for offset, (patron, item) in enumerate(pairs):
            body = {"event_id": str(uuid.uuid4()), "sequence": sequence_start + offset, "occurred_at": occurred,
                    "offline": False, "item_barcode": item}
            if kind == "checkout":
                body["patron_barcode"] = patron
            started = time.perf_counter()
            response = session.post(f"{base}/api/v1/circulation/{kind}", json=body, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200 or not response.json().get("ok"):
                    failures[0] += 1

    start_seq = 1 if kind == "checkout" else 1_000_000
    threads = [threading.Thread(target=kiosk, args=(token, pairs, start_seq)) for token, pairs in plan]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return time.perf_counter() - began, latencies, failures[0]


def run_one(name: str, url: str, kiosks: int, per_kiosk: int) -> dict:
    """Prepare, serve, drive checkouts then checkins; return the row of figures."""
    print(f"[{name}] seeding the demo library and {kiosks} kiosks ...", flush=True)
    plan = prepare(url, kiosks, per_kiosk)
    port = free_port()
    env = {**os.environ, "CENTRAL_DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/api/v1/health", timeout=30, proc=proc)
        row = {"database": name, "kiosks": kiosks}
        for kind in ("checkout", "checkin"):
            print(f"[{name}] {kiosks} kiosks x {per_kiosk} {kind}s ...", flush=True)
            seconds, latencies, failures = drive(base, plan, kind)
            ordered = sorted(latencies)
            row[kind] = {"count": len(latencies), "seconds": seconds, "per_second": len(latencies) / seconds,
                         "p50": statistics.median(ordered) * 1000,
                         "p95": ordered[int(len(ordered) * 0.95) - 1] * 1000, "failures": failures}
        return row
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> int:
    """Run the benchmark on SQLite and PostgreSQL and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--per-kiosk", type=int, default=80)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-central-") as folder:
        if args.only != "postgresql":
            rows.append(run_one("sqlite", f"sqlite:///{folder}/bench.db", args.kiosks, args.per_kiosk))
        if args.only != "sqlite":
            with temporary_postgres() as url:
                rows.append(run_one("postgresql", url, args.kiosks, args.per_kiosk))
    print(f"\nCentral API over HTTP (waitress, 8 threads), {os.cpu_count()} CPU cores, one thread per kiosk:\n")
    print(f"{'database':<11} {'kiosks':>6} {'event':<9} {'count':>6} {'seconds':>8} {'per sec':>8} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'failed':>6}")
    for row in rows:
        for kind in ("checkout", "checkin"):
            f = row[kind]
            print(f"{row['database']:<11} {row['kiosks']:>6} {kind:<9} {f['count']:>6} {f['seconds']:>8.2f} "
                  f"{f['per_second']:>8.1f} {f['p50']:>7.1f} {f['p95']:>7.1f} {f['failures']:>6}")
    return 1 if any(row[k]["failures"] for row in rows for k in ("checkout", "checkin")) else 0


if __name__ == "__main__":
    sys.exit(main())
