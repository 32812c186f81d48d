"""ESC/POS receipt printers through python-escpos: network (port 9100), USB, serial and file.

A receipt is rendered completely into python-escpos' ``Dummy`` first, so a rendering problem
never leaves half a receipt on the printer; the bytes then go out in one connection, between
two status checks (DLE EOT) where the transport can read answers:

* before: out of paper, cover open or offline -> PaperOut / CoverOpen / PrinterOffline, nothing sent;
* after: the printer closed the connection, stopped answering, or ran out of paper while
  printing -> PrinterOffline / PaperOut saying the receipt may be incomplete.

Every socket, serial and USB operation has a timeout, so a dead printer costs at most
``timeout`` seconds, never a hung kiosk (``File`` printers too: drivers.escpos_file). ``File``
printers (/dev/usb/lp0) cannot answer status queries; for them only write errors are reported.

Hardware quirks: Epson TM printers answer DLE EOT even while offline (that is what it is for);
some cheap clones never answer it -- set ``check_status = false`` for those, or the kiosk waits
``status_timeout`` once and then stops asking for the rest of the session.
"""
from __future__ import annotations

import logging
import socket
import threading
from typing import Any

from drivers.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from drivers.escpos_file import bounded_file_printer
from drivers.escpos_profile import check_encoding, check_profile, import_escpos, render_bytes
from drivers.escpos_serial import ask_serial_status
from drivers.escpos_status import (
    DLE_EOT, QUERY_OFFLINE_CAUSE, QUERY_PAPER, QUERY_PRINTER, looks_like_status, parse_status,
)
from drivers.events import Publish, StatusChanged
from drivers.receipt import Receipt
from drivers.settings import SettingsChecker
from drivers.status import DeviceStatus, PrinterStatus

log = logging.getLogger(__name__)

CONNECTIONS = ("network", "usb", "serial", "file")
_CHUNK = 1024  # send in pieces so a printer that hangs up mid-receipt is noticed early


