"""Keyboard-wedge (HID) scanners: recorded evdev streams through the decoder, and a uinput keyboard if present."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from drivers.errors import DeviceConfigError
from drivers.events import Scan, StatusChanged
from drivers.hid_keys import EV_KEY, KEY_LEFTSHIFT, UNKNOWN, HidKeyDecoder, key_events_for
from drivers.registry import build_device
from drivers.scanner_hid import HidScanner, InputInfo, matches
from protocol.identifiers import make_library_barcode

DATA = Path(__file__).parent / "data"
ITEM = make_library_barcode("3", 1234, 12345)
PATRON = make_library_barcode("2", 1234, 777)
_EVENT = re.compile(r"time (?P<t>[\d.]+), type (?P<type>\d+) \(\w+\), code (?P<code>\d+) \(\w+\), value (?P<value>\w+)")


def load_evtest(name: str) -> list[tuple[float, int, int, int]]:
    """(time, type, code, value) from an evtest-format recording."""
    out = []
    for line in (DATA / name).read_text().splitlines():
        if line.startswith("#"):
            continue
        if "SYN_REPORT" in line:
            out.append((float(line.split("time ")[1].split(",")[0]), 0, 0, 0))
            continue
        match = _EVENT.search(line)
        if match:
            value = int(match["value"], 16) if match["type"] == "4" else int(match["value"])
            out.append((float(match["t"]), int(match["type"]), int(match["code"]), value))
    return out


def replay(name: str, **settings) -> list:
    scanner = HidScanner("wedge", vendor_id="0x0c2e", **settings)
    seen: list = []
    scanner.replay(load_evtest(name), seen.append)
    return [e for e in seen if isinstance(e, Scan)]


def test_given_a_recording_of_two_scans_when_replayed_then_an_item_and_a_patron_scan():
    """GIVEN a recorded stream of two Enter-terminated scans WHEN replayed THEN item then patron, no problems."""
    scans = replay("hid_two_scans.evtest")
    assert [(s.code, s.problem) for s in scans] == [(ITEM, None), (PATRON, None)]


def test_given_shifted_letters_an_aim_id_and_tab_when_replayed_then_the_code39_text_is_exact():
    """GIVEN Code 39 with Shift for capitals, ]A0 and a Tab suffix WHEN replayed THEN 'LIB-42X', symbology code39."""
    [scan] = replay("hid_code39_shift_tab.evtest", suffix="TAB")
    assert (scan.code, scan.symbology, scan.problem) == ("LIB-42X", "code39", None)


def test_given_caps_lock_on_when_letters_are_typed_then_they_come_out_upper_case():
    """GIVEN a scanner that turns Caps Lock on WHEN it types 'abc123' THEN the scan reads 'ABC123'."""
    [scan] = replay("hid_capslock.evtest")
    assert scan.code == "ABC123"


def test_given_keypad_emulation_when_replayed_then_keypad_digits_and_keypad_enter_make_a_scan():
    """GIVEN a scanner in keypad mode WHEN replayed THEN the keypad digits form the item barcode."""
    [scan] = replay("hid_keypad.evtest")
    assert scan.code == ITEM and scan.problem is None


def test_given_an_unknown_key_mid_scan_when_replayed_then_that_scan_has_a_problem_and_the_next_is_fine():
    """GIVEN F13 in the middle of a scan WHEN replayed THEN a problem scan, then a clean one."""
    scanner = HidScanner("wedge", device_name="scanner")
    seen: list = []
    scanner.replay(load_evtest("hid_unknown_key.evtest"), seen.append)
    scans = [e for e in seen if isinstance(e, Scan)]
    assert scans[0].problem and scans[1].code == ITEM and scans[1].problem is None
    notes = [e.detail for e in seen if isinstance(e, StatusChanged)]
    assert any("key codes [183]" in n for n in notes)


def test_given_a_scan_that_stops_half_way_when_replayed_then_it_is_discarded_after_the_timeout():
    """GIVEN 6 characters and then nothing WHEN the recording ends THEN a problem scan 'part of a barcode'."""
    recording = [(1.0 + i * 0.001, t, c, v) for i, (t, c, v) in enumerate(key_events_for(ITEM[:6]))]
    scanner = HidScanner("wedge", path="/dev/input/event9")
    seen: list = []
    scanner.replay(recording, seen.append)
    [scan] = [e for e in seen if isinstance(e, Scan)]
    assert "part of a barcode" in scan.problem


def test_given_key_repeat_and_right_shift_when_decoded_then_repeat_types_again_and_right_shift_shifts():
    """GIVEN value 2 (auto-repeat) and Right Shift WHEN decoded THEN the key repeats and the letter is capital."""
    decoder = HidKeyDecoder()
    assert decoder.feed_all([(EV_KEY, 2, 1), (EV_KEY, 2, 2), (EV_KEY, 2, 0)]) == "11"
    assert decoder.feed_all([(EV_KEY, 54, 1), (EV_KEY, 30, 1), (EV_KEY, 30, 0), (EV_KEY, 54, 0),
                             (EV_KEY, 30, 1)]) == "Aa"
    assert decoder.feed_all([(EV_KEY, 29, 1), (EV_KEY, 27, 1), (EV_KEY, 27, 0), (EV_KEY, 29, 0)]) == UNKNOWN
    assert decoder.feed(EV_KEY, KEY_LEFTSHIFT, 1) == "" and decoder.feed(EV_KEY, 4, 1) == "#"


def test_given_the_decoder_keymap_when_compared_with_evdev_then_every_code_has_the_kernel_name():
    """GIVEN our US key table WHEN compared with python-evdev's ecodes THEN the codes name the same keys."""
    from evdev import ecodes

    from drivers.hid_keys import US_KEYMAP

    names = {2: "KEY_1", 11: "KEY_0", 16: "KEY_Q", 28: "KEY_ENTER", 30: "KEY_A", 42: "KEY_LEFTSHIFT",
             44: "KEY_Z", 57: "KEY_SPACE", 71: "KEY_KP7", 82: "KEY_KP0", 96: "KEY_KPENTER", 117: "KEY_KPEQUAL"}
    for code, name in names.items():
        assert getattr(ecodes, name) == code
    for char in "abcxyz":
        code = getattr(ecodes, f"KEY_{char.upper()}")
        assert US_KEYMAP[code] == (char, char.upper())


