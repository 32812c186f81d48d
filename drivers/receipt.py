"""The receipt as a layout model, rendered to plain text (staff preview) and to ESC/POS."""
from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
import textwrap
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReceiptLine:
    """One item on the receipt."""

    title: str
    barcode: str
    due_date: dt.date | None = None  # None for a return
    note: str = ""  # e.g. "Renewed", "Not checked out: on hold for someone else"


@dataclass(frozen=True)
class Receipt:
    """Everything printed on one receipt; text is already in the patron's language."""

    library_name: str
    heading: str  # "Checked out" / "Prestados"
    patron_label: str  # masked: "Maria G. ****2345"
    lines: tuple[ReceiptLine, ...]
    printed_at: dt.datetime
    footer: str = ""
    due_label: str = "Due"
    date_format: str = "%a %d %b %Y"
    code: str | None = None  # printed as a CODE128 barcode (e.g. the session reference)
    qr: str | None = None  # printed as a QR code (e.g. a URL to the patron's account)
    labels: dict[str, str] = field(default_factory=dict)  # extra translated labels

    def due_text(self, line: ReceiptLine) -> str:
        """The due-date phrase for one line ('' for returns)."""
        if line.due_date is None:
            return ""
        return f"{self.due_label}: {line.due_date.strftime(self.date_format)}"


def render_text(receipt: Receipt, width: int = 42) -> str:
    """Render the receipt as the plain text a 80 mm printer would show (42 columns by default)."""
    out: list[str] = []
    center = lambda s: s.center(width).rstrip()  # noqa: E731
    out.append(center(receipt.library_name))
    out.append(center(receipt.heading))
    out.append(center(receipt.printed_at.strftime("%Y-%m-%d %H:%M")))
    out.append("-" * width)
    out.append(receipt.patron_label)
    out.append("")
    for line in receipt.lines:
        out.extend(textwrap.wrap(line.title, width) or [""])
        out.append(f"  {line.barcode}")
        if line.due_date is not None:
            out.append(f"  {receipt.due_text(line)}")
        if line.note:
            out.extend("  " + part for part in textwrap.wrap(line.note, width - 2))
        out.append("")
    out.append("-" * width)
    if receipt.footer:
        out.extend(center(part) for part in textwrap.wrap(receipt.footer, width))
    if receipt.code:
        out.append(center(f"[{receipt.code}]"))
    return "\n".join(out) + "\n"


def render_escpos(receipt: Receipt, printer, width: int = 42) -> None:
    """Draw the receipt on a python-escpos printer object (any transport, or ``Dummy``)."""
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln(receipt.library_name)
    printer.set(align="center", bold=True, normal_textsize=True)
    printer.textln(receipt.heading)
    printer.set(align="center", bold=False, normal_textsize=True)
    printer.textln(receipt.printed_at.strftime("%Y-%m-%d %H:%M"))
    printer.set(align="left", normal_textsize=True)
    printer.textln("-" * width)
    printer.textln(receipt.patron_label)
    printer.ln()
    for line in receipt.lines:
        printer.set(align="left", bold=True, normal_textsize=True)
        printer.textln(line.title)
        printer.set(align="left", bold=False, normal_textsize=True)
        printer.textln(f"  {line.barcode}")
        if line.due_date is not None:
            printer.set(align="left", bold=True, normal_textsize=True)
            printer.textln(f"  {receipt.due_text(line)}")
            printer.set(align="left", bold=False, normal_textsize=True)
        if line.note:
            printer.textln(f"  {line.note}")
        printer.ln()
    printer.textln("-" * width)
    if receipt.footer:
        printer.set(align="center", normal_textsize=True)
        printer.textln(receipt.footer)
    if receipt.code:
        # python-escpos wants the CODE128 code set named in front of the data ("{B" = set B).
        # It also print()s "Using hardware barcode renderer" to stdout, which would end up in
        # the kiosk's log on every receipt; swallow that one line.
        with contextlib.redirect_stdout(io.StringIO()):
            printer.barcode("{B" + receipt.code, "CODE128", function_type="B", align_ct=True)
    if receipt.qr:
        # Printer-native QR (GS ( k) when the profile has it: a few bytes instead of an image, and
        # readable back by drivers.escpos_decode; otherwise python-escpos sends it as an image.
        native = bool(getattr(printer, "profile", None) and printer.profile.supports("qrCode"))
        printer.set(align="center")
        with contextlib.redirect_stdout(io.StringIO()):
            printer.qr(receipt.qr, size=4, native=native, center=not native)
        printer.set(align="left")
    printer.cut()


def render_html(receipt: Receipt) -> str:
    """Render the receipt as an HTML fragment for staff screens (every text escaped)."""
    e = html.escape
    out = ['<div class="receipt">',
           f'<h2 class="receipt-library">{e(receipt.library_name)}</h2>',
           f'<h3 class="receipt-heading">{e(receipt.heading)}</h3>',
           f'<p class="receipt-printed">{e(receipt.printed_at.strftime("%Y-%m-%d %H:%M"))}</p>',
           f'<p class="receipt-patron">{e(receipt.patron_label)}</p>',
           '<ol class="receipt-lines">']
    for line in receipt.lines:
        out.append('<li class="receipt-line">')
        out.append(f'<span class="receipt-title">{e(line.title)}</span>')
        out.append(f'<span class="receipt-barcode">{e(line.barcode)}</span>')
        if line.due_date is not None:
            out.append(f'<span class="receipt-due" data-due="{line.due_date.isoformat()}">'
                       f'{e(receipt.due_text(line))}</span>')
        if line.note:
            out.append(f'<span class="receipt-note">{e(line.note)}</span>')
        out.append("</li>")
    out.append("</ol>")
    if receipt.footer:
        out.append(f'<p class="receipt-footer">{e(receipt.footer)}</p>')
    if receipt.code:
        out.append(f'<p class="receipt-code"><code>{e(receipt.code)}</code></p>')
    if receipt.qr:
        out.append(f'<p class="receipt-qr" data-qr="{e(receipt.qr)}">{e(receipt.qr)}</p>')
    out.append("</div>")
    return "\n".join(out) + "\n"
