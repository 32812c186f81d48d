"""Checkout round trips per second through the central SIP2 server, 1 and 20 clients, beside the REST API.

`python bench/sip2_server.py [--database sqlite|postgresql|both] [--per-client 15]` seeds the demo
library, starts `central sip2-server` and `central run` as their own processes on the same database,
and has 1, then 20, self-checks (each its own SIP2 login, or its own kiosk token for REST) check books
out one after another to teachers, then check them all back in. Each self-check speaks SIP2 through
the kiosk's own SIP2 connection code; each REST kiosk posts JSON with requests. Every checkout is a
real one (locks, rules, loan, event). Prints a table; bounded to a few minutes.
"""
from __future__ import annotations

import argparse
import os
import socket
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

from bench.central_api import temporary_postgres  # noqa: E402
from central.api.routes import token_hash  # noqa: E402
from central.clock import SystemClock  # noqa: E402
from central.store.db import Database  # noqa: E402
from central.store.migrate import upgrade  # noqa: E402
from central.store.models import Item, Kiosk, Loan, Patron, School  # noqa: E402
from central.demo.seed import seed_demo  # noqa: E402
from central.sip2.logins import create_login  # noqa: E402
from kiosk.backends.sip2.link import Sip2Link  # noqa: E402
from kiosk.backends.sip2.settings import Sip2Settings  # noqa: E402
from protocol.sip2 import Checkin, Checkout  # noqa: E402
from tests.conftest import free_port, wait_for_http  # noqa: E402

CLIENTS = (1, 20)
PER_TEACHER = 15
PASSWORD = "bench-sip2-password"


