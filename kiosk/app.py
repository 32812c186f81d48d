"""The kiosk's Flask app: ``create_app`` builds it around a bootstrapped :class:`kiosk.bootstrap.Kiosk`."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from kiosk.bootstrap import Kiosk, bootstrap
from kiosk.config import KioskConfig, load_config
from kiosk.i18n import t
from kiosk.web import register_blueprints

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
DEMO_CONFIG = ROOT / "config" / "demo.toml"


def create_app(config: KioskConfig | str | os.PathLike | None = None, *, backend=None, devices=None,
               journal=None, clock=None, start_threads: bool = True, policy=None) -> Flask:
    """Build the kiosk app; collaborators may be passed in (tests), else they come from the config.

    ``config`` is a KioskConfig, a path, or None for $KIOSK_CONFIG (the demo config if unset).
    Devices are always started (simulated ones run no threads); ``start_threads`` starts the
    hub's dispatcher, the sender, the cache sync and the idle ticker.
    """
    if not isinstance(config, KioskConfig):
        config = load_config(config or os.environ.get("KIOSK_CONFIG") or DEMO_CONFIG)
    kiosk = bootstrap(config, backend=backend, devices=devices, journal=journal, clock=clock, policy=policy)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(PACKAGE / "static"),
                static_url_path="/static")
    # A new key each start: a restart locks staff mode, which is what a kiosk should do.
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True)
    app.json.sort_keys = False  # keep the order the view builds, easier to read in a browser
    app.extensions["kiosk"] = kiosk
    app.jinja_env.globals["t"] = t

    register_blueprints(app)
    if start_threads:
        kiosk.start_threads()
    return app


def kiosk_of(app: Flask) -> Kiosk:
    """The running kiosk behind an app."""
    return app.extensions["kiosk"]
