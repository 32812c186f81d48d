"""Barcodes drawn with reportlab: Codabar (what most US school library labels use) or Code 39."""
from __future__ import annotations

from reportlab.graphics.barcode import code39, common
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

SYMBOLOGIES = {"codabar": "Codabar", "code39": "Code 39"}
# Narrowest bar a school's laser printer and a cheap scanner handle reliably: 7.5 mil, up to 13 mil.
MIN_BAR, MAX_BAR = 0.0075 * inch, 0.013 * inch


def _symbol(value: str, symbology: str, bar_width: float, bar_height: float):
    if symbology == "codabar":
        # reportlab adds the A...A start and stop characters; scanners drop them again (normalize_code too).
        return common.Codabar(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False, quiet=True)
    if symbology == "code39":
        return code39.Standard39(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False,
                                 checksum=0, quiet=True)
    raise ValueError(f"unknown symbology {symbology!r}")


def draw_barcode(canvas: Canvas, value: str, symbology: str, *, x: float, y: float, width: float,
                 height: float, font_size: float = 8) -> None:
    """Draw ``value`` as a barcode centred in the box (x, y, width, height), its number printed under it."""
    text_height = font_size + 2
    bar_height = max(height - text_height, 0.25 * inch)
    probe = _symbol(value, symbology, MAX_BAR, bar_height)
    # The widest bars that fit: wider bars scan more easily, but never narrower than the printer can do.
    bar_width = max(min(MAX_BAR, MAX_BAR * width / probe.width), MIN_BAR)
    symbol = _symbol(value, symbology, bar_width, bar_height)
    left = x + max((width - symbol.width) / 2, 0)
    symbol.drawOn(canvas, left, y + text_height)
    canvas.setFont("Helvetica", font_size)
    canvas.drawCentredString(x + width / 2, y + 1, value)


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` points in ``font`` at ``size``."""
    text = (text or "").strip()
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
