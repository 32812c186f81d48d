"""Decoding what real servers send: tolerated quirks, and a typed error for everything else."""
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.sip2 import (
    MESSAGE_TYPES, ChecksumError, Checkout, CheckoutResponse, Codec, DateError, MessageFormatError,
    MissingFieldError, PatronInformationResponse, SIP2Error, UnsupportedMessageError,
)
from protocol.sip2.checksum import append_checksum

D = "20240915    143005"
PLAIN = Codec(error_detection=False)
CHECKED = Codec()


def test_given_a_blank_nb_due_date_when_a_checkout_is_decoded_then_it_is_none():
    """GIVEN an online checkout whose nb due date is 18 blanks WHEN decoded THEN nb_due_date is None."""
    message = PLAIN.decode(f"11NN{D}{' ' * 18}AOMAIN|AA2123|AB3123|AC|")
    assert message.nb_due_date is None
    assert message.transaction_date == datetime(2024, 9, 15, 14, 30, 5)


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n", b"", b"\r\n\r\n"])
def test_given_any_usual_line_ending_when_decoded_then_the_message_is_read(ending):
    """GIVEN CR, CRLF, LF or nothing after the checksum WHEN decoded THEN the same message comes out."""
    assert CHECKED.decode(b"941AY0AZFDFD" + ending).ok is True


def test_given_fields_out_of_order_and_unknown_vendor_fields_when_decoded_then_all_are_kept():
    """GIVEN a lenient server's checkout response, fields shuffled, with Koha-style extra fields WHEN decoded
    THEN known fields land in place, unknown ones are kept, and re-encoding keeps the order received."""
    text = f"121NNY{D}AH{D}|AJThe Hobbit|PCSTAFF|AB3123|AA2123|ZZ|AOMAIN|AFok|"
    message = PLAIN.decode(text)
    assert (message.patron_identifier, message.item_identifier, message.title_identifier) == ("2123", "3123",
                                                                                           "The Hobbit")
    assert message.due_date == D
    assert message.extra_fields == [("PC", "STAFF"), ("ZZ", "")]
    assert PLAIN.encode(message) == (text + "\r").encode()
    message.wire_order = ()  # a message built here (no order received) is written in the spec's order
    assert PLAIN.encode(message) == (f"121NNY{D}AOMAIN|AA2123|AB3123|AJThe Hobbit|AH{D}|AFok|PCSTAFF|ZZ|\r"
                                     .encode())


def test_given_a_single_field_sent_twice_when_decoded_then_the_first_is_used_and_the_second_kept_as_extra():
    """GIVEN two AJ fields WHEN decoded THEN the title is the first, the second is preserved (nothing lost)."""
    message = PLAIN.decode(f"121NNY{D}AO|AA2|AB3|AJfirst|AJsecond|AH|")
    assert message.title_identifier == "first"
    assert message.extra_fields == [("AJ", "second")]


def test_given_missing_optional_fields_when_decoded_then_they_are_none_or_empty_lists():
    """GIVEN a patron information response with only its required fields WHEN decoded THEN optionals are empty."""
    message = PLAIN.decode(f"64              000{D}" + " " * 24 + "AOMAIN|AA2123|AE|")
    assert isinstance(message, PatronInformationResponse)
    assert message.charged_items == [] and message.valid_patron is None and message.charged_items_count is None


def test_given_a_missing_required_field_when_decoded_strictly_then_it_is_named_and_leniently_then_empty():
    """GIVEN a checkout response without AJ WHEN decoded THEN strict names AJ, lenient reads it as ""."""
    text = f"120NNN{D}AOMAIN|AA2123|AB3123|AH|"
    with pytest.raises(MissingFieldError, match=r"title identifier \(AJ\)") as caught:
        PLAIN.decode(text)
    assert caught.value.code == "AJ"
    assert Codec(error_detection=False, strict=False).decode(text).title_identifier == ""


def test_given_a_checksum_that_does_not_match_when_decoded_then_a_checksum_error_lets_the_caller_ask_again():
    """GIVEN a message whose AZ is wrong WHEN decoded THEN ChecksumError (the SC answers with 97)."""
    with pytest.raises(ChecksumError):
        CHECKED.decode(b"941AY0AZFDFE\r")


def test_given_a_message_without_checksum_when_decoded_by_a_checking_codec_then_it_is_still_read():
    """GIVEN a server that sends no AY/AZ WHEN a codec with error detection decodes it THEN accepted."""
    message = CHECKED.decode(b"941\r")
    assert message.ok is True and message.sequence_number is None


