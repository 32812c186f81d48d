"""The kiosk API at /api/v1: bearer-token auth, JSON in and out, errors as {"error": {code, message}}."""
from __future__ import annotations

import hashlib
import hmac
import logging

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from central.api import validation
from central.api.openapi import openapi_document
from central.api.validation import ApiError
from central.circulation import events, patrons
from central.messages import message
from central.search import api as search_api
from central.store.models import CirculationEvent, Kiosk
from central.sync import feeds
from central.wsgi_log import masked_path
from protocol.circulation import LANGUAGES

bp = Blueprint("api", __name__, url_prefix="/api/v1")
BATCH_LIMIT = 500
log = logging.getLogger("central.api")
PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}


def token_hash(token: str) -> str:
    """The stored form of a kiosk token (sha256 hex): a stolen database does not reveal tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def language() -> str:
    """The language asked for with Accept-Language (en when none of ours is asked for)."""
    if "language" not in g:
        g.language = request.accept_languages.best_match(LANGUAGES) or "en"
    return g.language


def state():
    """The app's CentralState (database and clock)."""
    return current_app.extensions["central"]


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", message("unauthorized", language()))
    digest = token_hash(token.strip())
    kiosk = state().session().scalar(sa.select(Kiosk).where(Kiosk.token_hash == digest))
    # Only a self-check kiosk has a token; desks and SIP2 logins record their events through the server.
    if kiosk is None or kiosk.kind != "kiosk" or not hmac.compare_digest(kiosk.token_hash or "", digest):
        raise ApiError(401, "unauthorized", message("unauthorized", language()))
    g.kiosk_id = kiosk.id
    return None


@bp.get("/health")
def health():
    """Liveness: the server answers and can read its database."""
    state().session().execute(sa.text("SELECT 1"))
    return jsonify(ok=True, server_time=state().clock.now().isoformat())


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.post("/patrons/identify")
def identify():
    """Identify a patron by barcode or card UID (and PIN when one applies)."""
    lang = language()
    body = validation.json_body(request, lang)
    has_barcode, has_card = body.get("barcode") is not None, body.get("card_uid") is not None
    if has_barcode == has_card:
        raise validation.bad_request(lang, "one_of_fields")
    barcode = validation.barcode_field(body, "barcode", lang) if has_barcode else None
    card_uid = validation.card_uid_field(body, "card_uid", lang) if has_card else None
    pin = validation.text_field(body, "pin", lang, required=False) or None  # "" = nothing typed
    method = validation.choice_field(body, "method", ("scan", "tap", "typed"), lang)
    result = patrons.identify(state().session(), state().db, barcode=barcode, card_uid=card_uid, pin=pin,
                              method=method, now=state().clock.now(), today=state().clock.today(), language=lang,
                              kiosk_id=g.kiosk_id)
    log.info("identify kiosk=%s by=%s method=%s ok=%s refusal=%s", g.kiosk_id,
             "barcode" if barcode else "card", method or "-", result["ok"],
             (result.get("refusal") or {}).get("code", "-"))
    return jsonify(result)


@bp.get("/patrons/<barcode>/account")
def account(barcode: str):
    """A patron's loans, holds and fines."""
    lang = language()
    barcode = validation.barcode_value(barcode, "barcode", lang)
    result = patrons.account(state().session(), barcode, today=state().clock.today(), language=lang)
    if result is None:
        raise ApiError(404, "not_found", message("patron_not_found", lang, barcode=barcode))
    return jsonify(result)


@bp.get("/items/<barcode>")
def item(barcode: str):
    """One item with its status and due date."""
    lang = language()
    barcode = validation.barcode_value(barcode, "barcode", lang)
    result = patrons.item_lookup(state().session(), barcode)
    if result is None:
        raise ApiError(404, "not_found", message("item_not_found", lang, barcode=barcode))
    return jsonify(item=result)


@bp.post("/circulation/checkout")
def checkout():
    """Lend an item to a patron (renews when they already have it)."""
    return _circulation("checkout")


@bp.post("/circulation/checkin")
def checkin():
    """Return an item."""
    return _circulation("checkin")


@bp.post("/circulation/renew")
def renew():
    """Renew a patron's loan."""
    return _circulation("renew")


def _circulation(kind: str):
    lang = language()
    incoming = validation.incoming_event(validation.json_body(request, lang), lang, kind)
    answer = events.record_event(state().db, state().clock, g.kiosk_id, incoming, lang)
    if answer.status in ("applied", "replayed"):
        return jsonify(answer.outcome)
    error = answer.error or {}
    status = {"event_conflict": 422, "sequence_conflict": 409, "sequence_gap": 409}.get(error.get("code"), 400)
    raise ApiError(status, error.get("code", "bad_request"), error.get("message", ""),
                   extra={k: v for k, v in error.items() if k not in ("code", "message")})


@bp.post("/circulation/events")
def circulation_events():
    """A kiosk's events in sequence order (up to BATCH_LIMIT), applied in one transaction, answered one by one."""
    lang = language()
    body = validation.json_body(request, lang)
    raw_events = body.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise validation.bad_request(lang, "batch_not_list", limit=BATCH_LIMIT)
    if len(raw_events) > BATCH_LIMIT:
        raise ApiError(413, "batch_too_large", message("batch_too_large", lang, limit=BATCH_LIMIT,
                                                       count=len(raw_events)))
    incoming = []
    for index, raw in enumerate(raw_events, 1):
        try:
            incoming.append(validation.incoming_event(raw, lang))
        except ApiError as exc:
            raise validation.bad_request(lang, "batch_event", index=index, reason=exc.text) from None
        if len(incoming) > 1 and incoming[-1].sequence <= incoming[-2].sequence:
            raise validation.bad_request(lang, "batch_order", index=index)
    answers, last = events.apply_events(state().db, state().clock, g.kiosk_id, incoming, lang)
    return jsonify(results=[a.to_json() for a in answers], last_sequence=last)


