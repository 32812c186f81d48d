"""Sentences for API errors (the request itself was wrong), in English and Spanish."""
from __future__ import annotations

from protocol.circulation import LANGUAGES

MESSAGES: dict[str, dict[str, str]] = {
    "unauthorized": {
        "en": "This kiosk is not signed in: the request needs a valid kiosk token.",
        "es": "Este quiosco no está autorizado: la solicitud necesita un token de quiosco válido.",
    },
    "not_found": {
        "en": "There is nothing at this address.",
        "es": "No hay nada en esta dirección.",
    },
    "patron_not_found": {
        "en": "No patron has the barcode {barcode}.",
        "es": "Ningún usuario tiene el código {barcode}.",
    },
    "item_not_found": {
        "en": "No item has the barcode {barcode}.",
        "es": "Ningún ejemplar tiene el código {barcode}.",
    },
    "method_not_allowed": {
        "en": "This address does not accept {method} requests.",
        "es": "Esta dirección no acepta solicitudes {method}.",
    },
    "internal": {
        "en": "The library server had a problem and did nothing. Please try again.",
        "es": "El servidor de la biblioteca tuvo un problema y no hizo nada. Inténtalo otra vez.",
    },
    "sequence_conflict": {
        "en": "Kiosk {kiosk} already sent event number {sequence} with a different event_id.",
        "es": "El quiosco {kiosk} ya envió el evento número {sequence} con otro event_id.",
    },
    "event_conflict": {
        "en": "The event_id {event_id} was already used for a different kiosk or a different transaction; "
              "nothing was done.",
        "es": "El event_id {event_id} ya se usó en otro quiosco o para otra transacción; no se hizo nada.",
    },
    "sequence_gap": {
        "en": "Event number {sequence} of kiosk {kiosk} arrived before number {expected}: events are applied in "
              "order, so send from number {expected}.",
        "es": "El evento número {sequence} del quiosco {kiosk} llegó antes que el número {expected}: los eventos "
              "se aplican en orden, así que envía desde el número {expected}.",
    },
    "not_reached": {
        "en": "Not applied yet: an earlier event in this batch was not applied. Send it again after that one.",
        "es": "Aún no se aplicó: un evento anterior de este lote no se aplicó. Envíalo otra vez después de ese.",
    },
    "bad_cursor": {
        "en": "The cursor 'since' was not made by this server; start again without it.",
        "es": "El cursor 'since' no lo hizo este servidor; empieza otra vez sin él.",
    },
    "batch_not_list": {
        "en": "The field 'events' must be a list of 1 to {limit} events.",
        "es": "El campo 'events' debe ser una lista de 1 a {limit} eventos.",
    },
    "batch_too_large": {
        "en": "A batch holds at most {limit} events; this one has {count}. Send it in parts.",
        "es": "Un lote tiene como máximo {limit} eventos; este tiene {count}. Envíalo por partes.",
    },
    "batch_event": {
        "en": "Event {index} of the batch: {reason}",
        "es": "Evento {index} del lote: {reason}",
    },
    "batch_order": {
        "en": "The events of a batch must be in ascending sequence order; event {index} is not.",
        "es": "Los eventos de un lote deben ir en orden creciente de secuencia; el evento {index} no lo está.",
    },
    "not_json": {
        "en": "The request body must be JSON (Content-Type: application/json).",
        "es": "El cuerpo de la solicitud debe ser JSON (Content-Type: application/json).",
    },
    "bad_json": {
        "en": "The request body is not valid JSON.",
        "es": "El cuerpo de la solicitud no es JSON válido.",
    },
    "not_object": {
        "en": "The request body must be a JSON object.",
        "es": "El cuerpo de la solicitud debe ser un objeto JSON.",
    },
    "missing_field": {
        "en": "The field '{field}' is required.",
        "es": "Falta el campo '{field}'.",
    },
    "wrong_type": {
        "en": "The field '{field}' must be {expected}.",
        "es": "El campo '{field}' debe ser {expected}.",
    },
    "bad_value": {
        "en": "The field '{field}' is not valid: {reason}",
        "es": "El campo '{field}' no es válido: {reason}",
    },
    "one_of_fields": {
        "en": "Send exactly one of the fields 'barcode' or 'card_uid'.",
        "es": "Envía solo uno de los campos 'barcode' o 'card_uid'.",
    },
}


def message(key: str, language: str = "en", **values: object) -> str:
    """The sentence for ``key`` in ``language`` (English when missing), with values filled in."""
    sentences = MESSAGES[key]
    text = sentences.get(language if language in LANGUAGES else "en") or sentences["en"]
    return text.format(**values)


class Refused(ValueError):
    """A staff change that cannot be made as asked, and nothing was changed.

    ``text`` is an English sentence with ``{name}`` places; the staff pages translate it (the English
    sentence is the key of central/web/translations/es.json) and then fill in ``values``.
    """

    def __init__(self, text: str, /, **values: object):
        super().__init__(text.format(**values))
        self.text, self.values = text, values

    def sentence(self, translate=lambda text: text) -> str:
        """The sentence in the language ``translate`` gives (English by default)."""
        return translate(self.text).format(**self.values)
