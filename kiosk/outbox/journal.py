"""The write-ahead journal: every checkout, checkin and renew is committed here before it is sent.

SQLite in WAL mode with ``synchronous=FULL``, so a committed row survives a power cut. A row
starts ``pending``; the backend's answer turns it ``acked`` or ``refused`` in one transaction
before the screen says done. Rows are never deleted: the sequence stays gapless, and the
``event_id`` (a UUID made here) is what makes re-sending exactly-once on the server.
The journal keeps barcodes only, never a student's name.

Numbering: a new (or replaced) journal continues after the server's last sequence for this kiosk
(``numbering`` row, committed with the first event). A journal that started without knowing it
(server unreachable) is marked so, and only such a journal may be renumbered after a
``sequence_conflict`` (:meth:`Journal.renumber_after`); once the server has settled its lowest
pending event its numbering is confirmed and never changes again.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.circulation import EVENT_TYPES

STATES = ("pending", "acked", "refused")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id    TEXT PRIMARY KEY,
    sequence    INTEGER NOT NULL UNIQUE,
    type        TEXT NOT NULL CHECK (type IN ('checkout', 'checkin', 'renew')),
    payload     TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'refused')),
    result      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    acked_at    TEXT
);
CREATE INDEX IF NOT EXISTS events_by_state ON events (state, sequence);
CREATE TABLE IF NOT EXISTS numbering (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    start_after INTEGER NOT NULL,
    known       INTEGER NOT NULL CHECK (known IN (0, 1))
);
"""

# Keys whose values are people's names; the server may send them, the journal never keeps them.
_NAME_KEYS = ("display_name", "hold_for")


@dataclass(frozen=True)
class JournalEvent:
    """One row of the journal."""

    event_id: str
    sequence: int
    type: str
    payload: dict[str, Any]
    occurred_at: str
    state: str
    result: dict[str, Any] | None
    attempts: int
    last_error: str | None
    created_at: str
    acked_at: str | None

    def wire(self, offline: bool = False) -> dict[str, Any]:
        """The body the central API expects for this event (same event_id on every send)."""
        return {"event_id": self.event_id, "sequence": self.sequence, "occurred_at": self.occurred_at,
                "offline": offline, **self.payload}


class JournalError(RuntimeError):
    """The journal file cannot be opened or written; the message says what to check."""


