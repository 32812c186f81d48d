"""Drain a backlog of 10,000 offline events from a kiosk journal into the real central server, SQLite and PostgreSQL.

For each database: seed the demo library, start `central run`, fill a kiosk journal with 10,000
offline checkouts and returns (as a week-long outage would leave them), and time the kiosk's own
Sender + CentralBackend until the last event is answered (ends when the server has them all,
checked in its database). Beside it, the same database's raw batched insert rate, measured in the
same run: rows shaped like the server's stored events, 500 per INSERT batch and transaction.
Targets: the drain under 5 s, and at least half the raw rate. Figures are printed, never asserted.
The CPU seconds the kiosk and the server spent during the drain are printed too: on a busy machine
they move far less from run to run than the wall time does.
Run: python bench/drain_backlog.py [--events N] [--only sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _journal_fill import fill  # noqa: E402

from kiosk.clock import SystemClock  # noqa: E402
from protocol.wire import CheckinRequest, CheckoutRequest  # noqa: E402
from tests.conftest import _as_db_user, _pg_bin, free_port  # noqa: E402
from tests.e2e.processes import central_cli, start_central  # noqa: E402
from tests.kiosk.outbox_parts import build  # noqa: E402

TOKEN = "demo-kiosk-token"
BATCH = 500


@contextlib.contextmanager
def postgres():
    """A throw-away PostgreSQL cluster on a loopback port; yields a database URL."""
    base = Path(tempfile.mkdtemp(prefix="drain-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    subprocess.run(_as_db_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                "--no-locale"]), check=True, capture_output=True)
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
    subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
                                "start"]), check=True, capture_output=True)
    try:
        subprocess.run(_as_db_user([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                    "central"]), check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/central"
    finally:
        subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def backlog(db_url: str, events: int) -> list:
    """Checkouts and returns of the seeded library's shelf, as a kiosk offline for a week would have them."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        items = [r[0] for r in conn.execute(sa.text("SELECT barcode FROM items WHERE status = 'available'"
                                                    " ORDER BY barcode LIMIT 400"))]
        patrons = [r[0] for r in conn.execute(sa.text("SELECT barcode FROM patrons WHERE patron_type = 'student'"
                                                      " ORDER BY barcode LIMIT 200"))]
    engine.dispose()
    requests = []
    for n in range(events // 2):
        item = items[n % len(items)]
        requests += [CheckoutRequest(patrons[n % len(patrons)], item), CheckinRequest(item)]
    return requests[:events]


def raw_insert_rate(db_url: str, rows: int) -> float:
    """Rows a second, inserting event-shaped rows 500 per batch and transaction, into a scratch table."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("bench_raw_events", meta, sa.Column("id", sa.String(36), primary_key=True),
                     sa.Column("kiosk_id", sa.String(64)), sa.Column("sequence", sa.Integer),
                     sa.Column("type", sa.String(20)), sa.Column("payload", sa.JSON), sa.Column("result", sa.JSON),
                     sa.Column("ok", sa.Boolean), sa.Column("offline", sa.Boolean),
                     sa.Column("occurred_at", sa.DateTime(timezone=True)),
                     sa.Column("recorded_at", sa.DateTime(timezone=True)),
                     sa.UniqueConstraint("kiosk_id", "sequence"))
    meta.drop_all(engine)
    meta.create_all(engine)
    now = dt.datetime.now(dt.timezone.utc)
    payload = {"type": "checkout", "patron_barcode": "21234000012345", "item_barcode": "31234000012345"}
    result = {"ok": True, "loan": {"item_barcode": "31234000012345", "due_date": "2025-12-15"}}
    batch = [dict(id="", kiosk_id="bench", sequence=0, type="checkout", payload=payload, result=result, ok=True,
                  offline=True, occurred_at=now, recorded_at=now) for _ in range(BATCH)]
    started = time.perf_counter()
    for start in range(0, rows, BATCH):
        for n, row in enumerate(batch):
            row["id"], row["sequence"] = str(uuid.uuid4()), start + n + 1
        with engine.begin() as conn:
            conn.execute(table.insert(), batch)
    seconds = time.perf_counter() - started
    meta.drop_all(engine)
    engine.dispose()
    return rows / seconds


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc): less disturbed by a busy machine than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored(db_url: str) -> int:
    """How many events the server keeps for the demo kiosk."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT COUNT(*) FROM circulation_events WHERE kiosk_id = 'demo-kiosk-1'")).scalar()
    engine.dispose()
    return int(n)


def drain(label: str, db_url: str, events: int, tmp: Path) -> dict:
    """Seed, start the server, fill the journal, drain it; the figures."""
    env = {**os.environ, "CENTRAL_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    print(f"[{label}] seeding the demo library ...", flush=True)
    central_cli(env, "init-db")
    central_cli(env, "seed-demo")
    requests = backlog(db_url, events)
    before = stored(db_url)
    fill(tmp / "journal.db", requests, start=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7),
         step_seconds=7 * 86400 / (2 * len(requests)))
    server = start_central(env, tmp / "central.log")
    parts = build(tmp / "journal.db", server.url, SystemClock(), token=TOKEN, timeout=60)
    try:
        print(f"[{label}] draining {len(requests):,} events ...", flush=True)
        server_cpu, kiosk_cpu = cpu_seconds(server.proc.pid), time.process_time()
        started = time.perf_counter()
        result = parts.sender.run_pass()
        seconds = time.perf_counter() - started
        server_cpu, kiosk_cpu = cpu_seconds(server.proc.pid) - server_cpu, time.process_time() - kiosk_cpu
        arrived = stored(db_url) - before
    finally:
        parts.close()
        server.stop()
    print(f"[{label}] measuring the raw batched insert rate ...", flush=True)
    raw = raw_insert_rate(db_url, events)
    return {"label": label, "events": len(requests), "delivered": result.delivered, "parked": result.parked,
            "arrived": arrived, "seconds": seconds, "rate": result.delivered / seconds, "raw": raw,
            "kiosk_cpu": kiosk_cpu, "server_cpu": server_cpu}


def main() -> int:
    """Drain into SQLite and PostgreSQL and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    figures = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="drain-sqlite-") as tmp:
            figures.append(drain("SQLite", f"sqlite:///{Path(tmp) / 'central.db'}", args.events, Path(tmp)))
    if args.only in (None, "postgresql"):
        with postgres() as url, tempfile.TemporaryDirectory(prefix="drain-pg-kiosk-") as tmp:
            figures.append(drain("PostgreSQL", url, args.events, Path(tmp)))
    print()
    print(f"Backlog drain: kiosk journal -> central server, {BATCH} events per batch (targets: < 5 s, >= 50 % of raw)")
    print(f"{'database':<12}{'events':>8}{'arrived':>9}{'parked':>8}{'seconds':>9}{'events/s':>10}"
          f"{'raw rows/s':>12}{'of raw':>8}{'kiosk cpu':>11}{'server cpu':>12}")
    print("-" * 99)
    for f in figures:
        print(f"{f['label']:<12}{f['events']:>8,}{f['arrived']:>9,}{f['parked']:>8}{f['seconds']:>9.2f}"
              f"{f['rate']:>10,.0f}{f['raw']:>12,.0f}{f['rate'] / f['raw']:>8.0%}{f['kiosk_cpu']:>10.2f}s"
              f"{f['server_cpu']:>11.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
