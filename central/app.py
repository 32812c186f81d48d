"""The central server's Flask application factory; nothing is connected or started at import time."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g

from central.clock import SystemClock
from central.store.db import ROOT, Database, default_database_url


@dataclass
class CentralState:
    """What every request needs: the database and the clock."""

    db: Database
    clock: SystemClock

    def session(self):
        """This request's read session, opened on first use and closed when the request ends."""
        if "db_session" not in g:
            g.db_session = self.db.reader()
        return g.db_session


def create_app(config: dict | None = None, *, clock: SystemClock | None = None,
               database: Database | None = None) -> Flask:
    """Build the app. Config keys: DATABASE_URL (default env CENTRAL_DATABASE_URL or instance/central.db),
    TESTING, SERVER_NAME_TEXT (shown on the home page), SECRET_KEY (default env CENTRAL_SECRET_KEY, else
    generated once into INSTANCE_FOLDER, default <repo>/instance). ``clock`` fixes "today" for tests."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static",
                static_url_path="/static", instance_path=str(ROOT / "instance"))
    app.config.update(DATABASE_URL=None, SERVER_NAME_TEXT="Library central server")
    app.config.update(config or {})
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or default_database_url()
    app.json.sort_keys = False
    db = database or Database(app.config["DATABASE_URL"])
    app.extensions["central"] = CentralState(db=db, clock=clock or SystemClock())

    from central.api import routes
    from central.search import index
    from central.web.setup import init_web

    index.install()  # every ORM write of this process keeps the catalog search current

    app.register_blueprint(routes.bp)
    routes.register_error_handlers(app)
    init_web(app)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return app