class EscPosPrinter:
    """A receipt printer speaking ESC/POS over one of python-escpos' transports."""

    kind = "printer"

    def __init__(self, name: str, connection: str = "network", host: str = "", port: int = 9100,
                 devfile: str = "", vendor_id: Any = None, product_id: Any = None,
                 in_ep: Any = None, out_ep: Any = None, baudrate: int = 9600,
                 profile: str | None = None, encoding: str = "CP858", width: int = 42,
                 timeout: float = 10.0, status_timeout: float = 1.5, check_status: bool = True,
                 status_interval: float = 60.0):
        check = SettingsChecker("printer", name)
        self.name = name
        self.connection = check.choice("connection", connection, CONNECTIONS)
        self.host = check.text("host", host)
        self.port = check.integer("port", port, 1, 65535)
        self.devfile = check.text("devfile", devfile)
        self.vendor_id = check.usb_id("vendor_id", vendor_id) if vendor_id is not None else None
        self.product_id = check.usb_id("product_id", product_id) if product_id is not None else None
        self.in_ep = check.integer("in_ep", in_ep, 0, 255) if in_ep is not None else None
        self.out_ep = check.integer("out_ep", out_ep, 0, 255) if out_ep is not None else None
        self.baudrate = check.integer("baudrate", baudrate, 50, 4_000_000)
        self.width = check.integer("width", width, 16, 80)
        self.timeout = check.number("timeout", timeout, 0.1, 120)
        self.status_timeout = check.number("status_timeout", status_timeout, 0.05, 30)
        self.check_status = check.flag("check_status", check_status) and self.connection != "file"
        self.status_interval = check.number("status_interval", status_interval, 0, 3600)
        if self.connection == "network" and not self.host:
            raise check.fail("host", "the printer's network address (e.g. 192.168.1.50)", host)
        if self.connection in ("serial", "file") and not self.devfile:
            raise check.fail("devfile", "the printer's device path (e.g. /dev/usb/lp0)", devfile)
        if self.connection == "usb" and (self.vendor_id is None or self.product_id is None):
            raise check.fail("vendor_id" if self.vendor_id is None else "product_id",
                             "the printer's USB id (e.g. vendor_id = 0x04b8, product_id = 0x0202)", None)
        self.profile = check_profile(check, profile)
        self.encoding = check_encoding(check, self.profile, encoding)
        self.status = DeviceStatus.STOPPED
        self.detail = ""
        self._answers_status: bool | None = None  # learnt: does this printer reply to DLE EOT?
        self._lock = threading.Lock()
        self._publish: Publish | None = None
        self._stop = threading.Event()  # the current status thread's; each start() makes a new one
        self._thread: threading.Thread | None = None

    # -- device interface ----------------------------------------------------------------------
    def start(self, publish: Publish | None = None) -> None:
        """Begin reporting status; with ``status_interval`` > 0 a thread polls paper and cover.

        Starting a printer that is already started does nothing (one status thread).
        """
        if self._thread is not None and self._thread.is_alive():
            return
        self._publish = publish
        # A fresh event per run: a thread stop() gave up waiting for still sees its own stop.
        self._stop = stop = threading.Event()
        self._set_status(DeviceStatus.CONNECTING, "")
        self._thread = threading.Thread(target=self._watch, args=(stop,), name=f"printer-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the status thread."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.timeout + self.status_timeout * 3 + 1)
        self._set_status(DeviceStatus.STOPPED, "")

    def render(self, receipt: Receipt) -> bytes:
        """The exact ESC/POS bytes this printer is sent for ``receipt`` (no I/O)."""
        return render_bytes(receipt, self.profile, self.encoding, self.width)

    def print_receipt(self, receipt: Receipt) -> None:
        """Print one receipt, or raise PaperOut / CoverOpen / PrinterOffline / PrinterError."""
        data = self.render(receipt)
        with self._lock:
            try:
                self._print_bytes(data)
            except PrinterError as exc:
                self._set_status(DeviceStatus.ERROR, str(exc))
                log.warning("printer=%s receipt failed: %s", self.name, exc)
                raise
        log.info("printer=%s printed receipt (%d bytes, %d lines)", self.name, len(data), len(receipt.lines))

    def printer_status(self) -> PrinterStatus:
        """Ask the printer about paper, cover and online state (never raises)."""
        with self._lock:
            try:
                device = self._connect()
            except PrinterError as exc:
                result = PrinterStatus(online=False, paper="unknown", detail=str(exc))
            else:
                try:
                    result = self._query(device)
                except PrinterError as exc:
                    result = PrinterStatus(online=False, paper="unknown", detail=str(exc))
                finally:
                    _close_quietly(device)
        self._record(result)
        return result

    # -- internals -----------------------------------------------------------------------------
    def _print_bytes(self, data: bytes) -> None:
        device = self._connect()
        try:
            if self.check_status:
                before = self._query(device)
                _raise_for(before, during=False)
            sent = 0
            try:
                for start in range(0, len(data), _CHUNK):
                    device._raw(data[start:start + _CHUNK])
                    sent = start + _CHUNK
            except Exception as exc:  # noqa: BLE001 -- socket/serial/USB each raise their own kind
                raise PrinterOffline(
                    f"The receipt printer stopped taking the receipt after {min(sent, len(data))} of "
                    f"{len(data)} bytes; the receipt may be incomplete. Check the printer and print it again."
                ) from exc
            if self.check_status:
                after = self._query(device, mid_receipt=True)
                _raise_for(after, during=True)
                self._record(after)
            else:
                self._set_status(DeviceStatus.READY, "")
        finally:
            _close_quietly(device)

    def _connect(self):
        printer = import_escpos()
        if self.connection == "network":
            device = printer.Network(self.host, port=self.port, timeout=self.timeout, profile=self.profile)
            where = f"{self.host}:{self.port}"
        elif self.connection == "usb":
            kwargs = {"timeout": int(self.timeout * 1000), "profile": self.profile}
            if self.in_ep is not None:
                kwargs["in_ep"] = self.in_ep
            if self.out_ep is not None:
                kwargs["out_ep"] = self.out_ep
            device = printer.Usb(self.vendor_id, self.product_id, **kwargs)
            where = f"USB {self.vendor_id:04x}:{self.product_id:04x}"
        elif self.connection == "serial":
            device = printer.Serial(self.devfile, baudrate=self.baudrate, timeout=self.status_timeout,
                                    dsrdtr=False, profile=self.profile)
            where = self.devfile
        else:
            device = bounded_file_printer(self.devfile, self.timeout, self.profile)
            where = self.devfile
        try:
            device.open()
        except PrinterError:
            raise  # already a sentence (drivers.escpos_file: "... is not plugged in.")
        except Exception as exc:  # noqa: BLE001 -- DeviceNotFoundError, USBError, OSError ...
            raise PrinterOffline(f"The receipt printer ({where}) cannot be reached; check that it is "
                                 f"switched on and connected. ({_short(exc)})") from exc
        if self.connection == "serial" and getattr(device, "device", None) is not None:
            device.device.write_timeout = self.timeout  # a printer holding flow control must not hang us
        return device

    def _query(self, device, mid_receipt: bool = False) -> PrinterStatus:
        """DLE EOT 1, 2 and 4 (python-escpos' query_status; escpos_serial on serial lines)."""
        if not self.check_status or self._answers_status is False:
            return PrinterStatus(online=True, paper="unknown", detail="")
        answers = {}
        for n in (QUERY_PRINTER, QUERY_OFFLINE_CAUSE, QUERY_PAPER):
            answers[n] = self._ask(device, n, mid_receipt)
            if answers[n] is None and self._answers_status is None:
                log.info("printer=%s does not answer status requests; not asking again", self.name)
                self._answers_status = False
                break
            if answers[n] is None:
                # It answered before, so silence now means it is wedged or was switched off.
                raise self._lost(mid_receipt, None)
            self._answers_status = True
        return parse_status(answers.get(QUERY_PRINTER), answers.get(QUERY_OFFLINE_CAUSE), answers.get(QUERY_PAPER))

    def _ask(self, device, n: int, mid_receipt: bool) -> int | None:
        sock = device.device if self.connection == "network" else None
        if sock is not None:
            sock.settimeout(self.status_timeout)
        try:
            if self.connection == "serial":
                # One byte, returned as soon as it arrives (python-escpos waits out the timeout).
                return ask_serial_status(device.device, DLE_EOT + bytes([n]), self.status_timeout)
            reply = device.query_status(DLE_EOT + bytes([n]))
        except (socket.timeout, TimeoutError):
            return None
        except NotImplementedError:
            return None
        except Exception as exc:  # noqa: BLE001
            if type(exc).__name__ == "USBTimeoutError":
                return None
            raise self._lost(mid_receipt, exc) from exc
        finally:
            if sock is not None:
                sock.settimeout(self.timeout)
        if not reply:
            if self.connection == "network":  # recv() == b"" means the printer hung up
                raise self._lost(mid_receipt, None)
            return None
        status = [b for b in reply if looks_like_status(b)]
        return status[-1] if status else None

    def _lost(self, mid_receipt: bool, exc: BaseException | None) -> PrinterOffline:
        if mid_receipt:
            return PrinterOffline("The receipt printer closed the connection in the middle of the receipt; "
                                  "the receipt may be incomplete. Check the printer and print it again.")
        return PrinterOffline(f"The receipt printer stopped answering{f' ({_short(exc)})' if exc else ''}.")

    def _watch(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.printer_status()
            if self.status_interval <= 0 or not self.check_status:
                return
            stop.wait(self.status_interval)

    def _record(self, status: PrinterStatus) -> None:
        problem = status.problem()
        if problem:
            self._set_status(DeviceStatus.ERROR, problem)
        else:
            self._set_status(DeviceStatus.READY, status.detail)

    def _set_status(self, status: DeviceStatus, detail: str) -> None:
        if status == self.status and detail == self.detail:
            return
        self.status, self.detail = status, detail
        log.info("device=%s status=%s %s", self.name, status.value, detail)
        if self._publish is not None:
            try:
                self._publish(StatusChanged(self.name, status.value, detail))
            except Exception:  # noqa: BLE001 -- a listener's bug must not break printing
                log.exception("printer=%s status listener failed", self.name)


def _raise_for(status: PrinterStatus, during: bool) -> None:
    if status.paper == "out":
        raise PaperOut("The receipt printer ran out of paper while printing; the receipt may be incomplete."
                       if during else "The receipt printer is out of paper.")
    if status.cover_open:
        raise CoverOpen()
    if not status.online:
        raise PrinterOffline(status.detail or "The receipt printer is offline.")


def _close_quietly(device) -> None:
    try:
        device.close()
    except Exception:  # noqa: BLE001 -- closing a connection the printer already dropped
        pass


def _short(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else ""
    return text if len(text) < 120 else text[:117] + "..."

