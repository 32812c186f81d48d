"""Decoding keyboard-wedge scanners: Linux input key events -> the characters they type.

Pure code, no evdev needed: the numbers are the kernel's stable key codes
(linux/input-event-codes.h), the layout is the US keyboard every scanner ships configured for.
Tests feed recorded event streams here; drivers.scanner_hid feeds live ones from evdev.

* value 1 = key down (a character is typed), 0 = key up, 2 = auto-repeat (typed again);
* Shift (left or right) gives the shifted character; Caps Lock toggles letters only;
* Enter / keypad Enter type "\\r" and Tab types "\\t", which the line framing treats as the end;
* a key with no character on a US keyboard types U+FFFD and is remembered in ``unknown_keys``,
  so the scan is reported as unreadable rather than silently shortened;
* keys typed while Ctrl or Alt is held are control sequences (some scanners send GS1 FNC1 as
  Ctrl+]): they type U+FFFD too, for the same reason.
"""
from __future__ import annotations

EV_SYN, EV_KEY, EV_MSC = 0x00, 0x01, 0x04
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
UNKNOWN = "\ufffd"

KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT = 29, 97, 56, 100
KEY_CAPSLOCK, KEY_NUMLOCK = 58, 69
KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15

# code -> (unshifted, shifted). US layout.
US_KEYMAP: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
    8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"), 21: ("y", "Y"),
    22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"),
    36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
    # Keypad: scanners set to "emulate keypad" type digits here (with Num Lock on).
    55: ("*", "*"), 71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"), 81: ("3", "3"),
    82: ("0", "0"), 83: (".", "."), 98: ("/", "/"), 117: ("=", "="),
}
TERMINATORS = {KEY_ENTER: "\r", KEY_KPENTER: "\r", KEY_TAB: "\t"}
_SHIFTS = {KEY_LEFTSHIFT, KEY_RIGHTSHIFT}
_CONTROLS = {KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT}
# Keys a scanner (or the kernel) may send that type nothing and mean nothing for a scan.
_SILENT = {KEY_CAPSLOCK, KEY_NUMLOCK, 70, 125, 126, 127}  # scroll lock, left/right meta, compose


class HidKeyDecoder:
    """Turns (type, code, value) input events into typed characters, tracking Shift and Caps Lock."""

    def __init__(self, keymap: dict[int, tuple[str, str]] | None = None):
        self.keymap = keymap or US_KEYMAP
        self._shift: set[int] = set()
        self._control: set[int] = set()
        self.caps_lock = False
        self.unknown_keys: list[int] = []

    def feed(self, ev_type: int, code: int, value: int) -> str:
        """The characters typed by one input event ('' for most events)."""
        if ev_type != EV_KEY:
            return ""  # EV_SYN, EV_MSC (scan codes), EV_LED ... carry no characters
        if code in _SHIFTS or code in _CONTROLS:
            held = self._shift if code in _SHIFTS else self._control
            if value == KEY_UP:
                held.discard(code)
            else:
                held.add(code)
            return ""
        if value == KEY_UP:
            return ""
        if code == KEY_CAPSLOCK:
            if value == KEY_DOWN:
                self.caps_lock = not self.caps_lock
            return ""
        if code in TERMINATORS and not self._control:
            return TERMINATORS[code]
        if code in _SILENT:
            return ""
        pair = self.keymap.get(code)
        if pair is None or self._control:
            self.unknown_keys.append(code)
            return UNKNOWN
        shifted = bool(self._shift)
        if self.caps_lock and pair[0].isalpha():
            shifted = not shifted
        return pair[1] if shifted else pair[0]

    def feed_all(self, events) -> str:
        """The text typed by a sequence of (type, code, value) events."""
        return "".join(self.feed(t, c, v) for t, c, v in events)

    def take_unknown(self) -> list[int]:
        """The unknown key codes seen since the last call (for the status detail)."""
        codes, self.unknown_keys = self.unknown_keys, []
        return codes


def key_events_for(text: str, keymap: dict[int, tuple[str, str]] | None = None) -> list[tuple[int, int, int]]:
    """The key events a US-layout scanner sends to type ``text`` ("\\r" = Enter); for simulators and tests."""
    reverse: dict[str, tuple[int, bool]] = {"\r": (KEY_ENTER, False), "\n": (KEY_ENTER, False),
                                            "\t": (KEY_TAB, False)}
    for code, (plain, shifted) in sorted((keymap or US_KEYMAP).items(), reverse=True):
        reverse[shifted] = (code, plain != shifted)  # main-block keys (lower codes) win over keypad
        reverse[plain] = (code, False)
    events: list[tuple[int, int, int]] = []
    for char in text:
        if char not in reverse:
            raise ValueError(f"{char!r} cannot be typed on a US keyboard")
        code, shift = reverse[char]
        if shift:
            events.append((EV_KEY, KEY_LEFTSHIFT, KEY_DOWN))
        events += [(EV_KEY, code, KEY_DOWN), (EV_SYN, 0, 0), (EV_KEY, code, KEY_UP), (EV_SYN, 0, 0)]
        if shift:
            events.append((EV_KEY, KEY_LEFTSHIFT, KEY_UP))
    return events
