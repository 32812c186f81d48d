"""The API's error contract: {"error": {"code", "message"}} for auth, malformed requests, routes, crashes."""
from __future__ import annotations

import logging
import uuid

import pytest
import sqlalchemy as sa

from central.app import create_app
from central.store.db import Database
from tests.central.conftest import MONDAY


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body["error"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic dG9rZW4tb25l", "Bearer wrong-token",
                                    "token-one"])
def test_missing_or_wrong_token_is_401(app, header):
    """GIVEN no token, an empty one, another scheme or a wrong token WHEN calling the API THEN 401 unauthorized."""
    headers = {"Authorization": header} if header is not None else {}
    response = app.test_client().post("/api/v1/patrons/identify", json={"barcode": "21234000000018"},
                                      headers=headers)
    assert error_of(response, 401)["code"] == "unauthorized"


def test_health_and_openapi_need_no_token(app):
    """GIVEN no token WHEN asking for health and the OpenAPI document THEN both answer."""
    client = app.test_client()
    health = client.get("/api/v1/health").get_json()
    assert health["ok"] is True and health["server_time"].startswith("2025-10-06T09:30")
    assert client.get("/api/v1/openapi.json").get_json()["openapi"] == "3.1.0"


def test_wrong_content_type_is_400(kiosk):
    """GIVEN a form-encoded body WHEN posting THEN 400 bad_request saying the body must be JSON."""
    response = kiosk.client.post("/api/v1/patrons/identify", data={"barcode": "21234000000018"},
                                 headers=kiosk.headers())
    error = error_of(response, 400)
    assert error["code"] == "bad_request" and "JSON" in error["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b"null"])
def test_malformed_json_is_400(kiosk, raw):
    """GIVEN broken JSON, an empty body, bad bytes or a non-object WHEN posting THEN 400 bad_request."""
    response = kiosk.client.post("/api/v1/circulation/checkout", data=raw, content_type="application/json",
                                 headers=kiosk.headers())
    assert error_of(response, 400)["code"] == "bad_request"


def _event(**changes):
    body = {"event_id": str(uuid.uuid4()), "sequence": 1, "occurred_at": MONDAY.isoformat(), "offline": False,
            "patron_barcode": "21234000000018", "item_barcode": "31234000000016"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize("changes,field", [
    ({"event_id": ...}, "event_id"), ({"event_id": "not-a-uuid"}, "event_id"), ({"event_id": 7}, "event_id"),
    ({"sequence": ...}, "sequence"), ({"sequence": 0}, "sequence"), ({"sequence": "3"}, "sequence"),
    ({"sequence": True}, "sequence"), ({"occurred_at": ...}, "occurred_at"),
    ({"occurred_at": "2025-10-06T09:30:00"}, "occurred_at"), ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"offline": "no"}, "offline"), ({"patron_barcode": ...}, "patron_barcode"),
    ({"item_barcode": "31234000000017"}, "item_barcode"), ({"item_barcode": "123"}, "item_barcode"),
    ({"patron_barcode": 21234000000018}, "patron_barcode"),
    # Numbers and dates past what the database or date arithmetic can hold: a 400, not a server error.
    ({"sequence": 2**31}, "sequence"), ({"sequence": 2**63}, "sequence"), ({"sequence": 10**30}, "sequence"),
    ({"occurred_at": "9999-12-31T23:59:59+14:00"}, "occurred_at"),
    ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
    ({"occurred_at": "1969-12-31T23:59:59+00:00"}, "occurred_at"),
])
def test_bad_fields_are_400_naming_the_field(kiosk, changes, field):
    """GIVEN a missing, ill-typed or malformed field WHEN checking out THEN 400 and the message names the field."""
    response = kiosk.post("/circulation/checkout", _event(**changes))
    error = error_of(response, 400)
    assert error["code"] == "bad_request" and f"'{field}'" in error["message"]


def test_bad_field_message_in_spanish(kiosk):
    """GIVEN Accept-Language es WHEN a field is missing THEN the message is Spanish and still names the field."""
    response = kiosk.post("/circulation/checkin", {"event_id": str(uuid.uuid4()), "sequence": 1,
                                                   "occurred_at": MONDAY.isoformat()}, language="es")
    assert error_of(response, 400)["message"] == "Falta el campo 'item_barcode'."


def test_a_misread_barcode_is_explained_in_spanish_without_english(kiosk):
    """GIVEN Accept-Language es WHEN an item barcode's check digit is wrong THEN the whole message is Spanish:
    the field is named and the reason is the Spanish identifier sentence, with no English in it."""
    response = kiosk.post("/circulation/checkin", _event(item_barcode="31234000000017"), language="es")
    message = error_of(response, 400)["message"]
    assert "item_barcode" in message and "El último dígito de este código no coincide" in message
    assert "does not match" not in message


