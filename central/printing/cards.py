"""Library cards as PDF: name, school, grade and homeroom, and the card's barcode, ten to a sheet.

The sheet is Avery 5371 (business cards, 3 1/2 x 2 in, 2 across, 5 down): printed on card stock,
cut along the perforations, laminated if the library likes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from central.printing.barcodes import draw_barcode, fit_text
from central.printing.labels import Sheet

CARD_SHEET = Sheet("Avery 5371 (10 cards, 3 1/2 x 2 in)", 2, 5, 3.5 * inch, 2 * inch, 0.75 * inch, 0.5 * inch,
                   3.5 * inch, 2 * inch)


@dataclass(frozen=True)
class Card:
    """What one patron's library card shows (labels already in the card's language)."""

    barcode: str
    name: str
    school: str
    line: str  # "Grade 4 - Room 12 - Ms. Patel", or the patron type
    heading: str = "Library card"


def library_cards(cards: list[Card], *, symbology: str = "codabar", start: int = 1) -> bytes:
    """A PDF of library cards, one per patron."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=CARD_SHEET.page, pageCompression=1)
    canvas.setTitle("Library cards")
    canvas.setCreator("Library central server")
    offset = max(start, 1) - 1
    for n, card in enumerate(cards):
        position = offset + n
        if position and position % CARD_SHEET.per_page == 0:
            canvas.showPage()
        _card(canvas, card, *CARD_SHEET.box(position), symbology)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _card(canvas: Canvas, card: Card, x: float, y: float, symbology: str) -> None:
    pad = 0.15 * inch
    width, height = CARD_SHEET.width, CARD_SHEET.height
    inner = width - 2 * pad
    canvas.setStrokeGray(0.75)
    canvas.roundRect(x + 0.03 * inch, y + 0.03 * inch, width - 0.06 * inch, height - 0.06 * inch, 0.1 * inch)
    canvas.setFillGray(0)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(x + pad, y + height - pad - 8, fit_text(card.school, "Helvetica-Bold", 9, inner * 0.62))
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(x + width - pad, y + height - pad - 8, fit_text(card.heading, "Helvetica", 8, inner * 0.36))
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(x + pad, y + height - pad - 28, fit_text(card.name, "Helvetica-Bold", 14, inner))
    canvas.setFont("Helvetica", 8)
    canvas.drawString(x + pad, y + height - pad - 41, fit_text(card.line, "Helvetica", 8, inner))
    draw_barcode(canvas, card.barcode, symbology, x=x + pad, y=y + pad * 0.7, width=inner, height=0.75 * inch,
                 font_size=9)
