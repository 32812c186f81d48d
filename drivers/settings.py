"""Checks for device settings read from config: each bad value becomes a DeviceConfigError naming the key.

Drivers call these in their constructors so a typo in ``[devices.scanner]`` is reported when the
kiosk starts ("The scanner 'front' setting 'baudrate' must be a whole number ...") instead of
as a confusing failure deep inside pyserial later.
"""
from __future__ import annotations

from typing import Any, Iterable

from drivers.errors import DeviceConfigError

# Names people write in TOML for framing characters, besides the characters themselves.
_CONTROL_NAMES = {
    "CR": "\r", "ENTER": "\r", "LF": "\n", "CRLF": "\r\n", "TAB": "\t", "HT": "\t",
    "STX": "\x02", "ETX": "\x03", "EOT": "\x04", "NONE": "", "": "",
}


class SettingsChecker:
    """Validates one device's settings, naming the device and key in every error."""

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name

    def fail(self, key: str, must: str, value: Any) -> DeviceConfigError:
        """Build the error for ``key``: '<kind> '<name>' setting '<key>' must ...; it is ...'."""
        shown = repr(value) if not isinstance(value, str) or len(value) < 40 else repr(value[:37] + "...")
        return DeviceConfigError(
            f"The {self.kind} '{self.name}' setting '{key}' must be {must}; it is {shown}.", key=key
        )

    def integer(self, key: str, value: Any, low: int | None = None, high: int | None = None) -> int:
        """A whole number within [low, high]."""
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.fail(key, "a whole number", value)
        try:
            number = int(value, 0) if isinstance(value, str) else value
        except ValueError:
            raise self.fail(key, "a whole number", value) from None
        if (low is not None and number < low) or (high is not None and number > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise self.fail(key, f"a whole number {span}", value)
        return number

    def number(self, key: str, value: Any, low: float = 0.0, high: float | None = None) -> float:
        """A number of seconds (or similar) within [low, high]."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, "a number", value)
        if value < low or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise self.fail(key, f"a number {span}", value)
        return float(value)

    def flag(self, key: str, value: Any) -> bool:
        """true or false."""
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def text(self, key: str, value: Any, allow_empty: bool = True) -> str:
        """A string."""
        if not isinstance(value, str) or (not allow_empty and not value):
            raise self.fail(key, "a text value" if allow_empty else "a non-empty text value", value)
        return value

    def choice(self, key: str, value: Any, choices: Iterable[str]) -> str:
        """One of a fixed set of words (compared case-insensitively; returned as listed)."""
        options = list(choices)
        if isinstance(value, str):
            for option in options:
                if option.lower() == value.lower():
                    return option
        raise self.fail(key, "one of " + ", ".join(repr(o) for o in options), value)

    def control(self, key: str, value: Any) -> str:
        """Framing characters: the characters themselves ("\\r") or names (CR, LF, CRLF, TAB, STX, ETX)."""
        if not isinstance(value, str):
            raise self.fail(key, "characters such as \"\\r\" or a name such as CR, LF, TAB", value)
        named = _CONTROL_NAMES.get(value.strip().upper()) if value.strip() else None
        if named is not None:
            return named
        if len(value) > 4:
            raise self.fail(key, "at most 4 characters (or CR, LF, CRLF, TAB, STX, ETX)", value)
        return value

    def usb_id(self, key: str, value: Any) -> int:
        """A USB vendor or product id: 0x04b8, "04b8" or 1208."""
        if isinstance(value, str):
            text = value.strip().lower()
            text = text[2:] if text.startswith("0x") else text
            try:
                value = int(text, 16)
            except ValueError:
                raise self.fail(key, "a USB id such as 0x04b8", value) from None
        return self.integer(key, value, 0, 0xFFFF)

    def prefixes(self, key: str, value: Any) -> tuple[str, ...]:
        """A list of barcode prefixes (digits), e.g. ["2"] or "2"."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) and i for i in items):
            raise self.fail(key, "a list of prefixes such as [\"2\"]", value)
        return tuple(items)
