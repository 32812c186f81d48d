"""GET /api/v1/search: the kiosk's Find a book, answering protocol.wire.SearchOutcome-shaped JSON.

The kiosk searches its own school's shelves: titles none of its copies belong to are left out, and
copies are counted there. Any text is a fair question (``%``, ``'``, 2,000 characters, nothing at
all): it gets an answer with no hits and a sentence, never an error; only a ``limit`` or ``offset``
that is not a number in range is a 400, naming the parameter. The route itself is the kiosk API's
(central/api/routes.py, behind its kiosk-token check); ``OPENAPI`` is this path's part of the OpenAPI
document, merged by central/api/openapi.py.
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from central.api.validation import ApiError
from central.imports.wording import tr
from central.search.catalog import MAX_LIMIT, MAX_OFFSET, search

DEFAULT_LIMIT = 20

NOTHING_TO_SEARCH = "Type a word from the title, the author or the subject."
NO_HITS = "No books found for \u201c{query}\u201d. Try fewer words, or check the spelling."


def _number(args: Mapping[str, str], name: str, default: int, lowest: int, highest: int, language: str) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lowest <= int(raw) <= highest:
        raise ApiError(400, "bad_request", tr("{name} must be a whole number from {lowest} to {highest}.", language,
                                              name=name, lowest=lowest, highest=highest))
    return int(raw)


def search_answer(session: Session, args: Mapping[str, str], *, school_id: int | None, language: str = "en") -> dict:
    """The JSON answer to a search with these query arguments (q, limit, offset), for a kiosk of ``school_id``."""
    limit = _number(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, language)
    offset = _number(args, "offset", 0, 0, MAX_OFFSET, language)
    text = args.get("q") or ""
    results = search(session, text, school_ids=None if school_id is None else [school_id], limit=limit,
                     offset=offset, language=language, with_copies_only=True)
    answer = {"query": results.query, "total": results.total, "hits": [hit.to_dict() for hit in results.hits]}
    if not results.searchable:
        answer["message"] = tr(NOTHING_TO_SEARCH, language)
    elif results.total == 0:
        answer["message"] = tr(NO_HITS, language, query=results.query)
    return answer


_STR, _INT = {"type": "string"}, {"type": "integer", "minimum": 0}
SCHEMAS = {
    "SearchHit": {"type": "object", "required": ["title", "author", "call_number", "location", "copies",
                                                 "available", "isbn", "subjects"], "properties": {
        "title": _STR, "author": _STR, "call_number": _STR,
        "location": {"type": "string", "description": "Where it stands, in the asked language, for a child: "
                                                      "\"Picture books, shelf R\""},
        "copies": {**_INT, "description": "Copies this kiosk's school has (withdrawn, lost and missing ones not "
                                          "counted)"},
        "available": {**_INT, "description": "Of those, copies on the shelf now"},
        "isbn": {"oneOf": [_STR, {"type": "null"}]}, "subjects": {"type": "array", "items": _STR}}},
    "SearchOutcome": {"type": "object", "required": ["query", "total", "hits"], "properties": {
        "query": {"type": "string", "description": "What was searched: the query cut to 12 words, 200 characters"},
        "total": {**_INT, "description": "How many titles match in all (hits is one page of them)"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
        "message": {"type": "string", "description": "When nothing was found or nothing could be searched: what "
                                                     "to tell the child, in the asked language"}}},
}
OPENAPI = {
    "paths": {"/search": {"get": {
        "summary": "Find a book at this kiosk's school (title, author, subject, call number; accents ignored)",
        "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words to look for; any text"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                                        "default": DEFAULT_LIMIT}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
                                                         "default": 0}}],
        "responses": {
            "200": {"description": "Hits, best first", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/SearchOutcome"}}}},
            "400": {"description": "limit or offset out of range", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}},
            "401": {"description": "Missing or wrong kiosk token", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}}}}},
    "components": {"schemas": SCHEMAS},
}
