"""The OpenAPI 3.1 description of /api/v1, written by hand to match protocol/API.md."""
from __future__ import annotations

from central.search import api as search_api
from protocol.circulation import REFUSALS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties), **extra}


STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
BARCODE = {"type": "string", "pattern": "^[0-9]{14}$", "description": "14-digit library barcode (Luhn check digit)"}


# The refusals /patrons/identify can answer with (a subset of the shared vocabulary).
IDENTIFY_REFUSALS = ("patron_unknown", "pin_required", "pin_incorrect", "pin_locked")


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


SCHEMAS = {
    "Error": _obj({"error": _obj({"code": {"type": "string", "enum": [
        "unauthorized", "bad_request", "not_found", "method_not_allowed", "sequence_conflict", "sequence_gap",
        "event_conflict", "batch_too_large", "internal"]},
        "message": STR, "expected_sequence": {"type": "integer", "description": "sequence_gap: send from this"}},
        required=["code", "message"])}),
    "Refusal": _obj({"code": {"type": "string", "enum": sorted(REFUSALS)}, "message": STR}),
    "Patron": _obj({
        "barcode": BARCODE, "display_name": {"type": "string", "description": "First name and last initial"},
        "patron_type": {"type": "string", "enum": ["student", "teacher", "staff"]},
        "grade": _nullable({"type": "string", "enum": ["K", "1", "2", "3", "4", "5", "6", "7", "8"]}),
        "homeroom": _nullable(STR), "language": {"type": "string", "enum": ["en", "es"]},
        "expires_on": DATE, "loans_count": INT, "max_items": INT, "fines_total_cents": INT,
        "can_checkout": BOOL,
        "refusal": _nullable({"type": "string", "enum": ["card_expired", "patron_blocked", "fines_over_limit"],
                              "description": "Why the patron cannot check out (a refusal code), or null"}),
        "refusal_message": _nullable({"type": "string", "description": "That refusal's sentence (Accept-Language)"}),
    }),
    "Loan": _obj({"item_barcode": BARCODE, "title": STR, "author": STR, "call_number": STR, "due_date": DATE,
                  "renewals_left": INT, "overdue": BOOL}),
    "Item": _obj({"barcode": BARCODE, "title": STR, "author": STR, "call_number": STR,
                  "item_type": {"type": "string", "enum": ["book", "picture_book", "reference", "dvd", "magazine",
                                                           "audiobook"]},
                  "location": STR,
                  "status": {"type": "string", "enum": ["available", "on_loan", "on_hold_shelf", "reference",
                                                        "lost", "missing"]},
                  "due_date": _nullable(DATE)}),
    "Hold": _obj({"title": STR, "author": STR, "status": {"type": "string", "enum": ["waiting", "ready"]},
                  "pickup_by": _nullable(DATE),
                  "queue_position": _nullable({"type": "integer", "description": "1 = next in line; null when ready"})}),
    "Fine": _obj({"amount_cents": INT, "reason": STR, "title": _nullable(STR), "assessed_on": DATE}),
    "Account": _obj({"patron": _ref("Patron"), "loans": {"type": "array", "items": _ref("Loan")},
                     "holds": {"type": "array", "items": _ref("Hold")},
                     "fines": {"type": "array", "items": _ref("Fine")}, "fines_total_cents": INT}),
    "IdentifyRequest": _obj({"barcode": BARCODE, "card_uid": {"type": "string", "description": "NFC UID in hex"},
                             "pin": STR, "method": {"type": "string", "enum": ["scan", "tap", "typed"]}},
                            required=[], description="Exactly one of barcode or card_uid."),
    "IdentifyRefusal": {"allOf": [_ref("Refusal"),
                                  _obj({"code": {"type": "string", "enum": list(IDENTIFY_REFUSALS)}})],
                        "description": "Why a patron was not identified. pin_locked: too many wrong PINs in a row "
                                       "(5 by default); PIN sign-in is refused for a while (15 minutes by default, "
                                       "doubling with each lock in a row up to 24 hours) or until staff clear it. "
                                       "Scanning or tapping the card still works."},
    "IdentifyResponse": _obj({"ok": BOOL, "patron": _ref("Patron"), "refusal": _ref("IdentifyRefusal")},
                             required=["ok"]),
    "EventFields": _obj({"event_id": {"type": "string", "format": "uuid"}, "sequence": {"type": "integer",
                         "minimum": 1, "maximum": 2**31 - 1}, "occurred_at": DATETIME, "offline": BOOL},
                        required=["event_id", "sequence", "occurred_at"]),
    "CheckoutRequest": {"allOf": [_ref("EventFields"), _obj({"patron_barcode": BARCODE, "item_barcode": BARCODE})]},
    "CheckinRequest": {"allOf": [_ref("EventFields"), _obj({"item_barcode": BARCODE})]},
    "LoanOutcome": _obj({"event_id": STR, "ok": BOOL, "replayed": BOOL, "renewed": BOOL,
                         "loan": _nullable(_ref("Loan")), "refusal": _nullable(_ref("Refusal")),
                         "offline_exceptions": {"type": "array", "items": STR,
                                                "description": "Offline only: rules the applied loan broke"}},
                        required=["event_id", "ok", "replayed", "loan", "refusal"]),
    "Checkin": _obj({"item_barcode": BARCODE, "title": STR, "author": STR, "call_number": STR, "location": STR,
                     "was_on_loan": BOOL, "due_date": _nullable(DATE), "overdue_days": INT, "fine_cents": INT,
                     "routing": {"type": "string", "enum": ["shelf", "hold_shelf"]}, "hold_for": _nullable(STR),
                     "patron_barcode": _nullable(BARCODE)}),
    "CheckinOutcome": _obj({"event_id": STR, "ok": BOOL, "replayed": BOOL, "checkin": _nullable(_ref("Checkin")),
                            "refusal": _nullable(_ref("Refusal")),
                            "offline_exceptions": {"type": "array", "items": STR}},
                           required=["event_id", "ok", "replayed", "checkin", "refusal"]),
    "Heartbeat": _obj({"version": STR, "devices": {"type": "object", "additionalProperties": STR},
                       "journal_pending": INT,
                       "kiosk_time": {**DATETIME, "description": "The kiosk's clock now: the server keeps the "
                                      "offset and corrects the times of the kiosk's offline events by it"}},
                      required=[]),
    "EventBatch": _obj({"events": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"allOf": [
        _ref("EventFields"), _obj({"type": {"type": "string", "enum": ["checkout", "checkin", "renew"]},
                                   "patron_barcode": BARCODE, "item_barcode": BARCODE,
                                   "due_date": {**DATE, "description": "An offline checkout's due date"}},
                                  required=["type", "item_barcode"])]},
        "description": "One kiosk's events in ascending sequence order"}}),
    "EventAnswer": _obj({"event_id": STR, "status": {"type": "string", "enum": [
        "applied", "replayed", "rejected", "not_applied"]},
        "outcome": _nullable({"description": "As the single-event endpoints answer (LoanOutcome or "
                                             "CheckinOutcome), with exceptions"}),
        "error": _nullable(_obj({"code": STR, "message": STR, "expected_sequence": INT},
                                required=["code", "message"]))}),
    "EventBatchResponse": _obj({"results": {"type": "array", "items": _ref("EventAnswer")},
                                "last_sequence": INT}),
    "CachedPatron": _obj({"patron_key": STR, "barcode_digest": STR,
                          "card_digests": {"type": "array", "items": STR},
                          "card_barcodes": {"type": "array", "items": STR,
                                            "description": "The barcode sealed under each card's UID"},
                          "display_name": STR, "patron_type": STR, "language": STR, "expires_on": _nullable(DATE),
                          "blocked": BOOL, "refusal": _nullable(STR), "pin_required": BOOL,
                          "pin_hash": _nullable(STR), "loans_count": INT, "deleted": BOOL}),
    "CachedItem": _obj({"barcode": BARCODE, "title": STR, "author": STR, "call_number": STR, "item_type": STR,
                        "location": STR, "status": STR, "deleted": BOOL}),
    "PatronPage": _obj({"records": {"type": "array", "items": _ref("CachedPatron")}, "cursor": STR, "more": BOOL,
                        "hash_key": {"type": "string", "description": "Hex key of the identifier digests"}}),
    "ItemPage": _obj({"records": {"type": "array", "items": _ref("CachedItem")}, "cursor": STR, "more": BOOL}),
    "LoanRules": _obj({"rules": {"type": "array", "items": _obj({
        "patron_type": STR, "item_type": STR, "loanable": BOOL, "loan_days": INT, "max_items": INT})},
        "closed_weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6}},
        "closed_days": {"type": "array", "items": DATE}, "term_end": _nullable(DATE)}),
    "HeartbeatResponse": _obj({"ok": BOOL, "kiosk_id": STR, "server_time": DATETIME,
                               "last_sequence": {"type": "integer", "minimum": 0, "description":
                                                 "The highest sequence stored for this kiosk (0 if none). A kiosk "
                                                 "whose journal was lost or replaced numbers its next event after "
                                                 "it."}}),
    "Health": _obj({"ok": BOOL, "server_time": DATETIME}),
}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _responses(ok: str, description: str, *statuses: int) -> dict:
    words = {400: "The request was malformed (the message names the field)", 401: "Missing or wrong kiosk token",
             404: "Unknown patron or item",
             409: "Not this event's turn: its sequence was used by another event (sequence_conflict) or an "
                  "earlier one has not arrived (sequence_gap, with expected_sequence)",
             413: "More events than one batch may hold",
             422: "The event_id was already used for a different transaction (event_conflict); nothing was done"}
    out = {"200": {"description": description, **_json(_ref(ok))}}
    for status in (401, *statuses):
        out[str(status)] = {"description": words[status], **_json(_ref("Error"))}
    return out


