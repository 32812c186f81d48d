"""Serial barcode scanners (and card readers that print the card number on a serial line).

The port is opened with pyserial's ``serial_for_url``, so ``/dev/ttyACM0``, ``COM3``,
``socket://host:port``, ``rfc2217://host:port`` and ``loop://`` all work. Framing, AIM
identifiers and validation are shared with the HID scanner (drivers.scanframe).

Hardware quirks recorded here:
* USB CDC-ACM scanners (Honeywell, Zebra, Datalogic in "USB COM" mode) ignore the baud rate;
  RS-232 scanners default to 9600 8N1 and send garbage at any other rate.
* Unplugging a CDC-ACM scanner makes reads fail with EIO; the device node comes back (often
  under the same name, always under /dev/serial/by-id/...) when it is plugged in again.
"""
from __future__ import annotations

import logging
import time


from drivers.device import InputDevice
from drivers.errors import DeviceUnavailable, MissingDependency
from drivers.scanframe import LineAssembler, ScanInterpreter
from drivers.settings import SettingsChecker

log = logging.getLogger(__name__)

PARITIES = {"none": "N", "even": "E", "odd": "O", "mark": "M", "space": "S",
            "n": "N", "e": "E", "o": "O", "m": "M", "s": "S"}


def import_pyserial():
    """pyserial, or MissingDependency naming the extra to install."""
    try:
        import serial
    except ImportError as exc:  # pragma: no cover - exercised in the no-dependency subprocess test
        raise MissingDependency("pyserial", "serial") from exc
    return serial


class SerialScanner(InputDevice):
    """A barcode scanner (or keyboard-style card reader with ``as_card=True``) on a serial port."""

    kind = "scanner"

    def __init__(self, name: str, url: str = "", baudrate: int = 9600, bytesize: int = 8,
                 parity: str = "none", stopbits: float = 1, prefix: str = "", suffix: str = "\r",
                 aim: bool = True, inter_char_timeout: float = 0.3, max_length: int = 256,
                 as_card: bool = False, card_format: str = "hex",
                 repeat_window: float | None = None, reconnect_interval: float = 0.5,
                 encoding: str = "latin-1"):
        super().__init__(name)
        check = SettingsChecker("card reader" if as_card else "scanner", name)
        self.url = check.text("url", url, allow_empty=False)
        self.baudrate = check.integer("baudrate", baudrate, 50, 4_000_000)
        self.bytesize = check.integer("bytesize", bytesize, 5, 8)
        self.parity = PARITIES.get(str(parity).lower()) if isinstance(parity, str) else None
        if self.parity is None:
            raise check.fail("parity", "one of none, even, odd, mark, space", parity)
        if stopbits not in (1, 1.5, 2):
            raise check.fail("stopbits", "1, 1.5 or 2", stopbits)
        self.stopbits = stopbits
        self.as_card = check.flag("as_card", as_card)
        self.kind = "card_reader" if self.as_card else "scanner"
        self.encoding = check.text("encoding", encoding, allow_empty=False)
        try:
            "".encode(self.encoding)
        except LookupError:
            raise check.fail("encoding", "a character encoding such as latin-1 or utf-8", encoding) from None
        self.reconnect_interval = check.number("reconnect_interval", reconnect_interval, 0.05, 60)
        window = (3.0 if self.as_card else 0.0) if repeat_window is None else repeat_window
        self.assembler = LineAssembler(
            suffix=check.control("suffix", suffix), prefix=check.control("prefix", prefix),
            inter_char_timeout=check.number("inter_char_timeout", inter_char_timeout, 0.01, 10),
            max_length=check.integer("max_length", max_length, 8, 4096),
        )
        self.interpreter = ScanInterpreter(
            name, aim=check.flag("aim", aim), as_card=self.as_card,
            card_format=check.choice("card_format", card_format, ("hex", "decimal")),
            repeat_window=check.number("repeat_window", window, 0, 3600), technology="serial",
        )
        self._port = None

    def _open(self):
        serial = import_pyserial()
        try:
            port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, bytesize=self.bytesize, parity=self.parity,
                stopbits=self.stopbits, timeout=self.poll_interval, exclusive=True,
            )
        except ValueError as exc:  # pyserial says "invalid URL" etc. for a malformed url
            raise DeviceUnavailable(f"The port '{self.url}' cannot be opened: {exc}") from exc
        except serial.SerialException as exc:
            raise DeviceUnavailable(f"Not connected: cannot open {self.url} ({_short(exc)})") from exc
        self._port = port
        return port

    def _ready_detail(self) -> str:
        return self.url

    def _serve(self, port) -> None:
        serial = import_pyserial()
        decode = self.encoding
        try:
            while not self._stop.is_set():
                waiting = port.in_waiting
                # read() returns as soon as one byte arrives (or after poll_interval), so a scan's
                # last byte is handled within microseconds, and the stop flag within 50 ms.
                data = port.read(waiting or 1)
                now = time.monotonic()
                if data:
                    lines = self.assembler.feed(data.decode(decode, errors="replace"), now)
                else:
                    lines = self.assembler.expire(now)
                for line in lines:
                    self._handle(line, now)
        except serial.SerialException as exc:
            self._lost_mid_scan()
            raise DeviceUnavailable(f"Disconnected: {self.url} stopped answering ({_short(exc)})") from exc

    def _lost_mid_scan(self) -> None:
        """A scanner unplugged half-way through a barcode: report the half as unusable, keep nothing."""
        line = self.assembler.reset()
        if line is not None:
            self._handle(line, time.monotonic())

    def _handle(self, line, now: float) -> None:
        if line.noise_only or (line.problem and line.problem.startswith("Discarded")):
            # The staff screen shows why input vanished: wrong baud rate, a stuck trigger ...
            self._note(line.problem or "")
        event = self.interpreter.interpret(line, now)
        if event is not None:
            self._emit(event)

    def _close(self, port) -> None:
        if self._port is port:  # an old run released late must not forget the new run's port
            self._port = None
        try:
            port.close()
        except Exception:  # noqa: BLE001 -- closing a vanished port may fail; nothing to do
            pass

    def _interrupt(self) -> None:
        port = self._port
        if port is not None and hasattr(port, "cancel_read"):
            try:
                port.cancel_read()
            except Exception:  # noqa: BLE001
                pass


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "..."
