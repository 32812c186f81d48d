"""Turning the characters a scanner sends into scans: framing, AIM identifiers, noise.

Shared by the serial and the HID (keyboard-wedge) scanners so both treat noise the same way.
Pure code: no threads, no I/O; time is passed in, so tests drive it with recorded streams.

Rules a librarian will see the effect of:
* a line ends at CR, LF or the configured suffix; blank lines are ignored;
* a line that stops arriving half-way (no byte for ``inter_char_timeout`` s) is discarded,
  unless the scanner is set to send no suffix at all, in which case the pause ends the scan;
* a line longer than ``max_length`` is discarded whole, however long it gets (bounded memory);
* bytes with no visible ASCII character at all are line noise: counted, not shown as a scan.

The driver reports what it read (whitespace and Codabar start/stop characters stripped); whether a
code is a patron card, an item or a cover ISBN is the kiosk's decision, with its own configured rules.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from protocol.identifiers import IdentifierError, mask_barcode, normalize_card_uid, normalize_code

from drivers.events import CardTap, Scan

log = logging.getLogger(__name__)

# AIM symbology identifiers (ISO/IEC 15424): "]" + code character + modifier character.
_AIM = re.compile(r"^\](?P<code>[A-Za-z])(?P<mod>[0-9A-Za-z])")
_AIM_NAMES = {
    "A": "code39", "B": "telepen", "C": "code128", "D": "code-one", "E": "ean-upc", "F": "codabar",
    "G": "code93", "H": "code11", "I": "itf", "K": "code16k", "L": "pdf417", "M": "msi",
    "N": "anker", "O": "codablock", "P": "plessey", "Q": "qr", "R": "2of5-iata", "S": "2of5",
    "X": "other", "Z": "keyboard", "d": "datamatrix", "e": "gs1-databar", "z": "aztec",
}
# Modifiers that change the name: ]C1 is GS1-128, ]E4 EAN-8, ]E0 EAN-13/UPC-A.
_AIM_SPECIAL = {"C1": "gs1-128", "E0": "ean13", "E4": "ean8", "E3": "ean13+addon", "e0": "gs1-databar"}


def strip_aim(text: str) -> tuple[str, str | None]:
    """Remove a leading AIM symbology identifier (``]E0...``); return (code, symbology name or None)."""
    match = _AIM.match(text)
    if not match:
        return text, None
    key = match["code"] + match["mod"]
    name = _AIM_SPECIAL.get(key) or _AIM_NAMES.get(match["code"], f"aim-{key}")
    return text[match.end():], name


@dataclass(frozen=True)
class Line:
    """One framed line from a scanner: its text, or why it was discarded."""

    text: str
    problem: str | None = None
    noise_only: bool = False  # nothing printable in it: line noise, not a scan attempt


def _printable_count(text: str) -> int:
    # Barcodes are ASCII; a line with no visible ASCII character at all (only control bytes or
    # high bytes, as a wrong baud rate produces) is noise, not somebody's scan.
    return sum(1 for ch in text if "!" <= ch <= "~")


class LineAssembler:
    """Collects characters into lines with an inter-character timeout and a bounded buffer."""

    def __init__(self, suffix: str = "\r", prefix: str = "", inter_char_timeout: float = 0.3,
                 max_length: int = 256):
        self.prefix = prefix
        # CR and LF always end a line (scanners are often reconfigured); the suffix may add TAB/ETX.
        self.terminators = set(suffix) | {"\r", "\n"}
        self.timeout_ends_line = suffix == ""
        self.inter_char_timeout = inter_char_timeout
        self.max_length = max_length
        self._buffer: list[str] = []
        self._overflow = 0  # characters thrown away from the current over-long line
        self._last_at: float | None = None

    @property
    def pending(self) -> bool:
        """True while part of a line is waiting for its end."""
        return bool(self._buffer) or self._overflow > 0

    def feed(self, text: str, now: float) -> list[Line]:
        """Add received characters; return the lines they complete (a pause first expires old input)."""
        lines = self.expire(now)
        for char in text:
            if char in self.terminators:
                line = self._finish()
                if line is not None:
                    lines.append(line)
                continue
            if self._overflow:
                self._overflow += 1
            elif len(self._buffer) >= self.max_length:
                self._overflow = len(self._buffer) + 1
                self._buffer.clear()
            else:
                self._buffer.append(char)
        self._last_at = now if self.pending else None
        return lines

    def expire(self, now: float) -> list[Line]:
        """Discard (or, with no suffix, finish) a line whose characters stopped arriving."""
        if not self.pending or self._last_at is None or now - self._last_at < self.inter_char_timeout:
            return []
        self._last_at = None
        if self.timeout_ends_line and not self._overflow:
            line = self._finish()
            return [line] if line is not None else []
        partial = "".join(self._buffer)
        overflow = self._overflow
        self._buffer.clear()
        self._overflow = 0
        if overflow:
            return [self._overflow_line(overflow)]
        if not _printable_count(partial):
            return [Line(partial, f"Ignored {len(partial)} unreadable bytes from the scanner.", noise_only=True)]
        return [Line(partial, "Only part of a barcode arrived and then the scanner stopped; please scan again.")]

    def reset(self) -> Line | None:
        """Forget any partial line (the device was lost); return it as a discarded Line, if any."""
        if not self.pending:
            return None
        self._last_at = float("-inf")
        self.timeout_ends_line, keep = False, self.timeout_ends_line
        try:
            lines = self.expire(0.0)
        finally:
            self.timeout_ends_line = keep
        return lines[0] if lines else None

    def _overflow_line(self, count: int) -> Line:
        return Line("", f"Discarded {count} characters that arrived without an end of line: "
                        f"far too long for a barcode (check the scanner's settings).")

    def _finish(self) -> Line | None:
        overflow, self._overflow = self._overflow, 0
        text = "".join(self._buffer)
        self._buffer.clear()
        if overflow:
            return self._overflow_line(overflow)
        if not text.strip():
            return None
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix):]
        if not _printable_count(text):
            return Line(text, f"Ignored {len(text)} unreadable bytes from the scanner.", noise_only=True)
        return Line(text)


class RepeatFilter:
    """Reports a code once while it keeps being read: again only after ``window`` s without it."""

    def __init__(self, window: float):
        self.window = window
        self._last_seen: dict[str, float] = {}

    def fresh(self, code: str, now: float) -> bool:
        """True if ``code`` should be reported now (not seen within the window); remembers it."""
        if self.window <= 0:
            return True
        last = self._last_seen.get(code)
        self._last_seen[code] = now
        # Forget old codes so a kiosk that runs for months keeps a small dict.
        for old in [c for c, t in self._last_seen.items() if now - t > self.window]:
            del self._last_seen[old]
        return last is None or now - last > self.window


def _visible(text: str) -> str:
    """What was read, made safe to show and log: printable characters only, at most 64."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return shown[:64]


