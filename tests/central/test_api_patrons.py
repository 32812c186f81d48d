"""Identify, account and item lookup through the API, on SQLite and PostgreSQL."""
from __future__ import annotations

from tests.central.library import CARD_UID, PIN


def test_identify_by_scanned_barcode(kiosk, library):
    """GIVEN a student's barcode scanned WHEN identified THEN the patron object says who and what they may do."""
    body = kiosk.post("/patrons/identify", {"barcode": library.maria, "method": "scan"}).get_json()
    assert body["ok"] is True
    patron = body["patron"]
    assert patron == {"barcode": library.maria, "display_name": "Maria G.", "patron_type": "student", "grade": "3",
                      "homeroom": "Room 12 - Ms. Patel", "language": "es", "expires_on": "2026-08-31",
                      "loans_count": 0, "max_items": 3, "fines_total_cents": 0, "can_checkout": True,
                      "refusal": None, "refusal_message": None}


def test_identify_by_card_uid_in_any_format(kiosk, library):
    """GIVEN a card UID with separators and lower case WHEN tapped THEN the card's patron is found."""
    uid = ":".join(CARD_UID[i:i + 2] for i in range(0, len(CARD_UID), 2)).lower()
    body = kiosk.post("/patrons/identify", {"card_uid": uid, "method": "tap"}).get_json()
    assert body["ok"] is True and body["patron"]["barcode"] == library.sam


def test_unknown_barcode_is_refused_not_an_error(kiosk, library):
    """GIVEN a well-formed barcode nobody has WHEN identified THEN ok is false with patron_unknown."""
    body = kiosk.post("/patrons/identify", {"barcode": library.unknown_patron}).get_json()
    assert body["ok"] is False and body["refusal"]["code"] == "patron_unknown"


def test_unknown_card_is_refused(kiosk):
    """GIVEN a card UID nobody has WHEN tapped THEN patron_unknown."""
    body = kiosk.post("/patrons/identify", {"card_uid": "04FFFFFFFFFFFF", "method": "tap"}).get_json()
    assert body["refusal"]["code"] == "patron_unknown"


def test_typed_number_of_a_patron_with_a_pin_asks_for_it(kiosk, library):
    """GIVEN Sam has a PIN WHEN his number is typed without one THEN pin_required."""
    body = kiosk.post("/patrons/identify", {"barcode": library.sam, "method": "typed"}).get_json()
    assert body["ok"] is False and body["refusal"]["code"] == "pin_required"
    assert "patron" not in body


def test_an_empty_pin_counts_as_no_pin(kiosk, library):
    """GIVEN a kiosk sends an empty PIN for a typed number WHEN identified THEN pin_required, not pin_incorrect."""
    body = kiosk.post("/patrons/identify", {"barcode": library.sam, "method": "typed", "pin": ""}).get_json()
    assert body["refusal"]["code"] == "pin_required"


def test_scanned_card_of_a_patron_with_a_pin_needs_no_pin(kiosk, library):
    """GIVEN Sam has a PIN WHEN his card is scanned THEN he is identified without it."""
    assert kiosk.post("/patrons/identify", {"barcode": library.sam, "method": "scan"}).get_json()["ok"] is True


def test_typed_number_with_the_right_pin(kiosk, library):
    """GIVEN Sam types his number and PIN WHEN identified THEN ok."""
    body = kiosk.post("/patrons/identify", {"barcode": library.sam, "method": "typed", "pin": PIN}).get_json()
    assert body["ok"] is True and body["patron"]["display_name"] == "Sam O."


def test_wrong_pin_is_refused_even_when_scanned(kiosk, library):
    """GIVEN a wrong PIN is sent WHEN identified by scan or typing THEN pin_incorrect (a sent PIN is always checked)."""
    for method in ("typed", "scan"):
        body = kiosk.post("/patrons/identify", {"barcode": library.sam, "method": method, "pin": "0000"}).get_json()
        assert body["ok"] is False and body["refusal"]["code"] == "pin_incorrect"


