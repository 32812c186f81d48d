"""The ESC/POS decoder on hand-written command streams, python-escpos output, and random bytes."""
from __future__ import annotations

from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.escpos_decode import decode
from drivers.escpos_status import parse_status, status_answers


def test_given_print_mode_and_alignment_commands_when_decoded_then_each_line_carries_its_style():
    """GIVEN ESC ! / ESC E / ESC a / GS ! WHEN decoded THEN each line starts with the right style."""
    data = (b"\x1b@\x1b!\x38Title\n\x1b!\x00\x1ba\x02right\n\x1bE\x01\x1ba\x00bold\n"
            b"\x1bE\x00\x1d!\x11big\n\x1d!\x00plain\n")
    lines = decode(data).lines
    assert [(ln.text, ln.bold, ln.double_width, ln.double_height, ln.align) for ln in lines] == [
        ("Title", True, True, True, "left"), ("right", False, False, False, "right"),
        ("bold", True, False, False, "left"), ("big", False, True, True, "left"),
        ("plain", False, False, False, "left")]


def test_given_code_page_switches_when_decoded_then_accented_bytes_use_the_current_page():
    """GIVEN ESC t 19 (CP858) then ESC t 16 (WPC1252) WHEN decoded THEN both halves read as the same Spanish text."""
    data = b"\x1bt\x13" + "año €".encode("cp858") + b"\n\x1bt\x10" + "año €".encode("cp1252") + b"\n"
    out = decode(data)
    assert [ln.text for ln in out.lines] == ["año €", "año €"] and out.code_pages == ["cp858", "cp1252"]


def test_given_function_a_and_b_barcodes_when_decoded_then_type_and_data_are_read():
    """GIVEN GS k in NUL-terminated and length-prefixed forms WHEN decoded THEN both barcodes are listed."""
    data = b"\x1dk\x02978030640615\x00" + b"\x1dkI\x0a{B31234567" + b"\x1dkE\x05ABC12"
    assert decode(data).barcodes == [("EAN13", "978030640615"), ("CODE128", "31234567"), ("CODE39", "ABC12")]


def test_given_a_raster_image_and_cuts_when_decoded_then_image_size_is_read_and_data_skipped():
    """GIVEN GS v 0 with 2x3 bytes of image data that look like text WHEN decoded THEN an image, no stray text."""
    data = b"\x1dv0\x00\x02\x00\x03\x00ABCDEF" + b"after\n" + b"\x1dVA\x10" + b"\x1dV\x00"
    out = decode(data)
    assert out.images == [(2, 3)] and [ln.text for ln in out.lines] == ["after"] and out.cuts == 2


def test_given_a_stream_cut_mid_command_when_decoded_then_truncated_is_set_and_text_so_far_kept():
    """GIVEN a receipt whose connection died inside a QR command WHEN decoded THEN truncated, text kept."""
    out = decode(b"Hello\n\x1d(k\x10\x001P0http")
    assert out.truncated and [ln.text for ln in out.lines] == ["Hello"]


def test_given_an_unknown_command_when_decoded_then_it_is_listed_not_guessed():
    """GIVEN an ESC command the decoder does not know WHEN decoded THEN it appears in ``unknown``."""
    out = decode(b"\x1b\x7fx\n")
    assert out.unknown == [b"\x1b\x7f"] and out.lines[0].text == "x"


def test_given_python_escpos_status_queries_when_decoded_then_they_are_listed():
    """GIVEN DLE EOT 1 and 4 WHEN decoded THEN status_queries says [1, 4] and nothing is printed."""
    out = decode(b"\x10\x04\x01\x10\x04\x04")
    assert out.status_queries == [1, 4] and out.lines == []


def test_given_native_and_image_qr_codes_when_decoded_then_native_data_is_read_and_image_counted():
    """GIVEN python-escpos QR natively and as an image WHEN decoded THEN the native one's text and one image."""
    dummy = Dummy()
    dummy.qr("https://library.example/a", native=True)
    dummy.qr("https://library.example/b", native=False)
    out = decode(dummy.output)
    assert out.qr_codes == ["https://library.example/a"] and len(out.images) == 1 and not out.unknown


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_given_random_bytes_when_decoded_then_the_decoder_never_raises(data):
    """GIVEN arbitrary bytes WHEN decoded THEN a Decoded comes back (noise is reported, never raised)."""
    out = decode(data)
    assert isinstance(out.text, str)


def test_given_each_printer_state_when_its_status_bytes_are_parsed_then_the_state_comes_back():
    """GIVEN the DLE EOT answers of each state WHEN parsed THEN paper, cover and online match the state."""
    for paper in ("ok", "near_end", "out"):
        for cover in (False, True):
            a = status_answers(paper=paper, cover_open=cover)
            status = parse_status(a[1], a[2], a[4])
            assert (status.paper, status.cover_open) == (paper, cover)
            assert status.online is (paper != "out" and not cover)


def test_given_no_answers_or_junk_when_parsed_then_status_is_unknown_but_online():
    """GIVEN silence or bytes without the fixed bits WHEN parsed THEN paper unknown, not called offline."""
    for answers in ((None, None, None), (0x00, 0xFF, 0x01)):
        status = parse_status(*answers)
        assert status.paper == "unknown" and status.online