@pytest.mark.parametrize("wire, error, words", [
    (b"", MessageFormatError, "empty"),
    (b"\r\n", MessageFormatError, "empty"),
    (b"hello world", MessageFormatError, "two-digit code"),
    (b"\x00\xff\x10", MessageFormatError, "two-digit code"),
    (b"42N20240915    143005AOMAIN|", UnsupportedMessageError, "unknown message"),
    (b"94", MessageFormatError, "cut short"),
    (b"12YNNY20240915", MessageFormatError, "cut short"),
    (b"121NNY20240915AO|AA|AB|AJ|AH|", MessageFormatError, "cut short"),
    (b"12XNNY20240915    143005AO|AA|AB|AJ|AH|", MessageFormatError, "1 or 0"),
    (b"121XNY20240915    143005AO|AA|AB|AJ|AH|", MessageFormatError, "Y or N"),
    (b"121NNX20240915    143005AO|AA|AB|AJ|AH|", MessageFormatError, "Y or N"),
    (b"121NNY20241315    143005AO|AA|AB|AJ|AH|", DateError, "real calendar date"),
    (b"121NNY20240915    14300AAO|AA|AB|AJ|AH|", DateError, "YYYYMMDD"),
    (b"121NNY20240915    143005AO|AA|AB|AJ|AH|BTx1|", MessageFormatError, "fee type"),
    (b"121NNY20240915    143005AO|AA|AB|AJ|AH|CIX|", MessageFormatError, "security inhibit"),
    (b"121NNY20240915    143005AO|AA|AB|AJ|AH|X|", MessageFormatError, "stray"),
    (b"941AYx", MessageFormatError, "one digit"),
    (b"941AY1AY2", MessageFormatError, "one digit"),
    (b"941AZ12", MessageFormatError, "four hex digits"),
    (b"941\r942\r", MessageFormatError, "run together"),
    (b"18AB020120240915    143005AB1|AJ|", MessageFormatError, "circulation status"),
])
def test_given_a_garbled_message_when_decoded_then_a_typed_error_says_what_is_wrong(wire, error, words):
    """GIVEN garbage, a truncated fixed part, bad flags, dates, numbers WHEN decoded THEN a typed, worded error."""
    with pytest.raises(error, match=words):
        PLAIN.decode(wire)


def test_given_text_instead_of_bytes_when_decoded_then_it_is_encoded_the_connection_way_first():
    """GIVEN the message as a Python string WHEN decoded THEN the same result as the bytes."""
    assert PLAIN.decode(f"11NN{D}{D}AOM|AAp|ABi|AC|") == PLAIN.decode(f"11NN{D}{D}AOM|AAp|ABi|AC|".encode())


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["cp850", "utf-8"]))
def test_given_random_bytes_when_decoded_then_only_typed_sip2_errors_are_raised(data, encoding):
    """GIVEN any bytes at all WHEN decoded THEN a message or a SIP2Error -- never another exception."""
    try:
        Codec(encoding).decode(data)
    except SIP2Error:
        pass


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(MESSAGE_TYPES)), st.binary(max_size=200), st.sampled_from(["cp850", "utf-8"]),
       st.booleans())
def test_given_a_real_command_code_and_random_rest_with_a_good_checksum_when_decoded_then_no_crash(
        command, rest, encoding, checksummed):
    """GIVEN a known code followed by random bytes (optionally with a valid AZ) WHEN decoded THEN no crash."""
    data = command.encode() + rest
    if checksummed:
        data = append_checksum(data)
    try:
        message = Codec(encoding, strict=False).decode(data)
    except SIP2Error:
        return
    assert type(message).COMMAND == command


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789YNU |AZBCDHJ ", max_size=80))
def test_given_random_sip2_looking_text_after_a_checkout_code_when_decoded_then_no_crash(rest):
    """GIVEN '11' and text built from SIP2's own characters WHEN decoded THEN a message or a typed error."""
    try:
        message = PLAIN.decode("11" + rest)
    except SIP2Error:
        return
    assert isinstance(message, Checkout)


def test_given_a_koha_style_response_when_decoded_then_the_due_date_text_is_kept_as_sent():
    """GIVEN a due date in the server's own format (AH is free text) WHEN decoded THEN it is kept verbatim."""
    message = PLAIN.decode(f"121NNY{D}AOMAIN|AA2123|AB3123|AJHobbit|AH2024-09-29 23:59|")
    assert isinstance(message, CheckoutResponse) and message.due_date == "2024-09-29 23:59"
