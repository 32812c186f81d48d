"""Label sheets: barcode labels on Avery 5160 (3 x 10) and spine labels (call number) on a spine sheet.

A partly used sheet can be used up: ``start`` is the first free position (1 = top left, across then
down), so the labels already peeled off are skipped.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from central.printing.barcodes import draw_barcode, fit_text


@dataclass(frozen=True)
class Sheet:
    """A label sheet: how many labels across and down, their size, and where the first one sits."""

    name: str
    columns: int
    rows: int
    width: float
    height: float
    left: float  # left edge of the first column
    top: float   # top edge of the first row (from the top of the page)
    pitch_x: float
    pitch_y: float
    page: tuple[float, float] = LETTER

    @property
    def per_page(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def box(self, position: int) -> tuple[float, float]:
        """The lower-left corner of label ``position`` (0-based, across then down) on its page."""
        row, column = divmod(position % self.per_page, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page[1] - self.top - row * self.pitch_y - self.height
        return x, y


SHEETS = {
    # Avery 5160 / 8160: 30 address labels, 2 5/8" x 1", 3 across, 10 down, on US Letter.
    "avery5160": Sheet("Avery 5160 (30 labels, 2 5/8 x 1 in)", 3, 10, 2.625 * inch, 1 * inch, 0.1875 * inch,
                       0.5 * inch, 2.75 * inch, 1 * inch),
    # Spine labels, 1" x 1 1/2" (Demco and Brodart sell these for school libraries), 7 across, 7 down.
    "spine": Sheet("Spine labels (49 labels, 1 x 1 1/2 in)", 7, 7, 1 * inch, 1.5 * inch, 0.4375 * inch,
                   0.5 * inch, 1.125 * inch, 1.5 * inch),
}


@dataclass(frozen=True)
class Label:
    """What one copy's labels show."""

    barcode: str
    title: str
    call_number: str
    school: str


def _pages(canvas: Canvas, labels: list[Label], sheet: Sheet, start: int, draw) -> None:
    offset = max(start, 1) - 1
    for n, label in enumerate(labels):
        position = offset + n
        if position and position % sheet.per_page == 0:
            canvas.showPage()
        x, y = sheet.box(position)
        draw(canvas, label, x, y, sheet)
    canvas.showPage()


def _barcode_label(canvas: Canvas, label: Label, x: float, y: float, sheet: Sheet, symbology: str) -> None:
    pad = 0.08 * inch
    inner = sheet.width - 2 * pad
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawString(x + pad, y + sheet.height - pad - 6, fit_text(label.school, "Helvetica-Bold", 7, inner * 0.6))
    canvas.drawRightString(x + sheet.width - pad, y + sheet.height - pad - 6,
                           fit_text(label.call_number, "Helvetica-Bold", 7, inner * 0.4))
    canvas.setFont("Helvetica", 7)
    canvas.drawString(x + pad, y + sheet.height - pad - 14, fit_text(label.title, "Helvetica", 7, inner))
    draw_barcode(canvas, label.barcode, symbology, x=x + pad, y=y + pad * 0.6, width=inner,
                 height=sheet.height - 2 * pad - 14, font_size=7)


def barcode_labels(labels: list[Label], *, sheet: str = "avery5160", symbology: str = "codabar",
                   start: int = 1) -> bytes:
    """A PDF of barcode labels, one per copy: school, call number, title, barcode and its number."""
    return _render(labels, SHEETS[sheet], start, partial(_barcode_label, symbology=symbology), "Barcode labels")


def _spine_label(canvas: Canvas, label: Label, x: float, y: float, sheet: Sheet) -> None:
    # One part of the call number per line, as it is read on a shelf: FIC / SAC, 597.3 / GIB.
    lines = label.call_number.split()[:4] or ["?"]
    size = 13 if max(len(part) for part in lines) <= 6 else 10
    line_height = size + 3
    top = y + sheet.height / 2 + line_height * len(lines) / 2 - size
    canvas.setFont("Helvetica-Bold", size)
    for n, part in enumerate(lines):
        canvas.drawCentredString(x + sheet.width / 2, top - n * line_height,
                                 fit_text(part, "Helvetica-Bold", size, sheet.width - 0.1 * inch))


def spine_labels(labels: list[Label], *, sheet: str = "spine", start: int = 1) -> bytes:
    """A PDF of spine labels: each copy's call number, one part per line, large."""
    return _render(labels, SHEETS[sheet], start, _spine_label, "Spine labels")


def _render(labels: list[Label], sheet: Sheet, start: int, draw, title: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=sheet.page, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Library central server")
    _pages(canvas, labels, sheet, start, draw)
    canvas.save()
    return out.getvalue()
