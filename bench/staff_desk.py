"""Circulation desk: scan to answer, what the librarian waits for, over real HTTP on the demo district (SQLite).

`python bench/staff_desk.py [--books 60]` seeds the demo district into a temporary database, starts `central
run` (waitress) as a subprocess, signs in as the demo librarian, and at the desk serves teachers of Lincoln:
each scan is the form POST and the desk page it leads to (the page the librarian reads the outcome on).
Then every book is scanned in. Prints the median and 95th percentile per scan. Bounded to about a minute.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central.store.db import Database  # noqa: E402
from central.store.models import Item, Loan, Patron, School  # noqa: E402
from tests.conftest import free_port, wait_for_http  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def _central(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "central.cli", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=300, **kwargs)


def _pairs(url: str, count: int) -> list[tuple[str, str]]:
    """Lincoln teachers and shelf books, five books to a teacher (well under their limit)."""
    db = Database(url)
    with db.reader() as session:
        lincoln = session.scalar(sa.select(School.id).where(School.code == "lincoln"))
        out = sa.select(Loan.item_id).where(Loan.returned_at.is_(None))
        books = session.scalars(sa.select(Item.barcode).where(
            Item.school_id == lincoln, Item.item_type == "book", Item.status == "available",
            Item.id.not_in(out)).order_by(Item.id).limit(count)).all()
        teachers = session.scalars(sa.select(Patron.barcode).where(
            Patron.school_id == lincoln, Patron.patron_type == "teacher").order_by(Patron.id)).all()
    db.dispose()
    return [(teachers[n // 5], book) for n, book in enumerate(books)]


def _scan(web: requests.Session, base: str, page: str, action: str, data: dict) -> float:
    """Open the desk page, then time the scan: the POST and the page it redirects to."""
    html = web.get(base + page, timeout=10).text
    body = {"csrf_token": TOKEN.search(html).group(1), "form_id": FORM_ID.search(html).group(1), **data}
    started = time.perf_counter()
    answer = web.post(base + action, data=body, timeout=10)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200 or 'id="outcome"' not in answer.text:
        raise SystemExit(f"the desk did not answer the scan: HTTP {answer.status_code}")
    return elapsed


def main() -> None:
    """Seed, serve, sign in, check books out and in at the desk, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--books", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'desk.db'}"
        env = {**os.environ, "CENTRAL_DATABASE_URL": url, "CENTRAL_SECRET_KEY": "bench"}
        _central(env, "init-db")
        sign_ins = Path(folder) / "staff.txt"
        _central(env, "seed-demo", "--sign-ins-to", str(sign_ins))
        password = dict(line.split() for line in sign_ins.read_text().splitlines())["librarian"]
        pairs = _pairs(url, args.books)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(port)], env=env,
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(base + "/api/v1/health", timeout=30, proc=server)
            web = requests.Session()
            token = TOKEN.search(web.get(base + "/", timeout=10).text).group(1)
            web.post(base + "/signin", data={"username": "librarian", "password": password, "csrf_token": token},
                     timeout=10)
            print(f"Desk at Lincoln, {len(pairs)} books, SQLite, one librarian scanning one book at a time")
            outs = [_scan(web, base, f"/desk?patron={patron}", "/desk/checkout", {"patron": patron, "item": book})
                    for patron, book in pairs]
            ins = [_scan(web, base, "/desk?mode=checkin", "/desk/checkin", {"item": book}) for _, book in pairs]
        finally:
            server.terminate()
            server.wait(timeout=15)
    for name, times in (("check out", outs), ("check in", ins)):
        ordered = sorted(times)
        p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
        print(f"  {name:9}  median {statistics.median(times) * 1000:6.1f} ms   95th percentile {p95 * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