def _feed_args(lang: str) -> tuple[str | None, int]:
    since = request.args.get("since") or None
    raw = request.args.get("limit", str(feeds.DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= feeds.MAX_LIMIT:
        raise validation.bad_request(lang, "wrong_type", field="limit",
                                     expected=f"a whole number from 1 to {feeds.MAX_LIMIT}")
    try:
        feeds.parse_cursor(since)
    except feeds.CursorError:
        raise validation.bad_request(lang, "bad_cursor") from None
    return since, int(raw)


@bp.get("/sync/patrons")
def sync_patrons():
    """Patron cache records changed after ``since`` (hashed identifiers), for signing in offline."""
    lang = language()
    since, limit = _feed_args(lang)
    with_pin_hash = request.args.get("with_pin_hash") in ("1", "true")
    with state().db.writer() as session, session.begin():  # the cache key may be made on first use
        page = feeds.patrons_page(session, since=since, limit=limit, today=state().clock.today(),
                                  now=state().clock.now(), with_pin_hash=with_pin_hash)
    return jsonify(feeds.page_json(page))


@bp.get("/sync/items")
def sync_items():
    """Item cache records changed after ``since``, for titles and offline checkouts."""
    since, limit = _feed_args(language())
    return jsonify(feeds.page_json(feeds.items_page(state().session(), since=since, limit=limit,
                                                    school_id=_kiosk_school())))


@bp.get("/sync/loan-rules")
def sync_loan_rules():
    """The loan policies and the library calendar, for offline due dates."""
    return jsonify(feeds.loan_rules(state().session(), state().clock.today(), _kiosk_school()).to_dict())


@bp.get("/search")
def search():
    """Find a book on the calling kiosk's school's shelves: title, author, subject or call number, ranked."""
    answer = search_api.search_answer(state().session(), request.args, school_id=_kiosk_school(),
                                      language=language())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"  # a child's search is nobody else's business
    return response


def _kiosk_school() -> int | None:
    return state().session().scalar(sa.select(Kiosk.school_id).where(Kiosk.id == g.kiosk_id))


@bp.post("/kiosks/heartbeat")
def heartbeat():
    """A kiosk says it is alive, with its device statuses and journal backlog; answers its last stored sequence."""
    lang = language()
    body = validation.json_body(request, lang)
    version = validation.text_field(body, "version", lang, required=False)
    devices = body.get("devices", {})
    if not isinstance(devices, dict) or not all(isinstance(v, str) for v in devices.values()):
        raise validation.bad_request(lang, "wrong_type", field="devices",
                                     expected="an object of name: status" if lang == "en" else
                                     "un objeto nombre: estado")
    pending = validation.int_field(body, "journal_pending", lang, required=False)
    kiosk_time = validation.datetime_field(body, "kiosk_time", lang) if body.get("kiosk_time") is not None else None
    now = state().clock.now()
    with state().db.writer() as session, session.begin():
        kiosk = session.get(Kiosk, g.kiosk_id)
        kiosk.last_seen_at = now
        if kiosk_time is not None:
            # How far the kiosk's clock is behind the server's: its offline events' times are corrected by it.
            kiosk.clock_offset_seconds = round((now - kiosk_time).total_seconds())
        kiosk.last_status = {"version": version, "devices": devices, "journal_pending": pending,
                             "remote_addr": request.remote_addr}
        # A kiosk whose journal was lost or replaced numbers its next event after this, instead of
        # starting again at 1 and meeting sequence_conflict on every event.
        last_sequence = session.scalar(sa.select(sa.func.coalesce(sa.func.max(CirculationEvent.sequence), 0))
                                       .where(CirculationEvent.kiosk_id == g.kiosk_id))
    return jsonify(ok=True, kiosk_id=g.kiosk_id, server_time=now.isoformat(), last_sequence=int(last_sequence))


def error_response(status: int, code: str, text: str, extra: dict | None = None):
    """The API's error body with its status (``extra`` adds fields such as ``expected_sequence``)."""
    response = jsonify(error={"code": code, "message": text, **(extra or {})})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """JSON errors for everything under /api/; the web pages keep Flask's HTML errors."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.text, exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not request.path.startswith("/api/"):
            return exc
        lang = language()
        if exc.code == 405:
            return error_response(405, "method_not_allowed", message("method_not_allowed", lang,
                                                                     method=request.method))
        if exc.code == 404:
            return error_response(404, "not_found", message("not_found", lang))
        if exc.code == 400:
            return error_response(400, "bad_request", message("bad_json", lang))
        return error_response(exc.code or 500, "internal" if (exc.code or 500) >= 500 else "bad_request",
                              exc.description or message("internal", lang))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The path can hold a patron barcode (/patrons/<barcode>/account): masked like every other log line.
        log.exception("unexpected error on %s %s", request.method, masked_path(request.path))
        if not request.path.startswith("/api/"):
            return "The library server had a problem. Please try again.", 500
        return error_response(500, "internal", message("internal", language()))
