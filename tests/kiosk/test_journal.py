"""The journal v2: immutable events, delivery records, kept counters, parking, retry and resolve, and migration."""
from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from kiosk.backends.port import BackendRejected, Delivery
from kiosk.outbox.journal import Journal, JournalError
from protocol.wire import CheckinRequest, CheckoutRequest, CirculationOutcome, Loan
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOK3, MARIA


@pytest.fixture
def journal(tmp_path, clock):
    j = Journal(tmp_path / "journal.db", clock)
    yield j
    j.close()


def checkout(book=BOOK1):
    return CheckoutRequest(patron_barcode=MARIA, item_barcode=book)


def answered(event, ok=True):
    return Delivery(event.event_id, outcome=CirculationOutcome(event.event_id, ok, loan=Loan(event.request.item_barcode)))


def test_given_a_new_journal_when_opened_then_it_is_wal_with_full_sync_and_version_2(journal):
    """GIVEN a new file WHEN opened THEN SQLite runs in WAL mode with synchronous=FULL, layout version 2."""
    db = journal._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"


def test_given_an_event_when_recorded_then_it_is_pending_typed_and_cannot_be_changed_or_deleted(journal):
    """GIVEN a recorded checkout WHEN anything tries to UPDATE or DELETE the event THEN SQLite refuses."""
    event = journal.record(checkout(), offline=True)
    entry = journal.get(event.event_id)
    assert entry.state == "pending" and entry.event == event and entry.event.offline
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        journal._db.execute("UPDATE events SET request = '{}' WHERE event_id = ?", (event.event_id,))
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        journal._db.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        journal._db.execute("DELETE FROM deliveries")


def test_given_answers_and_a_rejection_when_settled_then_counts_follow_without_scanning(journal):
    """GIVEN three events WHEN one is answered, one refused as a request and one left THEN the kept counters say
    1 delivered, 1 parked (open), 1 pending, and the events are delivered + pending + parked."""
    a, b, c = (journal.record(checkout(book)) for book in (BOOK1, BOOK2, BOOK3))
    settled = journal.settle([answered(a), Delivery(b.event_id, rejection=BackendRejected("bad_request", "no"))])
    assert [e.state for e in settled] == ["delivered", "parked"]
    counts = journal.counts()
    assert counts == {"pending": 1, "delivered": 1, "parked": 1, "parked_open": 1, "total": 3}
    assert [e.event_id for e in journal.pending()] == [c.event_id]
    assert journal.settle([answered(a)]) == []  # settling twice changes nothing


def test_given_the_events_as_sent_when_settled_then_the_entries_are_those_the_journal_reads_back(journal):
    """GIVEN an offline checkout with its decision, a live one decided late (sent as offline) and a return
    WHEN settled with the events pending() gave (two answered, one refused)
    THEN each returned entry equals the journal's own read of it, the journaled offline flag and decision included."""
    decision = CirculationOutcome("x", True, offline=True, loan=Loan(BOOK1))
    a = journal.record(checkout(BOOK1), offline=True, decision=decision)
    b = journal.record(checkout(BOOK2))
    c = journal.record(CheckinRequest(BOOK3))
    assert journal.decide_late(b.event_id, CirculationOutcome(b.event_id, True, offline=True, loan=Loan(BOOK2)))
    sent = journal.pending()
    assert [e.offline for e in sent] == [True, True, False]
    settled = journal.settle([answered(a), answered(b), Delivery(c.event_id, rejection=BackendRejected("bad", "no"))],
                             sent)
    assert [e.event_id for e in settled] == [a.event_id, b.event_id, c.event_id]
    assert settled == [journal.get(e.event_id) for e in (a, b, c)]
    assert settled[1].event.offline is False and settled[1].decision is not None


def test_given_a_transient_rejection_when_settled_then_the_event_stays_pending_with_its_reason(journal):
    """GIVEN an event WHEN the backend says "not yet" (a predecessor missing) THEN it stays pending, reason noted."""
    a = journal.record(checkout())
    journal.settle([Delivery(a.event_id, rejection=BackendRejected("sequence_gap", "later", transient=True))])
    entry = journal.get(a.event_id)
    assert entry.state == "pending" and entry.attempts == 1 and entry.last_error.startswith("sequence_gap")


def test_given_a_parked_event_when_staff_retry_then_a_new_event_with_the_same_request_joins_the_end(journal):
    """GIVEN a parked offline checkout WHEN staff retry it THEN a new event (new id, next sequence, same request,
    same occurred_at and offline flag) is pending at the end and the parked one points at it; a second retry fails."""
    parked = journal.record(checkout(), offline=True)
    later = journal.record(CheckinRequest(BOOK2))
    journal.settle([Delivery(parked.event_id, rejection=BackendRejected("bad_request", "no"))])
    new = journal.retry(parked.event_id, "fixed the barcode")
    assert new.sequence == later.sequence + 1 and new.request == parked.request
    assert new.occurred_at == parked.occurred_at and new.offline
    old = journal.get(parked.event_id)
    assert old.state == "parked" and old.resolution == "retried" and old.retried_as == new.event_id
    assert journal.get(new.event_id).retry_of == parked.event_id
    assert journal.retry(parked.event_id) is None
    assert journal.counts()["parked_open"] == 0 and journal.counts()["parked"] == 1


