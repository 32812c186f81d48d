"""Read ESC/POS bytes back into text, styles, barcodes, QR codes and cuts.

Used by tests (what did the "network printer" really receive?), by the staff screen's
"what was sent" view, and by the benchmark. It understands the commands python-escpos emits
for receipts plus the common ones a printer might be sent; anything else is listed in
``unknown`` rather than guessed at, and a stream cut off mid-command sets ``truncated``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC t n -> Python codec (the Epson standard table; the numbers python-escpos profiles use).
CODE_PAGES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857", 14: "cp737",
    15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 32: "cp720", 33: "cp775",
    34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864", 38: "cp869", 39: "iso8859_2", 40: "iso8859_15",
    45: "cp1250", 46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256", 51: "cp1257",
    52: "cp1258",
}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
# GS k m (function A, NUL-terminated) and m+65 (function B, length-prefixed) barcode types.
_BARCODES = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
             65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF",
             71: "CODABAR", 72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1-DATABAR-OMNI"}
# Commands with a fixed number of parameter bytes that only change state we do not track.
_ESC_FIXED = {ord("2"): 0, ord("3"): 1, ord("M"): 1, ord("G"): 1, ord("{"): 1, ord("V"): 1,
              ord("J"): 1, ord("R"): 1, ord("c"): 2, ord("p"): 3, ord("="): 1, ord("U"): 1,
              ord(" "): 1, ord("$"): 2, ord("\\"): 2, ord("-"): 1, ord("r"): 1}
_GS_FIXED = {ord("h"): 1, ord("w"): 1, ord("H"): 1, ord("f"): 1, ord("B"): 1, ord("b"): 1,
             ord("a"): 1, ord("r"): 1, ord("L"): 2, ord("W"): 2, ord("P"): 2, ord("I"): 1}


@dataclass
class TextLine:
    """One printed line and the style it started with."""

    text: str
    align: str = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass
class Decoded:
    """What a printer would have printed from a stream of ESC/POS bytes."""

    lines: list[TextLine] = field(default_factory=list)
    barcodes: list[tuple[str, str]] = field(default_factory=list)  # (type, data)
    qr_codes: list[str] = field(default_factory=list)
    images: list[tuple[int, int]] = field(default_factory=list)  # (width bytes, height dots)
    cuts: int = 0
    code_pages: list[str] = field(default_factory=list)  # every ESC t, in order
    status_queries: list[int] = field(default_factory=list)  # DLE EOT n
    unknown: list[bytes] = field(default_factory=list)
    truncated: bool = False

    @property
    def text(self) -> str:
        """All printed text, one line per line."""
        return "\n".join(line.text for line in self.lines)

    def find(self, needle: str) -> TextLine | None:
        """The first line containing ``needle``."""
        return next((line for line in self.lines if needle in line.text), None)


class _Truncated(Exception):
    """The byte stream ended inside a command (the rest is reported as incomplete)."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes (raises _Truncated if the stream ends first)."""
        if self.pos + n > len(self.data):
            raise _Truncated
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        """The next byte."""
        return self.take(1)[0]


def decode(data: bytes) -> Decoded:
    """Decode a whole ESC/POS stream (never raises; see ``unknown`` and ``truncated``)."""
    out = Decoded()
    state = {"align": "left", "bold": False, "dw": False, "dh": False, "codec": "cp437"}
    text: list[str] = []
    line_style: dict | None = None
    qr_data = ""
    reader = _Reader(bytes(data))

    def put(chars: str) -> None:
        """Add printed characters to the current line (its style is the style at its first character)."""
        nonlocal line_style
        if line_style is None:
            line_style = dict(state)
        text.append(chars)

    def end_line() -> None:
        """Finish the current line (LF, or a feed)."""
        nonlocal line_style
        style = line_style or state
        out.lines.append(TextLine("".join(text), style["align"], style["bold"], style["dw"], style["dh"]))
        text.clear()
        line_style = None

    try:
        while reader.pos < len(reader.data):
            b = reader.byte()
            if b == 0x0A:
                end_line()
            elif b in (0x0D, 0x00):
                continue
            elif b == 0x09:
                put("\t")
            elif b == ESC:
                qr_data = _esc(reader, out, state, qr_data, end_line, text)
            elif b == GS:
                qr_data = _gs(reader, out, state, qr_data)
            elif b == DLE:
                _dle(reader, out)
            elif b == FS:
                # FS . (cancel Kanji) and FS & are one byte; others are rare on receipts.
                cmd = reader.byte()
                if cmd not in (ord("."), ord("&")):
                    out.unknown.append(bytes([FS, cmd]))
            elif b < 0x20:
                out.unknown.append(bytes([b]))
            else:
                put(bytes([b]).decode(state["codec"], errors="replace"))
    except _Truncated:
        out.truncated = True
    if text:
        end_line()
    return out