class ScanInterpreter:
    """Turns framed lines into Scan events (what was read, unclassified) or, for card readers, CardTap events."""

    def __init__(self, source: str, aim: bool = True, as_card: bool = False, card_format: str = "hex",
                 repeat_window: float = 0.0, technology: str = "unknown"):
        self.source = source
        self.aim = aim
        self.as_card = as_card
        self.card_format = card_format
        self.technology = technology
        self.repeats = RepeatFilter(repeat_window)

    def interpret(self, line: Line, now: float) -> Scan | CardTap | None:
        """The event for one line, or None for line noise and repeated reads."""
        if line.noise_only:
            log.info("scanner=%s ignored line noise (%d bytes)", self.source, len(line.text))
            return None
        if line.problem:
            log.info("scanner=%s discarded input: %s", self.source, line.problem)
            if self.as_card:
                return CardTap(uid="", source=self.source, technology=self.technology, problem=line.problem)
            return Scan(code=_visible(line.text), source=self.source, problem=line.problem)
        text, symbology = strip_aim(line.text) if self.aim else (line.text, None)
        if self.as_card:
            return self._card(text, now)
        try:
            code = normalize_code(text)
        except IdentifierError as exc:  # empty, far too long, or unprintable: not a barcode at all
            log.info("scanner=%s unusable read %s: %s", self.source, mask_barcode(_visible(text)), exc)
            return Scan(code=_visible(text), source=self.source, symbology=symbology, problem=str(exc))
        if not self.repeats.fresh(code, now):
            return None
        log.info("scanner=%s scan %s", self.source, mask_barcode(code))
        return Scan(code=code, source=self.source, symbology=symbology)

    def _card(self, text: str, now: float) -> CardTap | None:
        try:
            uid = card_number_to_uid(text, self.card_format)
        except IdentifierError as exc:
            log.info("reader=%s unusable card number: %s", self.source, exc)
            return CardTap(uid="", source=self.source, technology=self.technology, problem=str(exc))
        if not self.repeats.fresh(uid, now):
            return None
        log.info("reader=%s card %s", self.source, mask_barcode(uid))
        return CardTap(uid=uid, source=self.source, technology=self.technology)


def card_number_to_uid(text: str, card_format: str = "hex") -> str:
    """A card number as a keyboard-style reader sends it -> upper-case hex UID.

    ``hex``: the reader sends the UID in hex (``04A2...``); ``decimal``: it sends the first four
    UID bytes as one decimal number (the common "10-digit" readers), which we turn back into hex.
    """
    text = text.strip()
    if card_format == "decimal":
        if not text.isdigit() or len(text) > 10 or int(text) > 0xFFFFFFFF:
            raise IdentifierError("The card reader sent something that is not a card number.")
        return f"{int(text):08X}"
    return normalize_card_uid(text)
