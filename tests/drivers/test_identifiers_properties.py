"""Property tests for barcode validation (protocol.identifiers) as the scanners use it."""
from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import ean, isbn

from drivers.scanframe import Line, ScanInterpreter
from protocol.identifiers import (
    IdentifierError, classify, luhn_check_digit, make_library_barcode, mask_barcode,
    normalize_card_uid, validate_library_barcode,
)

TYPE = st.sampled_from("0123456789")
INSTITUTION = st.integers(0, 9999)
SEQUENCE = st.integers(0, 99_999_999)


@settings(max_examples=300)
@given(TYPE, INSTITUTION, SEQUENCE)
def test_given_any_made_barcode_when_validated_then_it_passes(type_digit, institution, sequence):
    """GIVEN a barcode built by make_library_barcode WHEN validated THEN it is returned unchanged."""
    code = make_library_barcode(type_digit, institution, sequence)
    assert len(code) == 14 and validate_library_barcode(code) == code


@settings(max_examples=300)
@given(TYPE, INSTITUTION, SEQUENCE, st.integers(0, 13), st.integers(1, 9))
def test_given_one_digit_changed_when_validated_then_the_check_digit_catches_it(type_digit, institution, sequence,
                                                                               position, delta):
    """GIVEN a valid barcode with any single digit changed WHEN validated THEN IdentifierError (Luhn catches it)."""
    code = make_library_barcode(type_digit, institution, sequence)
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    try:
        validate_library_barcode(changed)
    except IdentifierError:
        return
    raise AssertionError(f"{changed} passed although {code} was changed")


@settings(max_examples=300)
@given(TYPE, INSTITUTION, SEQUENCE, st.integers(0, 12))
def test_given_adjacent_digits_swapped_when_validated_then_it_is_caught_unless_they_are_09(
        type_digit, institution, sequence, position):
    """GIVEN two neighbouring digits swapped WHEN validated THEN caught (Luhn misses only a 0<->9 swap)."""
    code = make_library_barcode(type_digit, institution, sequence)
    a, b = code[position], code[position + 1]
    assume(a != b and {a, b} != {"0", "9"})
    swapped = code[:position] + b + a + code[position + 2:]
    try:
        validate_library_barcode(swapped)
    except IdentifierError:
        return
    raise AssertionError(f"{swapped} passed although two digits of {code} were swapped")


@settings(max_examples=300)
@given(st.sampled_from(["2", "3"]), INSTITUTION, SEQUENCE)
def test_given_patron_and_item_barcodes_when_classified_then_kind_follows_the_prefix(type_digit, institution, sequence):
    """GIVEN type digit 2 or 3 WHEN classified with default rules THEN patron or item, scheme library14."""
    ident = classify(make_library_barcode(type_digit, institution, sequence))
    assert ident.kind == ("patron" if type_digit == "2" else "item") and ident.scheme == "library14"


@settings(max_examples=200)
@given(st.integers(0, 999_999_999), st.sampled_from(["978", "979"]))
def test_given_any_valid_isbn13_when_classified_then_it_is_an_item_round_trip(body, prefix):
    """GIVEN a valid ISBN-13 (and its ISBN-10 when there is one) WHEN classified THEN item with the same code."""
    stem = f"{prefix}{body:09d}"
    code = stem + ean.calc_check_digit(stem)
    assert classify(code).kind == "item" and classify(code).code == code
    if prefix == "978":
        ten = isbn.to_isbn10(code)
        assert classify(ten).scheme == "isbn10" and classify(ten).code == ten.upper()


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_given_any_text_when_classified_then_an_identifier_or_identifier_error_never_another_exception(text):
    """GIVEN arbitrary text (noise, binary, huge) WHEN classified THEN Identifier or IdentifierError only."""
    try:
        ident = classify(text)
    except IdentifierError as exc:
        assert str(exc)
        return
    assert ident.kind in ("patron", "item", "unknown")


@settings(max_examples=300)
@given(st.text(max_size=80), st.booleans())
def test_given_any_scanner_line_when_interpreted_then_a_scan_always_results_with_code_or_problem(text, aim):
    """GIVEN any line from a scanner WHEN interpreted THEN a Scan with a printable code or a problem, never an exception."""
    interpreter = ScanInterpreter("s", aim=aim)
    scan = interpreter.interpret(Line(text), 0.0)
    assert scan is not None and len(scan.code) <= 64
    assert scan.problem is not None or (scan.code and scan.code.isprintable() and " " not in scan.code)


@settings(max_examples=300)
@given(st.binary(min_size=4, max_size=10), st.sampled_from(["", ":", "-", " "]), st.booleans())
def test_given_any_card_uid_when_normalized_in_any_format_then_upper_hex_without_separators(uid, sep, lower):
    """GIVEN a 4-10 byte UID written with separators or in lower case WHEN normalized THEN plain upper-case hex."""
    text = sep.join(f"{b:02x}" if lower else f"{b:02X}" for b in uid)
    assert normalize_card_uid(text) == uid.hex().upper()


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=0, max_size=30))
def test_given_any_code_when_masked_then_only_the_last_four_characters_show(code):
    """GIVEN any code WHEN masked THEN same length and at most the last 4 characters visible."""
    masked = mask_barcode(code)
    assert len(masked) == len(code) and masked[:-4].strip("*") == ""
    assert masked[-4:] == code[-4:] or len(code) <= 4


def _luhn_valid(number: str) -> bool:
    """An independent Luhn check (doubling every second digit from the right)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=1, max_size=20), st.integers(1, 9))
def test_given_any_digits_when_the_luhn_digit_is_appended_then_the_number_passes_and_others_fail(digits, delta):
    """GIVEN any digit string WHEN its Luhn digit is appended THEN an independent Luhn check passes, other digits fail."""
    check = luhn_check_digit(digits)
    assert _luhn_valid(digits + str(check))
    assert not _luhn_valid(digits + str((check + delta) % 10))
