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
from central.store.models import CirculationEvent, Kiosk
from central.wsgi_log import masked_path
from protocol.circulation import LANGUAGES

bp = Blueprint("api", __name__, url_prefix="/api/v1")
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
    body = validation.json_body(request, lang)
    req = events.EventRequest(
        kiosk_id=g.kiosk_id,
        event_id=validation.uuid_field(body, "event_id", lang),
        sequence=validation.int_field(body, "sequence", lang, minimum=1),
        type=kind,
        occurred_at=validation.datetime_field(body, "occurred_at", lang),
        offline=validation.bool_field(body, "offline", lang, default=False),
        patron_barcode=validation.barcode_field(body, "patron_barcode", lang) if kind != "checkin" else None,
        item_barcode=validation.barcode_field(body, "item_barcode", lang),
        payload=body,
    )
    try:
        result = events.record_event(state().db, state().clock, req, lang)
    except events.SequenceConflict:
        raise ApiError(409, "sequence_conflict", message("sequence_conflict", lang, kiosk=req.kiosk_id,
                                                         sequence=req.sequence)) from None
    except events.EventConflict:
        raise ApiError(409, "sequence_conflict", message("event_conflict", lang, event_id=req.event_id)) from None
    return jsonify(result)


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
    now = state().clock.now()
    with state().db.writer() as session, session.begin():
        kiosk = session.get(Kiosk, g.kiosk_id)
        kiosk.last_seen_at = now
        kiosk.last_status = {"version": version, "devices": devices, "journal_pending": pending,
                             "remote_addr": request.remote_addr}
        # A kiosk whose journal was lost or replaced numbers its next event after this, instead of
        # starting again at 1 and meeting sequence_conflict on every event.
        last_sequence = session.scalar(sa.select(sa.func.coalesce(sa.func.max(CirculationEvent.sequence), 0))
                                       .where(CirculationEvent.kiosk_id == g.kiosk_id))
    return jsonify(ok=True, kiosk_id=g.kiosk_id, server_time=now.isoformat(), last_sequence=int(last_sequence))


def error_response(status: int, code: str, text: str):
    """The API's error body with its status."""
    response = jsonify(error={"code": code, "message": text})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """JSON errors for everything under /api/; the web pages keep Flask's HTML errors."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.text)

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
