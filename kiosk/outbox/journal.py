"""The journal: every checkout, return and renewal is committed here before anything is sent or shown.

SQLite in WAL mode with ``synchronous=FULL``, so a committed row survives a power cut. The layout
is kiosk/outbox/schema.py: immutable ``events`` and their ``deliveries`` (pending, delivered,
parked), counted by triggers so :meth:`Journal.counts` costs the same at 300,000 events as at 10.
The journal holds barcodes and typed requests and outcomes (protocol.wire), never a student's name.
"""
from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protocol.wire import CirculationEvent, CirculationOutcome, CirculationRequest, request_from_dict

from kiosk.backends.port import Delivery
from kiosk.outbox import schema

STATES = schema.STATES

_ENTRY = ("SELECT e.event_id, e.sequence, e.request, e.occurred_at, e.offline, e.decision, e.retry_of, e.created_at,"
          " d.state, d.attempts, d.last_error, d.outcome, d.decided_late, d.rejection_code, d.rejection_message,"
          " d.settled_at, d.resolution, d.resolution_note, d.retried_as, d.resolved_at"
          " FROM deliveries d JOIN events e ON e.event_id = d.event_id ")


class JournalError(RuntimeError):
    """The journal file cannot be opened or written; the message says what to check."""


@dataclass(frozen=True)
class Entry:
    """One event and where its delivery stands."""

    event: CirculationEvent
    state: str  # pending | delivered | parked
    attempts: int = 0
    last_error: str | None = None
    outcome: CirculationOutcome | None = None  # the backend's answer, once delivered
    decision: CirculationOutcome | None = None  # what the student was shown when the kiosk decided it
    rejection_code: str | None = None
    rejection_message: str | None = None
    settled_at: str | None = None
    resolution: str | None = None  # parked events staff dealt with: retried | resolved
    note: str | None = None
    retried_as: str | None = None
    retry_of: str | None = None
    created_at: str = ""
    resolved_at: str | None = None

    @property
    def event_id(self) -> str:
        """The event's UUID."""
        return self.event.event_id

    @property
    def shown(self) -> CirculationOutcome | None:
        """What the screen said: the backend's answer if there was one in time, else the kiosk's decision."""
        return self.outcome or self.decision


def _outcome(text: str | None) -> CirculationOutcome | None:
    return CirculationOutcome.from_dict(json.loads(text)) if text else None


