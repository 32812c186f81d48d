"""The central backend with Find a book, as proposed for kiosk/backends/central.py (the lead's room).

Until ``CentralBackend.search`` lands, the screen's tests use this subclass: the same HTTP call of
``GET /api/v1/search`` (the contract of central/search/api.py) read into protocol.wire types. Once
it lands, the tests use CentralBackend itself and this file goes.
"""
from __future__ import annotations

from kiosk.backends.central import CentralBackend
from kiosk.backends.port import BackendRejected, BackendUnavailable, Capabilities, NotSupported
from protocol.wire import SearchHit, SearchOutcome, SearchRequest


def search_outcome(data: dict) -> SearchOutcome:
    """GET /search's JSON as a SearchOutcome (a hit without a title is skipped, as nothing could be shown)."""
    hits = []
    for raw in data.get("hits") or ():
        if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
            continue
        hits.append(SearchHit(title=raw["title"], author=str(raw.get("author") or ""),
                              call_number=str(raw.get("call_number") or ""), location=str(raw.get("location") or ""),
                              copies=int(raw.get("copies") or 0), available=int(raw.get("available") or 0),
                              isbn=raw.get("isbn") if isinstance(raw.get("isbn"), str) else None,
                              subjects=tuple(str(s) for s in raw.get("subjects") or ())))
    total = data.get("total")
    return SearchOutcome(query=str(data.get("query") or ""), hits=tuple(hits),
                         total=total if isinstance(total, int) and total >= 0 else len(hits))


class SearchingCentral(CentralBackend):
    """CentralBackend plus GET /search."""

    capabilities = Capabilities(batch=True, delta_sync=True, search=True, offline_forwarding=True)

    def search(self, request: SearchRequest, lang: str = "en") -> SearchOutcome:
        """GET /search?q=&limit=&offset= (NotSupported from a server that has no search yet)."""
        status, data = self._call("GET", "/search", lang,
                                  params={"q": request.query, "limit": request.limit, "offset": request.offset})
        if status == 404:
            raise NotSupported("The library computer has no catalog search for kiosks.")
        try:
            return search_outcome(self._ok(status, data))
        except BackendRejected:
            raise
        except (TypeError, ValueError) as exc:
            raise BackendUnavailable(f"the server's search answer is unreadable: {exc}") from None
