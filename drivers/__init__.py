"""Device drivers for the library kiosk: a standalone library (never imports kiosk, central or Flask)."""
