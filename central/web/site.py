"""The staff web as one blueprint tree, put together once at import: home, sign-in and every page room."""
from __future__ import annotations

from central.web import audit, auth, catalog, copies, desk, errors, home, labels, patrons

bp = home.bp
for child in (auth.bp, catalog.bp, copies.bp, labels.bp, patrons.bp, desk.bp, audit.bp):
    bp.register_blueprint(child)
errors.attach(bp)
