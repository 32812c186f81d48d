"""Positional flag strings by name, and log lines that never hold a name, PIN or full card number."""
import pytest

from protocol.sip2 import Checkout, Codec, PatronInformationResponse, log_line
from protocol.sip2.flags import (
    PATRON_STATUS_FLAGS, patron_status_conditions, patron_status_text, summary_lists, summary_text,
    supported_messages, supported_messages_text,
)


def test_given_named_conditions_when_a_patron_status_is_built_then_y_sits_at_their_positions():
    """GIVEN card reported lost and excessive fines WHEN built THEN 14 characters with Y at 4 and 10."""
    text = patron_status_text("card_reported_lost", "excessive_outstanding_fines")
    assert text == "    Y     Y   "
    assert len(text) == len(PATRON_STATUS_FLAGS) == 14
    assert patron_status_conditions(text) == ["card_reported_lost", "excessive_outstanding_fines"]


def test_given_a_summary_for_charged_items_when_built_then_position_2_is_y():
    """GIVEN 'charged_items' WHEN the summary is built THEN "  Y       " and it reads back."""
    assert summary_text("charged_items") == "  Y       "
    assert summary_text() == " " * 10
    assert summary_lists("  Y       ") == ["charged_items"]


def test_given_supported_message_names_when_bx_is_built_then_y_and_n_by_position():
    """GIVEN checkout, checkin and renew WHEN BX is built THEN 16 Y/N characters that read back."""
    text = supported_messages_text("checkout", "checkin", "renew")
    assert text == "NYYNNNNNNNNNNNYN"
    assert supported_messages(text) == ["checkout", "checkin", "renew"]


def test_given_an_unknown_condition_name_when_built_then_the_error_lists_the_known_names():
    """GIVEN a misspelt condition WHEN built THEN ValueError naming it and listing the real ones."""
    with pytest.raises(ValueError, match="card_lost.*card_reported_lost"):
        patron_status_text("card_lost")


def test_given_a_patron_message_when_logged_then_no_name_pin_or_full_card_number_appears():
    """GIVEN a checkout with PIN and a patron information response with a name and email WHEN logged THEN the
    patron id shows only its last 4 digits, the PIN is ***, the name and email are hidden."""
    checkout = Checkout(patron_identifier="21234000000017", item_identifier="31234000000424", patron_password="4321")
    line = log_line(checkout)
    assert "21234000000017" not in line and "0017" in line and "4321" not in line and "AD=***" in line
    assert "31234000000424" in line  # item barcodes are not personal
    info = PatronInformationResponse(patron_identifier="21234000000017", personal_name="José Núñez",
                                     email_address="jose@school.example", screen_messages=["Hola José"],
                                     extra_fields=[("PB", "20100101")], sequence_number=1)
    line = log_line(Codec().decode(Codec().encode(info)))
    for secret in ("José", "Núñez", "jose@", "20100101"):
        assert secret not in line
    assert "PB=<hidden>" in line and "AY=1" in line  # PB (birth date) is a known extension, hidden
    assert "\n" not in line
