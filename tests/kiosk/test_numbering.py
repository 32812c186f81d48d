"""A lost, replaced or restored journal against the server's (kiosk, sequence) rule, over real HTTP to the fake."""
from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest

from kiosk.backends.central import CentralBackend
from kiosk.outbox.circulator import Circulator
from kiosk.outbox.journal import Journal
from kiosk.backends.central_numbering import SendGate
from kiosk.outbox.sender import SyncWorker
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOK3, BOOK4, BOOK5, MARIA, SAM, TOKEN


@pytest.fixture
def backend(central):
    b = CentralBackend(central.url, TOKEN, timeout=1.0, connect_timeout=0.5)
    yield b
    b.close()


def open_kiosk(path, backend, clock):
    """A journal on ``path`` and the circulator and sync worker that use it (no thread started)."""
    journal = Journal(path, clock)
    circulator = Circulator(journal, backend)
    worker = SyncWorker(circulator, base_delay=0.05, max_backoff_seconds=0.2, poll_seconds=0.05)
    return journal, circulator, worker


def delete_journal(journal):
    """Close the journal and delete its files, as a reimage or a staff member would."""
    journal.close()
    for suffix in ("", "-wal", "-shm"):
        journal.path.with_name(journal.path.name + suffix).unlink(missing_ok=True)


def three_checkouts(tmp_path, backend, clock):
    """A kiosk that checked out three books (sequences 1..3, all acked); returns its closed journal."""
    journal, circulator, _ = open_kiosk(tmp_path / "journal.db", backend, clock)
    for book in (BOOK1, BOOK2, BOOK3):
        assert circulator.perform("checkout", item_barcode=book, patron_barcode=MARIA).state == "acked"
    assert [e.sequence for e in journal.recent()] == [3, 2, 1]
    return journal


def numbering_row(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT start_after, known FROM numbering").fetchone()


def test_given_a_journal_deleted_after_3_checkouts_when_a_new_one_starts_then_the_next_checkout_is_sequence_4(
        tmp_path, backend, central, clock):
    """GIVEN a kiosk that made 3 checkouts WHEN its journal file is deleted and a new one starts THEN the first
    checkout asks the server's last sequence, is numbered 4, goes through, and the start is kept in the file."""
    delete_journal(three_checkouts(tmp_path, backend, clock))
    journal, circulator, _ = open_kiosk(tmp_path / "journal.db", backend, clock)
    asked = len(central.heartbeats)
    outcome = circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM)
    assert outcome.state == "acked" and outcome.event.sequence == 4
    assert len(central.heartbeats) == asked + 1 and central.sequences[4] == outcome.event.event_id
    assert central.received[outcome.event.event_id] == 1  # numbered 4 before its first send: no conflict on the way
    assert numbering_row(journal.path) == (3, 1)  # committed with the first event
    assert circulator.perform("checkout", item_barcode=BOOK5, patron_barcode=SAM).event.sequence == 5
    assert len(central.heartbeats) == asked + 1  # asked once, for the first event only
    assert not journal.renumberable()
    journal.close()


def test_given_a_new_journal_when_the_sync_heartbeat_answers_first_then_an_offline_checkout_is_already_4(
        tmp_path, backend, central, clock):
    """GIVEN a replaced journal whose sync worker heard the server's last sequence (3) WHEN the server is down at
    the first checkout THEN it is still numbered 4 and goes through when the server is back."""
    delete_journal(three_checkouts(tmp_path, backend, clock))
    journal, circulator, worker = open_kiosk(tmp_path / "journal.db", backend, clock)
    assert worker.heartbeat() and not journal.needs_start()
    central.go_down()
    outcome = circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM)
    assert outcome.state == "unanswered" and outcome.event.sequence == 4
    central.come_up()
    assert worker.run_once().settled == 1 and central.sequences[4] == outcome.event.event_id
    journal.close()


def test_given_the_server_unreachable_at_the_first_checkout_when_it_returns_then_the_rows_are_renumbered_once(
        tmp_path, backend, central, clock):
    """GIVEN a replaced journal whose first two checkouts were recorded with the server down (sequences 1 and 2,
    start not known) WHEN the server is back and the sync worker sends them THEN the first gets sequence_conflict,
    both are renumbered 4 and 5 in their order with their own event_ids, and each is applied exactly once."""
    delete_journal(three_checkouts(tmp_path, backend, clock))
    journal, circulator, worker = open_kiosk(tmp_path / "journal.db", backend, clock)
    central.go_down()
    first = circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM).event
    second = circulator.perform("checkout", item_barcode=BOOK5, patron_barcode=SAM).event
    assert (first.sequence, second.sequence) == (1, 2) and journal.renumberable()
    assert numbering_row(journal.path) == (0, 0)
    central.come_up()
    result = worker.run_once()
    assert result.settled == 2 and result.remaining == 0
    assert [(e.event_id, e.sequence, e.state) for e in journal.pending(10)] == []
    assert (journal.get(first.event_id).sequence, journal.get(second.event_id).sequence) == (4, 5)
    assert central.sequences[4] == first.event_id and central.sequences[5] == second.event_id
    assert central.received[first.event_id] == 2 and central.received[second.event_id] == 1  # one 409, then once
    assert not central.outcomes[first.event_id]["replayed"] and not central.outcomes[second.event_id]["replayed"]
    assert central.loans_of(SAM) == sorted([BOOK4, BOOK5]) and not journal.renumberable()
    assert circulator.perform("checkin", item_barcode=BOOK4).event.sequence == 6
    journal.close()


