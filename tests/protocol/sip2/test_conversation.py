"""Both sides of the codec talking over a real loopback TCP connection, including a resend after noise.

The ACS here is a small hand-written class with real behaviour (it keeps loans in a dict), the
shape the central server's SIP2 server will have; the SC side is the shape of the kiosk backend.
"""
import socket
import threading
from datetime import datetime

from protocol.sip2 import (
    ACSStatus, ChecksumError, Checkout, CheckoutResponse, Codec, Login, LoginResponse, MessageSplitter,
    RequestSCResend, SCStatus, SequenceCounter, check_echo, echo_sequence,
)
from protocol.sip2.flags import supported_messages_text


class TinyACS:
    """Answers Login, SC Status and Checkout; asks for a resend when a checksum is wrong."""

    def __init__(self, codec: Codec):
        self.codec = codec
        self.loans: dict[str, str] = {}
        self.resends_asked = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _answer(self, request):
        if isinstance(request, Login):
            return LoginResponse(ok=request.login_password == "s3cret")
        if isinstance(request, SCStatus):
            return ACSStatus(institution_id="MAIN", supported_messages=supported_messages_text("checkout", "login"))
        renewal = self.loans.get(request.item_identifier) == request.patron_identifier
        self.loans[request.item_identifier] = request.patron_identifier
        return CheckoutResponse(ok=True, renewal_ok=renewal, institution_id="MAIN",
                                patron_identifier=request.patron_identifier, item_identifier=request.item_identifier,
                                title_identifier="El Principito — niños", due_date="20240929    235900")

    def _serve(self):
        conn, _ = self.server.accept()
        splitter = MessageSplitter()
        with conn:
            conn.settimeout(10)
            while data := conn.recv(4096):
                for raw in splitter.feed(data):
                    try:
                        request = self.codec.decode(raw)
                    except ChecksumError:
                        self.resends_asked += 1
                        conn.sendall(self.codec.encode(RequestSCResend()))
                        continue
                    conn.sendall(self.codec.encode(echo_sequence(request, self._answer(request))))


def test_given_an_sc_and_an_acs_on_loopback_when_a_damaged_checkout_is_resent_then_the_loan_is_made_once():
    """GIVEN an SC and a small ACS over TCP with utf-8 and checksums WHEN the SC logs in, asks status, and its
    checkout is damaged on the way THEN the ACS asks for a resend (96), the SC resends the same bytes with the
    same sequence number, and the checkout response echoes it; a second checkout of the same item is a renewal."""
    codec = Codec(encoding="utf-8", terminator="\r\n")
    acs = TinyACS(codec)
    acs.thread.start()
    counter = SequenceCounter()
    splitter = MessageSplitter()
    with socket.create_connection(acs.server.getsockname(), timeout=10) as sc:
        def exchange(wire: bytes):
            sc.sendall(wire)
            while True:
                messages = splitter.feed(sc.recv(4096))
                if messages:
                    assert len(messages) == 1
                    return codec.decode(messages[0])

        login = exchange(codec.encode(Login(login_user_id="kiosk1", login_password="s3cret"), counter.next()))
        assert login.ok is True and login.sequence_number == 0
        status = exchange(codec.encode(SCStatus(), counter.next()))
        assert status.checkout_ok and status.supported_messages == "NYNNNNYNNNNNNNNN"

        checkout = Checkout(transaction_date=datetime(2024, 9, 15, 10, 0), patron_identifier="21234000000017",
                            item_identifier="31234000000424")
        wire = codec.encode(checkout, counter.next())
        damaged = wire.replace(b"31234000000424", b"31234000000425")
        answer = exchange(damaged)
        assert isinstance(answer, RequestSCResend)
        answer = exchange(codec.encode(checkout, counter.current))  # a resend keeps its number
        check_echo(2, answer)
        assert answer.ok and not answer.renewal_ok and answer.title_identifier == "El Principito — niños"

        again = exchange(codec.encode(checkout, counter.next()))
        check_echo(3, again)
        assert again.renewal_ok is True
    acs.thread.join(10)
    acs.server.close()
    assert acs.resends_asked == 1
    assert acs.loans == {"31234000000424": "21234000000017"}