def prepare(url: str, clients: int, per_client: int) -> list[list[tuple[str, str]]]:
    """Seed the library, make a SIP2 login and a REST kiosk per client, and deal (teacher, book) pairs."""
    db = Database(url)
    upgrade(db.engine)
    with db.writer() as session, session.begin():
        seed_demo(session, SystemClock())
        # Every station, book and teacher at Lincoln: a station lends its own school's books.
        lincoln = session.scalar(sa.select(School.id).where(School.code == "lincoln"))
        for n in range(clients):
            session.add(Kiosk(id=f"bench-{n}", name=f"Bench kiosk {n}", school_id=lincoln, kind="kiosk",
                              token_hash=token_hash(f"bench-token-{n}")))
    for n in range(clients):
        create_login(db, SystemClock().now(), f"bench-sip2-{n}", f"bench-sip2-{n}", password=PASSWORD,
                     school="lincoln")
    with db.reader() as session:
        out = sa.select(Loan.item_id).where(Loan.returned_at.is_(None))
        books = list(session.scalars(sa.select(Item.barcode).where(Item.item_type == "book",
                                                                    Item.status == "available",
                                                                    Item.school_id == lincoln,
                                                                    Item.id.not_in(out)).order_by(Item.id)))
        teachers = list(session.scalars(sa.select(Patron.barcode).where(Patron.patron_type == "teacher",
                                                                        Patron.school_id == lincoln)
                                        .order_by(Patron.id)))
    db.dispose()
    needed = clients * per_client
    if needed > min(len(books), len(teachers) * PER_TEACHER):
        raise SystemExit(f"Too many checkouts asked for ({needed}).")
    pairs = [(teachers[i // PER_TEACHER], books[i]) for i in range(needed)]
    return [pairs[n::clients] for n in range(clients)]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Wait until something listens on 127.0.0.1:port, failing if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the SIP2 server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listened on port {port} within {timeout} s")


def sip2_client(port: int, n: int, pairs, kind: str, latencies: list, failures: list, lock) -> None:
    """One self-check: its own login and connection, its transactions one after another."""
    link = Sip2Link(Sip2Settings(host="127.0.0.1", port=port, login_user=f"bench-sip2-{n}", password=PASSWORD,
                                 timeout_seconds=30))
    link.connect()
    for patron, item in pairs:
        now = datetime.now().replace(microsecond=0)
        message = (Checkout(transaction_date=now, patron_identifier=patron, item_identifier=item) if kind == "checkout"
                   else Checkin(transaction_date=now, return_date=now, item_identifier=item))
        started = time.perf_counter()
        answer = link.exchange(message)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if not answer.ok:
                failures.append(1)
    link.close()


def rest_client(base: str, n: int, pairs, kind: str, latencies: list, failures: list, lock) -> None:
    """One REST kiosk: its own token and keep-alive session, its events one after another."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer bench-token-{n}"
    sequence = rest_client.sequences.setdefault(n, [0])
    for patron, item in pairs:
        sequence[0] += 1
        body = {"event_id": str(uuid.uuid4()), "sequence": sequence[0], "offline": False, "item_barcode": item,
                "occurred_at": datetime.now(timezone.utc).isoformat()}
        if kind == "checkout":
            body["patron_barcode"] = patron
        started = time.perf_counter()
        response = session.post(f"{base}/api/v1/circulation/{kind}", json=body, timeout=30)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if response.status_code != 200 or not response.json().get("ok"):
                failures.append(1)


rest_client.sequences = {}


def drive(client, target, plan, clients: int, kind: str) -> dict:
    """Run ``clients`` clients of ``plan`` at once; the figures of that run."""
    latencies, failures, lock = [], [], threading.Lock()
    threads = [threading.Thread(target=client, args=(target, n, plan[n], kind, latencies, failures, lock))
               for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.perf_counter() - began
    ordered = sorted(latencies)
    return {"count": len(latencies), "per_second": len(latencies) / seconds, "p50": statistics.median(ordered) * 1000,
            "p95": ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, "failures": len(failures)}


def run_database(name: str, url: str, per_client: int) -> list[tuple]:
    """Both servers on one database; 1 and 20 clients of each; checkouts then checkins."""
    print(f"[{name}] seeding the demo library, {max(CLIENTS)} SIP2 logins and kiosks ...", flush=True)
    plan = prepare(url, max(CLIENTS), per_client)
    rest_client.sequences.clear()  # each database has new kiosks, numbering their events from 1
    env = {**os.environ, "CENTRAL_DATABASE_URL": url}
    sip2_port, http_port = free_port(), free_port()
    sip2 = subprocess.Popen([sys.executable, "-c", "from central.sip2.cli import sip2_server_command as c; c()",
                             "--port", str(sip2_port), "--max-connections", "64"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    http = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(http_port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_for_port(sip2_port, sip2)
        wait_for_http(f"http://127.0.0.1:{http_port}/api/v1/health", timeout=30, proc=http)
        for clients in CLIENTS:
            # A single client gets as many checkouts as the twenty share, so both runs last long enough to measure.
            share = [sum(plan, [])] if clients == 1 else plan[:clients]
            for protocol_name, client, target in (("SIP2", sip2_client, sip2_port),
                                                  ("REST", rest_client, f"http://127.0.0.1:{http_port}")):
                for kind in ("checkout", "checkin"):
                    print(f"[{name}] {protocol_name} {clients} client(s) {kind}s ...", flush=True)
                    rows.append((name, protocol_name, clients, kind, drive(client, target, share, clients, kind)))
    finally:
        for proc in (sip2, http):
            proc.terminate()
            proc.wait(timeout=15)
    return rows


def main() -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--per-client", type=int, default=10, help="checkouts per client in the 20-client run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sip2-") as folder:
        if args.database != "postgresql":
            rows += run_database("sqlite", f"sqlite:///{folder}/bench.db", args.per_client)
        if args.database != "sqlite":
            with temporary_postgres() as url:
                rows += run_database("postgresql", url, args.per_client)
    print(f"\nCirculation round trips over loopback, {os.cpu_count()} CPU cores; SIP2 server (a thread per connection)"
          f" beside the REST API (waitress, 8 threads), same database, same run:\n")
    print(f"{'database':<11} {'protocol':<8} {'clients':>7} {'event':<9} {'count':>6} {'per sec':>8} {'p50 ms':>7} "
          f"{'p95 ms':>7} {'failed':>6}")
    for database, protocol_name, clients, kind, f in rows:
        print(f"{database:<11} {protocol_name:<8} {clients:>7} {kind:<9} {f['count']:>6} {f['per_second']:>8.1f} "
              f"{f['p50']:>7.1f} {f['p95']:>7.1f} {f['failures']:>6}")
    return 1 if any(f["failures"] for *_, f in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