def test_given_an_unknown_start_when_a_student_checks_out_live_then_the_conflict_is_repaired_at_once(
        tmp_path, backend, central, clock):
    """GIVEN a replaced journal with one checkout recorded while the server was down WHEN the server is back and
    the student's next checkout meets sequence_conflict THEN the screen gets acked straight away (renumbered to
    5), and the older pending row goes next with sequence 4."""
    delete_journal(three_checkouts(tmp_path, backend, clock))
    journal, circulator, worker = open_kiosk(tmp_path / "journal.db", backend, clock)
    central.go_down()
    older = circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM).event
    central.come_up()
    live = circulator.perform("checkout", item_barcode=BOOK5, patron_barcode=SAM)
    assert live.state == "acked" and live.event.sequence == 5
    assert journal.get(older.event_id).sequence == 4 and journal.get(older.event_id).state == "pending"
    assert worker.run_once().settled == 1 and central.sequences[4] == older.event_id
    journal.close()


def test_given_a_renumbered_event_the_server_already_stored_when_resent_then_it_is_replayed_not_applied_again(
        tmp_path, backend, central, clock):
    """GIVEN a replaced journal with four offline checkouts (1..4) of which the 4th reached the server as
    sequence 4 but its answer was lost WHEN the 1st meets sequence_conflict and all are renumbered 5..8 THEN the
    4th, sent again as 8 with its own event_id, gets the stored outcome (replayed) and is applied once."""
    delete_journal(three_checkouts(tmp_path, backend, clock))
    central.loans.clear()  # the three books came back at the desk
    journal, circulator, worker = open_kiosk(tmp_path / "journal.db", backend, clock)
    central.go_down()
    events = [circulator.perform("checkout", item_barcode=b, patron_barcode=SAM).event
              for b in (BOOK1, BOOK2, BOOK3, BOOK4)]
    central.come_up()
    central.mode, central.delay = "lost", 2.0
    assert circulator.resend(events[3]).state == "unanswered"  # stored as 4 on the server; the answer was late
    central.mode = "up"
    assert central.sequences[4] == events[3].event_id
    assert worker.run_once().settled == 4
    assert [journal.get(e.event_id).sequence for e in events] == [5, 6, 7, 8]
    last = journal.get(events[3].event_id)
    assert last.state == "acked" and last.result["replayed"] is True
    assert 8 not in central.sequences  # the server kept it under 4; nothing new was stored
    assert list(central.outcomes).count(events[3].event_id) == 1 and central.loans_of(SAM) == [BOOK1, BOOK2, BOOK3,
                                                                                               BOOK4]
    journal.close()


def restored_journal(tmp_path, backend, clock):
    """A kiosk whose journal is put back from a copy taken after its 1st of 3 checkouts; returns the path."""
    path = tmp_path / "journal.db"
    journal, circulator, _ = open_kiosk(path, backend, clock)
    circulator.perform("checkout", item_barcode=BOOK1, patron_barcode=MARIA)
    journal.close()  # a clean close folds the WAL into the file, so the copy is the whole journal
    shutil.copy(path, tmp_path / "old-copy.db")
    journal, circulator, _ = open_kiosk(path, backend, clock)
    for book in (BOOK2, BOOK3):
        circulator.perform("checkout", item_barcode=book, patron_barcode=MARIA)
    delete_journal(journal)
    shutil.copy(tmp_path / "old-copy.db", path)
    return path


def test_given_a_journal_restored_from_an_old_copy_when_it_conflicts_then_it_is_never_renumbered(
        tmp_path, backend, central, clock):
    """GIVEN a journal restored from a copy with one acked checkout (the server has 3) WHEN the next checkout
    gets sequence 2 and sequence_conflict THEN the row stays pending with sequence 2, nothing is renumbered,
    and the server is not asked for its last sequence."""
    journal, circulator, worker = open_kiosk(restored_journal(tmp_path, backend, clock), backend, clock)
    assert not journal.needs_start() and not journal.renumberable()
    asked = len(central.heartbeats)
    outcome = circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM)
    assert outcome.state == "rejected" and outcome.event.sequence == 2
    assert outcome.error.startswith("sequence_conflict")
    assert worker.run_once().failed and journal.get(outcome.event.event_id).sequence == 2
    assert len(central.heartbeats) == asked and central.loans_of(SAM) == []
    journal.close()


