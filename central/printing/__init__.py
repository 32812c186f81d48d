"""Printing for the library: barcode and spine labels on label sheets, and library cards, as PDF (reportlab)."""
