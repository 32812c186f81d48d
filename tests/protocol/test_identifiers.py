"""Identifier validation: library barcodes, ISBNs, card UIDs, masking."""
import pytest

from protocol.identifiers import (
    IdentifierError,
    IdentifierRules,
    classify,
    luhn_check_digit,
    make_library_barcode,
    mask_barcode,
    normalize_card_uid,
    validate_library_barcode,
)


def test_given_a_made_barcode_when_validated_then_it_passes_and_has_14_digits():
    code = make_library_barcode("3", 1234, 42)
    assert code == "31234000000428"[:13] + str(luhn_check_digit(code[:13]))
    assert len(code) == 14
    assert validate_library_barcode(code) == code


def test_given_the_known_luhn_example_when_checked_then_digit_matches():
    # 7992739871 -> check digit 3 is the textbook Luhn example.
    assert luhn_check_digit("7992739871") == 3


def test_given_one_wrong_digit_when_validated_then_the_check_digit_sentence_is_given():
    code = make_library_barcode("2", 1234, 7)
    broken = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
    with pytest.raises(IdentifierError, match="does not match"):
        validate_library_barcode(broken)


@pytest.mark.parametrize("raw, words", [
    ("", "No barcode"),
    ("   ", "No barcode"),
    ("212340000", "14 digits"),
    ("2123400000000000012", "14 digits"),
    ("21234\x00000000", "unreadable"),
    ("x" * 500, "far too long"),
])
def test_given_malformed_input_when_classified_then_a_clear_sentence_is_raised(raw, words):
    with pytest.raises(IdentifierError, match=words):
        classify(raw)


def test_given_default_rules_when_patron_and_item_codes_are_classified_then_kinds_follow_prefixes():
    assert classify(make_library_barcode("2", 1234, 1)).kind == "patron"
    assert classify(make_library_barcode("3", 1234, 1)).kind == "item"


def test_given_custom_prefix_rules_when_classified_then_the_library_rule_wins():
    rules = IdentifierRules(patron_prefixes=("9",), item_prefixes=("2",))
    assert classify(make_library_barcode("9", 1, 5), rules).kind == "patron"
    assert classify(make_library_barcode("2", 1, 5), rules).kind == "item"
    with pytest.raises(IdentifierError, match="does not use"):
        classify(make_library_barcode("3", 1, 5), rules)


def test_given_isbns_when_classified_then_they_are_items_with_their_scheme():
    assert classify("9780306406157").scheme == "isbn13"
    assert classify("0-306-40615-2".replace("-", "")).scheme == "isbn10"
    assert classify("080442957X").kind == "item"
    with pytest.raises(IdentifierError, match="check digit"):
        classify("9780306406158")


def test_given_codabar_start_stop_characters_when_normalized_then_they_are_stripped():
    code = make_library_barcode("3", 1234, 99)
    assert classify(f"A{code}B").code == code


def test_given_accept_other_when_an_unknown_format_is_read_then_it_is_passed_through_as_unknown():
    ident = classify("T 1234".replace(" ", ""), IdentifierRules(accept_other=True))
    assert (ident.kind, ident.scheme) == ("unknown", "other")


def test_given_card_uids_in_various_spellings_when_normalized_then_upper_hex_results():
    assert normalize_card_uid("04:a1:b2:c3") == "04A1B2C3"
    assert normalize_card_uid("04-A1-B2-C3-D4-E5-F6") == "04A1B2C3D4E5F6"
    with pytest.raises(IdentifierError):
        normalize_card_uid("04A1B")
    with pytest.raises(IdentifierError):
        normalize_card_uid("zz11")


def test_given_a_barcode_when_masked_then_only_the_last_four_show():
    assert mask_barcode("21234000012345") == "**********2345"
    assert mask_barcode("123") == "***"


@pytest.mark.parametrize("raw", ["", "2123400000", "21234000012340", "2x234000012345", "x" * 80, "9780306406158",
                                 "T12345678"])
def test_given_a_refused_code_when_worded_in_spanish_then_the_sentence_is_spanish_and_differs(raw):
    """GIVEN a code the library cannot use WHEN the refusal is worded for a Spanish screen or API
    THEN there is a Spanish sentence, different from the English one, under a stable code."""
    with pytest.raises(IdentifierError) as caught:
        classify(raw)
    error = caught.value
    assert error.code != "unreadable"
    assert error.message("es") != error.message("en") == str(error)


def test_given_a_misread_card_number_when_refused_then_the_sentence_shows_only_its_last_four():
    """GIVEN a patron number with a letter in it WHEN refused THEN the sentence (which reaches logs)
    quotes it masked to the last four characters."""
    with pytest.raises(IdentifierError) as caught:
        classify("21234000O12345")
    assert "21234000O12345" not in str(caught.value)
    assert "**********2345" in str(caught.value)


def test_given_a_plain_sentence_when_raised_then_it_is_kept_as_is():
    error = IdentifierError("The card reader sent something that is not a card number.")
    assert error.code == "unreadable"
    assert error.message("es") == str(error) == "The card reader sent something that is not a card number."
