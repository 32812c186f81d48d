"""The local caches the offline policy decides from: patrons (hashed card numbers only), items, loan rules.

A SQLite file next to the journal (``cache.db``): losing it loses nothing, the next delta sync
fills it again. Patrons are found by the keyed hash of a scanned barcode or a tapped card UID
(``protocol.wire.identifier_digest`` with the library's key from the sync), so the file lists no
card numbers; it keeps the display name ("Maria G."), patron type, blocked/expired flags and
whether a PIN is needed. For a tapped card it keeps the patron's barcode sealed under that card's
UID (``protocol.wire.seal_barcode``): only a tap of that very card opens it, so a student who taps
can borrow offline and the forwarded checkout names the borrower.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

from protocol.wire import CachedItem, CachedPatron, LoanRules, identifier_digest, unseal_barcode

_SCHEMA = """
CREATE TABLE IF NOT EXISTS patrons (
    patron_key     TEXT PRIMARY KEY,
    barcode_digest TEXT NOT NULL,
    record         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS patrons_by_barcode ON patrons (barcode_digest);
CREATE TABLE IF NOT EXISTS patron_cards (
    card_digest    TEXT PRIMARY KEY,
    patron_key     TEXT NOT NULL,
    sealed_barcode TEXT
);
CREATE INDEX IF NOT EXISTS cards_by_patron ON patron_cards (patron_key);
CREATE TABLE IF NOT EXISTS items (
    barcode TEXT PRIMARY KEY,
    record  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Caches:
    """Patron, item and loan-rule caches in one SQLite file; safe to share between threads."""

    def __init__(self, path: str | Path, clock):
        self.path, self.clock = Path(path), clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._key: bytes | None = None
        self._rules: LoanRules | None = None

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    # ----- meta ---------------------------------------------------------------------------------
    def meta(self, key: str):
        """A stored value (JSON) or None."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _set_meta(self, db, key: str, value) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def _key_bytes(self) -> bytes | None:
        if self._key is None:
            text = self.meta("hash_key")
            self._key = bytes.fromhex(text) if text else None
        return self._key

    # ----- writing (delta sync) -------------------------------------------------------------------
    def store_patrons(self, records, cursor: str, hash_key: str | None) -> None:
        """Apply one page of patron changes (deletes included) and its cursor, in one transaction."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                if hash_key and hash_key != self.meta_unlocked("hash_key"):
                    # A new library key: every stored digest is useless, start the patrons afresh.
                    db.execute("DELETE FROM patrons")
                    db.execute("DELETE FROM patron_cards")
                    self._set_meta(db, "hash_key", hash_key)
                    self._key = None
                for record in records:
                    db.execute("DELETE FROM patron_cards WHERE patron_key = ?", (record.patron_key,))
                    if record.deleted:
                        db.execute("DELETE FROM patrons WHERE patron_key = ?", (record.patron_key,))
                        continue
                    db.execute("INSERT OR REPLACE INTO patrons (patron_key, barcode_digest, record) VALUES (?, ?, ?)",
                               (record.patron_key, record.barcode_digest, json.dumps(record.to_dict())))
                    sealed = record.card_barcodes or (None,) * len(record.card_digests)
                    db.executemany("INSERT OR REPLACE INTO patron_cards (card_digest, patron_key, sealed_barcode)"
                                   " VALUES (?, ?, ?)", [(card, record.patron_key, seal)
                                                         for card, seal in zip(record.card_digests, sealed)])
                self._set_meta(db, "patrons_cursor", cursor)
                self._set_meta(db, "patrons_synced_at", self.clock.now().isoformat(timespec="seconds"))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def meta_unlocked(self, key: str):
        """A stored value read by a caller that already holds the lock."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def store_items(self, records, cursor: str) -> None:
        """Apply one page of item changes and its cursor, in one transaction."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for record in records:
                    if record.deleted:
                        db.execute("DELETE FROM items WHERE barcode = ?", (record.barcode,))
                    else:
                        db.execute("INSERT OR REPLACE INTO items (barcode, record) VALUES (?, ?)",
                                   (record.barcode, json.dumps(record.to_dict())))
                self._set_meta(db, "items_cursor", cursor)
                self._set_meta(db, "items_synced_at", self.clock.now().isoformat(timespec="seconds"))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def store_loan_rules(self, rules: LoanRules) -> None:
        """Keep the loan policies and calendar."""
        with self._lock:
            self._set_meta(self._db, "loan_rules", rules.to_dict())
            self._set_meta(self._db, "rules_synced_at", self.clock.now().isoformat(timespec="seconds"))
            self._rules = rules

    # ----- reading (the offline policy) ----------------------------------------------------------------
    def patron_by_barcode(self, barcode: str) -> tuple[CachedPatron, str | None] | None:
        """The cached patron whose card barcode this is (and the barcode), or None."""
        key = self._key_bytes()
        if key is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT record FROM patrons WHERE barcode_digest = ?",
                                   (identifier_digest(key, "barcode", barcode),)).fetchone()
        return (CachedPatron.from_dict(json.loads(row[0])), barcode) if row else None

    def patron_by_card(self, card_uid: str) -> tuple[CachedPatron, str | None] | None:
        """The cached patron whose card UID this is, with their barcode opened by this card (None if not sealed)."""
        key = self._key_bytes()
        if key is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT p.record, c.sealed_barcode FROM patron_cards c JOIN patrons p ON p.patron_key = c.patron_key"
                " WHERE c.card_digest = ?", (identifier_digest(key, "card_uid", card_uid),)).fetchone()
        if not row:
            return None
        try:
            barcode = unseal_barcode(key, card_uid, row[1]) if row[1] else None
        except (ValueError, UnicodeDecodeError):
            barcode = None  # a damaged seal: the tap signs in, borrowing asks for the card's barcode
        return CachedPatron.from_dict(json.loads(row[0])), barcode

    def item(self, barcode: str) -> CachedItem | None:
        """The cached item, or None."""
        with self._lock:
            row = self._db.execute("SELECT record FROM items WHERE barcode = ?", (barcode,)).fetchone()
        return CachedItem.from_dict(json.loads(row[0])) if row else None

    def loan_rules(self) -> LoanRules | None:
        """The cached loan policies and calendar, or None before the first sync."""
        if self._rules is None:
            data = self.meta("loan_rules")
            self._rules = LoanRules.from_dict(data) if data else None
        return self._rules

    def freshness(self) -> dict:
        """When each cache was last synced and how many records it holds (for staff)."""
        with self._lock:
            (patrons,) = self._db.execute("SELECT COUNT(*) FROM patrons").fetchone()
            (items,) = self._db.execute("SELECT COUNT(*) FROM items").fetchone()
        return {"patrons": patrons, "items": items, "patrons_synced_at": self.meta("patrons_synced_at"),
                "items_synced_at": self.meta("items_synced_at"), "rules_synced_at": self.meta("rules_synced_at")}

    def age_seconds(self) -> float | None:
        """Seconds since the patron cache was last synced (None if never)."""
        when = self.meta("patrons_synced_at")
        if not when:
            return None
        return (self.clock.now() - dt.datetime.fromisoformat(when)).total_seconds()
