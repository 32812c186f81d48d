"""The central backend's delta sync: the patron, item and loan-rule feeds that fill the kiosk's offline caches.

A mixin of :class:`kiosk.backends.central.CentralBackend` (it uses its ``_call`` and ``_ok``): the
port's ``patrons(since)``, ``items(since)`` and ``loan_rules()`` read ``GET /sync/...`` of
protocol/API.md. A server without these endpoints (404) answers NotSupported.
"""
from __future__ import annotations

from typing import Any

from kiosk.backends.port import NotSupported
from protocol.wire import CachedItem, CachedPatron, LoanRules, SyncPage

SYNC_PAGE = 1000


class CentralSync:
    """Delta-sync methods of the central backend."""

    with_pin_hash = False

    def patrons(self, since: str | None) -> SyncPage:
        """GET /sync/patrons: patron cache records changed after ``since``."""
        params: dict[str, Any] = {"limit": sync_page()}
        if since:
            params["since"] = since
        if self.with_pin_hash:
            params["with_pin_hash"] = 1
        data = self._sync("/sync/patrons", params)
        records = tuple(CachedPatron.from_dict(raw) for raw in data.get("records") or ())
        return SyncPage(records, str(data.get("cursor") or since or ""), bool(data.get("more")), data.get("hash_key"))

    def items(self, since: str | None) -> SyncPage:
        """GET /sync/items: item cache records changed after ``since``."""
        params: dict[str, Any] = {"limit": sync_page()}
        if since:
            params["since"] = since
        data = self._sync("/sync/items", params)
        return SyncPage(tuple(CachedItem.from_dict(r) for r in data.get("records") or ()),
                        str(data.get("cursor") or since or ""), bool(data.get("more")))

    def loan_rules(self) -> LoanRules:
        """GET /sync/loan-rules: the loan policies and the calendar."""
        return LoanRules.from_dict(self._sync("/sync/loan-rules", None))

    def _sync(self, path: str, params: dict | None) -> dict:
        status, data = self._call("GET", path, params=params)
        if status in (404, 405):
            raise NotSupported(f"the central server has no {path} yet")
        return self._ok(status, data)


def sync_page() -> int:
    """Records asked per page (a module value, so a test can make pages small)."""
    return SYNC_PAGE
