"""The one sender and the backend monitor: strictly in order, batched, parking, backoff, Retry-After, 401."""
from __future__ import annotations

import random
import time

import pytest

from kiosk.outbox.monitor import backoff_delay
from protocol.wire import CheckinRequest, CheckoutRequest
from tests.kiosk.fake_central import BOOK1, BOOK2, BOOK3, MARIA, SAM
from tests.kiosk.outbox_parts import build


@pytest.fixture
def parts(tmp_path, central, clock):
    p = build(tmp_path / "journal.db", central.url, clock)
    yield p
    p.close()


def wait_until(condition, seconds=10.0):
    """Poll ``condition`` (bounded, so a broken sender fails the test instead of hanging it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def queue_offline(parts, central, requests):
    """Record ``requests`` while the server is down (decided offline), then bring it back."""
    central.go_down()
    parts.monitor.failed("down for the test")
    for request in requests:
        parts.journal.record(request, offline=True)
    central.come_up()


def test_given_queued_events_when_the_server_is_back_then_one_batch_delivers_them_in_order(parts, central):
    """GIVEN three offline events WHEN a pass runs THEN they arrive in one batch, in sequence order, offline
    flagged, and the journal says delivered for each."""
    queue_offline(parts, central, [CheckoutRequest(MARIA, BOOK1), CheckoutRequest(MARIA, BOOK2),
                                   CheckinRequest(BOOK1)])
    result = parts.sender.run_pass()
    assert (result.sent, result.delivered, result.remaining) == (3, 3, 0)
    assert central.batches == [3]
    sent = central.events_sent()
    assert [e["sequence"] for e in sent] == [1, 2, 3] and all(e["offline"] for e in sent)
    assert central.loans_of(MARIA) == [BOOK2]
    assert parts.monitor.state == "online"


def test_given_a_bad_event_among_good_ones_when_sent_then_it_is_parked_and_the_others_are_delivered(
        parts, central):
    """GIVEN a checkout the server refuses as a request (an ISBN as item barcode, from an old journal) between
    good events WHEN a pass runs THEN that one is parked with the server's words and every other is delivered."""
    queue_offline(parts, central, [CheckoutRequest(MARIA, BOOK1), CheckoutRequest(MARIA, "9780064400558"),
                                   CheckinRequest(BOOK2), CheckoutRequest(SAM, BOOK3)])
    result = parts.sender.run_pass()
    assert (result.delivered, result.parked, result.remaining) == (3, 1, 0)
    (parked,) = parts.journal.parked()
    assert parked.event.request.item_barcode == "9780064400558" and parked.rejection_code == "bad_request"
    assert "item_barcode" in parked.rejection_message
    assert central.loans_of(MARIA) == [BOOK1] and central.loans_of(SAM) == [BOOK3]
    assert parts.sender.run_pass().sent == 0  # the parked one is never sent again by itself


def test_given_lost_responses_when_the_same_events_are_sent_again_then_each_applies_once(parts, central):
    """GIVEN the server applies a batch and the answer is lost (several times) WHEN the sender sends again
    THEN the events are replayed, not applied again."""
    queue_offline(parts, central, [CheckoutRequest(MARIA, BOOK1), CheckinRequest(BOOK1),
                                   CheckoutRequest(SAM, BOOK1)])
    parts.backend.numbering.offset()  # the kiosk has talked to this server before
    central.mode, central.delay = "lost", 1.5  # the answer comes after the kiosk's 1 s timeout
    for _ in range(3):
        assert parts.sender.run_pass().failed
    central.mode = "up"
    result = parts.sender.run_pass()
    assert result.delivered == 3 and result.remaining == 0
    assert len(central.applied) == 3 and central.loans_of(SAM) == [BOOK1] and central.loans_of(MARIA) == []
    assert all(parts.journal.get(e).outcome.replayed for e in central.applied)
    assert sum(central.received.values()) == 12  # 4 sends of 3 events, applied once each
    assert central.batches == [3, 3, 3, 3]


