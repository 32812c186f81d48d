"""A Code 128 barcode as inline SVG for staff pages (reportlab draws it; no image files, no network)."""
from __future__ import annotations

from functools import lru_cache

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing


@lru_cache(maxsize=16)
def code128_svg(code: str, bar_width: float = 1.6, height: float = 70.0) -> str:
    """The SVG element (text) of ``code`` as Code 128, with a quiet zone, scaled by its viewBox."""
    drawing = createBarcodeDrawing("Code128", value=code, barWidth=bar_width, barHeight=height,
                                   humanReadable=False, quiet=True)
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg"):]  # without the XML prolog and doctype: it goes inside an HTML page
    # Two barcodes on one page must not share element ids; the words under it name it for screen readers.
    clip = "clip-" + "".join(c if c.isalnum() else "-" for c in code)
    svg = svg.replace('id="clip"', f'id="{clip}"').replace("url(#clip)", f"url(#{clip})").replace(' id="group"', "")
    svg = svg.replace("<title>...</title>", "").replace("<desc>...</desc>", "")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{code}" class="command-barcode" ', 1)
