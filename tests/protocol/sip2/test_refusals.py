"""Values SIP2 cannot carry are refused before anything is sent, with the field named."""
import pytest

from protocol.sip2 import (
    ACSStatus, Checkin, Checkout, CheckoutResponse, Codec, FieldValueError, Login, PatronInformationResponse,
    SCStatus,
)

CODEC = Codec()


def test_given_a_title_containing_a_bar_when_encoded_then_it_is_refused_naming_the_title_field():
    """GIVEN a title "Cats | Dogs" WHEN a checkout response is encoded THEN FieldValueError names AJ."""
    message = CheckoutResponse(ok=True, patron_identifier="2123", item_identifier="3123", title_identifier="Cats | Dogs")
    with pytest.raises(FieldValueError, match=r"title identifier \(AJ\) contains '\|'") as caught:
        CODEC.encode(message)
    assert (caught.value.field, caught.value.code) == ("title_identifier", "AJ")


@pytest.mark.parametrize("value, words", [("line one\rline two", "carriage return"), ("a\nb", "line feed")])
def test_given_a_line_break_in_a_value_when_encoded_then_it_is_refused(value, words):
    """GIVEN a CR or LF inside a patron's password WHEN encoded THEN refused: it would end the message early."""
    with pytest.raises(FieldValueError, match=words) as caught:
        CODEC.encode(Checkout(patron_identifier="2123", item_identifier="3123", patron_password=value))
    assert caught.value.field == "patron_password"


def test_given_a_bar_in_one_entry_of_a_repeated_field_when_encoded_then_it_is_refused():
    """GIVEN a second screen message with '|' WHEN encoded THEN refused naming screen messages (AF)."""
    message = ACSStatus(screen_messages=["fine", "not | fine"])
    with pytest.raises(FieldValueError, match=r"screen messages \(AF\)"):
        CODEC.encode(message)


def test_given_a_bar_in_an_extra_field_when_encoded_then_it_is_refused():
    """GIVEN an unknown vendor field whose value holds '|' WHEN encoded THEN refused."""
    message = Checkin(item_identifier="3123", extra_fields=[("ZZ", "a|b")])
    with pytest.raises(FieldValueError, match="extra field 'ZZ'"):
        CODEC.encode(message)


@pytest.mark.parametrize("entry", [("AY", "x"), ("AZ", "x"), ("Z", "x"), ("ZZZ", "x"), ("Z|", "x"), ("ZZ",),
                                   "ZZx", ("—Z", "x")])
def test_given_an_extra_field_that_is_reserved_or_misshapen_when_encoded_then_it_is_refused(entry):
    """GIVEN an extra field coded AY/AZ, not two plain characters, not a pair, or not writable in cp850
    WHEN encoded THEN FieldValueError (never a bare crash)."""
    with pytest.raises(FieldValueError, match="extra field"):
        CODEC.encode(Checkin(item_identifier="3123", extra_fields=[entry]))


def test_given_a_fixed_field_of_the_wrong_width_when_encoded_then_it_is_refused_with_the_width():
    """GIVEN a protocol version "2.0" (needs four characters) WHEN encoded THEN refused saying exactly 4."""
    with pytest.raises(FieldValueError, match="exactly 4 characters"):
        CODEC.encode(SCStatus(protocol_version="2.0"))


@pytest.mark.parametrize("number", [10, -1, "3"])
def test_given_a_sequence_number_outside_0_to_9_when_encoded_then_it_is_refused(number):
    """GIVEN sequence 10, -1 or text WHEN encoded with error detection THEN refused: AY is one digit."""
    with pytest.raises(FieldValueError, match="one digit"):
        CODEC.encode(SCStatus(), sequence=number)


def test_given_a_required_field_set_to_none_when_encoded_then_it_is_refused_naming_it():
    """GIVEN a login with no password (None) WHEN encoded THEN refused: CO is required by the spec."""
    with pytest.raises(FieldValueError, match=r"login password \(CO\)"):
        CODEC.encode(Login(login_user_id="kiosk", login_password=None))


@pytest.mark.parametrize("count", [10000, -1, True])
def test_given_a_count_that_does_not_fit_four_digits_when_encoded_then_it_is_refused(count):
    """GIVEN a charged items count of 10000 WHEN encoded THEN refused: counts are 0000 to 9999."""
    with pytest.raises(FieldValueError, match="0 to 9999"):
        CODEC.encode(PatronInformationResponse(patron_identifier="2123", charged_items_count=count))


def test_given_a_flag_that_is_not_a_boolean_when_encoded_then_it_is_refused():
    """GIVEN no_block="Y" (text, not True) WHEN encoded THEN refused rather than guessed."""
    with pytest.raises(FieldValueError, match="True or False"):
        CODEC.encode(Checkout(patron_identifier="2123", item_identifier="3123", no_block="Y"))


def test_given_a_bad_terminator_when_a_codec_is_made_then_it_is_refused():
    """GIVEN a terminator of LF only WHEN a Codec is made THEN ValueError: SIP2 ends messages with CR."""
    with pytest.raises(ValueError, match="CR"):
        Codec(terminator="\n")


def test_given_a_refused_message_when_encoding_fails_then_the_caller_object_is_untouched():
    """GIVEN a checkout with a bad title WHEN encoding is refused THEN the message keeps its values (nothing lost)."""
    message = CheckoutResponse(patron_identifier="2123", item_identifier="3123", title_identifier="a|b")
    with pytest.raises(FieldValueError):
        CODEC.encode(message)
    assert message.title_identifier == "a|b"