def test_given_more_than_a_batch_when_drained_then_batches_of_the_configured_size_go_in_order(
        tmp_path, central, clock):
    """GIVEN 1,205 queued events and a batch size of 500 WHEN a pass runs THEN they go as 500, 500, 205."""
    parts = build(tmp_path / "journal.db", central.url, clock, batch_size=500)
    try:
        queue_offline(parts, central, [CheckinRequest(BOOK1)] * 1205)
        assert parts.sender.run_pass().delivered == 1205
        assert central.batches == [500, 500, 205]
        assert [e["sequence"] for e in central.events_sent()] == list(range(1, 1206))
    finally:
        parts.close()


def test_given_a_server_without_the_batch_endpoint_when_sent_then_one_event_per_request_in_order(parts, central):
    """GIVEN a central server from before the batch endpoint (404) WHEN events are sent THEN each goes alone, in
    order, and a bad one is still parked without blocking the rest."""
    central.batch = False
    queue_offline(parts, central, [CheckoutRequest(MARIA, BOOK1), CheckoutRequest(MARIA, "9780064400558"),
                                   CheckinRequest(BOOK1)])
    result = parts.sender.run_pass()
    assert (result.delivered, result.parked) == (2, 1)
    singles = [path for _m, path, _b, _h in central.requests if "/circulation/" in path and "events" not in path]
    assert singles == ["/api/v1/circulation/checkout"] * 2 + ["/api/v1/circulation/checkin"]


def test_given_a_busy_server_when_it_answers_503_with_retry_after_then_the_wait_honours_it(parts, central):
    """GIVEN a server answering 503 Retry-After: 7 WHEN a pass fails THEN the monitor is offline and the next try
    waits at least 7 s, more than the capped backoff."""
    queue_offline(parts, central, [CheckinRequest(BOOK1)])
    central.mode, central.retry_after = "busy", 7
    assert parts.sender.run_pass().failed
    assert parts.monitor.state == "offline" and parts.monitor.snapshot()["retry_after"] == 7
    assert parts.monitor.next_delay() >= 7


def test_given_a_refused_token_when_sending_then_nothing_is_parked_and_staff_are_told(parts, central):
    """GIVEN the server refuses the kiosk's token (401) WHEN a pass runs THEN the events stay pending (never
    parked) and the monitor says token_refused; with the right token they go."""
    queue_offline(parts, central, [CheckinRequest(BOOK1)])
    central.token = "another-token"
    assert parts.sender.run_pass().failed
    assert parts.monitor.state == "token_refused" and parts.journal.counts()["parked"] == 0
    central.token = parts.backend._token
    assert parts.sender.run_pass().delivered == 1


def test_given_the_sender_thread_waiting_out_a_backoff_when_the_backend_is_back_then_it_sends_at_once(
        tmp_path, central, clock):
    """GIVEN a running sender in a long backoff (cap 30 s) WHEN another call finds the server back THEN the monitor
    wakes the sender and the queue drains within seconds, not after the backoff."""
    parts = build(tmp_path / "journal.db", central.url, clock, max_backoff=30)
    try:
        queue_offline(parts, central, [CheckinRequest(BOOK1)])
        central.go_down()
        parts.monitor.failures = 6  # a long outage: the next wait is 16-30 s
        parts.sender.start()
        assert wait_until(lambda: parts.journal.get(parts.journal.pending()[0].event_id).attempts >= 1)
        central.come_up()
        parts.monitor.succeeded()  # e.g. a sign-in got an answer
        assert wait_until(lambda: parts.journal.counts()["pending"] == 0, 5.0)
    finally:
        parts.close()


def test_given_failures_in_a_row_when_the_backoff_is_computed_then_it_doubles_is_capped_and_jittered():
    """GIVEN n failures WHEN the delay is computed THEN it lies in [d/2, d] with d = min(cap, base * 2^(n-1))."""
    rng = random.Random(4)
    for failures, high in ((1, 1.0), (2, 2.0), (3, 4.0), (8, 60.0), (30, 60.0)):
        for _ in range(50):
            assert high / 2 <= backoff_delay(failures, 1.0, 60.0, rng) <= high
