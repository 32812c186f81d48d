"""The write-ahead journal and the circulator: pending before sending, settled before telling."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from kiosk.backends.central import CentralBackend
from kiosk.outbox.circulator import Circulator
from kiosk.outbox.journal import Journal
from tests.kiosk.fake_central import BOOK1, BOOK2, MARIA, TOKEN


@pytest.fixture
def journal(tmp_path, clock):
    j = Journal(tmp_path / "journal.db", clock)
    yield j
    j.close()


@pytest.fixture
def backend(central):
    b = CentralBackend(central.url, TOKEN, timeout=1.0, connect_timeout=0.5)
    yield b
    b.close()


def _row(path, event_id):
    """Read a row through a separate connection, as another process would see it on disk."""
    with sqlite3.connect(path) as db:
        return db.execute("SELECT state, sequence FROM events WHERE event_id = ?", (event_id,)).fetchone()


def test_given_a_new_journal_when_opened_then_it_is_wal_with_full_sync(journal):
    db = sqlite3.connect(journal.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    db.close()


def test_given_a_checkout_when_the_request_reaches_the_server_then_the_row_is_already_committed_pending(
        journal, backend, central):
    seen = {}
    central.on_circulation = lambda kind, body: seen.update(
        kind=kind, row=_row(journal.path, body["event_id"]), sequence=body["sequence"])
    outcome = Circulator(journal, backend).perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    assert seen["kind"] == "checkout"
    assert seen["row"] == ("pending", seen["sequence"])  # write-ahead: on disk before the request
    assert outcome.state == "acked" and outcome.result.loan.title == "Charlotte's Web"
    assert _row(journal.path, outcome.event.event_id)[0] == "acked"  # settled before perform returned
    assert outcome.event.acked_at is not None and outcome.event.attempts == 1


def test_given_a_refusal_when_answered_then_the_row_is_refused_with_the_answer_kept(journal, backend):
    from tests.kiosk.fake_central import REFERENCE

    outcome = Circulator(journal, backend).perform("checkout", item_barcode=REFERENCE, patron_barcode=MARIA)
    assert outcome.state == "refused"
    assert outcome.event.result["refusal"]["code"] == "item_reference"
    assert journal.counts() == {"pending": 0, "acked": 0, "refused": 1}


def test_given_the_server_is_down_when_checking_out_then_the_row_stays_pending_with_the_error(
        journal, backend, central):
    central.go_down()
    outcome = Circulator(journal, backend).perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    assert outcome.state == "unanswered" and not outcome.decided
    row = journal.get(outcome.event.event_id)
    assert row.state == "pending" and row.attempts == 1 and "cannot connect" in row.last_error


def test_given_an_unanswered_checkout_when_the_student_scans_again_then_the_same_event_id_is_sent(
        journal, backend, central):
    circulator = Circulator(journal, backend)
    central.go_down()
    first = circulator.perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    central.come_up()
    second = circulator.perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    assert second.event.event_id == first.event.event_id and second.state == "acked"
    assert journal.counts() == {"pending": 0, "acked": 1, "refused": 0}
    assert central.loans_of(MARIA) == [BOOK1]


def test_given_a_lost_response_when_resent_then_the_server_replays_and_nothing_happens_twice(
        journal, backend, central):
    circulator = Circulator(journal, backend)
    central.mode, central.delay = "lost", 3.0  # the server does the checkout, the answer comes too late
    first = circulator.perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    assert first.state == "unanswered"
    central.mode = "up"
    again = circulator.resend(journal.get(first.event.event_id))
    assert again.state == "acked" and again.result.replayed
    assert central.received[first.event.event_id] == 2 and central.loans_of(MARIA) == [BOOK1]


def test_given_many_threads_recording_when_done_then_sequences_are_gapless_and_unique(journal):
    def record(n):
        for i in range(n):
            journal.record("checkin", {"item_barcode": f"{threading.get_ident()}-{i}"})

    threads = [threading.Thread(target=record, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sequences = [e.sequence for e in journal.pending(limit=1000)]
    assert sequences == list(range(1, 101))


def test_given_two_journal_objects_on_one_file_when_both_record_then_sequences_do_not_collide(tmp_path, clock):
    a, b = Journal(tmp_path / "j.db", clock), Journal(tmp_path / "j.db", clock)
    seqs = [a.record("checkin", {"item_barcode": "1"}).sequence, b.record("checkin", {"item_barcode": "2"}).sequence,
            a.record("checkin", {"item_barcode": "3"}).sequence]
    assert seqs == [1, 2, 3]
    a.close()
    b.close()


def test_given_a_settled_event_when_settled_again_then_nothing_changes(journal):
    event = journal.record("checkin", {"item_barcode": BOOK2})
    assert journal.settle(event.event_id, "acked", {"ok": True, "event_id": event.event_id})
    assert not journal.settle(event.event_id, "refused", {"ok": False})
    assert journal.get(event.event_id).state == "acked"


def test_given_an_answer_with_a_name_in_it_when_stored_then_the_journal_keeps_no_name(journal):
    event = journal.record("checkin", {"item_barcode": BOOK2})
    journal.settle(event.event_id, "acked", {"ok": True, "checkin": {"hold_for": "Maria G.", "title": "Holes"},
                                             "patron": {"display_name": "Sam T.", "barcode": MARIA}})
    raw = sqlite3.connect(journal.path).execute("SELECT result FROM events").fetchone()[0]
    assert "Maria" not in raw and "Sam" not in raw
    assert journal.get(event.event_id).result["checkin"]["hold_for"] is True


def test_given_an_unknown_event_type_when_recorded_then_it_is_refused(journal):
    with pytest.raises(ValueError):
        journal.record("steal", {"item_barcode": BOOK1})
    assert journal.counts()["pending"] == 0


def test_given_a_folder_that_cannot_be_created_when_opened_then_a_clear_error_names_the_path(tmp_path):
    from kiosk.outbox.journal import JournalError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot be opened"):
        Journal(blocker / "sub" / "journal.db")
