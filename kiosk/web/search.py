"""Find a book: ``GET /api/search?q=...`` through the backend port (``Backend.search``), in words for a child.

Any text is a fair question: it is tidied (spaces folded, cut to ``MAX_QUERY`` characters) and
sent as it is; ``%``, quotes and the like are the library system's to match, never SQL here. An
empty question, no hits, a system that does not answer within the look-up deadline, or one with
no search at all each get a sentence in the screen's language and never an error page. A search is
activity: it keeps a signed-in student's session from timing out.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from kiosk.backends.port import BackendError, BackendUnavailable, NotSupported
from kiosk.i18n import t
from kiosk.session.lookups import LookupTimeout
from kiosk.web.screen import kiosk
from protocol.wire import SearchRequest

bp = Blueprint("search", __name__)
log = logging.getLogger("kiosk.search")
MAX_QUERY = 200  # what anyone types on a touch keyboard; the central server cuts at the same length
PAGE = 20


def tidy(text: str | None) -> str:
    """The question as it is sent: runs of spaces folded to one, at most MAX_QUERY characters."""
    return " ".join((text or "").split())[:MAX_QUERY].strip()


def hit_view(hit, lang: str) -> dict:
    """One title found, with where it stands and whether a copy is in, in words."""
    if hit.copies and hit.available:
        status, key = "in", "search.copies_in" if hit.copies > 1 else "search.copy_in"
    else:
        status, key = "out", "search.all_out" if hit.copies > 1 else "search.one_out"
    return {"title": hit.title, "author": hit.author, "call_number": hit.call_number,
            "location": hit.location, "status": status,
            "status_text": t(key, lang, available=hit.available, copies=hit.copies),
            "where_text": t("search.where", lang, location=hit.location) if hit.location else "",
            "call_text": t("search.call_number", lang, call_number=hit.call_number) if hit.call_number else ""}


def _answer(query: str, lang: str, *, hits=(), total: int = 0, message: str = "", status: int = 200):
    return jsonify({"query": query, "total": total, "hits": list(hits), "message": message,
                    "count_text": t("search.count_one", lang) if total == 1 else t("search.count", lang, count=total)
                    if total else ""}), status


@bp.get("/api/search")
def api_search():
    """The search screen's question: ``q`` (any text)."""
    k = kiosk()
    lang = k.session.d.lang
    query = tidy(request.args.get("q"))
    k.session.note_activity()
    if not getattr(k.backend.capabilities, "search", False):
        return _answer(query, lang, message=t("search.unsupported", lang), status=404)
    if not query:
        return _answer(query, lang, message=t("search.empty", lang))
    if not k.monitor.online:
        return _answer(query, lang, message=t("search.down", lang), status=503)
    try:
        outcome = k.lookups.ask(lambda: k.backend.search(SearchRequest(query, limit=PAGE), lang))
    except NotSupported:
        return _answer(query, lang, message=t("search.unsupported", lang), status=404)
    except (LookupTimeout, BackendError) as exc:
        if isinstance(exc, (LookupTimeout, BackendUnavailable)):
            k.monitor.failed(exc)
        log.warning("search not answered: %s", getattr(exc, "detail", exc))  # the words typed are not logged
        return _answer(query, lang, message=t("search.down", lang), status=503)
    k.monitor.succeeded()
    hits = [hit_view(hit, lang) for hit in outcome.hits]
    message = "" if hits else t("search.none", lang, query=query)
    return _answer(query, lang, hits=hits, total=outcome.total, message=message)