class Journal:
    """The SQLite outbox of circulation events, safe to share between threads."""

    def __init__(self, path: str | Path, clock=None):
        from kiosk.clock import SystemClock

        self.path = Path(path)
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are opened explicitly with BEGIN IMMEDIATE below.
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                       timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"The journal at {self.path} cannot be opened: {exc}") from exc

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def record(self, type_: str, payload: dict[str, Any], *, server_last: int | None = None) -> JournalEvent:
        """Commit a new ``pending`` event (new UUID, next sequence) and return it.

        ``server_last`` is the server's last sequence for this kiosk when the caller asked (None when
        it could not): a journal's first event numbers after it and keeps it, in the same transaction.
        """
        if type_ not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type_!r}")
        event_id = str(uuid.uuid4())
        now = self.clock.now().isoformat(timespec="seconds")
        with self._transaction():
            self._start_if_new(server_last)
            # The sequence is allocated inside the same transaction as the insert: gapless,
            # even with two processes on one file (BEGIN IMMEDIATE takes the write lock first).
            (last,) = self._db.execute(
                "SELECT MAX(COALESCE((SELECT MAX(sequence) FROM events), 0),"
                " COALESCE((SELECT start_after FROM numbering), 0))").fetchone()
            self._db.execute(
                "INSERT INTO events (event_id, sequence, type, payload, occurred_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, last + 1, type_, json.dumps(payload, sort_keys=True), now, now))
        return self.get(event_id)

    def needs_start(self) -> bool:
        """True while the journal holds no events and has not learned where its numbering starts."""
        with self._lock:
            return self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM events)"
                                    " AND NOT EXISTS (SELECT 1 FROM numbering)").fetchone()[0] == 1

    def start_after(self, server_last: int) -> bool:
        """Number after the server's last sequence if the journal is still empty and unstarted; True if taken."""
        with self._transaction():
            return self._start_if_new(server_last)

    def renumberable(self) -> bool:
        """True if the numbering started without the server's last sequence and the server never confirmed it."""
        with self._lock:
            row = self._db.execute("SELECT known FROM numbering").fetchone()
        return row is not None and row[0] == 0

    def renumber_after(self, server_last: int) -> list[tuple[str, int, int]]:
        """Give the pending events new sequences after ``server_last`` (order and event_ids kept), in one
        transaction, and mark the numbering known; returns (event_id, old, new), empty if not renumberable."""
        with self._transaction():
            row = self._db.execute("SELECT known FROM numbering").fetchone()
            if row is None or row[0] != 0:
                return []
            pending = self._db.execute(
                "SELECT event_id, sequence FROM events WHERE state = 'pending' ORDER BY sequence").fetchall()
            (settled_max,) = self._db.execute(
                "SELECT COALESCE(MAX(sequence), 0) FROM events WHERE state != 'pending'").fetchone()
            base = max(server_last, settled_max)
            # Negative first: the UNIQUE sequence is checked row by row, and old and new numbers overlap.
            self._db.execute("UPDATE events SET sequence = -sequence WHERE state = 'pending'")
            moves = [(event_id, old, base + n) for n, (event_id, old) in enumerate(pending, 1)]
            self._db.executemany("UPDATE events SET sequence = ?, last_error = NULL WHERE event_id = ?",
                                 [(new, event_id) for event_id, _, new in moves])
            self._db.execute("UPDATE numbering SET start_after = ?, known = 1", (base,))
        return moves

    def _start_if_new(self, server_last: int | None) -> bool:
        # Only a journal with no events starts its numbering: a journal with events (or one made
        # before this table existed) keeps the numbers it has, and no row means "known".
        cursor = self._db.execute(
            "INSERT INTO numbering (id, start_after, known) SELECT 1, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM events) AND NOT EXISTS (SELECT 1 FROM numbering)",
            (server_last or 0, 0 if server_last is None else 1))
        return cursor.rowcount == 1

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def settle(self, event_id: str, state: str, result: dict[str, Any]) -> bool:
        """Record the backend's answer (acked or refused) in one transaction; False if already settled."""
        if state not in ("acked", "refused"):
            raise ValueError(f"an answer settles an event as acked or refused, not {state!r}")
        now = self.clock.now().isoformat(timespec="seconds")
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE events SET state = ?, result = ?, acked_at = ?, attempts = attempts + 1, last_error = NULL"
                " WHERE event_id = ? AND state = 'pending'",
                (state, json.dumps(scrub_names(result), sort_keys=True), now, event_id))
            # The server stored the lowest event still waiting: the numbering fits the server's, and
            # from now on this journal is never renumbered.
            if cursor.rowcount == 1:
                self._db.execute(
                    "UPDATE numbering SET known = 1 WHERE known = 0 AND NOT EXISTS (SELECT 1 FROM events"
                    " WHERE state = 'pending' AND sequence < (SELECT sequence FROM events WHERE event_id = ?))",
                    (event_id,))
        return cursor.rowcount == 1

    def note_failure(self, event_id: str, error: str) -> None:
        """Count a send that got no answer; the row stays pending for the sync worker."""
        with self._lock:
            self._db.execute("UPDATE events SET attempts = attempts + 1, last_error = ? WHERE event_id = ?",
                             (error[:500], event_id))

    def get(self, event_id: str) -> JournalEvent | None:
        """One event by its id."""
        rows = self._select("WHERE event_id = ?", (event_id,))
        return rows[0] if rows else None

    def pending(self, limit: int = 500) -> list[JournalEvent]:
        """Pending events, oldest sequence first (the order they must be re-sent in)."""
        return self._select("WHERE state = 'pending' ORDER BY sequence LIMIT ?", (limit,))

    def find_pending(self, type_: str, payload: dict[str, Any]) -> JournalEvent | None:
        """A pending event of the same kind for the same barcodes, so a retry re-uses its event_id."""
        rows = self._select("WHERE state = 'pending' AND type = ? AND payload = ? ORDER BY sequence LIMIT 1",
                            (type_, json.dumps(payload, sort_keys=True)))
        return rows[0] if rows else None

    def recent(self, limit: int = 20) -> list[JournalEvent]:
        """The newest events, newest first (for the staff screen)."""
        return self._select("ORDER BY sequence DESC LIMIT ?", (limit,))

    def counts(self) -> dict[str, int]:
        """How many events are pending, acked and refused."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM events GROUP BY state").fetchall()
        found = dict(rows)
        return {state: found.get(state, 0) for state in STATES}

    def _select(self, where: str, args: tuple) -> list[JournalEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT event_id, sequence, type, payload, occurred_at, state, result, attempts, last_error,"
                f" created_at, acked_at FROM events {where}", args).fetchall()
        return [JournalEvent(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5],
                             json.loads(r[6]) if r[6] else None, r[7], r[8], r[9], r[10]) for r in rows]


def scrub_names(value: Any) -> Any:
    """Replace people's names in a server answer with True, so the journal keeps barcodes only."""
    if isinstance(value, dict):
        return {k: (bool(v) if k in _NAME_KEYS and v else scrub_names(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_names(v) for v in value]
    return value
