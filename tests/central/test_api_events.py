"""Exactly-once circulation: replays, sequence conflicts, and two kiosks racing for one book over real HTTP."""
from __future__ import annotations

import threading
import uuid

import requests

from tests.central.conftest import MONDAY


def test_resending_an_event_replays_the_stored_outcome(kiosk, library):
    """GIVEN a checkout was applied WHEN the kiosk sends the same event again THEN the same outcome comes back
    with replayed true and nothing changes (one loan, not a renewal)."""
    event_id = str(uuid.uuid4())
    first = kiosk.event("checkout", event_id=event_id, sequence=1, patron_barcode=library.maria,
                        item_barcode=library.sharks)
    again = kiosk.event("checkout", event_id=event_id, sequence=1, patron_barcode=library.maria,
                        item_barcode=library.sharks)
    assert again == {**first, "replayed": True}
    account = kiosk.get(f"/patrons/{library.maria}/account").get_json()
    assert account["patron"]["loans_count"] == 1 and account["loans"][0]["renewals_left"] == 1


def test_replayed_checkin_does_not_fine_twice(kiosk, library, clock):
    """GIVEN a late return was fined WHEN the same checkin event is resent THEN there is still one fine."""
    clock.advance(days=14)
    event_id = str(uuid.uuid4())
    first = kiosk.event("checkin", event_id=event_id, sequence=1, item_barcode=library.lenas[0])
    again = kiosk.event("checkin", event_id=event_id, sequence=1, item_barcode=library.lenas[0])
    assert again["checkin"] == first["checkin"] and again["replayed"] is True
    assert len(kiosk.get(f"/patrons/{library.lena}/account").get_json()["fines"]) == 1


def test_same_sequence_with_a_different_event_is_a_409(kiosk, library):
    """GIVEN sequence 1 was used WHEN another event arrives with sequence 1 THEN 409 sequence_conflict, nothing done."""
    kiosk.event("checkout", sequence=1, patron_barcode=library.maria, item_barcode=library.sharks)
    response = kiosk.event_response("checkout", sequence=1, patron_barcode=library.maria,
                                    item_barcode=library.bear)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "sequence_conflict" and "k1" in error["message"] and "1" in error["message"]
    assert kiosk.get(f"/items/{library.bear}").get_json()["item"]["status"] == "available"


def test_sequences_belong_to_each_kiosk(kiosk, other_kiosk, library):
    """GIVEN kiosk 1 used sequence 1 WHEN kiosk 2 uses its own sequence 1 THEN both are accepted."""
    assert kiosk.event("checkout", sequence=1, patron_barcode=library.maria, item_barcode=library.sharks)["ok"]
    assert other_kiosk.event("checkout", sequence=1, patron_barcode=library.sam, item_barcode=library.bear)["ok"]


def test_an_event_id_from_another_kiosk_is_a_422(kiosk, other_kiosk, library):
    """GIVEN kiosk 1 sent an event WHEN kiosk 2 sends the same event_id THEN 422 event_conflict and nothing is
    applied (event ids are never shared), and kiosk 2's next event still goes through."""
    event_id = str(uuid.uuid4())
    kiosk.event("checkin", event_id=event_id, item_barcode=library.sharks)
    response = other_kiosk.event_response("checkin", event_id=event_id, item_barcode=library.sharks)
    assert response.status_code == 422 and event_id in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["code"] == "event_conflict"
    assert other_kiosk.event("checkin", item_barcode=library.bear)["ok"] is True


def _post(url: str, token: str, sequence: int, patron: str, item: str) -> dict:
    body = {"event_id": str(uuid.uuid4()), "sequence": sequence, "occurred_at": MONDAY.isoformat(),
            "offline": False, "patron_barcode": patron, "item_barcode": item}
    response = requests.post(f"{url}/circulation/checkout", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_two_kiosks_racing_for_one_book_exactly_one_wins(server, library):
    """GIVEN two kiosks send checkouts of the SAME book for two students at the same moment (repeated over
    several books) WHEN both are applied THEN for each book exactly one succeeds and the other is item_on_loan."""
    books = [library.sharks, library.sharks2, library.dragon]  # all "book": both may borrow each
    results: dict[tuple, dict] = {}
    start = threading.Barrier(2)

    def kiosk_run(token: str, patron: str):
        for sequence, book in enumerate(books, 1):
            if sequence == 1:
                start.wait(timeout=10)
            results[(token, book)] = _post(server, token, sequence, patron, book)

    # Maria has no loans; the teacher may borrow many: neither is stopped by limits, only by the race.
    threads = [threading.Thread(target=kiosk_run, args=("token-one", library.maria)),
               threading.Thread(target=kiosk_run, args=("token-two", library.teacher))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for book in books:
        pair = [results[("token-one", book)], results[("token-two", book)]]
        assert sorted(r["ok"] for r in pair) == [False, True], pair
        loser = next(r for r in pair if not r["ok"])
        assert loser["refusal"]["code"] == "item_on_loan"


def test_the_same_event_sent_twice_at_once_is_applied_once(server, library):
    """GIVEN a kiosk's retry races its original (same event_id, same sequence) WHEN both arrive together
    THEN one applies it and the other replays it: one loan, identical outcomes."""
    event_id = str(uuid.uuid4())
    body = {"event_id": event_id, "sequence": 1, "occurred_at": MONDAY.isoformat(), "offline": False,
            "patron_barcode": library.maria, "item_barcode": library.dragon}
    answers: list[dict] = []
    start = threading.Barrier(2)

    def send():
        start.wait(timeout=10)
        answers.append(requests.post(f"{server}/circulation/checkout", json=body, timeout=30,
                                     headers={"Authorization": "Bearer token-one"}).json())

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a["replayed"] for a in answers) == [False, True]
    assert all(a["ok"] and a["renewed"] is False for a in answers)
    account = requests.get(f"{server}/patrons/{library.maria}/account", timeout=10,
                           headers={"Authorization": "Bearer token-one"}).json()
    assert account["patron"]["loans_count"] == 1