@pytest.mark.parametrize("text", [ITEM + "\r", "Hello, World! ~`|\\\t", "]C1" + PATRON + "\r"])
def test_given_any_typable_text_when_encoded_as_key_events_and_decoded_then_it_comes_back(text):
    """GIVEN text WHEN turned into US key events and decoded THEN the same text."""
    assert HidKeyDecoder().feed_all(key_events_for(text)) == text


def test_given_device_criteria_when_matching_then_every_given_criterion_must_hold():
    """GIVEN vendor/product/name/path criteria WHEN matched against devices THEN only the right one matches."""
    scanner = InputInfo("/dev/input/event5", "Honeywell Imaging & Mobility 1450g", 0x0C2E, 0x0B61)
    keyboard = InputInfo("/dev/input/event2", "AT Translated Set 2 keyboard", 0x0001, 0x0001)
    assert matches(scanner, 0x0C2E, 0x0B61, None, None) and not matches(keyboard, 0x0C2E, None, None, None)
    assert matches(scanner, None, None, "1450G", None) and not matches(scanner, None, None, "zebra", None)
    assert matches(scanner, None, None, None, "/dev/input/event5") and not matches(scanner, 0x0C2E, 1, None, None)


def test_given_no_way_to_pick_the_keyboard_when_built_then_the_config_error_names_vendor_id():
    """GIVEN a hid scanner section without vendor_id, device_name or path WHEN built THEN DeviceConfigError."""
    with pytest.raises(DeviceConfigError, match="vendor_id"):
        build_device("scanner", "wedge", {"driver": "hid"})
    with pytest.raises(DeviceConfigError, match="vendor_id"):
        build_device("scanner", "wedge", {"driver": "hid", "vendor_id": "honeywell"})


def test_given_a_scanner_that_is_not_plugged_in_when_started_then_disconnected_names_what_is_wanted(events):
    """GIVEN a HID scanner that is not connected WHEN started THEN DISCONNECTED saying which device is wanted."""
    scanner = build_device("scanner", "wedge", {"driver": "hid", "vendor_id": "0x0c2e", "product_id": "0x0b61"})
    scanner.start(events)
    try:
        status = events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected")
        assert "vendor 0c2e" in status.detail
    finally:
        scanner.stop()


@pytest.mark.skipif(not os.path.exists("/dev/uinput"), reason="/dev/uinput is absent on this machine")
def test_given_a_uinput_virtual_scanner_when_it_types_a_barcode_then_the_grabbed_device_publishes_a_scan(events):
    """GIVEN a virtual keyboard made with uinput WHEN it types a barcode and Enter THEN a Scan from the HID driver."""
    from evdev import UInput, ecodes

    keys = sorted({code for _t, code, _v in key_events_for(ITEM + "\r")} | {ecodes.KEY_LEFTSHIFT})
    with UInput({ecodes.EV_KEY: keys}, name="Kiosk Test Barcode Scanner", vendor=0x0C2E, product=0x0B61) as ui:
        scanner = build_device("scanner", "wedge", {"driver": "hid", "device_name": "Kiosk Test Barcode Scanner"})
        scanner.start(events)
        try:
            events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", timeout=5)
            for ev_type, code, value in key_events_for(ITEM + "\r"):
                if ev_type == 0:
                    ui.syn()
                else:
                    ui.write(ev_type, code, value)
            scan = events.wait_for(lambda e: isinstance(e, Scan), timeout=5)
            assert scan.code == ITEM
        finally:
            scanner.stop()
