"""ESC/POS real-time status (DLE EOT n): what the answer bytes mean.

Each answer is one byte. Bits 1 and 4 are always set (0x12) so a real answer is never 0x00;
the meaningful bits, per the ESC/POS command reference (Epson TM series, also Star/Bixolon in
ESC/POS mode):

* n=1 printer status:  bit 3 (0x08) offline.
* n=2 offline cause:   bit 2 (0x04) cover open; bit 3 (0x08) paper being fed by the FEED button;
                       bit 5 (0x20) printing stopped because the paper ran out; bit 6 (0x40) error.
* n=4 paper sensor:    bits 2-3 (0x0C) paper roll near its end; bits 5-6 (0x60) paper roll out.

python-escpos sends the same queries (``RT_STATUS_ONLINE``/``RT_STATUS_PAPER``) through
``query_status``; we use that for transport and read the extra bits it does not interpret.
"""
from __future__ import annotations

from drivers.status import PrinterStatus

DLE_EOT = b"\x10\x04"
QUERY_PRINTER, QUERY_OFFLINE_CAUSE, QUERY_ERROR_CAUSE, QUERY_PAPER = 1, 2, 3, 4
_FIXED = 0x12  # bits 1 and 4 are fixed to 1 in every answer; 0x00 or 0xFF means no real answer


def looks_like_status(byte: int) -> bool:
    """True if ``byte`` has the fixed bits of a DLE EOT answer (and bit 7 clear)."""
    return byte & 0x93 == _FIXED


def parse_status(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Combine the answers to DLE EOT 1, 2 and 4 (None where the printer did not answer)."""
    known = [b for b in (printer, offline_cause, paper) if b is not None and looks_like_status(b)]
    if not known:
        return PrinterStatus(online=True, paper="unknown", detail="The printer does not report its status.")
    online = not (printer is not None and looks_like_status(printer) and printer & 0x08)
    cover_open = offline_cause is not None and looks_like_status(offline_cause) and bool(offline_cause & 0x04)
    paper_state = "unknown"
    if paper is not None and looks_like_status(paper):
        if paper & 0x60:
            paper_state = "out"
        elif paper & 0x0C:
            paper_state = "near_end"
        else:
            paper_state = "ok"
    if offline_cause is not None and looks_like_status(offline_cause) and offline_cause & 0x20:
        paper_state = "out"
    detail = ""
    if paper_state == "near_end":
        detail = "The receipt paper is nearly used up; change the roll soon."
    if offline_cause is not None and looks_like_status(offline_cause) and offline_cause & 0x40:
        detail = "The printer reports an error (a paper jam or the cutter); open it and check."
    if not online and not cover_open and paper_state != "out" and not detail:
        detail = "The receipt printer is offline."
    return PrinterStatus(online=online and not cover_open and paper_state != "out",
                         paper=paper_state, cover_open=cover_open, detail=detail)


def status_answers(online: bool = True, paper: str = "ok", cover_open: bool = False) -> dict[int, int]:
    """The answers a printer in this state gives to DLE EOT 1, 2 and 4 (for simulators and tests)."""
    printer = _FIXED | (0x08 if not online or cover_open or paper == "out" else 0)
    cause = _FIXED | (0x04 if cover_open else 0) | (0x20 if paper == "out" else 0)
    paper_byte = _FIXED | {"ok": 0, "near_end": 0x0C, "out": 0x6C}.get(paper, 0)
    return {QUERY_PRINTER: printer, QUERY_OFFLINE_CAUSE: cause, QUERY_ERROR_CAUSE: _FIXED,
            QUERY_PAPER: paper_byte}