def _body(name: str) -> dict:
    return {"required": True, **_json(_ref(name))}


def _event(summary: str, request: str, response: str) -> dict:
    return {"post": {"summary": summary, "requestBody": _body(request),
                     "responses": _responses(response, "Decided: ok true, or ok false with a refusal", 400, 409,
                                             422)}}


BARCODE_PARAM = [{"name": "barcode", "in": "path", "required": True, "schema": BARCODE}]
FEED_PARAMS = [{"name": "since", "in": "query", "schema": STR, "description": "The cursor of the last page; none = "
                "from the start"},
               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2000}}]
PUBLIC = [{}]

PATHS = {
    "/health": {"get": {"summary": "Liveness check", "security": PUBLIC,
                        "responses": {"200": {"description": "Alive", **_json(_ref("Health"))}}}},
    "/openapi.json": {"get": {"summary": "This document", "security": PUBLIC,
                              "responses": {"200": {"description": "OpenAPI 3.1 document"}}}},
    "/patrons/identify": {"post": {"summary": "Identify a patron by barcode or card", "requestBody":
                                   _body("IdentifyRequest"),
                                   "description": "A wrong PIN counts towards a lockout: after the library's limit "
                                                  "of wrong PINs in a row, PIN sign-in for that patron answers "
                                                  "pin_locked until the lock ends or staff clear it.",
                                   "responses": _responses("IdentifyResponse", "Identified or refused", 400)}},
    "/patrons/{barcode}/account": {"get": {"summary": "A patron's loans, holds and fines",
                                           "parameters": BARCODE_PARAM,
                                           "responses": _responses("Account", "The account", 400, 404)}},
    "/items/{barcode}": {"get": {"summary": "One item", "parameters": BARCODE_PARAM, "responses": {
        **_responses("ItemResponse", "The item", 400, 404)}}},
    "/circulation/checkout": _event("Check an item out (renews if already on loan to this patron)",
                                    "CheckoutRequest", "LoanOutcome"),
    "/circulation/checkin": _event("Check an item in", "CheckinRequest", "CheckinOutcome"),
    "/circulation/renew": _event("Renew a loan", "CheckoutRequest", "LoanOutcome"),
    "/circulation/events": {"post": {
        "summary": "A kiosk's events in order, applied in one transaction and answered one by one",
        "description": "Up to 500 events of the calling kiosk in ascending sequence. Each is replayed (known "
                       "event_id), applied (next in sequence), rejected (next in sequence but malformed, or its "
                       "event_id used for another transaction: stored so later events go on) or not_applied "
                       "(sequence_conflict, sequence_gap with expected_sequence, or not_reached after one of those).",
        "requestBody": _body("EventBatch"),
        "responses": _responses("EventBatchResponse", "One answer per event, in order", 400, 413)}},
    "/sync/patrons": {"get": {"summary": "Patron cache records changed after a cursor", "parameters": FEED_PARAMS + [
        {"name": "with_pin_hash", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]},
         "description": "1: include the PIN hash, for a policy that lets PIN patrons sign in offline by number"}],
        "responses": _responses("PatronPage", "A page of records", 400)}},
    "/sync/items": {"get": {"summary": "Item cache records changed after a cursor", "parameters": FEED_PARAMS,
                            "responses": _responses("ItemPage", "A page of records", 400)}},
    "/sync/loan-rules": {"get": {"summary": "Loan policies and the library calendar, for offline due dates",
                                 "responses": _responses("LoanRules", "The rules")}},
    "/kiosks/heartbeat": {"post": {"summary": "A kiosk reports it is alive", "requestBody": _body("Heartbeat"),
                                   "responses": _responses("HeartbeatResponse", "Recorded", 400)}},
}
SCHEMAS["ItemResponse"] = _obj({"item": _ref("Item")})
# Find a book (GET /search) is described beside its code, in central/search/api.py.
PATHS.update(search_api.OPENAPI["paths"])
SCHEMAS.update(search_api.OPENAPI["components"]["schemas"])


def openapi_document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Library central server: kiosk API", "version": "1.0.0",
                 "description": "The kiosk's backend contract (protocol/API.md). Messages follow "
                                "Accept-Language (en, es); codes never change with the language."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"kioskToken": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"kioskToken": {"type": "http", "scheme": "bearer",
                                                          "description": "The kiosk's token"}}},
    }