def _esc(reader: _Reader, out: Decoded, state: dict, qr_data: str, end_line, text) -> str:
    cmd = reader.byte()
    if cmd == ord("@"):
        state.update(align="left", bold=False, dw=False, dh=False, codec="cp437")
    elif cmd == ord("!"):
        mode = reader.byte()
        state.update(bold=bool(mode & 0x08), dh=bool(mode & 0x10), dw=bool(mode & 0x20))
    elif cmd == ord("E"):
        state["bold"] = bool(reader.byte() & 1)
    elif cmd == ord("a"):
        n = reader.byte()
        state["align"] = _ALIGN.get(n, state["align"])
    elif cmd == ord("t"):
        n = reader.byte()
        state["codec"] = CODE_PAGES.get(n, "cp437")
        out.code_pages.append(CODE_PAGES.get(n, f"unknown-{n}"))
    elif cmd == ord("d"):
        n = reader.byte()
        if text:
            end_line()
        for _ in range(max(0, n - 1)):
            end_line()
    elif cmd == ord("*"):
        mode, nl, nh = reader.take(3)
        reader.take((nl + nh * 256) * (3 if mode in (32, 33) else 1))
        out.images.append((nl + nh * 256, 8 if mode < 32 else 24))
    elif cmd in _ESC_FIXED:
        reader.take(_ESC_FIXED[cmd])
    else:
        out.unknown.append(bytes([ESC, cmd]))
    return qr_data


def _gs(reader: _Reader, out: Decoded, state: dict, qr_data: str) -> str:
    cmd = reader.byte()
    if cmd == ord("!"):
        size = reader.byte()
        state.update(dw=bool(size & 0xF0), dh=bool(size & 0x0F))
    elif cmd == ord("V"):
        mode = reader.byte()
        if mode in (65, 66, 97, 98, 103, 104):  # "cut after feeding n" forms carry one more byte
            reader.byte()
        out.cuts += 1
    elif cmd == ord("k"):
        m = reader.byte()
        if m <= 6:  # function A: data ends with NUL
            end = reader.data.find(b"\x00", reader.pos)
            if end < 0:
                raise _Truncated
            payload = reader.take(end - reader.pos)
            reader.take(1)
        else:
            payload = reader.take(reader.byte())
        data = payload.decode("latin-1")
        kind = _BARCODES.get(m, f"type-{m}")
        if kind == "CODE128" and data[:1] == "{" and len(data) >= 2:
            data = data[2:]  # drop the code set selector ({A, {B, {C)
        out.barcodes.append((kind, data))
    elif cmd == ord("("):
        function = reader.byte()
        length = reader.byte() + reader.byte() * 256
        body = reader.take(length)
        if function == ord("k") and len(body) >= 2 and body[0] == 49:  # cn=49: QR code
            fn = body[1]
            if fn == 80:  # store data: m=48 then the data
                qr_data = body[3:].decode("utf-8", errors="replace")
            elif fn == 81:  # print the stored symbol
                out.qr_codes.append(qr_data)
        elif function in (ord("L"),):
            out.images.append((length, 0))
    elif cmd == ord("v"):  # GS v 0 m xL xH yL yH d1...dk: raster bit image
        if reader.byte() != ord("0"):
            out.unknown.append(b"\x1dv")
            return qr_data
        _mode, xl, xh, yl, yh = reader.take(5)
        width, height = xl + xh * 256, yl + yh * 256
        reader.take(width * height)
        out.images.append((width, height))
    elif cmd == ord("8"):  # GS 8 L: large graphics data, 4-byte length
        if reader.byte() != ord("L"):
            out.unknown.append(b"\x1d8")
        else:
            p = reader.take(4)
            reader.take(p[0] + p[1] * 256 + p[2] * 65536 + p[3] * 16777216)
            out.images.append((0, 0))
    elif cmd in _GS_FIXED:
        reader.take(_GS_FIXED[cmd])
    else:
        out.unknown.append(bytes([GS, cmd]))
    return qr_data


def _dle(reader: _Reader, out: Decoded) -> None:
    cmd = reader.byte()
    if cmd == 0x04:  # DLE EOT n: real-time status request
        out.status_queries.append(reader.byte())
    elif cmd == 0x05:  # DLE ENQ n
        reader.byte()
    elif cmd == 0x14:  # DLE DC4 fn m t (pulse, power-off, clear buffer): 3 more bytes
        reader.take(3)
    else:
        out.unknown.append(bytes([DLE, cmd]))
