"""The kiosk's SIP2 backend when the line misbehaves: lost answers, damaged checksums, resend requests, garbage,
a megabyte without an end, silence, a server that goes away. Each test ends with nothing done twice and nothing lost."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.backends.port import BackendUnavailable
from protocol.sip2 import Codec, LoginResponse
from protocol.wire import CheckinRequest, CheckoutRequest, IdentifyRequest, RenewRequest
from tests.sip2.conftest import ANA, BOOK, DEV, HELD, OUT, event
from tests.sip2.ils import TODAY
from tests.sip2.ils_server import IlsServer


def test_a_lost_checkout_answer_is_checked_with_item_information_not_sent_twice(backend, proxy, library):
    """GIVEN the ILS checks a book out but its answer is lost (connection cut) WHEN the kiosk delivers the checkout
    THEN it asks 17 and 63, finds the loan is Ana's, and reports it done; the ILS saw ONE checkout, no renewal."""
    proxy.plan("answer", "drop_and_close", command="12")
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and delivery.outcome.loan.title == "El Principito, niños"
    assert delivery.outcome.loan.due_date == TODAY + dt.timedelta(days=14)
    assert library.count("checkout", BOOK) == 1 and library.loans[BOOK].renewals == 0
    requests = proxy.commands("request")
    assert requests[requests.index("11"):] == ["11", "93", "99", "17", "63"]


def test_a_checkout_whose_answer_never_comes_is_checked_after_the_timeout(backend, proxy, library):
    """GIVEN the ILS does the checkout and its answer is swallowed (no close) WHEN the read timeout passes THEN the
    kiosk reconnects, asks 17, and reports the checkout done without sending it again."""
    proxy.plan("answer", "drop", command="12")
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and library.count("checkout", BOOK) == 1
    assert proxy.connections == 2


def test_a_checkout_lost_on_the_way_there_is_sent_again_after_asking(backend, proxy, library):
    """GIVEN the line is cut before the checkout reaches the ILS WHEN the kiosk delivers it THEN 17 says the book is
    still on the shelf, so the checkout is sent again and made once."""
    proxy.plan("request", "close", command="11")
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and library.count("checkout", BOOK) == 1
    assert library.loans[BOOK].patron == ANA


def test_when_even_the_check_fails_the_event_stays_pending_and_is_checked_first_next_time(backend, proxy, library):
    """GIVEN the checkout's answer is lost and the line then stays dead WHEN the kiosk delivers THEN it raises
    BackendUnavailable (the event stays pending); WHEN the line is back THEN the next delivery asks 17 first and
    reports it done, with ONE checkout at the ILS."""
    proxy.plan("answer", "drop_and_close", command="12")
    proxy.plan("request", "close", command="17")
    the_event = event(CheckoutRequest(ANA, BOOK))
    with pytest.raises(BackendUnavailable):
        backend.deliver([the_event])
    [delivery] = backend.deliver([the_event])
    assert delivery.outcome.ok and delivery.outcome.replayed
    assert library.count("checkout", BOOK) == 1 and library.loans[BOOK].renewals == 0


def test_an_event_older_than_the_kiosk_process_is_checked_before_its_first_send(backend, library):
    """GIVEN a kiosk killed after sending a checkout the ILS made WHEN the restarted kiosk delivers that event THEN
    it asks first and does not send the checkout again (no renewal)."""
    library.lend(BOOK, ANA, TODAY + dt.timedelta(days=14))
    earlier = dt.datetime.now().astimezone() - dt.timedelta(minutes=5)
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK), occurred_at=earlier)])
    assert delivery.outcome.ok and delivery.outcome.replayed
    assert library.count("checkout", BOOK) == 0 and library.loans[BOOK].renewals == 0


