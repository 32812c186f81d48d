"""The ISO 28560-2 codec: the standard's worked examples, round trips, and random bytes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import TagError
from drivers.iso28560 import (
    AFI_CHECKED_OUT, AFI_SECURED, FIVE_BIT, INTEGER, NUMERIC, OCTET, SEVEN_BIT, SIX_BIT, UTF8, TagData,
    afi_for, choose_scheme, compact, decode, decode_elements, encode, encode_element, expand, is_secured,
)


def test_given_the_annex_d_item_identifier_when_compacted_then_the_standard_bytes_come_out():
    """GIVEN item id 123456789012 WHEN encoded as the first data set THEN 91 00 05 1C BE 99 1A 14 (Annex D)."""
    assert compact("123456789012") == (INTEGER, bytes.fromhex("1CBE991A14"))
    assert encode_element(1, "123456789012", block_size=4) == bytes.fromhex("9100051CBE991A14")


def test_given_the_annex_d_shelf_location_when_compacted_then_six_bit_bytes_match():
    """GIVEN shelf location QA268.L55 WHEN compacted THEN 6-bit scheme and 44 1C B6 E2 E3 35 D6 (Annex D)."""
    assert compact("QA268.L55") == (SIX_BIT, bytes.fromhex("441CB6E2E335D6"))
    assert expand(SIX_BIT, bytes.fromhex("441CB6E2E335D6")) == "QA268.L55"


def test_given_the_annex_d_set_information_when_decoded_then_part_3_of_12():
    """GIVEN set information 14 02 04 B3 after an item id WHEN decoded THEN part 3 of 12."""
    memory = bytes.fromhex("9100051CBE991A14" "140204B3" "00")
    tag = decode(memory)
    assert (tag.primary_item_id, tag.part, tag.parts) == ("123456789012", 3, 12)
    assert encode(TagData("123456789012", part=3, parts=12)) == memory


@pytest.mark.parametrize("text, scheme", [
    ("31234000012345", INTEGER), ("0012345", NUMERIC), ("ABCXYZ", FIVE_BIT), ("US-CA-0001", SIX_BIT),
    ("Lib-42 a", SEVEN_BIT), ("Biblioteca Núñez", OCTET), ("Библиотека", UTF8), ("0", INTEGER),
])
def test_given_each_kind_of_text_when_compacted_then_the_expected_scheme_is_chosen_and_reversible(text, scheme):
    """GIVEN digits, letters, ISILs, lower case, Latin-1 and Cyrillic WHEN compacted THEN the scheme fits and round-trips."""
    assert choose_scheme(text) == scheme
    assert expand(*compact(text)) == text


def test_given_a_first_data_set_when_encoded_then_the_item_identifier_fills_whole_blocks():
    """GIVEN any item id WHEN encoded with 4-byte blocks THEN the first data set ends on a block boundary."""
    for item in ("3", "31234000012345", "ABC-123456", "0000000000001"):
        first = encode_element(1, item, block_size=4)
        assert len(first) % 4 == 0
        assert decode(first + b"\x00").primary_item_id == item


def test_given_relative_oids_above_14_when_encoded_then_the_extension_byte_is_used():
    """GIVEN data element 17 WHEN encoded THEN precursor OID 15 plus a byte of 2, and it decodes back."""
    data = encode(TagData("31234000012345", elements={17: "El niño", 2: "C0"}))
    assert decode(data).elements == {17: "El niño", 2: "C0"}
    assert any(oid == 17 for oid, _, _ in decode_elements(data))


@pytest.mark.parametrize("memory, words", [
    (b"", "blank"), (b"\x00" * 32, "blank"), (b"\x13\x03ABC\x00", "not the item identifier"),
    (b"\x11\x09\x01\x02", "middle"), (b"\x10\x01\x01\x00", "without an identifier"),
    (b"\x11\x01\x05\x14\x01\x07\x00", "not 'part x of y'"), (b"\x11\x01\x05\x14\x02\x05\x2b\x00", "not possible"),
    (b"\x11\x01\x05\x11\x01\x06\x00", "twice"), (b"\x71\x02\xc3\x28\x00", "not valid UTF-8"),
])
def test_given_malformed_memory_when_decoded_then_tag_error_in_words(memory, words):
    """GIVEN blank, cut, doubled or invalid tag memory WHEN decoded THEN TagError with a readable reason."""
    with pytest.raises(TagError, match=words):
        decode(memory)


def test_given_a_value_the_scheme_cannot_hold_when_compacted_then_tag_error():
    """GIVEN lower case for 5-bit or a leading zero for integer WHEN forced THEN TagError, not garbage."""
    with pytest.raises(TagError):
        compact("abc", FIVE_BIT)
    with pytest.raises(TagError):
        compact("0123", INTEGER)
    with pytest.raises(TagError):
        encode(TagData("3", part=3, parts=2))
    with pytest.raises(TagError, match="only 8"):
        encode(TagData("31234000012345", "US-CA-LINCOLN"), memory_size=8)


def test_given_afi_values_when_interpreted_then_only_c2_means_checked_out():
    """GIVEN AFIs 07, C2 and an unknown 00 WHEN read THEN only C2 lets the item leave."""
    assert (is_secured(AFI_SECURED), is_secured(AFI_CHECKED_OUT), is_secured(0x00)) == (True, False, True)
    assert (afi_for(True), afi_for(False)) == (0x07, 0xC2)


ITEM_IDS = st.one_of(
    st.integers(min_value=0, max_value=10**20).map(str),
    st.text(alphabet="0123456789", min_size=1, max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0x41, max_codepoint=0x5F), min_size=1, max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32),
)
ISILS = st.one_of(st.none(), st.from_regex(r"[A-Z]{2}-[A-Za-z0-9:/-]{1,13}", fullmatch=True))
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x7f"), min_size=1,
               max_size=40).filter(lambda t: len(t.encode("utf-8")) <= 255)


@settings(max_examples=300, deadline=None)
@given(item=ITEM_IDS, isil=ISILS, parts=st.integers(1, 20), data=st.data())
def test_given_any_tag_data_when_encoded_then_decoding_gives_it_back(item, isil, parts, data):
    """GIVEN random item ids, ISILs and set information WHEN encoded THEN decode() returns the same TagData."""
    part = data.draw(st.integers(1, parts))
    extra = data.draw(st.dictionaries(st.integers(5, 270), TEXT, max_size=3))
    tag = TagData(item, isil, part, parts, extra)
    assert decode(encode(tag)) == tag


@settings(max_examples=300, deadline=None)
@given(text=TEXT, scheme=st.sampled_from([INTEGER, NUMERIC, FIVE_BIT, SIX_BIT, SEVEN_BIT, OCTET, UTF8]))
def test_given_any_text_and_scheme_when_compacted_then_it_expands_back_or_is_refused(text, scheme):
    """GIVEN any text forced into any scheme WHEN compacted THEN it expands to the same text, or TagError."""
    try:
        used, data = compact(text, scheme)
    except TagError:
        return
    assert expand(used, data) == text


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120))
def test_given_random_bytes_when_decoded_then_only_tag_error_is_ever_raised(memory):
    """GIVEN arbitrary tag memory WHEN decoded THEN a TagData or TagError, never another exception."""
    try:
        tag = decode(memory)
    except TagError:
        return
    assert isinstance(tag.primary_item_id, str) and 1 <= tag.part <= tag.parts
