"""Catalog search on 50,000 items: GET /api/v1/search as a kiosk calls it, p50/p95/p99, on SQLite and PostgreSQL.

`python bench/search.py [--items 50000] [--queries 400]` fills an empty library with 25,000 titles of two
copies each (words from a small vocabulary, so common words match thousands of titles, with accented
Spanish titles among them), indexes them, and times each query from the request to the JSON answer
through the app (Flask test client: everything but the TCP hop). Queries mix common and rare words,
word starts a child types, authors, call numbers, accents left out, and nonsense. Prints figures only.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.central_api import temporary_postgres  # noqa: E402
from central.api.routes import token_hash  # noqa: E402
from central.app import create_app  # noqa: E402
from central.circulation.schools import add_school  # noqa: E402
from central.search import index  # noqa: E402
from central.store.db import Database  # noqa: E402
from central.store.migrate import upgrade  # noqa: E402
from central.store.models import Item, Kiosk, Title, TitleSubject  # noqa: E402

WORDS = ("shark owl volcano dragon river moon garden robot pirate castle forest ocean desert train rocket bear fox "
         "whale storm island secret friend winter summer soccer music kitchen planet").split()
SPANISH = "niño corazón canción árbol jardín ratón pingüino montaña".split()
AUTHORS = "García Nguyen Smith Okafor Müller Rossi Kim Patel Brown Silva Cohen Dubois Tanaka Haddad Peña".split()
QUERIES = ["shark", "sha", "dragon castle", "moon", "nino", "corazon", "pinguino", "garcia", "pena", "597.3",
           "fic kim", "e ros", "secret island winter", "zzyzx", "o", "the", "%", "'", "x" * 2000, "robot 42"]


def fill(db: Database, items: int, seed: int = 11) -> None:
    """Titles of two copies each, until ``items`` copies, then the search index."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    with db.writer() as session, session.begin():
        school = add_school(session, "bench", "Bench School", 4321)
        session.add(Kiosk(id="k-bench", name="Bench", school_id=school.id, token_hash=token_hash("bench-token")))
        session.flush()
        label = 0
        for start in range(0, items // 2, 1000):
            titles = []
            for _ in range(min(1000, items // 2 - start)):
                vocabulary = SPANISH if rng.random() < 0.1 else WORDS
                titles.append({"title": " ".join(rng.choice(vocabulary).capitalize() for _ in range(rng.randint(2, 5)))
                               + f" {rng.randint(1, 60)}", "author": f"{rng.choice(AUTHORS)}, {rng.choice('ABCDEFG')}.",
                               "audience": "fiction"})
            ids = list(session.scalars(sa.insert(Title).returning(Title.id, sort_by_parameter_order=True), titles))
            session.execute(sa.insert(TitleSubject), [{"title_id": i, "subject": f"{rng.choice(WORDS)} -- Fiction",
                                                       "position": 0} for i in ids])
            copies = []
            for title_id, title in zip(ids, titles):
                call = rng.choice((f"FIC {title['author'][:3].upper()}", f"E {title['author'][:3].upper()}",
                                   f"{rng.randint(0, 999):03d}.{rng.randint(0, 9)} {title['author'][:3].upper()}"))
                for _ in range(2):
                    label += 1
                    copies.append({"barcode": f"3{4321:04d}{label:09d}", "title_id": title_id, "school_id": school.id,
                                   "call_number": call, "location": "Shelves", "item_type": "book",
                                   "status": rng.choice(("available", "available", "on_loan")), "updated_at": now})
            session.execute(sa.insert(Item), copies)
        index.rebuild(session.connection())


def run(url: str, items: int, queries: int) -> None:
    """Fill a database at ``url`` and time the queries through the API."""
    db = Database(url)
    upgrade(db.engine)
    started = time.perf_counter()
    fill(db, items)
    print(f"  {db.engine.dialect.name}: {items} items filled and indexed in {time.perf_counter() - started:.1f} s",
          flush=True)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "bench"}, database=db)
    client = app.test_client()
    headers = {"Authorization": "Bearer bench-token"}
    for query in QUERIES:  # warm the caches once, as a running server is
        client.get("/api/v1/search", query_string={"q": query}, headers=headers)
    times, totals = [], {}
    for n in range(queries):
        query = QUERIES[n % len(QUERIES)]
        began = time.perf_counter()
        answer = client.get("/api/v1/search", query_string={"q": query}, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200
        totals[query] = answer.get_json()["total"]
    times.sort()
    pick = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
    print(f"  {db.engine.dialect.name:10s} {queries} queries  p50 {statistics.median(times):5.1f} ms  "
          f"p95 {pick(0.95):5.1f} ms  p99 {pick(0.99):5.1f} ms  max {times[-1]:5.1f} ms", flush=True)
    print("    hits: " + ", ".join(f"{q[:12]!r}={t}" for q, t in totals.items()), flush=True)
    db.dispose()


def main() -> int:
    """Time the search on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    print(f"Catalog search bench: {args.items} items, {args.queries} queries through GET /api/v1/search", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", args.items, args.queries)
    with temporary_postgres() as url:
        run(url, args.items, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
