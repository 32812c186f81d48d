"""The central server's SIP2 server against bad input and bad clients: damaged and garbled messages, resend
requests, a megabyte line, silence, a byte at a time, too many connections, two resends racing, TLS."""
from __future__ import annotations

import ssl
import threading

import pytest
from pysip2 import CheckoutRequest, ItemInformationRequest, RequestACSResend, SCStatusRequest, decode_message

from central.sip2.connection import Limits
from tests.sip2.acs.conftest import NOW18, PASSWORD, RawClient, start_server
from tests.sip2.acs.test_pysip2_client import checkout, events, patron_info


def damaged(wire: bytes) -> bytes:
    """The message with one character changed, so its checksum no longer adds up."""
    return wire[:2] + (b"Y" if wire[2:3] != b"Y" else b"N") + wire[3:]


def test_a_damaged_request_is_answered_with_96_and_the_resend_is_applied_once(client, library, database):
    """GIVEN a checkout damaged on the way WHEN it arrives THEN the server answers 96; WHEN the self-check sends the
    same bytes undamaged THEN the checkout is made, once."""
    wire = client.frame(checkout(library.maria, library.sharks))
    client.send_raw(damaged(wire))
    assert client.read_raw().startswith(b"96AZ")
    client.send_raw(wire)
    assert decode_message(client.read_raw()).message.ok == "1"
    assert events(database) == [(1, "checkout", True, False)]


def test_97_gets_the_last_answer_again_without_doing_it_again(client, library, database):
    """GIVEN a checkout was answered WHEN the self-check asks for a resend (97) THEN the same answer comes again and
    nothing is recorded twice."""
    client.send_raw(client.frame(checkout(library.maria, library.sharks)))
    first = client.read_raw()
    client.send_raw(client.frame(RequestACSResend()))
    assert client.read_raw() == first
    assert len(events(database)) == 1


@pytest.mark.parametrize("garbage", [b"hello there\r", b"11\r", b"12YN\r", b"\xff\xfe\xfd\r",
                                     b"11NN20251006    093000" + b" " * 18 + b"AAonly-a-patron|AY1AZ0000\r"])
def test_garbled_messages_get_96_and_the_connection_stays_usable(client, library, garbage):
    """GIVEN a garbled, truncated or damaged message WHEN it arrives THEN the server answers 96 and the next good
    message is answered normally."""
    client.send_raw(garbage)
    assert client.read_raw().startswith(b"96")
    assert client.ask(patron_info(library.maria)).message.valid_patron == "Y"


def test_a_missing_required_field_gets_96(client, library, database):
    """GIVEN a checkout with no item identifier (AB) WHEN it arrives THEN 96, and nothing is recorded."""
    from protocol.sip2.checksum import append_checksum

    body = b"11NN20251006    093000" + b" " * 18 + b"AO|AA" + library.maria.encode() + b"|AC|AY3"
    client.send_raw(append_checksum(body) + b"\r")
    assert client.read_raw().startswith(b"96")
    assert events(database) == []


def test_five_unreadable_messages_in_a_row_close_the_connection(client):
    """GIVEN a client sending only garbage WHEN the fifth unreadable message arrives THEN the server closes."""
    for _ in range(4):
        client.send_raw(b"garbage\r")
        assert client.read_raw().startswith(b"96")
    client.send_raw(b"garbage\r")
    assert client.read_raw() == b""


def test_a_message_no_self_check_sends_is_left_unanswered_and_the_next_one_is_answered(client, library):
    """GIVEN a client sending an ACS's own message (98) WHEN it arrives THEN no answer is made up for it (asking again
    would only bring it back), and the next request is answered normally."""
    client.send_raw(b"98YYYYNY030003" + NOW18.encode() + b"2.00AO|BXYYYYYYYYYYYYYYYY|\r")
    answer = client.ask(patron_info(library.maria))
    assert answer.message.valid_patron == "Y"


@pytest.mark.parametrize("request_bytes, answer_code", [(b"15+" + NOW18.encode() + b"AO|AAP1|ABI1|\r", b"16"),
                                                       (b"25" + NOW18.encode() + b"AO|AAP1|\r", b"26")])
def test_hold_and_patron_enable_get_their_negative_answers(client, request_bytes, answer_code):
    """GIVEN a Hold (15) or Patron Enable (25), which this server does not offer WHEN one arrives THEN it gets its
    own answer (16 not ok, 26) with a sentence sending the patron to the desk."""
    client.send_raw(request_bytes)
    answer = client.read_raw()
    assert answer.startswith(answer_code) and b"library desk" in answer


def test_a_request_arriving_in_single_bytes_is_answered(client, library):
    """GIVEN a patron lookup sent one byte per TCP segment WHEN its last byte arrives THEN it is answered."""
    for byte in client.frame(patron_info(library.maria)):
        client.send_raw(bytes([byte]))
    assert decode_message(client.read_raw()).message.personal_name == "Maria G."


def test_a_megabyte_line_closes_that_connection_only(client, connect, library):
    """GIVEN one client sends a megabyte with no message end WHEN the limit is passed THEN its connection is closed,
    while another client's lookups go on."""
    other = connect()
    assert other.login().ok == "1"
    try:
        client.send_raw(b"x" * 1_000_000)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close before all of it is sent
    assert client.closed()
    assert other.ask(patron_info(library.maria)).message.valid_patron == "Y"


