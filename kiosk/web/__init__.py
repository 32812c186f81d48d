"""The kiosk's web room: the student screen's page and API, staff mode (first page, devices) and the developer panel."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the kiosk's pages on ``app``."""
    from kiosk.web import outbox_view, staff, staff_devices  # noqa: F401  -- they add routes to the staff blueprint
    from kiosk.web.dev import bp as dev_bp
    from kiosk.web.guard import bp as staff_bp
    from kiosk.web.screen import bp as screen_bp

    app.register_blueprint(screen_bp)
    app.register_blueprint(dev_bp)
    app.register_blueprint(staff_bp)
