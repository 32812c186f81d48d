"""A lost, replaced or restored journal against the server's (kiosk, sequence) rule: the central backend's wire numbering."""
from __future__ import annotations

import shutil

from protocol.wire import CheckinRequest, CheckoutRequest
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOK3, BOOK4, MARIA, SAM
from tests.kiosk.outbox_parts import build
from tests.kiosk.test_journal import write_v1_journal


def delete_journal(path):
    """Delete a journal's files, as a reimage or a staff member would."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def checkouts(parts, books, patron=MARIA):
    for book in books:
        parts.journal.record(CheckoutRequest(patron, book))
    return parts.sender.run_pass()


def test_given_a_journal_deleted_after_3_checkouts_when_a_new_one_starts_then_the_next_event_is_sequence_4(
        tmp_path, central, clock):
    """GIVEN a kiosk that made 3 checkouts WHEN its journal is deleted and a new one starts THEN the backend asks the
    server's last sequence before its first delivery, numbers it 4, and keeps that in the new journal."""
    path = tmp_path / "journal.db"
    parts = build(path, central.url, clock)
    assert checkouts(parts, (BOOK1, BOOK2, BOOK3)).delivered == 3
    parts.close()
    delete_journal(path)
    parts = build(path, central.url, clock)
    try:
        assert checkouts(parts, (BOOK4,)).delivered == 1
        assert central.events_sent()[-1]["sequence"] == 4 and central.loans_of(MARIA) == [BOOK1, BOOK2, BOOK3, BOOK4]
        assert parts.journal.pending() == [] and parts.journal.recent()[0].event.sequence == 1  # local stays 1
        assert parts.journal.state_get("central.numbering") == {"offset": 3, "confirmed": True}
    finally:
        parts.close()


def test_given_a_journal_restored_from_an_old_copy_when_it_conflicts_then_it_is_never_renumbered_and_staff_are_told(
        tmp_path, central, clock):
    """GIVEN a copy of the journal taken after 1 checkout, and 2 more made since WHEN the old copy comes back and
    records a new event THEN the server's conflict keeps it pending (never renumbered, nothing parked) with the
    staff sentence about a restored journal."""
    path = tmp_path / "journal.db"
    parts = build(path, central.url, clock)
    checkouts(parts, (BOOK1,))
    parts.close()
    shutil.copy(path, tmp_path / "old-copy.db")
    parts = build(path, central.url, clock)
    checkouts(parts, (BOOK2, BOOK3))
    parts.close()
    delete_journal(path)
    shutil.copy(tmp_path / "old-copy.db", path)
    parts = build(path, central.url, clock)
    try:
        result = checkouts(parts, (BOOK4,), patron=SAM)
        assert result.failed and result.remaining == 1 and parts.journal.counts()["parked"] == 0
        entry = parts.journal.get(parts.journal.pending()[0].event_id)
        assert entry.last_error.startswith("journal_restored") and "restored from an old copy" in entry.last_error
        assert parts.journal.state_get("central.numbering")["offset"] == 0  # unchanged
        assert central.loans_of(SAM) == []
    finally:
        parts.close()


def test_given_a_version_1_journal_that_started_without_knowing_when_it_conflicts_then_it_is_renumbered_once(
        tmp_path, central, clock):
    """GIVEN the server already has sequences 1..3 from a lost journal, and a version 1 journal that numbered from 1
    without asking (its numbering not known) WHEN migrated and sent THEN its pending events are renumbered once after
    the server's last sequence, keep their ids and order, and are applied; the acked one is not sent again."""
    other = build(tmp_path / "lost.db", central.url, clock)
    checkouts(other, (BOOK3, BOOK4), patron=SAM)
    other.journal.record(CheckinRequest(BOOK4))
    other.sender.run_pass()
    other.close()
    path = tmp_path / "journal.db"
    write_v1_journal(path)  # sequences 1 (acked), 2 (the ISBN checkout), 3 (a return), numbering known
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("UPDATE numbering SET known = 0")
    parts = build(path, central.url, clock)
    try:
        assert parts.journal.state_get("central.numbering") == {"offset": 0, "confirmed": False}
        first = parts.sender.run_pass()
        assert first.failed and first.remaining == 2  # the conflict, then the repair
        second = parts.sender.run_pass()
        assert (second.delivered, second.parked, second.remaining) == (1, 1, 0)  # the ISBN one is parked
        wire = [e["sequence"] for e in central.events_sent()[-2:]]
        assert wire == [4, 5] and parts.journal.state_get("central.numbering") == {"offset": 2, "confirmed": True}
        assert checkouts(parts, (BOOK1,), patron=SAM).delivered == 1
        assert central.events_sent()[-1]["sequence"] == 6
    finally:
        parts.close()


def test_given_a_renumbered_event_the_server_already_stored_when_sent_again_then_it_is_replayed_not_applied_twice(
        tmp_path, central, clock):
    """GIVEN an event the server applied whose answer was lost, and then the kiosk's offset moved WHEN it is sent
    under its new number THEN the server answers its stored outcome (event id first) and applies nothing twice."""
    parts = build(tmp_path / "journal.db", central.url, clock)
    try:
        parts.journal.state_set("central.numbering", {"offset": 0, "confirmed": False})
        event = parts.journal.record(CheckoutRequest(MARIA, BOOK1))
        central.mode, central.delay = "lost", 1.5
        assert parts.sender.run_pass().failed
        central.mode = "up"
        parts.journal.state_set("central.numbering", {"offset": 10, "confirmed": False})
        assert parts.sender.run_pass().delivered == 1
        assert central.events_sent()[-1]["sequence"] == 11
        assert parts.journal.get(event.event_id).outcome.replayed and central.applied == [event.event_id]
    finally:
        parts.close()