def test_a_lost_renewal_answer_is_judged_by_the_due_date(backend, proxy, library):
    """GIVEN Dev renews, the ILS renews and the answer is lost WHEN the kiosk checks 17 THEN the due date moved, so
    the renewal is reported done and not sent again (one renewal, not two)."""
    proxy.plan("answer", "drop_and_close", command="30")
    [delivery] = backend.deliver([event(RenewRequest(DEV, OUT))])
    assert delivery.outcome.ok and delivery.outcome.renewed
    assert library.count("renew", OUT) == 1 and library.loans[OUT].renewals == 1


def test_a_lost_checkin_answer_is_asked_again_and_the_routing_still_arrives(backend, proxy, library):
    """GIVEN the ILS takes back a book on hold and the answer is lost WHEN the kiosk sends the checkin again THEN
    the outcome is a return, and the book is on the ILS's shelf side only once."""
    library.lend(HELD, ANA, TODAY)
    proxy.plan("answer", "drop_and_close", command="10")
    [delivery] = backend.deliver([event(CheckinRequest(HELD))])
    assert delivery.outcome.ok and delivery.outcome.checkin.was_on_loan
    assert HELD not in library.loans


def test_a_damaged_answer_is_asked_for_again_with_97(backend, proxy, library):
    """GIVEN the checkout answer arrives with a wrong checksum WHEN the kiosk reads it THEN it sends 97, gets the
    answer again, and the checkout is made once."""
    proxy.plan("answer", "corrupt", command="12")
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and library.count("checkout", BOOK) == 1
    assert "97" in proxy.commands("request")


def test_answers_damaged_more_times_than_the_retries_make_the_backend_unavailable(make_backend, proxy):
    """GIVEN every answer to a patron lookup is damaged WHEN the kiosk has used its retries THEN it says the library
    computer is not answering (a clear error) and the next lookup works once the line is clean."""
    backend = make_backend(retries=1)
    proxy.plan("answer", "corrupt", command="64", times=2)
    with pytest.raises(BackendUnavailable) as failed:
        backend.identify(IdentifyRequest(barcode=ANA))
    assert "damaged" in failed.value.detail
    assert backend.identify(IdentifyRequest(barcode=ANA)).ok


def test_a_96_from_the_server_gets_the_same_bytes_again(backend, proxy, library):
    """GIVEN the checkout request is damaged on the way, so pysip2 answers 96 WHEN the kiosk gets the 96 THEN it sends
    the same bytes with the same sequence number again and the checkout is made once."""
    proxy.plan("request", "corrupt", command="11")
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and library.count("checkout", BOOK) == 1
    sent = [m for way, m in proxy.seen if way == "request" and m.startswith(b"11")]
    assert len(sent) == 2 and sent[0] == sent[1]  # the same bytes, the same AY (the proxy logs them undamaged)
    assert "96" in proxy.commands("answer")


def test_an_answer_split_into_single_bytes_is_read_whole(backend, proxy):
    """GIVEN the ILS's answers arrive one byte per TCP segment WHEN the kiosk identifies a patron THEN it works."""
    proxy.bytewise = True
    assert backend.identify(IdentifyRequest(barcode=ANA)).patron.display_name == "José N."


@pytest.mark.parametrize("garbage, words", [
    (b"12garbage", "could not be read"),
    (b"\xff\xfe\x00\x01", "could not be read"),
    (Codec(error_detection=False).encode(LoginResponse(ok=True)).rstrip(b"\r"), "answered with message 94"),
    (b"12" + b"1NUN20250101    120000AOMAIN|AAP-1001|AJTitle|AH20250115|", "leaves out"),
])
def test_a_garbled_or_unexpected_checkout_answer_is_treated_as_lost(backend, proxy, library, garbage, words, caplog):
    """GIVEN the checkout answer is replaced by garbage, another message or one missing a required field WHEN the
    kiosk reads it THEN it says so in the log, asks 17, and reports the checkout the ILS did make (once)."""
    proxy.plan("answer", "replace", command="12", data=garbage)
    [delivery] = backend.deliver([event(CheckoutRequest(ANA, BOOK))])
    assert delivery.outcome.ok and library.count("checkout", BOOK) == 1
    assert words in caplog.text