def test_given_a_journal_from_before_numbering_when_opened_then_its_rows_count_as_known(tmp_path, clock):
    """GIVEN a journal file made before the numbering table existed, with events WHEN opened THEN it is not
    renumberable and its next event follows its own last sequence."""
    journal = Journal(tmp_path / "journal.db", clock)
    journal.record("checkin", {"item_barcode": BOOK1})
    journal.close()
    with sqlite3.connect(tmp_path / "journal.db") as db:
        db.execute("DROP TABLE numbering")
    journal = Journal(tmp_path / "journal.db", clock)
    assert not journal.renumberable() and not journal.needs_start()
    assert journal.record("checkin", {"item_barcode": BOOK2}).sequence == 2
    assert journal.renumber_after(10) == [] and journal.pending()[0].sequence == 1
    journal.close()


def test_given_an_unknown_start_when_the_lowest_row_is_settled_then_the_numbering_is_confirmed(tmp_path, clock):
    """GIVEN a journal that started without the server's last sequence WHEN a later row settles first THEN it may
    still be renumbered; WHEN its lowest pending row settles THEN it never may again."""
    journal = Journal(tmp_path / "journal.db", clock)
    low = journal.record("checkin", {"item_barcode": BOOK1})
    high = journal.record("checkin", {"item_barcode": BOOK2})
    journal.settle(high.event_id, "acked", {"ok": True})
    assert journal.renumberable()
    journal.settle(low.event_id, "refused", {"ok": False})
    assert not journal.renumberable()
    journal.close()


def test_given_sends_in_flight_when_a_renumbering_wants_the_gate_then_it_waits_for_them_and_new_sends_wait():
    """GIVEN one send holding the gate WHEN a renumbering asks for it alone THEN it waits; a send arriving
    meanwhile waits for the renumbering to finish first."""
    gate, order = SendGate(), []
    inside, release = threading.Event(), threading.Event()

    def sender(name, hold=None):
        with gate.sending():
            order.append(name)
            if hold:
                inside.set()
                hold.wait(5)

    def renumber():
        with gate.exclusive():
            order.append("renumber")

    first = threading.Thread(target=sender, args=("first", release))
    first.start()
    assert inside.wait(5)
    renumbering = threading.Thread(target=renumber)
    renumbering.start()
    _wait_for(lambda: gate._exclusive)
    late = threading.Thread(target=sender, args=("late",))
    late.start()
    release.set()
    for thread in (first, renumbering, late):
        thread.join(5)
    assert order == ["first", "renumber", "late"]


def _wait_for(condition, seconds=5.0):
    done = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition never became true")


STAFF_SENTENCE = {
    "en": "The library computer already has events numbered like this kiosk's: the journal may have been restored "
          "from an old copy. Call support; nothing has been lost.",
    "es": "La computadora de la biblioteca ya tiene eventos numerados como los de este quiosco: puede que el "
          "registro se haya restaurado desde una copia antigua. Llama a soporte; no se ha perdido nada.",
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_given_a_restored_journal_with_a_conflict_when_staff_open_the_overview_then_one_sentence_says_so(
        tmp_path, backend, central, clock, lang):
    """GIVEN a kiosk (screen in English or Spanish) whose journal came back from an old copy and whose next
    checkout met sequence_conflict WHEN staff open the overview THEN the conflicted row says in words what
    happened and to call support (no error code), and the row is still pending."""
    from markupsafe import escape

    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config
    from tests.kiosk.test_staff import unlock

    text = config_text(central.url)
    if lang == "es":
        text = text.replace('languages = ["en", "es"]', 'languages = ["es", "en"]')
    config = load_config(write_config(tmp_path, text), env=ENV)
    restored_journal(tmp_path, backend, clock)
    app = create_app(config, clock=clock, start_threads=False)
    try:
        client = app.test_client()
        page = client.get("/staff").get_data(as_text=True)
        assert STAFF_SENTENCE[lang] not in page  # locked: nothing shows
        unlock(client)
        assert client.get("/staff/status.json").get_json()["numbering_problem"] is None  # no conflict yet
        outcome = app.extensions["kiosk"].circulator.perform("checkout", item_barcode=BOOK4, patron_barcode=SAM)
        assert outcome.state == "rejected"
        status = client.get("/staff/status.json").get_json()
        assert status["numbering_problem"] == STAFF_SENTENCE[lang]
        assert status["recent"][0]["error"] == STAFF_SENTENCE[lang] and status["journal"]["pending"] == 1
        page = client.get("/staff").get_data(as_text=True)
        assert str(escape(STAFF_SENTENCE[lang])) in page and "sequence_conflict" not in page
    finally:
        app.extensions["kiosk"].close()