def test_given_a_parked_event_when_resolved_with_a_note_then_the_note_is_kept_and_nothing_is_deleted(journal):
    """GIVEN a parked event WHEN staff resolve it THEN it stays in the journal, resolved, with the note."""
    parked = journal.record(checkout())
    journal.settle([Delivery(parked.event_id, rejection=BackendRejected("bad_request", "no"))])
    assert journal.resolve(parked.event_id, "book was withdrawn; told the teacher")
    entry = journal.get(parked.event_id)
    assert entry.resolution == "resolved" and entry.note == "book was withdrawn; told the teacher"
    assert journal.parked() == [] and len(journal.parked(open_only=False)) == 1
    assert not journal.resolve(parked.event_id, "again")


def test_given_many_threads_recording_when_done_then_sequences_are_gapless_and_unique(journal):
    """GIVEN 8 threads recording 25 events each WHEN done THEN sequences are exactly 1..200."""
    def work():
        for _ in range(25):
            journal.record(checkout())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(e.sequence for e in journal.pending(limit=1000)) == list(range(1, 201))


def test_given_two_journal_objects_on_one_file_when_both_record_then_sequences_do_not_collide(tmp_path, clock):
    """GIVEN two Journal objects on one file WHEN both record THEN every sequence is used once."""
    one, two = Journal(tmp_path / "j.db", clock), Journal(tmp_path / "j.db", clock)
    for _ in range(10):
        one.record(checkout())
        two.record(checkout())
    assert sorted(e.sequence for e in one.pending(100)) == list(range(1, 21))
    one.close()
    two.close()


def test_given_a_folder_that_cannot_be_created_when_opened_then_a_clear_error_names_the_path(tmp_path):
    """GIVEN a path under a file WHEN a journal is opened there THEN JournalError names the path."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot be opened"):
        Journal(blocker / "journal.db")


V1_SCHEMA = """
CREATE TABLE events (event_id TEXT PRIMARY KEY, sequence INTEGER NOT NULL UNIQUE, type TEXT NOT NULL,
    payload TEXT NOT NULL, occurred_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', result TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at TEXT NOT NULL, acked_at TEXT);
CREATE TABLE numbering (id INTEGER PRIMARY KEY CHECK (id = 1), start_after INTEGER NOT NULL, known INTEGER NOT NULL);
"""


def write_v1_journal(path):
    """A journal as kiosks in schools have it today: an acked checkout, the stuck ISBN checkout, a later return."""
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    when = "2025-11-28T10:00:00+00:00"
    rows = [
        ("11111111-1111-4111-8111-111111111111", 1, "checkout", {"item_barcode": BOOK1, "patron_barcode": MARIA},
         "acked", {"event_id": "11111111-1111-4111-8111-111111111111", "ok": True, "replayed": False,
                   "loan": {"item_barcode": BOOK1, "title": "Charlotte's Web", "due_date": "2025-12-12"},
                   "refusal": None}),
        ("22222222-2222-4222-8222-222222222222", 2, "checkout", {"item_barcode": "9780064400558",
                                                                 "patron_barcode": MARIA}, "pending", None),
        ("33333333-3333-4333-8333-333333333333", 3, "checkin", {"item_barcode": BOOK2}, "pending", None),
    ]
    for event_id, seq, type_, payload, state, result in rows:
        db.execute("INSERT INTO events (event_id, sequence, type, payload, occurred_at, state, result, attempts,"
                   " last_error, created_at, acked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (event_id, seq, type_, json.dumps(payload, sort_keys=True), when, state,
                    json.dumps(result) if result else None, 46 if seq == 2 else 0,
                    "bad_request: item_barcode" if seq == 2 else None, when, when if result else None))
    db.execute("INSERT INTO numbering VALUES (1, 0, 1)")
    db.commit()
    db.close()


def test_given_a_journal_of_todays_schema_when_a_new_kiosk_opens_it_then_it_is_migrated_in_place(tmp_path, clock):
    """GIVEN a version 1 journal with an acked checkout and two pending events (one the stuck ISBN checkout)
    WHEN opened THEN every event is kept with its id, sequence, request and answer; the pending ones are pending;
    the numbering is kept for the central backend; the counters are right; the file passes integrity_check."""
    path = tmp_path / "journal.db"
    write_v1_journal(path)
    journal = Journal(path, clock)
    try:
        assert journal.counts() == {"pending": 2, "delivered": 1, "parked": 0, "parked_open": 0, "total": 3}
        first = journal.get("11111111-1111-4111-8111-111111111111")
        assert first.state == "delivered" and first.outcome.ok and first.outcome.loan.title == "Charlotte's Web"
        assert [(e.sequence, e.type) for e in journal.pending()] == [(2, "checkout"), (3, "checkin")]
        assert journal.get("22222222-2222-4222-8222-222222222222").attempts == 46
        assert journal.state_get("central.numbering") == {"offset": 0, "confirmed": True}
        assert journal.integrity() == "ok"
        tables = {r[0] for r in journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "events_v1" not in tables and "numbering" not in tables
    finally:
        journal.close()
    assert Journal(path, clock).counts()["total"] == 3  # opening again migrates nothing twice
