"""The staff screen's receipt printer checks: its status in words, and a test receipt with the result."""
from __future__ import annotations

import logging
import threading

from flask import current_app

from drivers.errors import DeviceError
from kiosk.i18n import t
from kiosk.session.receipts import test_receipt

log = logging.getLogger("kiosk.staff")


class PrinterDesk:
    """Remembers the last printer check and the last test receipt's result (one per app)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.status = None  # drivers.status.PrinterStatus from the last check
        self.test_result: tuple[bool, str, str] | None = None  # (printed, key, problem)

    def check(self, printer):
        """Ask the printer now (printer_status() never raises and is bounded by its timeouts)."""
        status = printer.printer_status() if printer is not None else None
        with self._lock:
            self.status = status
        return status

    def test(self, printer, library_name: str, lang: str, now) -> bool:
        """Print the test receipt; remember the result in words and the printer's status after it."""
        if printer is None:
            result = (False, "staff.printer.none", "")
        else:
            try:
                printer.print_receipt(test_receipt(library_name, lang, now))
                result = (True, "staff.printer.test_printed", "")
            except DeviceError as exc:
                result = (False, "staff.printer.test_failed", str(exc))
            except OSError as exc:  # a socket or USB write: still a printer problem
                result = (False, "staff.printer.test_failed", exc.strerror or str(exc))
            except Exception as exc:  # a driver bug must not take the staff page down
                log.exception("test receipt: the printer driver failed")
                result = (False, "staff.printer.test_failed", type(exc).__name__)
            log.info("test receipt %s", "printed" if result[0] else f"not printed: {result[2]}")
        with self._lock:
            self.test_result = result
        self.check(printer)
        return result[0]

    def view(self, lang: str, has_printer: bool) -> dict:
        """What the page shows: status words, the driver's detail, and the last test's sentence."""
        with self._lock:
            status, test = self.status, self.test_result
        words, detail = [], ""
        if status is not None:
            words.append(t("staff.printer.online" if status.online else "staff.printer.offline", lang))
            words.append(t("staff.printer.paper." + status.paper, lang))
            if status.cover_open:
                words.append(t("staff.printer.cover_open", lang))
            detail = status.problem() or status.detail
        test_view = None
        if test is not None:
            printed, key, problem = test
            test_view = {"ok": printed, "text": t(key, lang, problem=problem or "?")}
        return {"has_printer": has_printer, "checked": status is not None, "words": words, "detail": detail,
                "paper": status.paper if status else None, "test": test_view}


def printer_desk() -> PrinterDesk:
    """The app's PrinterDesk."""
    return current_app.extensions.setdefault("kiosk_printer_desk", PrinterDesk())
