"""DLE EOT status queries on a serial printer that return as soon as the answer byte arrives.

python-escpos' ``Serial.query_status`` reads up to 16 bytes, and pyserial waits the port's whole
``timeout`` for them even after the printer's one-byte answer came: with six queries per receipt
(before and after) and a 1.5 s ``status_timeout`` that was 9 s of waiting per receipt. Here each
query reads one byte at a time and stops at the first that looks like a status answer; silence is
still bounded by ``status_timeout``.
"""
from __future__ import annotations

import time

from drivers.escpos_status import looks_like_status


def ask_serial_status(port, query: bytes, timeout: float) -> int | None:
    """Send one DLE EOT ``query`` on a pyserial ``port``; the answer byte, or None after ``timeout`` of silence."""
    # A late answer to an earlier query that timed out must not pass for this one's.
    port.reset_input_buffer()
    port.write(query)
    # The query waits behind whatever of the receipt is still in the output buffer (slow at 9600
    # baud), so the printer only gets the chance to answer once that much has gone out.
    deadline = time.monotonic() + timeout + _transmit_seconds(port)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        port.timeout = remaining
        byte = port.read(1)
        if not byte:
            return None
        if looks_like_status(byte[0]):
            return byte[0]
        # Anything else (XON/XOFF from a printer set to software flow control, line noise) is
        # not the answer: keep waiting for it within the same deadline.


def _transmit_seconds(port) -> float:
    """How long the bytes still queued for the printer take to go out at the port's baud rate."""
    try:
        waiting = port.out_waiting
    except (AttributeError, OSError, NotImplementedError):
        return 0.0
    return waiting * 10 / max(port.baudrate, 1)  # 10 bits per byte on the wire (8N1)
