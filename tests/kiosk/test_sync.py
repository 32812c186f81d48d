"""The sync worker: pending events are re-sent in order with their own event_id, with capped backoff."""
from __future__ import annotations

import random
import time

import pytest

from kiosk.backends.base import Heartbeat
from kiosk.backends.central import CentralBackend
from kiosk.outbox.circulator import Circulator
from kiosk.outbox.journal import Journal
from kiosk.outbox.sender import Reachability, SyncWorker, backoff_delay
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOK3, MARIA, TOKEN


@pytest.fixture
def parts(tmp_path, central, clock):
    journal = Journal(tmp_path / "journal.db", clock)
    backend = CentralBackend(central.url, TOKEN, timeout=1.0, connect_timeout=0.5)
    circulator = Circulator(journal, backend)
    reachability = Reachability(clock)
    worker = SyncWorker(circulator, reachability=reachability, base_delay=0.05, max_backoff_seconds=0.2,
                        poll_seconds=0.05, heartbeat_seconds=60, device_statuses=lambda: {"scanner": "ready"})
    yield journal, circulator, worker, reachability
    worker.stop()
    backend.close()
    journal.close()


def _pending_checkouts(circulator, central, books):
    central.go_down()
    events = [circulator.perform("checkout", item_barcode=b, patron_barcode=MARIA).event for b in books]
    central.come_up()
    return events


def _wait_until(condition, seconds=10.0):
    """Poll ``condition`` (bounded, so a broken worker fails the test instead of hanging it)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _sent_sequences(central):
    return [body["sequence"] for method, path, body, _ in central.requests if path.startswith("/api/v1/circulation")]


def test_given_failures_when_backing_off_then_the_delay_doubles_is_jittered_and_capped():
    rng = random.Random(7)
    for failures, full in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (50, 30.0)]:
        delays = [backoff_delay(failures, 1.0, 30.0, rng) for _ in range(50)]
        assert all(full / 2 <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jitter: kiosks that lost the server together do not retry together


def test_given_pending_events_when_a_pass_runs_then_they_are_sent_in_sequence_order_and_acked(parts, central):
    journal, circulator, worker, _ = parts
    events = _pending_checkouts(circulator, central, [BOOK1, BOOK2, BOOK3])
    central.requests.clear()
    result = worker.run_once()
    assert result.sent == 3 and result.settled == 3 and not result.failed and result.remaining == 0
    assert _sent_sequences(central) == [e.sequence for e in events] == [1, 2, 3]
    assert [central.received[e.event_id] for e in events] == [1, 1, 1]  # down: the first tries never arrived
    assert central.loans_of(MARIA) == [BOOK1, BOOK2, BOOK3]


def test_given_the_server_still_down_when_a_pass_runs_then_it_stops_at_the_first_event(parts, central):
    journal, circulator, worker, reachability = parts
    first, second = _pending_checkouts(circulator, central, [BOOK1, BOOK2])
    central.go_down()
    result = worker.run_once()
    assert result.sent == 1 and result.failed and result.remaining == 2
    assert journal.get(first.event_id).attempts == 2 and journal.get(second.event_id).attempts == 1
    assert reachability.reachable is False


def test_given_a_wrong_token_when_resending_then_the_rows_stay_pending_with_the_servers_words(parts, central):
    journal, circulator, worker, _ = parts
    (event,) = _pending_checkouts(circulator, central, [BOOK1])
    central.token = "rotated"
    assert worker.run_once().failed
    assert journal.get(event.event_id).last_error == "unauthorized: This kiosk's token is not valid."


def test_given_an_event_the_screen_is_sending_when_a_pass_runs_then_it_waits_its_turn(parts, central):
    journal, circulator, worker, _ = parts
    (event,) = _pending_checkouts(circulator, central, [BOOK1])
    with circulator._claim(event.event_id, wait=False) as claimed:
        assert claimed
        assert worker.run_once().sent == 0
    assert worker.run_once().sent == 1


def test_given_a_backlog_when_the_worker_thread_runs_then_it_drains_after_the_server_returns(parts, central):
    journal, circulator, worker, reachability = parts
    events = _pending_checkouts(circulator, central, [BOOK1, BOOK2])
    central.go_down()
    worker.start()
    _wait_until(lambda: worker.failures >= 2)  # failed passes, backing off
    assert journal.counts()["pending"] == 2
    central.come_up()
    _wait_until(lambda: not journal.counts()["pending"] and central.heartbeats)
    worker.stop()
    assert journal.counts() == {"pending": 0, "acked": 2, "refused": 0}
    assert all(journal.get(e.event_id).state == "acked" for e in events)
    assert reachability.reachable is True and central.heartbeats  # a heartbeat went out too


def test_given_a_heartbeat_when_sent_then_devices_and_backlog_go_and_reachability_follows(parts, central):
    journal, circulator, worker, reachability = parts
    _pending_checkouts(circulator, central, [BOOK1])
    assert worker.heartbeat()
    assert central.heartbeats[-1]["devices"] == {"scanner": "ready"} and central.heartbeats[-1]["journal_pending"] == 1
    central.go_down()
    assert not worker.heartbeat() and reachability.snapshot()["reachable"] is False


def test_given_a_started_worker_when_stopped_then_its_thread_ends():
    class IdleCirculator:
        """A circulator with an empty journal: the worker only waits."""

        class journal:
            @staticmethod
            def pending():
                return []

            @staticmethod
            def counts():
                return {"pending": 0, "acked": 0, "refused": 0}

            @staticmethod
            def needs_start():
                return False

        class backend:
            @staticmethod
            def heartbeat(version, devices, pending):
                return Heartbeat(ok=True, kiosk_id="test-kiosk", server_time="", last_sequence=0)

    worker = SyncWorker(IdleCirculator(), poll_seconds=30, heartbeat_seconds=30)
    worker.start()
    thread = worker._thread
    worker.stop(timeout=5)
    assert not thread.is_alive()
