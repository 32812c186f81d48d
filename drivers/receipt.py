"""The receipt as a layout model, rendered to plain text (staff preview) and to ESC/POS."""
from __future__ import annotations

import datetime as dt
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


def render_escpos(receipt: Receipt, printer) -> None:
    """Draw the receipt on a python-escpos printer object (any transport, or ``Dummy``)."""
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln(receipt.library_name)
    printer.set(align="center", bold=True, normal_textsize=True)
    printer.textln(receipt.heading)
    printer.set(align="center", normal_textsize=True)
    printer.textln(receipt.printed_at.strftime("%Y-%m-%d %H:%M"))
    printer.set(align="left", normal_textsize=True)
    printer.textln("-" * 42)
    printer.textln(receipt.patron_label)
    printer.ln()
    for line in receipt.lines:
        printer.set(align="left", bold=True, normal_textsize=True)
        printer.textln(line.title)
        printer.set(align="left", normal_textsize=True)
        printer.textln(f"  {line.barcode}")
        if line.due_date is not None:
            printer.set(align="left", bold=True, normal_textsize=True)
            printer.textln(f"  {receipt.due_text(line)}")
            printer.set(align="left", normal_textsize=True)
        if line.note:
            printer.textln(f"  {line.note}")
        printer.ln()
    printer.textln("-" * 42)
    if receipt.footer:
        printer.set(align="center", normal_textsize=True)
        printer.textln(receipt.footer)
    if receipt.code:
        # python-escpos wants the CODE128 code set named in front of the data ("{B" = set B).
        printer.barcode("{B" + receipt.code, "CODE128", function_type="B", align_ct=True)
    if receipt.qr:
        printer.qr(receipt.qr, size=4, center=True)
    printer.cut()
