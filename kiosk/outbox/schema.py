"""The journal file's layout (version 2) and the in-place migration of a version 1 journal.

Version 2 keeps two kinds of record apart:

- ``events``: one immutable row per circulation event (UUID, gapless local sequence, type, the
  typed request as JSON, occurred_at, the offline flag, the decision shown to the student).
  Triggers refuse every UPDATE and DELETE, so not even a bug can rewrite what happened.
- ``deliveries``: one row per event saying where it stands: ``pending``, ``delivered`` (the
  backend's answer is kept) or ``parked`` (refused as a request; staff retry or resolve it with a
  note, and the row says which). ``decided_late`` keeps the offline policy's decision for an event
  whose live send got no answer in time (the student was told that decision; it is forwarded as
  offline). Never deleted.

``counters`` is kept by triggers in the same transactions, so the status bar's counts are one
indexed read however long the journal grows (a busy kiosk writes 300,000 events in a few years).
``backend_state`` is a small key/value table a backend keeps its own notes in (the central
backend's wire numbering), so they live and die with the journal they describe.

Version 1 (the kiosk's journal before this layout: ``events`` with a ``state`` column, and a
``numbering`` table) is migrated in one transaction the first time a new kiosk opens it.
"""
from __future__ import annotations

import json
import logging
import sqlite3

log = logging.getLogger("kiosk.journal")

VERSION = 2
STATES = ("pending", "delivered", "parked")
COUNTERS = STATES + ("parked_open",)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id    TEXT PRIMARY KEY,
    sequence    INTEGER NOT NULL UNIQUE CHECK (sequence > 0),
    type        TEXT NOT NULL CHECK (type IN ('checkout', 'checkin', 'renew')),
    patron      TEXT,
    request     TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    offline     INTEGER NOT NULL CHECK (offline IN (0, 1)),
    decision    TEXT,
    retry_of    TEXT,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    event_id          TEXT PRIMARY KEY REFERENCES events (event_id),
    sequence          INTEGER NOT NULL UNIQUE,
    state             TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'parked')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_attempt_at   TEXT,
    last_error        TEXT,
    outcome           TEXT,
    decided_late      TEXT,
    rejection_code    TEXT,
    rejection_message TEXT,
    settled_at        TEXT,
    resolution        TEXT CHECK (resolution IN ('retried', 'resolved')),
    resolution_note   TEXT,
    retried_as        TEXT,
    resolved_at       TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state, sequence);
CREATE INDEX IF NOT EXISTS events_by_patron ON events (patron, type, offline);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS backend_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_are_immutable BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are immutable'); END;
CREATE TRIGGER IF NOT EXISTS events_are_kept BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal events are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS deliveries_are_kept BEFORE DELETE ON deliveries
BEGIN SELECT RAISE(ABORT, 'delivery records are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS deliveries_counted AFTER INSERT ON deliveries
BEGIN
    UPDATE counters SET n = n + 1 WHERE name = NEW.state;
    UPDATE counters SET n = n + 1 WHERE name = 'parked_open' AND NEW.state = 'parked' AND NEW.resolution IS NULL;
END;
CREATE TRIGGER IF NOT EXISTS deliveries_recounted AFTER UPDATE OF state, resolution ON deliveries
BEGIN
    UPDATE counters SET n = n - 1 WHERE name = OLD.state;
    UPDATE counters SET n = n + 1 WHERE name = NEW.state;
    UPDATE counters SET n = n - (OLD.state = 'parked' AND OLD.resolution IS NULL)
                              + (NEW.state = 'parked' AND NEW.resolution IS NULL)
        WHERE name = 'parked_open';
END;
"""


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """The column names of ``table`` (empty when it does not exist)."""
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def prepare(db: sqlite3.Connection) -> None:
    """Create the version 2 layout, migrating a version 1 journal first; one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        old = "state" in columns(db, "events")
        if old:
            db.execute("ALTER TABLE events RENAME TO events_v1")
        # executescript() would COMMIT first: the statements run one by one inside this transaction.
        for statement in _statements(SCHEMA):
            db.execute(statement)
        for name in COUNTERS:
            db.execute("INSERT OR IGNORE INTO counters (name, n) VALUES (?, 0)", (name,))
        if old:
            _migrate_v1(db)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(VERSION),))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    # Triggers hold ';' inside BEGIN ... END; sqlite3.complete_statement tells where one really ends.
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


def _migrate_v1(db: sqlite3.Connection) -> None:
    """Copy a version 1 journal's rows into the version 2 tables; keep its numbering for the central backend."""
    rows = db.execute("SELECT event_id, sequence, type, payload, occurred_at, state, result, attempts, last_error,"
                      " created_at, acked_at FROM events_v1 ORDER BY sequence").fetchall()
    for event_id, sequence, type_, payload, occurred_at, state, result, attempts, last_error, created, acked in rows:
        request = {"type": type_, **json.loads(payload)}
        db.execute("INSERT INTO events (event_id, sequence, type, patron, request, occurred_at, offline, created_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                   (event_id, sequence, type_, request.get("patron_barcode"), json.dumps(request, sort_keys=True),
                    occurred_at, created))
        delivered = state in ("acked", "refused")
        db.execute("INSERT INTO deliveries (event_id, sequence, state, attempts, last_error, outcome, settled_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (event_id, sequence, "delivered" if delivered else "pending", attempts, last_error,
                    json.dumps(outcome_from_v1(event_id, result), sort_keys=True) if delivered and result else None,
                    acked))
    numbering = db.execute("SELECT start_after, known FROM numbering").fetchone() \
        if columns(db, "numbering") else None
    # Version 1 numbered its rows on the wire's own numbers: the wire is the local sequence, offset 0.
    # A journal that started without the server's last sequence may still be renumbered once.
    confirmed = True if numbering is None else bool(numbering[1])
    db.execute("INSERT OR REPLACE INTO backend_state (key, value) VALUES ('central.numbering', ?)",
               (json.dumps({"offset": 0, "confirmed": confirmed}),))
    db.execute("DROP TABLE events_v1")
    if numbering is not None:
        db.execute("DROP TABLE numbering")
    log.warning("journal migrated from version 1: %d events (%d pending)", len(rows),
                sum(1 for r in rows if r[5] == "pending"))


def outcome_from_v1(event_id: str, result: str | None) -> dict | None:
    """A version 1 answer (the central server's JSON, names already scrubbed) as a CirculationOutcome dict."""
    if not result:
        return None
    raw = json.loads(result)
    checkin = raw.get("checkin")
    if isinstance(checkin, dict):
        checkin = {**checkin, "on_hold": bool(checkin.get("hold_for") or checkin.get("on_hold")),
                   "routing": checkin.get("routing") if checkin.get("routing") in ("shelf", "hold_shelf") else "shelf"}
    return {"event_id": raw.get("event_id") or event_id, "ok": bool(raw.get("ok")), "renewed": bool(raw.get("renewed")),
            "replayed": bool(raw.get("replayed")), "offline": False, "loan": raw.get("loan"), "checkin": checkin,
            "refusal": raw.get("refusal"), "exceptions": list(raw.get("offline_exceptions") or [])}
