"""Line framing, AIM identifiers and scan interpretation, driven with explicit times (no sleeping)."""
from __future__ import annotations

from drivers.events import CardTap, Scan
from drivers.scanframe import Line, LineAssembler, RepeatFilter, ScanInterpreter, card_number_to_uid, strip_aim
from protocol.identifiers import make_library_barcode

ITEM = make_library_barcode("3", 42, 99)


def test_given_crlf_terminated_input_when_fed_then_one_line_each_and_blank_lines_ignored():
    """GIVEN two codes ending in CR LF WHEN fed at once THEN exactly two lines."""
    lines = LineAssembler().feed("ABC\r\nDEF\r\n\r\n", now=0.0)
    assert [ln.text for ln in lines] == ["ABC", "DEF"]


def test_given_a_configured_prefix_and_tab_suffix_when_fed_then_prefix_is_stripped_and_tab_ends_the_line():
    """GIVEN prefix STX and suffix TAB WHEN a framed code arrives THEN the bare code."""
    lines = LineAssembler(suffix="\t", prefix="\x02").feed("\x02" + ITEM + "\t", now=0.0)
    assert [ln.text for ln in lines] == [ITEM]


def test_given_a_partial_line_when_time_passes_the_inter_character_timeout_then_it_is_discarded():
    """GIVEN half a code WHEN 0.31 s pass THEN a discarded Line; WHEN 0.2 s pass THEN still waiting."""
    assembler = LineAssembler(inter_char_timeout=0.3)
    assert assembler.feed("3123", now=10.0) == []
    assert assembler.expire(10.2) == [] and assembler.pending
    [line] = assembler.expire(10.31)
    assert line.problem and "part of a barcode" in line.problem and not assembler.pending


def test_given_a_scanner_without_suffix_when_it_pauses_then_the_pause_ends_the_scan():
    """GIVEN suffix '' (scanner sends no terminator) WHEN a code is followed by a pause THEN it is a whole scan."""
    assembler = LineAssembler(suffix="", inter_char_timeout=0.1)
    assembler.feed(ITEM, now=1.0)
    [line] = assembler.expire(1.2)
    assert line.text == ITEM and line.problem is None


def test_given_a_huge_line_when_fed_in_pieces_then_memory_stays_bounded_and_one_discard_is_reported():
    """GIVEN 10,000 characters in 100 pieces WHEN the terminator arrives THEN one discard line with the count."""
    assembler = LineAssembler(max_length=64)
    for i in range(100):
        assert assembler.feed("9" * 100, now=i * 0.001) == []
        assert len(assembler._buffer) <= 64
    [line] = assembler.feed("\r", now=0.2)
    assert "10000 characters" in line.problem
    assert [ln.text for ln in assembler.feed(ITEM + "\r", now=0.3)] == [ITEM]


def test_given_only_control_and_high_bytes_when_a_line_ends_then_it_is_marked_as_noise():
    """GIVEN a line of NULs and 0xFF WHEN it ends THEN it is noise-only, not a scan attempt."""
    [line] = LineAssembler().feed("\x00\xff\x81\x07\r", now=0.0)
    assert line.noise_only


def test_given_aim_prefixed_codes_when_stripped_then_names_follow_the_modifier():
    """GIVEN ]C1, ]E4, ]Q1 and no AIM WHEN stripped THEN gs1-128, ean8, qr and None."""
    assert strip_aim("]C1019") == ("019", "gs1-128")
    assert strip_aim("]E412345670") == ("12345670", "ean8")
    assert strip_aim("]Q1hello") == ("hello", "qr")
    assert strip_aim("31234") == ("31234", None)


def test_given_a_code_of_any_prefix_when_interpreted_then_the_driver_reports_it_as_read_without_deciding():
    """GIVEN a library whose patrons start with 4 (or 9) WHEN such a card is read THEN the driver passes the code on
    unjudged (no problem, no kind): the kiosk classifies it with its own rules."""
    for digit in ("4", "9"):
        patron = make_library_barcode(digit, 1, 5)
        scan = ScanInterpreter("s").interpret(Line(f"A{patron}B"), 0.0)  # Codabar start/stop characters
        assert isinstance(scan, Scan) and scan.code == patron and scan.problem is None
        assert not hasattr(scan, "kind")


def test_given_a_problem_line_when_interpreted_then_the_shown_code_is_printable_and_short():
    """GIVEN a discarded line full of control bytes WHEN interpreted THEN code is printable and at most 64 chars."""
    scan = ScanInterpreter("s").interpret(Line("A\x01" * 100, problem="Only part"), 0.0)
    assert scan.problem == "Only part" and len(scan.code) <= 64 and scan.code.isprintable()


def test_given_a_repeat_window_when_the_same_card_is_read_repeatedly_then_it_is_reported_once_until_it_rests():
    """GIVEN a 3 s window WHEN a card is read at 0, 1, 2.5 s and again at 6 s THEN it is reported at 0 and 6 only."""
    interpreter = ScanInterpreter("r", as_card=True, repeat_window=3.0)
    reported = [t for t in (0.0, 1.0, 2.5, 6.0) if interpreter.interpret(Line("04A1B2C3"), t) is not None]
    assert reported == [0.0, 6.0]


def test_given_decimal_card_numbers_when_converted_then_hex_uid_of_four_bytes():
    """GIVEN a 10-digit reader WHEN it sends 0305419896 THEN the UID is 12345678."""
    assert card_number_to_uid("0305419896", "decimal") == "12345678"
    tap = ScanInterpreter("r", as_card=True, card_format="decimal").interpret(Line("99999999999"), 0.0)
    assert isinstance(tap, CardTap) and tap.problem


def test_given_a_repeat_filter_when_many_codes_pass_then_old_ones_are_forgotten():
    """GIVEN a 1 s filter WHEN 1000 codes pass over 100 s THEN it remembers only recent ones."""
    f = RepeatFilter(1.0)
    for i in range(1000):
        f.fresh(str(i), i * 0.1)
    assert len(f._last_seen) <= 12
