"""The AZ checksum: golden values from the spec's rule, verification, and edge cases."""
import pytest

from protocol.sip2.checksum import append_checksum, checksum, checksum_ok, split_checksum
from protocol.sip2.errors import ChecksumError


def test_given_the_spec_sc_status_example_when_its_checksum_is_added_then_all_bytes_sum_to_zero():
    """GIVEN "9900302.00AY1AZ" WHEN its checksum is computed THEN bytes plus checksum value are 0 mod 65536."""
    body = b"9900302.00AY1AZ"
    value = checksum(body)
    # Worked by hand: the bytes add up to 859 (0x035B); its two's complement is 0xFCA5.
    assert sum(body) == 0x035B
    assert value == "FCA5"
    assert (sum(body) + int(value, 16)) & 0xFFFF == 0
    assert checksum_ok(body + value.encode())


def test_given_a_request_sc_resend_when_checksummed_then_it_is_the_well_known_96AZFEF6():
    """GIVEN the bare 96 message WHEN AZ and its checksum are appended THEN the result is 96AZFEF6."""
    assert append_checksum(b"96") == b"96AZFEF6"


def test_given_a_body_summing_to_a_multiple_of_65536_when_checksummed_then_the_checksum_is_0000():
    """GIVEN bytes whose sum is exactly 0 mod 65536 WHEN checksummed THEN the four digits are 0000."""
    # "AZ" adds 65 + 90 = 155, so the bytes before it must add up to 65536 - 155 = 65381 = 256 * 255 + 101.
    body = b"\xff" * 256 + b"e" + b"AZ"
    assert sum(body) % 65536 == 0
    assert checksum(body) == "0000"
    assert checksum_ok(body + b"0000")


def test_given_a_long_message_whose_sum_overflows_16_bits_when_checksummed_then_only_the_low_bits_count():
    """GIVEN a body adding up to more than 65535 WHEN checksummed THEN verification still gives zero."""
    body = b"64" + b"Z" * 2000 + b"AY4AZ"
    assert sum(body) > 0xFFFF
    assert checksum_ok(body + checksum(body).encode())


def test_given_a_checksum_in_lower_case_hex_when_split_then_it_is_accepted():
    """GIVEN a server that writes the checksum in lower case WHEN verified THEN it is accepted."""
    assert split_checksum(b"9900302.00AY1AZfca5") == (b"9900302.00AY1", "fca5")


def test_given_one_changed_byte_when_split_then_a_checksum_error_names_both_values():
    """GIVEN a message damaged in transit WHEN its checksum is verified THEN ChecksumError gives expected/received."""
    with pytest.raises(ChecksumError, match="Ask for it again") as caught:
        split_checksum(b"9900402.00AY1AZFCA5")
    assert caught.value.received == "FCA5"
    assert caught.value.expected == checksum(b"9900402.00AY1AZ")


def test_given_no_checksum_when_split_then_the_message_is_returned_unchanged():
    """GIVEN a message sent without error detection WHEN split THEN nothing is removed and no checksum given."""
    assert split_checksum(b"941") == (b"941", None)
    assert not checksum_ok(b"941")


@pytest.mark.parametrize("tail", [b"AZ12G4", b"AZ123", b"AZ12345"])
def test_given_a_malformed_checksum_trailer_when_split_then_it_is_not_taken_for_a_checksum(tail):
    """GIVEN AZ followed by something other than exactly four hex digits WHEN split THEN no checksum is found."""
    body, found = split_checksum(b"941AY1" + tail)
    assert found is None