def test_expired_patron_is_identified_but_cannot_check_out(kiosk, library):
    """GIVEN an expired card WHEN identified THEN ok (they may see their account) but can_checkout is false."""
    patron = kiosk.post("/patrons/identify", {"barcode": library.expired}).get_json()["patron"]
    assert patron["can_checkout"] is False and patron["refusal"] == "card_expired"
    assert patron["refusal_message"] == "Your library card has expired. Please see a librarian."


def test_blocked_and_owing_patrons_say_why(kiosk, library):
    """GIVEN a manual block / fines over the limit WHEN identified THEN the refusal names the reason."""
    blocked = kiosk.post("/patrons/identify", {"barcode": library.blocked}).get_json()["patron"]
    owes = kiosk.post("/patrons/identify", {"barcode": library.owes}).get_json()["patron"]
    assert blocked["refusal"] == "patron_blocked"
    assert owes["refusal"] == "fines_over_limit" and owes["fines_total_cents"] == 600


def test_refusal_sentences_follow_accept_language(kiosk, library):
    """GIVEN Accept-Language es WHEN a refusal comes back THEN its sentence is Spanish and the code unchanged."""
    body = kiosk.post("/patrons/identify", {"barcode": library.unknown_patron}, language="es-MX,es;q=0.9").get_json()
    assert body["refusal"] == {"code": "patron_unknown",
                               "message": "No encontramos esa tarjeta de la biblioteca. Pide ayuda a un bibliotecario."}


def test_account_lists_loans_holds_and_fines(kiosk, library):
    """GIVEN Lena with three books out and Sam with a ready hold WHEN their accounts are read THEN all is listed."""
    lena = kiosk.get(f"/patrons/{library.lena}/account").get_json()
    assert [loan["item_barcode"] for loan in lena["loans"]] == list(library.lenas)
    assert lena["loans"][0] == {"item_barcode": library.lenas[0], "title": "Lena's Book A", "author": "A. Author",
                                "call_number": "FIC AUT", "due_date": "2025-10-14", "renewals_left": 1,
                                "overdue": False}
    assert lena["patron"]["loans_count"] == 3 and lena["holds"] == [] and lena["fines"] == []
    sam = kiosk.get(f"/patrons/{library.sam}/account").get_json()
    assert sam["holds"] == [{"title": "Owl Diaries #1", "author": "Rosa Bauer", "status": "ready",
                             "pickup_by": "2025-10-10", "queue_position": None}]
    owes = kiosk.get(f"/patrons/{library.owes}/account").get_json()
    assert owes["fines"] == [{"amount_cents": 600, "reason": "lost item", "assessed_on": "2025-09-15",
                              "title": "Dragon Academy #1: First Flight"}]
    assert owes["fines_total_cents"] == 600


def test_account_of_unknown_patron_is_404(kiosk, library):
    """GIVEN a barcode nobody has WHEN the account is asked for THEN 404 not_found naming the barcode."""
    response = kiosk.get(f"/patrons/{library.unknown_patron}/account")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert library.unknown_patron in response.get_json()["error"]["message"]


def test_item_lookup_shows_status_and_due_date(kiosk, library):
    """GIVEN items on the shelf, on loan, on the hold shelf and in reference WHEN looked up THEN status fits."""
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"] == {
        "barcode": library.sharks, "title": "All About Sharks", "author": "Gail Gibbs", "call_number": "597.3 GIB",
        "item_type": "book", "location": "Nonfiction", "status": "available", "due_date": None}
    on_loan = kiosk.get(f"/items/{library.lenas[1]}").get_json()["item"]
    assert on_loan["status"] == "on_loan" and on_loan["due_date"] == "2025-10-15"
    assert kiosk.get(f"/items/{library.held}").get_json()["item"]["status"] == "on_hold_shelf"
    assert kiosk.get(f"/items/{library.encyclopedia}").get_json()["item"]["status"] == "reference"


def test_unknown_item_is_404(kiosk, library):
    """GIVEN an item barcode nobody has WHEN looked up THEN 404 not_found."""
    response = kiosk.get(f"/items/{library.unknown_item}")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
