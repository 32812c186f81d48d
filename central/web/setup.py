"""Wiring of the staff web: secret key, session cookie, CSRF on every form, no-store, blueprints."""
from __future__ import annotations

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from central.catalog.copies import STATUS_NAMES
from central.circulation.fines import FINE_REASONS

csrf = CSRFProtect()
SECRET_FILE = "secret_key"


class StaffSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, marked Secure whenever the page was served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so, or when this request came over HTTPS (directly or via a trusted proxy)."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def secret_key(instance_folder: Path) -> str:
    """CENTRAL_SECRET_KEY from the environment, else the key generated once into the instance folder.

    Several server processes behind one proxy must share the key: give them the same environment
    variable or the same instance folder. The file is created with O_EXCL, so two processes starting
    together agree on one key.
    """
    from_env = os.environ.get("CENTRAL_SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = instance_folder / SECRET_FILE
    instance_folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def staff_pages():
    """The staff web as one blueprint tree (home, sign-in and every page room), put together once per process:
    Flask refuses to change a blueprint after its first registration, and tests make many apps."""
    from central.imports import views as imports
    from central.web import audit, auth, catalog, copies, desk, errors, exceptions, home, labels, patrons

    if not _TREE:
        for child in (auth.bp, catalog.bp, copies.bp, labels.bp, patrons.bp, desk.bp, audit.bp, exceptions.bp,
                      imports.bp):
            home.bp.register_blueprint(child)
        errors.attach(home.bp)
        _TREE.append(home.bp)
    return _TREE[0]


_TREE: list = []


def init_web(app: Flask) -> None:
    """Configure sessions and CSRF and register the staff pages on ``app``."""
    from central.api import routes as api_routes
    from central.web import i18n

    app.config.setdefault("INSTANCE_FOLDER", app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(app.config["INSTANCE_FOLDER"]))
    app.config.update(SESSION_COOKIE_NAME="central_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
                      # A desk page stays open all day: the token lives as long as the session it is bound to.
                      WTF_CSRF_TIME_LIMIT=None)
    app.config.setdefault("SESSION_COOKIE_SECURE", os.environ.get("CENTRAL_HTTPS_ONLY") == "1")
    proxies = int(os.environ.get("CENTRAL_TRUSTED_PROXIES", "0") or 0)
    if proxies:
        # Only behind a proxy the operator named: X-Forwarded-For/Proto are then believed, so the sign-in
        # throttle sees the real address and the cookie is Secure when the proxy spoke HTTPS.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.session_interface = StaffSessionInterface()
    csrf.init_app(app)
    csrf.exempt(api_routes.bp)  # kiosks authenticate with a bearer token, not a browser cookie
    app.register_blueprint(staff_pages())
    app.jinja_env.globals.update(_=i18n.t, money=i18n.money, day=i18n.day, LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
                                 current_language=i18n.current_language,
                                 status_name=lambda status: i18n.t(STATUS_NAMES.get(status, status)),
                                 iso_day=lambda text: i18n.day(date.fromisoformat(text)) if text else "",
                                 fine_reason=lambda reason: i18n.t(FINE_REASONS.get(reason, reason)))

    @app.after_request
    def _no_store(response):
        # Staff pages and printouts show patrons' names, loans and fines: never kept by a browser or proxy.
        if not request.path.startswith(("/static/", "/api/")):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