def test_the_edges_of_the_allowed_numbers_and_dates_are_accepted(kiosk, library):
    """GIVEN an offline checkout made at the first moment of 1970 (where a kiosk clock with a flat battery restarts)
    WHEN sent THEN it is recorded like any other; GIVEN the largest allowed sequence THEN it is read as a number
    (answered "not yet, send from 1" rather than refused as malformed), on SQLite and PostgreSQL."""
    body = _event(sequence=1, occurred_at="1970-01-01T00:00:00+00:00", offline=True,
                  patron_barcode=library.maria, item_barcode=library.sharks)
    response = kiosk.post("/circulation/checkout", body)
    assert response.status_code == 200 and response.get_json()["ok"] is True, response.get_json()
    response = kiosk.post("/circulation/checkin", _event(sequence=2**31 - 1, item_barcode=library.sharks))
    assert response.status_code == 409 and response.get_json()["error"]["expected_sequence"] == 2


def test_an_out_of_range_field_says_the_range_in_spanish(kiosk):
    """GIVEN Accept-Language es WHEN the sequence is too big THEN the Spanish message gives the allowed range."""
    response = kiosk.post("/circulation/checkout", _event(sequence=2**40), language="es")
    assert error_of(response, 400)["message"] == \
        "El campo 'sequence' debe ser un número entero desde 1 hasta 2147483647."


def test_a_bad_request_changes_nothing(kiosk, library):
    """GIVEN a checkout with a malformed occurred_at WHEN rejected THEN the book is still available."""
    kiosk.post("/circulation/checkout", _event(occurred_at="soon", item_barcode=library.sharks))
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "available"


@pytest.mark.parametrize("body", [{}, {"barcode": "21234000000018", "card_uid": "04A1B2C3"},
                                  {"barcode": "2123400000001"}, {"card_uid": "XYZ"}, {"card_uid": "04"},
                                  {"barcode": "21234000000018", "method": "shout"},
                                  {"barcode": "21234000000018", "pin": 1234}])
def test_bad_identify_requests_are_400(kiosk, body):
    """GIVEN neither/both identifiers, a malformed barcode or UID, an unknown method or a numeric PIN THEN 400."""
    assert error_of(kiosk.post("/patrons/identify", body), 400)["code"] == "bad_request"


def test_malformed_barcode_in_the_url_is_400(kiosk):
    """GIVEN an item URL with a barcode whose check digit is wrong THEN 400 naming 'barcode'."""
    error = error_of(kiosk.get("/items/31234000000017"), 400)
    assert "'barcode'" in error["message"] and "last digit" in error["message"]


def test_unknown_route_is_json_404(kiosk):
    """GIVEN a path the API does not have THEN a JSON 404 not_found."""
    assert error_of(kiosk.get("/books"), 404)["code"] == "not_found"


def test_wrong_method_is_json_405(kiosk):
    """GIVEN GET on a POST-only endpoint THEN a JSON 405 method_not_allowed."""
    assert error_of(kiosk.get("/circulation/checkout"), 405)["code"] == "method_not_allowed"


def test_server_failure_is_json_500(tmp_path):
    """GIVEN a database with no tables (never migrated) WHEN a kiosk calls THEN a JSON 500 internal, no traceback."""
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app({"DATABASE_URL": db.url}, database=db)
    response = app.test_client().post("/api/v1/patrons/identify", json={"barcode": "21234000000018"},
                                      headers={"Authorization": "Bearer token-one"})
    error = error_of(response, 500)
    assert error["code"] == "internal" and "Traceback" not in error["message"]


def test_a_server_failure_logs_no_full_patron_barcode(kiosk, library, database, caplog):
    """GIVEN the patrons table has gone missing under a running server WHEN a kiosk asks for Sam's account THEN a
    JSON 500, and the logged error (with its traceback) shows only the last four digits of his barcode: neither the
    path nor the failed statement's values carry it whole."""
    with database.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE patrons RENAME TO patrons_gone"))
    caplog.set_level(logging.INFO, logger="central")
    response = kiosk.get(f"/patrons/{library.sam}/account")
    assert error_of(response, 500)["code"] == "internal"
    logged = [r for r in caplog.records if r.name == "central.api" and r.exc_info]
    assert len(logged) == 1 and library.sam[-4:] in logged[0].getMessage()
    assert "patrons" in caplog.text  # the traceback is there, naming what failed
    assert library.sam not in caplog.text


def test_heartbeat_records_the_kiosk_status(kiosk, staff):
    """GIVEN a kiosk WHEN it sends a heartbeat THEN the answer names it and the home page shows it as seen."""
    body = kiosk.post("/kiosks/heartbeat", {"version": "0.1.0", "devices": {"scanner": "ready"},
                                            "journal_pending": 2}).get_json()
    assert body["ok"] is True and body["kiosk_id"] == "k1"
    page = staff["librarian"].get("/").get_data(as_text=True)
    assert "2025-10-06 09:30" in page


def test_heartbeat_with_bad_devices_is_400(kiosk):
    """GIVEN devices that is not an object of strings THEN 400 naming 'devices'."""
    assert "'devices'" in error_of(kiosk.post("/kiosks/heartbeat", {"devices": ["scanner"]}), 400)["message"]
