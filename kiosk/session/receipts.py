"""The session's receipt: built as a drivers.receipt.Receipt in the patron's language and printed.

A printer problem never loses the receipt: it stays ready for "Print again" until the session
ends, and its text stays for the developer panel and staff page until the next session starts.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from drivers.errors import DeviceError
from drivers.receipt import Receipt, ReceiptLine, render_text
from kiosk.i18n import format_date, t

log = logging.getLogger("kiosk.receipt")


@dataclass(frozen=True)
class KioskReceipt(Receipt):
    """A Receipt whose due dates are written out in its language without the system's locales."""

    language: str = "en"

    def due_text(self, line: ReceiptLine) -> str:
        """'Due: Monday, December 7' / 'Devolver: lunes, 7 de diciembre' ('' for returns)."""
        if line.due_date is None:
            return ""
        return f"{self.due_label}: {format_date(line.due_date, self.language)}"


def patron_label(display_name: str, barcode: str) -> str:
    """The masked patron line: 'Maria G. ****2345' (never the full card number)."""
    return f"{display_name} ****{barcode[-4:]}".strip()


def test_receipt(library_name: str, lang: str, now) -> KioskReceipt:
    """The staff screen's test receipt, in ``lang``: one sample line with a due date, and a code."""
    return KioskReceipt(
        library_name=library_name, heading=t("receipt.test.heading", lang), patron_label=t("receipt.test.who", lang),
        lines=(ReceiptLine(title=t("receipt.test.line", lang), barcode="31234000000000",
                           due_date=now.date() + dt.timedelta(days=14), note=t("receipt.test.note", lang)),),
        printed_at=now, footer=t("receipt.test.footer", lang), due_label=t("receipt.due", lang),
        code="TEST", language=lang)


class ReceiptDesk:
    """Builds the current session's receipt, prints it, and remembers the last one's text."""

    def __init__(self, library_name: str, printer: Callable[[], object | None], clock):
        self.library_name = library_name
        self._printer = printer
        self.clock = clock
        self._lock = threading.Lock()
        self.current: KioskReceipt | None = None
        self.status = "none"  # none | nothing | printed | error | no_printer
        self.error = ""  # the printer's own words, for staff
        self.last_text: str | None = None

    def prepare(self, patron, lines, lang: str, reference: str) -> KioskReceipt | None:
        """Build the receipt for the session's successful lines (None when there is nothing to print)."""
        receipt_lines = []
        for line in lines:
            note = {"checkin": t("receipt.returned", lang), "renew": t("receipt.renewed", lang)}.get(line.type, "")
            if line.note == "line.renewed":
                note = t("receipt.renewed", lang)
            receipt_lines.append(ReceiptLine(title=line.title or line.item_barcode, barcode=line.item_barcode,
                                             due_date=line.due_date if line.type != "checkin" else None, note=note))
        borrowing = any(x.type != "checkin" for x in lines)
        receipt = KioskReceipt(
            library_name=self.library_name,
            heading=t("receipt.heading.checkout" if borrowing else "receipt.heading.checkin", lang),
            patron_label=patron_label(patron.display_name, patron.barcode) if patron else t("receipt.no_patron", lang),
            lines=tuple(receipt_lines), printed_at=self.clock.now(), footer=t("receipt.footer", lang),
            due_label=t("receipt.due", lang), code=reference or None, language=lang)
        with self._lock:
            self.current = receipt if receipt_lines else None
            self.status = "none" if receipt_lines else "nothing"
            self.error = ""
        return self.current

    def print_current(self) -> str:
        """Print the current receipt; returns the new status (printed, error, no_printer, nothing)."""
        with self._lock:
            receipt = self.current
        if receipt is None:
            return self._status("nothing")
        text = render_text(receipt)
        with self._lock:
            self.last_text = text
        printer = self._printer()
        if printer is None:
            return self._status("no_printer")
        try:
            printer.print_receipt(receipt)
        except DeviceError as exc:
            log.warning("receipt not printed: %s", exc)
            return self._status("error", str(exc))
        except OSError as exc:  # a network printer's socket, a USB write: still a printer problem
            log.warning("receipt not printed: %s", exc)
            return self._status("error", f"The printer could not be reached: {exc.strerror or exc}")
        except Exception as exc:  # a driver bug must not take the student's session down with it
            log.exception("receipt not printed: the printer driver failed")
            return self._status("error", f"The printer driver failed: {type(exc).__name__}")
        log.info("receipt printed: %d lines", len(receipt.lines))
        return self._status("printed")

    def has_current(self) -> bool:
        """True when a receipt is ready to print again."""
        with self._lock:
            return self.current is not None

    def drop_current(self) -> None:
        """The session ended: no more reprints (the text stays for the dev panel)."""
        with self._lock:
            self.current, self.status, self.error = None, "none", ""

    def forget(self) -> None:
        """Forget everything, the last text too (a new session started)."""
        with self._lock:
            self.current, self.status, self.error, self.last_text = None, "none", "", None

    def _status(self, status: str, error: str = "") -> str:
        with self._lock:
            self.status, self.error = status, error
        return status
