"""AY sequence numbers: the SC counts and wraps, resends keep the number, the ACS echoes."""
import threading

import pytest

from protocol.sip2 import (
    Checkout, CheckoutResponse, Codec, SequenceCounter, SequenceMismatchError, check_echo, echo_sequence,
)


def test_given_a_new_counter_when_twelve_new_messages_are_numbered_then_it_counts_0_to_9_and_wraps():
    """GIVEN a fresh counter WHEN next() is called 12 times THEN 0..9, 0, 1."""
    counter = SequenceCounter()
    assert counter.current is None
    assert [counter.next() for _ in range(12)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_given_a_sent_message_when_it_is_resent_then_it_keeps_its_number_and_the_next_new_one_moves_on():
    """GIVEN message number 4 WHEN resent (current) THEN still 4, encoded identically; the next new one is 5."""
    counter = SequenceCounter(start=4)
    codec = Codec()
    message = Checkout(patron_identifier="2123", item_identifier="3123")
    first = codec.encode(message, sequence=counter.next())
    again = codec.encode(message, sequence=counter.current)
    assert first == again and b"AY4AZ" in first
    assert counter.next() == 5


def test_given_a_counter_shared_by_threads_when_numbers_are_taken_then_none_is_skipped_or_doubled():
    """GIVEN 4 threads taking 250 numbers each WHEN done THEN each digit was given out exactly 100 times."""
    counter = SequenceCounter()
    taken: list[int] = []
    lock = threading.Lock()

    def take():
        mine = [counter.next() for _ in range(250)]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(list(range(10)) * 100)


def test_given_a_start_outside_0_to_9_when_a_counter_is_made_then_it_is_refused():
    """GIVEN start=10 WHEN a counter is made THEN ValueError."""
    with pytest.raises(ValueError, match="one digit"):
        SequenceCounter(start=10)


def test_given_a_request_when_the_acs_answers_then_the_response_echoes_its_number_and_the_sc_accepts_it():
    """GIVEN request number 6 decoded by the ACS WHEN it echoes into its response THEN the SC's check passes."""
    codec = Codec()
    request = codec.decode(codec.encode(Checkout(patron_identifier="2", item_identifier="3"), sequence=6))
    response = echo_sequence(request, CheckoutResponse(ok=True, patron_identifier="2", item_identifier="3"))
    assert response.sequence_number == 6
    check_echo(6, codec.decode(codec.encode(response)))


def test_given_a_response_with_another_number_when_checked_then_a_mismatch_error_says_to_discard_it():
    """GIVEN the SC sent number 3 WHEN a response numbered 2 arrives THEN SequenceMismatchError."""
    with pytest.raises(SequenceMismatchError, match="older request"):
        check_echo(3, CheckoutResponse(patron_identifier="2", item_identifier="3", sequence_number=2))


def test_given_a_response_without_a_sequence_number_when_checked_then_it_is_accepted():
    """GIVEN a server that leaves AY out of its responses WHEN checked THEN accepted (nothing to compare)."""
    check_echo(3, CheckoutResponse(patron_identifier="2", item_identifier="3"))


def test_given_a_message_with_its_own_sequence_number_when_encoded_without_one_then_its_own_is_used():
    """GIVEN a message carrying sequence_number 8 WHEN encoded with no explicit number THEN AY8."""
    assert b"AY8AZ" in Codec().encode(Checkout(patron_identifier="2", item_identifier="3", sequence_number=8))
