"""Fill a kiosk journal file quickly for a benchmark: many events in one transaction, as the journal's own layout.

Not a way the kiosk writes (it commits each event on its own, synchronous=FULL): this only prepares a
journal of a given size so a benchmark can measure what comes after.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path

from kiosk.outbox.journal import Journal


def fill(path: Path, requests: Iterable, *, start: dt.datetime, step_seconds: float = 0.5,
         offline: bool = True, delivered: bool = False) -> int:
    """Append ``requests`` as events (occurred_at from ``start``, ``step_seconds`` apart); returns how many.

    ``delivered`` False: every event pending (a backlog to drain); True: all delivered (an old, busy journal).
    """
    Journal(path).close()  # the layout, created the kiosk's way
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    (last,) = db.execute("SELECT COALESCE(MAX(sequence), 0) FROM events").fetchone()
    db.execute("BEGIN")
    n = 0
    for n, request in enumerate(requests, 1):
        event_id, sequence = str(uuid.uuid4()), last + n
        when = (start + dt.timedelta(seconds=step_seconds * n)).isoformat()
        db.execute("INSERT INTO events (event_id, sequence, type, patron, request, occurred_at, offline, created_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (event_id, sequence, request.TYPE, getattr(request, "patron_barcode", None),
                    json.dumps(request.to_dict(), sort_keys=True), when, int(offline), when))
        state = "delivered" if delivered else "pending"
        db.execute("INSERT INTO deliveries (event_id, sequence, state, settled_at) VALUES (?, ?, ?, ?)",
                   (event_id, sequence, state, when if state == "delivered" else None))
    db.execute("COMMIT")
    # A kiosk's journal grows a little at a time and is checkpointed as it goes; fold this bulk write
    # into the file now, so the first scan measured does not pay for checkpointing 300,000 rows.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return n
