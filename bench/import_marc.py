"""MARC import: 20,000 records with holdings into an empty school, on SQLite and on PostgreSQL, then the same file again.

`python bench/import_marc.py [--records 20000]` makes a MARC 21 file (UTF-8, one to three copies per
record in 852 or 952, ISBNs, subjects) and times what the librarian waits for: from the file's bytes
to the finished report the result page shows (reading, checking, writing in batches, the search index,
the audit entry). Then the same file again, which changes nothing. Prints figures; asserts none.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.central_api import temporary_postgres  # noqa: E402
from central.circulation.schools import add_school  # noqa: E402
from central.clock import SystemClock  # noqa: E402
from central.imports.marc.importer import import_marc  # noqa: E402
from central.store.db import Database  # noqa: E402
from central.store.migrate import upgrade  # noqa: E402
from tests.central.imports.marc_files import binary, book, holding, label  # noqa: E402

WORDS = ("shark owl volcano dragon river moon garden robot pirate castle forest ocean desert train rocket "
         "bear fox whale storm island secret friend winter summer soccer music kitchen planet").split()
AUTHORS = ("García Nguyen Smith Okafor Müller Rossi Kim Patel Brown Silva Cohen Dubois Tanaka Haddad").split()


def catalog_file(count: int, seed: int = 7) -> bytes:
    """``count`` records with 1 to 3 copies each (label numbers from 1), as one MARC 21 file."""
    rng = random.Random(seed)
    records, next_label = [], 1
    for n in range(count):
        title = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(2, 5)))
        author = f"{rng.choice(AUTHORS)}, {rng.choice('ABCDEFGHJKLMNPRST')}."
        copies = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            tag = rng.choice(("852", "952"))
            call = rng.choice((f"E {author[:3].upper()}", f"FIC {author[:3].upper()}",
                               f"{rng.randint(0, 999):03d}.{rng.randint(0, 9)} {author[:3].upper()}"))
            copies.append(holding(tag, label(next_label, 4321), call, "Shelves", "BK", f"{rng.randint(5, 30)}.99"))
            next_label += 1
        records.append(book(f"b{n:06d}", title, author, isbns=[_isbn(rng)], holdings=copies,
                            subjects=[f"{rng.choice(WORDS).capitalize()} -- Juvenile literature"]))
    return binary(*records)


def _isbn(rng: random.Random) -> str:
    from stdnum import ean

    body = "978" + "".join(str(rng.randrange(10)) for _ in range(9))
    return body + ean.calc_check_digit(body)


def run(url: str, data: bytes, records: int) -> None:
    """Import the file twice into a fresh database at ``url`` and print the figures."""
    db = Database(url)
    upgrade(db.engine)
    with db.writer() as session, session.begin():
        add_school(session, "bench", "Bench School", 4321)
    for attempt in ("first import", "same file again"):
        started = time.perf_counter()
        report = import_marc(db, data, file_name="bench.mrc", now=SystemClock().now())
        seconds = time.perf_counter() - started
        print(f"  {db.engine.dialect.name:10s} {attempt:16s} {records:6d} records  {seconds:6.1f} s  "
              f"{records / seconds:7.0f} records/s   {report.summary('en')}", flush=True)
    db.dispose()


def main() -> int:
    """Make the file, then time it on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    data = catalog_file(args.records)
    print(f"MARC import bench: {args.records} records, {len(data) / 1e6:.1f} MB "
          f"(made in {time.perf_counter() - started:.1f} s)", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", data, args.records)
    with temporary_postgres() as url:
        run(url, data, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
