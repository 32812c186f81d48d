"""Per-connection text encoding: cp850 or utf-8, with the checksum summed over those bytes."""
from datetime import datetime

import pytest

from protocol.sip2 import (
    CheckoutResponse, Codec, FieldValueError, PatronStatusResponse, TextEncodingError, Checkout,
)
from protocol.sip2.checksum import checksum_ok

WHEN = datetime(2024, 9, 15, 14, 30, 5)
NAME = "José Núñez"
TITLES = ["Canción de cuna", "El Principito — niños"]


def _patron(name=NAME):
    return PatronStatusResponse(transaction_date=WHEN, institution_id="MAIN", patron_identifier="21234000000017",
                                personal_name=name, sequence_number=2)


def _loan(title):
    return CheckoutResponse(ok=True, transaction_date=WHEN, institution_id="MAIN",
                            patron_identifier="21234000000017", item_identifier="31234000000424",
                            title_identifier=title, due_date="20240929    235900", sequence_number=3)


def test_given_an_accented_name_when_encoded_in_each_encoding_then_bytes_and_checksums_differ_and_both_verify():
    """GIVEN "José Núñez" WHEN encoded in cp850 and in utf-8 THEN different bytes and AZ, each verifying and decoding."""
    cp850, utf8 = Codec("cp850"), Codec("utf-8")
    wire_cp850, wire_utf8 = cp850.encode(_patron()), utf8.encode(_patron())
    assert "José Núñez".encode("cp850") in wire_cp850  # é is the single byte 0x82 in cp850
    assert b"Jos\xc3\xa9 N\xc3\xba\xc3\xb1ez" in wire_utf8
    assert wire_cp850[-5:-1] != wire_utf8[-5:-1]
    assert checksum_ok(wire_cp850[:-1]) and checksum_ok(wire_utf8[:-1])
    assert cp850.decode(wire_cp850).personal_name == NAME
    assert utf8.decode(wire_utf8).personal_name == NAME


@pytest.mark.parametrize("title", TITLES)
def test_given_a_spanish_title_when_sent_over_utf8_then_it_arrives_exactly(title):
    """GIVEN a title with accents (and an em dash) WHEN round-tripped over utf-8 THEN it is unchanged."""
    codec = Codec("utf-8")
    wire = codec.encode(_loan(title))
    assert title.encode("utf-8") in wire
    assert codec.decode(wire).title_identifier == title


def test_given_titles_when_encoded_both_ways_then_each_checksum_differs_and_verifies():
    """GIVEN the two Spanish titles WHEN encoded in cp850 and utf-8 THEN four distinct checksums, all valid."""
    sums = set()
    for title in TITLES:
        for encoding in ("cp850", "utf-8"):
            wire = Codec(encoding).encode(_loan(title))
            assert checksum_ok(wire[:-1])
            sums.add(wire[-5:-1])
    assert len(sums) == 4


def test_given_an_accented_title_over_cp850_when_round_tripped_then_it_arrives_exactly():
    """GIVEN "Canción de cuna" WHEN sent over cp850 THEN ó travels as one byte (0xA2) and decodes back."""
    codec = Codec("cp850")
    wire = codec.encode(_loan("Canción de cuna"))
    assert b"Canci\xa2n de cuna" in wire
    assert codec.decode(wire).title_identifier == "Canción de cuna"


def test_given_a_title_with_an_em_dash_over_cp850_when_encoded_then_the_dash_becomes_a_hyphen_and_ñ_stays():
    """GIVEN "El Principito — niños" (cp850 has no em dash) WHEN sent over cp850 THEN "El Principito - niños"."""
    codec = Codec("cp850")
    assert codec.decode(codec.encode(_loan("El Principito — niños"))).title_identifier == "El Principito - niños"


def test_given_a_patron_identifier_cp850_cannot_write_when_encoded_then_it_is_refused_naming_the_field():
    """GIVEN a patron id with a character cp850 lacks WHEN encoded THEN refused (a changed id finds the wrong patron)."""
    message = Checkout(patron_identifier="2123—4", item_identifier="31234000000424")
    with pytest.raises(FieldValueError, match="patron identifier \\(AA\\).*utf-8") as caught:
        Codec("cp850").encode(message)
    assert caught.value.field == "patron_identifier"
    assert caught.value.code == "AA"
    assert Codec("utf-8").decode(Codec("utf-8").encode(message)).patron_identifier == "2123—4"


def test_given_utf8_bytes_when_decoded_as_cp850_then_the_name_is_mojibake_but_nothing_crashes():
    """GIVEN a utf-8 message WHEN the connection is wrongly set to cp850 THEN it decodes (checksum is of bytes)."""
    wire = Codec("utf-8").encode(_patron())
    assert Codec("cp850").decode(wire).personal_name != NAME


def test_given_cp850_bytes_when_decoded_as_utf8_then_a_text_encoding_error_suggests_cp850():
    """GIVEN a cp850 message with é WHEN decoded by a utf-8 connection THEN TextEncodingError pointing at cp850."""
    wire = Codec("cp850").encode(_patron())
    with pytest.raises(TextEncodingError, match="try cp850"):
        Codec("utf-8").decode(wire)


def test_given_an_unknown_encoding_name_when_a_codec_is_made_then_the_error_names_the_choices():
    """GIVEN encoding "cp500" (EBCDIC) WHEN a Codec is made THEN ValueError listing the encodings that work."""
    with pytest.raises(ValueError, match="cp850, utf-8, latin-1, cp1252, ascii"):
        Codec("cp500")
    assert Codec("UTF8").encoding == "utf-8"
    assert [Codec(name).encoding for name in ("ISO-8859-1", "windows-1252", "US-ASCII")] == \
        ["latin-1", "cp1252", "ascii"]