def _json(outcome: CirculationOutcome | None) -> str | None:
    return json.dumps(outcome.to_dict(), sort_keys=True) if outcome is not None else None


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
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # 32 MiB of page cache: event ids are random UUIDs, so each new event lands on a random page of
            # its indexes; a journal of a few school years (300,000 events) keeps them all in memory.
            self._db.execute("PRAGMA cache_size=-32768")
            schema.prepare(self._db)
            # A backend's notes are read on a connection of their own: a delivery reading its numbering does
            # not wait for the previous batch's answers to be committed (WAL: it sees the last commit).
            self._notes = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
            self._notes_lock = threading.Lock()
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"The journal at {self.path} cannot be opened: {exc}") from exc

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()
        with self._notes_lock:
            self._notes.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    # ----- writing --------------------------------------------------------------------------
    def record(self, request: CirculationRequest, *, offline: bool = False,
               decision: CirculationOutcome | None = None, occurred_at=None,
               retry_of: str | None = None) -> CirculationEvent:
        """Commit a new pending event (new UUID, next local sequence) and return it."""
        with self._transaction() as db:
            return self._insert(db, request, offline, decision, occurred_at, retry_of)

    def _insert(self, db, request, offline, decision, occurred_at, retry_of) -> CirculationEvent:
        event_id = CirculationEvent.new_id()
        when = occurred_at or self.clock.now()
        if decision is not None:
            decision = CirculationOutcome.from_dict({**decision.to_dict(), "event_id": event_id})
        # Allocated inside the insert's transaction: gapless even with two processes on one file
        # (BEGIN IMMEDIATE takes the write lock first); MAX on the UNIQUE index is one look-up.
        (last,) = db.execute("SELECT COALESCE(MAX(sequence), 0) FROM events").fetchone()
        event = CirculationEvent(event_id=event_id, sequence=last + 1, occurred_at=when, request=request,
                                 offline=offline)
        db.execute("INSERT INTO events (event_id, sequence, type, patron, request, occurred_at, offline, decision,"
                   " retry_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (event_id, event.sequence, request.TYPE, getattr(request, "patron_barcode", None),
                    json.dumps(request.to_dict(), sort_keys=True),
                    when.isoformat(), int(offline), _json(decision), retry_of, self._now()))
        db.execute("INSERT INTO deliveries (event_id, sequence) VALUES (?, ?)", (event_id, event.sequence))
        return event

    def settle(self, deliveries: Sequence[Delivery], sent: Sequence[CirculationEvent] = ()) -> list[Entry]:
        """Commit the backend's answers in one transaction: outcomes delivered, rejections parked.

        A transient rejection leaves its event pending with the reason noted. Returns the entries
        that changed state (an event already settled stays as it was), in the order given. ``sent``
        are the events as :meth:`pending` gave them: their requests and the answers' outcomes are
        taken as they are instead of being read back from their JSON (a backlog settles 500 a batch).
        """
        now = self._now()
        ids = [d.event_id for d in deliveries]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self._transaction() as db:
            still = {row[0] for row in db.execute(
                f"SELECT event_id FROM deliveries WHERE state = 'pending' AND event_id IN ({marks})", ids)}
            delivered = [(_json(d.outcome), now, now, d.event_id) for d in deliveries
                         if d.event_id in still and d.outcome is not None]
            parked = [(d.rejection.code, d.rejection.message[:500], now, now, d.event_id) for d in deliveries
                      if d.event_id in still and d.outcome is None and not d.rejection.transient]
            held = [(now, d.rejection.detail[:500], d.event_id) for d in deliveries
                    if d.event_id in still and d.outcome is None and d.rejection.transient]
            db.executemany("UPDATE deliveries SET state = 'delivered', outcome = ?, settled_at = ?,"
                           " attempts = attempts + 1, last_attempt_at = ?, last_error = NULL WHERE event_id = ?",
                           delivered)
            db.executemany("UPDATE deliveries SET state = 'parked', rejection_code = ?, rejection_message = ?,"
                           " settled_at = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = NULL"
                           " WHERE event_id = ?", parked)
            db.executemany("UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?"
                           " WHERE event_id = ?", held)
            changed = [row[-1] for row in delivered] + [row[-1] for row in parked]
            rows = db.execute(_ENTRY + f"WHERE d.event_id IN ({','.join('?' * len(changed))})",
                              changed).fetchall() if changed else []
        events = {e.event_id: e for e in sent}
        outcomes = {d.event_id: d.outcome for d in deliveries if d.outcome is not None}
        found = {r[0]: _entry(r, events.get(r[0]), outcomes.get(r[0]) if r[8] == "delivered" else None)
                 for r in rows}
        return [found[i] for i in ids if i in found]

    def note_attempt(self, event_ids: Sequence[str], error: str) -> None:
        """Count a send that got no answer; the events stay pending."""
        now = self._now()
        with self._transaction() as db:
            db.executemany("UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?"
                           " WHERE event_id = ? AND state = 'pending'", [(now, error[:500], i) for i in event_ids])

    def decide_late(self, event_id: str, decision: CirculationOutcome) -> bool:
        """A live send got no answer in time and the offline policy decided: keep what the student was told.

        From now on the event is forwarded as an offline one (it is being forwarded later, and the
        server must apply it as of when it happened). False if it was answered meanwhile.
        """
        with self._transaction() as db:
            cursor = db.execute("UPDATE deliveries SET decided_late = ? WHERE event_id = ? AND state = 'pending'"
                                " AND decided_late IS NULL", (_json(decision), event_id))
        return cursor.rowcount == 1

    def retry(self, event_id: str, note: str = "") -> CirculationEvent | None:
        """Staff: send a parked event's request again as a new event at the end of the queue.

        The new event keeps the original's occurred_at and offline flag (it is still what happened
        then); the parked one is marked retried and points at it. None if it is not an open parked event.
        """
        entry = self.get(event_id)
        if entry is None or entry.state != "parked" or entry.resolution is not None:
            return None
        with self._transaction() as db:  # the new event and the mark together, or neither
            cursor = db.execute("UPDATE deliveries SET resolution = 'retried', resolution_note = ?, resolved_at = ?"
                                " WHERE event_id = ? AND state = 'parked' AND resolution IS NULL",
                                (note[:500] or None, self._now(), event_id))
            if cursor.rowcount != 1:
                return None  # another staff screen got there first
            new = self._insert(db, entry.event.request, entry.event.offline, entry.decision,
                               entry.event.occurred_at, event_id)
            db.execute("UPDATE deliveries SET retried_as = ? WHERE event_id = ?", (new.event_id, event_id))
        return new

    def resolve(self, event_id: str, note: str) -> bool:
        """Staff: mark a parked event dealt with, keeping their note; False if it is not an open parked event."""
        with self._transaction() as db:
            cursor = db.execute("UPDATE deliveries SET resolution = 'resolved', resolution_note = ?, resolved_at = ?"
                                " WHERE event_id = ? AND state = 'parked' AND resolution IS NULL",
                                (note[:500], self._now(), event_id))
        return cursor.rowcount == 1

    # ----- reading --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """pending, delivered, parked (all ever), parked_open (waiting for staff) and total: one indexed read."""
        with self._lock:
            found = dict(self._db.execute("SELECT name, n FROM counters").fetchall())
        counts = {name: found.get(name, 0) for name in schema.COUNTERS}
        counts["total"] = sum(counts[s] for s in STATES)
        return counts

    def pending(self, limit: int = 500, after: int = 0) -> list[CirculationEvent]:
        """Pending events as they go on the wire, lowest sequence first (the order they must be sent in).

        ``after``: only those numbered after it (the batch behind one whose answers are not committed yet).
        """
        with self._lock:
            # A live event the kiosk decided after its send went unanswered goes out as offline.
            rows = self._db.execute(
                "SELECT e.event_id, e.sequence, e.request, e.occurred_at, e.offline OR d.decided_late IS NOT NULL"
                " FROM deliveries d JOIN events e ON e.event_id = d.event_id WHERE d.state = 'pending'"
                " AND d.sequence > ? ORDER BY d.sequence LIMIT ?", (after, limit)).fetchall()
        return [_event(*row) for row in rows]

    def offline_checkouts(self, patron_barcode: str) -> int:
        """How many checkouts the kiosk decided offline for this patron that are still waiting to be delivered."""
        with self._lock:
            (n,) = self._db.execute(
                "SELECT COUNT(*) FROM events e JOIN deliveries d ON d.event_id = e.event_id WHERE e.patron = ?"
                " AND e.type = 'checkout' AND e.offline = 1 AND d.state = 'pending'", (patron_barcode,)).fetchone()
        return n

    def get(self, event_id: str) -> Entry | None:
        """One event and its delivery."""
        rows = self._entries("WHERE d.event_id = ?", (event_id,))
        return rows[0] if rows else None

    def parked(self, limit: int = 100, open_only: bool = True) -> list[Entry]:
        """Parked events, oldest first (only those waiting for staff unless ``open_only`` is False)."""
        where = "WHERE d.state = 'parked'" + (" AND d.resolution IS NULL" if open_only else "")
        return self._entries(where + " ORDER BY d.sequence LIMIT ?", (limit,))

    def recent(self, limit: int = 20) -> list[Entry]:
        """The newest events, newest first (for the staff screen)."""
        return self._entries("ORDER BY d.sequence DESC LIMIT ?", (limit,))

    def last_delivered_at(self) -> str | None:
        """When the backend last answered an event (the newest settled delivery)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(settled_at) FROM deliveries WHERE state != 'pending'").fetchone()
        return row[0]

    def integrity(self) -> str:
        """SQLite's own check of the file: "ok" when it is sound."""
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    # ----- a backend's own notes ------------------------------------------------------------------
    def state_get(self, key: str) -> Any:
        """A backend's note (JSON), or None."""
        with self._notes_lock:
            row = self._notes.execute("SELECT value FROM backend_state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def state_set(self, key: str, value: Any) -> None:
        """Keep a backend's note (JSON), committed at once."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO backend_state (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def _entries(self, where: str, args: tuple) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(_ENTRY + where, args).fetchall()
        return [_entry(r) for r in rows]


def _entry(r: tuple, sent: CirculationEvent | None = None, outcome: CirculationOutcome | None = None) -> Entry:
    """An _ENTRY row as an Entry; ``sent`` and ``outcome``, when given, are the row's request and answer already read."""
    if sent is not None and sent.sequence == r[1]:
        # pending() sends a late-decided live event as offline; the entry keeps what was journaled.
        event = sent if sent.offline == bool(r[4]) else dataclasses.replace(sent, offline=bool(r[4]))
    else:
        event = _event(r[0], r[1], r[2], r[3], r[4])
    return Entry(event=event, state=r[8], attempts=r[9], last_error=r[10],
                 outcome=outcome if outcome is not None else _outcome(r[11]),
                 decision=_outcome(r[5]) or _outcome(r[12]), rejection_code=r[13],
                 rejection_message=r[14], settled_at=r[15], resolution=r[16], note=r[17], retried_as=r[18],
                 retry_of=r[6], created_at=r[7], resolved_at=r[19])


def _event(event_id: str, sequence: int, request: str, occurred_at: str, offline: int) -> CirculationEvent:
    import datetime as dt

    return CirculationEvent(event_id=event_id, sequence=sequence, occurred_at=dt.datetime.fromisoformat(occurred_at),
                            request=request_from_dict(json.loads(request)), offline=bool(offline))