def test_an_idle_connection_is_closed(database, clock, library):
    """GIVEN an idle timeout of half a second WHEN a client says nothing THEN the server closes the connection."""
    server = start_server(database, clock, limits=Limits(idle_seconds=0.5, message_seconds=5))
    try:
        raw = RawClient(server.address)
        assert raw.login().ok == "1"
        assert raw.closed()
        raw.close()
    finally:
        server.stop()


def test_a_client_sending_a_byte_at_a_time_holds_up_nobody_and_is_closed(database, clock, library):
    """GIVEN one client dribbling a message a byte at a time WHEN another client checks books out meanwhile THEN the
    other client is answered while the slow message is still unfinished, and the slow one is closed when its message
    takes longer than the limit."""
    server = start_server(database, clock, limits=Limits(idle_seconds=30, message_seconds=1.0))
    slow, fast = RawClient(server.address), RawClient(server.address)
    try:
        assert slow.login().ok == "1" and fast.login().ok == "1"
        wire = slow.frame(patron_info(library.maria))
        slow.send_raw(wire[:5])  # the message has begun and will not end in time
        done = [fast.ask(checkout(library.teacher, item, when=f"20251006    0930{n:02d}")).message.ok
                for n, item in enumerate((library.sharks, library.sharks2, library.dragon))]
        assert done == ["1", "1", "1"]
        trickle_stopped = threading.Event()

        def trickle():
            try:
                for byte in wire[5:-1]:
                    slow.send_raw(bytes([byte]))
                    if trickle_stopped.wait(0.2):
                        return
            except OSError:
                return  # closed by the server, as it should be
        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        assert slow.closed()
        trickle_stopped.set()
        sender.join(5)
    finally:
        slow.close()
        fast.close()
        server.stop()


def test_connections_beyond_the_limit_are_turned_away(database, clock, library):
    """GIVEN a limit of two connections WHEN a third client connects THEN it is closed at once, and after one of the
    two leaves a new client is served."""
    server = start_server(database, clock, max_connections=2)
    clients = [RawClient(server.address) for _ in range(2)]
    try:
        assert all(c.login().ok == "1" for c in clients)
        third = RawClient(server.address)
        assert third.closed() and server.refused == 1
        third.close()
        clients.pop().close()
        for _ in range(50):
            if server.active < 2:
                break
            threading.Event().wait(0.05)
        fourth = RawClient(server.address)
        clients.append(fourth)
        assert fourth.login().ok == "1"
    finally:
        for c in clients:
            c.close()
        server.stop()


def test_two_resends_racing_on_two_connections_lend_the_book_once(acs, library, database):
    """GIVEN the same checkout sent at the same moment on two connections (a self-check retrying on a new one while
    the first is still being answered) WHEN both are answered THEN both say ok and one event is stored."""
    clients = [RawClient(acs.address) for _ in range(2)]
    try:
        for c in clients:
            assert c.login().ok == "1"
        answers = [None, None]
        start = threading.Barrier(2)

        def send(i):
            start.wait(5)
            answers[i] = clients[i].ask(checkout(library.maria, library.sharks)).message

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [a.ok for a in answers] == ["1", "1"] and answers[0].due_date == answers[1].due_date
        assert events(database) == [(1, "checkout", True, False)]
    finally:
        for c in clients:
            c.close()


def test_tls_serves_a_client_that_trusts_the_certificate(database, clock, library, tls_files):
    """GIVEN the server started with a certificate WHEN a client verifying that certificate connects THEN it logs in
    and is answered; a plain-TCP client gets nothing."""
    cert, key = tls_files
    server = start_server(database, clock, tls_cert=str(cert), tls_key=str(key))
    try:
        trusting = ssl.create_default_context(cafile=str(cert))
        secure = RawClient(server.address, tls=trusting)
        assert secure.login().ok == "1"
        answer = secure.ask(ItemInformationRequest(transaction_date=NOW18, institution_id="",
                                                   item_identifier=library.sharks)).message
        assert answer.title_identifier == "All About Sharks"
        secure.close()
        plain = RawClient(server.address, timeout=15)
        plain.send_raw(plain.frame(SCStatusRequest(status_code="0", max_print_width="040", protocol_version="2.00")))
        assert plain.closed()  # the failed handshake ends it (a reset or a close)
        plain.close()
    finally:
        server.stop()


def test_a_wrong_password_never_reaches_the_log(acs, caplog):
    """GIVEN a refused login WHEN the server logs it THEN the line names the user, never the password tried."""
    raw = RawClient(acs.address)
    try:
        raw.login(password="hunter2-secret")
        assert "hunter2-secret" not in caplog.text and PASSWORD not in caplog.text
        assert "SIP2 login refused user=selfcheck-1" in caplog.text
    finally:
        raw.close()


def test_a_checkout_of_unknown_things_is_recorded_as_refused(client, library, database):
    """GIVEN an unknown patron WHEN a checkout is sent THEN it is refused, stored as a refused event (never dropped)."""
    answer = client.ask(CheckoutRequest(sc_renewal_policy="N", no_block="N", transaction_date=NOW18,
                                        nb_due_date="00000000    000000", institution_id="",
                                        patron_identifier="nobody-at-all", item_identifier=library.sharks,
                                        terminal_password="")).message
    assert answer.ok == "0" and "could not find that library card" in answer.screen_message[0]
    assert events(database) == [(1, "checkout", False, False)]