def test_a_megabyte_line_without_an_end_is_refused_and_the_line_recovers(backend, proxy):
    """GIVEN a megabyte with no message end arrives before the answer WHEN the kiosk reads THEN it gives up on that
    connection with a clear error, and the next lookup on a new connection works."""
    proxy.plan("answer", "prefix", command="18", data=b"x" * 1_000_000)
    with pytest.raises(BackendUnavailable) as failed:
        backend.item(BOOK)
    assert "without a message end" in failed.value.detail
    assert backend.item(BOOK).title == "El Principito, niños"


def test_a_server_that_never_answers_times_out_with_a_clear_error(backend, proxy):
    """GIVEN a server that accepts but never answers WHEN the kiosk connects THEN it gives up after its timeout."""
    proxy.silent = True
    with pytest.raises(BackendUnavailable) as failed:
        backend.status()
    assert "no answer within 1.5 s" in failed.value.detail
    assert backend.connection_info()["state"] == "disconnected"


def test_a_server_that_goes_away_and_comes_back_gets_a_new_connection_and_login(backend, proxy, library, ils):
    """GIVEN the kiosk connected to the ILS WHEN the ILS is stopped THEN lookups say it is unavailable; WHEN it is
    back (behind the same address) THEN the kiosk reconnects and logs in by itself."""
    assert backend.identify(IdentifyRequest(barcode=ANA)).ok
    ils.stop()
    with pytest.raises(BackendUnavailable):
        backend.identify(IdentifyRequest(barcode=ANA))
    # pysip2 never closes its listening socket, so the new server gets a new port behind the proxy's address.
    again = IlsServer(library).start()
    proxy.upstream = ("127.0.0.1", again.port)
    try:
        assert backend.identify(IdentifyRequest(barcode=ANA)).ok
        assert backend.link.reconnects >= 2
    finally:
        again.stop()


def test_a_connection_closed_by_the_server_while_idle_is_reopened_without_an_error(backend, proxy):
    """GIVEN the ILS closed an idle connection WHEN the kiosk next asks something THEN it notices, reconnects and
    answers, without the student seeing an error."""
    assert backend.item(BOOK) is not None
    for sock in list(proxy._open):
        sock.close()
    assert backend.item(BOOK).title == "El Principito, niños"


def test_a_refused_checkout_connection_leaves_later_events_pending(backend, proxy, library):
    """GIVEN two events and the line dies after the first WHEN delivered THEN the first has its delivery and the
    second is not in the list (it stays pending), and nothing was done twice."""
    proxy.plan("request", "close", command="09")
    proxy.plan("request", "close", command="09")
    events = [event(CheckoutRequest(ANA, BOOK), sequence=1), event(CheckinRequest(OUT), sequence=2)]
    deliveries = backend.deliver(events)
    assert [d.event_id for d in deliveries] == [events[0].event_id]
    assert library.count("checkout", BOOK) == 1 and OUT in library.loans


def test_identifiers_sip2_cannot_carry_are_refused_without_sending_and_park_their_event(backend, library):
    """GIVEN a barcode with '|' (SIP2's field separator) or a character cp850 lacks WHEN it is identified, looked up
    or checked out THEN nothing is sent: the patron is unknown, the item too, and the event is parked for staff with
    a reason that does not quote the barcode; the events behind it still go."""
    assert backend.identify(IdentifyRequest(barcode="P|1001")).refusal.code == "patron_unknown"
    assert backend.item("B\u20ac1") is None
    bad, good = event(CheckoutRequest(ANA, "B|1"), sequence=1), event(CheckoutRequest(ANA, BOOK), sequence=2)
    parked, done = backend.deliver([bad, good])
    assert parked.rejection.code == "not_sendable" and "B|1" not in parked.rejection.message
    assert "item_identifier (AB)" in parked.rejection.message
    assert done.outcome.ok and library.count("checkout") == 1
