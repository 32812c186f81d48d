"""Reading request bodies: JSON objects with typed fields, each error naming the field."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from flask import Request

from central.messages import message
from protocol.identifiers import IdentifierError, normalize_card_uid, validate_library_barcode


class ApiError(Exception):
    """An HTTP error with the API's code and a sentence (already in the caller's language)."""

    def __init__(self, status: int, code: str, text: str, extra: dict | None = None):
        super().__init__(text)
        self.status, self.code, self.text, self.extra = status, code, text, extra or {}


def bad_request(language: str, key: str, **values: object) -> ApiError:
    """A 400 bad_request error with the sentence ``key``."""
    return ApiError(400, "bad_request", message(key, language, **values))


def json_body(request: Request, language: str) -> dict:
    """The request body as a JSON object, or a 400 saying what is wrong with it."""
    if request.mimetype != "application/json":
        raise bad_request(language, "not_json")
    try:
        body = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, UnicodeDecodeError):
        raise bad_request(language, "bad_json") from None
    if not isinstance(body, dict):
        raise bad_request(language, "not_object")
    return body


def text_field(body: dict, name: str, language: str, *, required: bool = True) -> str | None:
    """A string field (None when optional and absent)."""
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(language, "missing_field", field=name)
        return None
    if not isinstance(value, str):
        raise bad_request(language, "wrong_type", field=name, expected=_expected("text", language))
    return value


def bool_field(body: dict, name: str, language: str, default: bool | None = None) -> bool:
    """A true/false field; required unless a default is given."""
    value = body.get(name, default)
    if value is None:
        raise bad_request(language, "missing_field", field=name)
    if not isinstance(value, bool):
        raise bad_request(language, "wrong_type", field=name, expected=_expected("true or false", language))
    return value


# The largest number a database INTEGER column holds on PostgreSQL: a bigger one would fail deep in the
# insert as a server error, and the kiosk would resend it forever instead of setting it aside.
INT_MAX = 2**31 - 1


def int_field(body: dict, name: str, language: str, *, minimum: int = 0, maximum: int = INT_MAX,
              required: bool = True) -> int | None:
    """A whole-number field from ``minimum`` to ``maximum``."""
    value = body.get(name)
    if value is None and not required:
        return None
    if value is None:
        raise bad_request(language, "missing_field", field=name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise bad_request(language, "wrong_type", field=name,
                          expected=_expected(f"a whole number from {minimum} to {maximum}", language))
    return value


def barcode_field(body: dict, name: str, language: str) -> str:
    """A required 14-digit library barcode with a correct check digit."""
    return barcode_value(text_field(body, name, language), name, language)


def barcode_value(value: str, name: str, language: str) -> str:
    """Validate a barcode from a field or URL, naming ``name`` in the error."""
    try:
        return validate_library_barcode(value.strip())
    except IdentifierError as exc:
        raise bad_request(language, "bad_value", field=name, reason=exc.message(language)) from None


def card_uid_field(body: dict, name: str, language: str) -> str:
    """A card UID, normalised to upper-case hex."""
    try:
        return normalize_card_uid(text_field(body, name, language))
    except IdentifierError as exc:
        raise bad_request(language, "bad_value", field=name, reason=exc.message(language)) from None


def uuid_field(body: dict, name: str, language: str) -> str:
    """A UUID, returned in canonical lower-case form."""
    raw = text_field(body, name, language)
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise bad_request(language, "wrong_type", field=name, expected=_expected("a UUID", language)) from None


# Moments a kiosk can really have seen (1970 is where a clock with a flat battery restarts). Dates near
# the ends of the calendar break date arithmetic (due dates, UTC conversion) with a server error.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def datetime_field(body: dict, name: str, language: str) -> datetime:
    """An ISO-8601 date and time with a UTC offset, between the years 1970 and 2999."""
    raw = text_field(body, name, language)
    try:
        value = datetime.fromisoformat(raw)
        in_range = value.tzinfo is not None and \
            EARLIEST_YEAR <= value.astimezone(timezone.utc).year <= LATEST_YEAR
    except (ValueError, OverflowError):
        in_range = False
    if not in_range:
        raise bad_request(language, "wrong_type", field=name,
                          expected=_expected("an ISO-8601 date and time with offset", language)
                          + f" ({EARLIEST_YEAR}-{LATEST_YEAR})")
    return value


def choice_field(body: dict, name: str, choices: tuple[str, ...], language: str) -> str | None:
    """An optional field that must be one of ``choices``."""
    value = text_field(body, name, language, required=False)
    if value is not None and value not in choices:
        raise bad_request(language, "wrong_type", field=name, expected=" | ".join(choices))
    return value


_EXPECTED_ES = {"text": "texto", "true or false": "true o false", "a UUID": "un UUID",
                "an ISO-8601 date and time with offset": "una fecha y hora ISO-8601 con zona horaria"}


def _expected(words: str, language: str) -> str:
    if language == "es":
        if words.startswith("a whole number from"):
            low, high = words.split()[-3], words.split()[-1]
            return f"un número entero desde {low} hasta {high}"
        return _EXPECTED_ES.get(words, words)
    return words


def incoming_event(body: dict, language: str, kind: str | None = None):
    """A kiosk's event body read into the event store's ``Incoming``: its envelope, and its typed request.

    A bad envelope (no UUID ``event_id``, no whole-number ``sequence``) raises a 400: such an event
    cannot be stored or answered. Anything wrong in the rest (a malformed barcode, a bad time) makes
    the event a ``rejected`` one, kept with its error so the kiosk's later events go on. ``kind``
    is the endpoint's event type (checkout, checkin, renew); the batch endpoint reads ``type``.
    """
    from central.circulation.events import Incoming
    from protocol import wire

    if not isinstance(body, dict):
        raise bad_request(language, "not_object")
    event_id = uuid_field(body, "event_id", language)
    sequence = int_field(body, "sequence", language, minimum=1)
    raw = {**body, "event_id": event_id, "type": kind or body.get("type")}
    try:
        kind = choice_field(raw, "type", wire.EVENT_TYPES, language) or _missing("type", language)
        occurred_at = datetime_field(raw, "occurred_at", language)
        offline = bool_field(raw, "offline", language, default=False)
        item = barcode_field(raw, "item_barcode", language)
        patron = barcode_field(raw, "patron_barcode", language) if kind != "checkin" else None
        due = _date_field(raw, "due_date", language) if kind == "checkout" else None
    except ApiError as exc:
        return Incoming(event_id, sequence, raw, error={"code": exc.code, "message": exc.text})
    request = {"checkout": lambda: wire.CheckoutRequest(patron, item, due), "checkin": lambda: wire.CheckinRequest(item),
               "renew": lambda: wire.RenewRequest(patron, item)}[kind]()
    return Incoming(event_id, sequence, raw, event=wire.CirculationEvent(event_id, sequence, occurred_at, request,
                                                                          offline))


def _missing(name: str, language: str):
    raise bad_request(language, "missing_field", field=name)


def _date_field(body: dict, name: str, language: str):
    """An optional YYYY-MM-DD date."""
    from datetime import date

    raw = text_field(body, name, language, required=False)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(language, "wrong_type", field=name, expected="YYYY-MM-DD") from None
