"""Cutting a byte stream into whole SIP2 messages, whatever the chunking."""
import socket
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.sip2 import Codec, MessageSplitter, MessageTooLongError, SCStatus, split_messages

STREAM = [b"9900302.00AY1AZFCA5", b"941AY0AZFDFD", b"96AZFEF6"]


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=20), st.sampled_from([b"\r", b"\r\n", b"\n"]))
def test_given_messages_cut_into_arbitrary_chunks_when_fed_then_each_whole_message_comes_out_once(cuts, end):
    """GIVEN three messages with CR, CRLF or LF endings, split anywhere WHEN fed THEN the three messages, in order."""
    data = b"".join(message + end for message in STREAM)
    splitter = MessageSplitter()
    out = [message for chunk in _chunks(data, cuts) for message in splitter.feed(chunk)]
    assert out == STREAM
    assert splitter.pending == 0


def test_given_a_message_without_its_terminator_yet_when_fed_then_nothing_is_returned_until_the_cr():
    """GIVEN half a message WHEN fed THEN no message; WHEN the rest and the CR arrive THEN the message."""
    splitter = MessageSplitter()
    assert splitter.feed(b"9900302") == []
    assert splitter.pending == 7
    assert splitter.feed(b".00AY1AZFCA5") == []
    assert splitter.feed(b"\r") == [STREAM[0]]


def test_given_a_message_longer_than_the_limit_when_fed_then_a_clear_error_and_the_next_message_is_still_read():
    """GIVEN 100 bytes with no CR and a 64-byte limit WHEN fed THEN MessageTooLongError; the following message
    (after the over-long one's CR) is read normally."""
    splitter = MessageSplitter(max_length=64)
    with pytest.raises(MessageTooLongError, match="More than 64 bytes") as caught:
        splitter.feed(b"941\r" + b"X" * 100)
    assert caught.value.completed == [b"941"]
    assert splitter.feed(b"X" * 500) == []  # still inside the over-long message: dropped quietly
    assert splitter.feed(b"XXX\r940\r") == [b"940"]


def test_given_a_complete_over_long_message_in_one_chunk_when_fed_then_error_and_later_bytes_stay_buffered():
    """GIVEN a finished 70-byte message then a good one in the same chunk WHEN fed THEN error, then the good one."""
    splitter = MessageSplitter(max_length=64)
    with pytest.raises(MessageTooLongError):
        splitter.feed(b"Y" * 70 + b"\r941\r")
    assert splitter.feed(b"") == [b"941"]


def test_given_blank_lines_between_messages_when_fed_then_they_are_skipped():
    """GIVEN CR CR LF runs between messages WHEN fed THEN only the messages come out."""
    assert MessageSplitter().feed(b"\r\r\n941\r\n\r\n940\r") == [b"941", b"940"]


def test_given_a_default_splitter_then_the_limit_is_64_kib_and_a_tiny_limit_is_refused():
    """GIVEN the defaults THEN 65536 bytes; GIVEN a limit of 1 THEN ValueError."""
    assert MessageSplitter().max_length == 65536
    with pytest.raises(ValueError):
        MessageSplitter(max_length=1)


def test_given_a_real_tcp_connection_sending_byte_by_byte_when_split_then_every_message_decodes():
    """GIVEN a loopback TCP peer writing 20 SC Status messages one byte per send WHEN the receiver splits
    the stream THEN 20 messages arrive, each decoding with its own sequence number."""
    codec = Codec(terminator="\r\n")
    wire = b"".join(codec.encode(SCStatus(), sequence=n % 10) for n in range(20))
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def send() -> None:
        conn, _ = server.accept()
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for byte in wire:
                conn.sendall(bytes([byte]))

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    with socket.create_connection(server.getsockname(), timeout=10) as client:
        def chunks():
            while data := client.recv(7):
                yield data
        received = [codec.decode(raw).sequence_number for raw in split_messages(chunks())]
    sender.join(10)
    server.close()
    assert received == [n % 10 for n in range(20)]
