"""The batch endpoint: one kiosk's events applied in order in one transaction, each answered, nothing blocking."""
from __future__ import annotations

import uuid
from datetime import timedelta

import requests
import sqlalchemy as sa

from central.store.models import CirculationEvent, CirculationException, Loan
from tests.central.conftest import MONDAY


def ev(sequence: int, kind: str, *, offline: bool = True, minutes: int = 0, event_id: str | None = None,
       **fields) -> dict:
    """One event body for a batch."""
    return {"event_id": event_id or str(uuid.uuid4()), "sequence": sequence, "type": kind, "offline": offline,
            "occurred_at": (MONDAY - timedelta(hours=3) + timedelta(minutes=minutes)).isoformat(), **fields}


def send(kiosk, events: list[dict], language: str | None = None):
    """POST a batch and return the response."""
    return kiosk.post("/circulation/events", {"events": events}, language)


def statuses(response) -> list[str]:
    """The status of each answer."""
    assert response.status_code == 200, response.get_json()
    return [r["status"] for r in response.get_json()["results"]]


def open_loans(database, item_barcode: str) -> int:
    """How many open loans an item has."""
    from central.store.models import Item
    with database.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Loan).join(Item).where(
            Item.barcode == item_barcode, Loan.returned_at.is_(None)))


def test_a_pending_checkout_then_a_return_leaves_the_book_on_the_shelf(kiosk, library, database):
    """GIVEN a checkout decided offline and, later, the same book returned (the issue's undone-return bug) WHEN both
    arrive in order THEN the checkout is applied first and the return closes it: the book is on the shelf."""
    batch = [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.sharks),
             ev(2, "checkin", minutes=5, item_barcode=library.sharks)]
    assert statuses(send(kiosk, batch)) == ["applied", "applied"]
    assert open_loans(database, library.sharks) == 0
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "available"


def test_a_rejected_event_never_blocks_the_ones_behind_it(kiosk, library, database):
    """GIVEN a batch whose second event has a malformed barcode (an ISBN read as a checkout) WHEN sent THEN that one is
    rejected with the field named, and the events after it are applied; the sequence goes on past it, and a re-send
    of the whole batch gets the same answers with nothing applied twice."""
    batch = [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.sharks),
             ev(2, "checkout", patron_barcode=library.maria, item_barcode="9780142410318"),
             ev(3, "checkout", patron_barcode=library.maria, item_barcode=library.bear),
             ev(4, "checkin", minutes=9, item_barcode=library.sharks)]
    first = send(kiosk, batch)
    assert statuses(first) == ["applied", "rejected", "applied", "applied"]
    error = first.get_json()["results"][1]["error"]
    assert error["code"] == "bad_request" and "item_barcode" in error["message"]
    assert first.get_json()["last_sequence"] == 4
    again = send(kiosk, batch)
    assert statuses(again) == ["replayed", "rejected", "replayed", "replayed"]
    assert again.get_json()["results"][1]["error"] == error
    assert open_loans(database, library.bear) == 1 and open_loans(database, library.sharks) == 0


def test_lost_answers_resent_many_times_apply_once(kiosk, library, database):
    """GIVEN a batch whose answer was lost WHEN the kiosk sends it again five times THEN one loan, one event each."""
    batch = [ev(n, "checkout", patron_barcode=library.teacher, item_barcode=item)
             for n, item in enumerate((library.sharks, library.bear, library.dragon), 1)]
    for _ in range(6):
        send(kiosk, batch)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CirculationEvent)) == 3
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan).where(Loan.returned_at.is_(None))) == 6


def test_a_gap_stops_the_batch_and_names_the_number_to_send(kiosk, library, database):
    """GIVEN events 1 and 3 (2 missing) WHEN sent THEN 1 is applied, 3 is not (sequence_gap, expected 2) and nothing
    after it is applied (not_reached); WHEN 2 and 3 come THEN both are applied."""
    one, three, four = (ev(1, "checkin", item_barcode=library.lenas[0]), ev(3, "checkin", item_barcode=library.lenas[1]),
                        ev(4, "checkin", item_barcode=library.lenas[2]))
    response = send(kiosk, [one, three, four])
    assert statuses(response) == ["applied", "not_applied", "not_applied"]
    results = response.get_json()["results"]
    assert results[1]["error"]["code"] == "sequence_gap" and results[1]["error"]["expected_sequence"] == 2
    assert results[2]["error"]["code"] == "not_reached"
    assert open_loans(database, library.lenas[1]) == 1
    assert statuses(send(kiosk, [ev(2, "checkin", item_barcode=library.bear), three, four])) == ["applied"] * 3


def test_an_event_id_reused_for_another_transaction_is_refused_and_the_queue_goes_on(kiosk, library, database):
    """GIVEN event A applied WHEN a different transaction arrives with A's event_id as the next number THEN it is
    rejected (event_conflict), nothing is applied, staff see an alert once however often it is sent, and the kiosk's
    next event is applied."""
    a = str(uuid.uuid4())
    send(kiosk, [ev(1, "checkout", event_id=a, patron_barcode=library.maria, item_barcode=library.sharks)])
    clash = ev(2, "checkout", event_id=a, patron_barcode=library.maria, item_barcode=library.bear)
    for _ in range(3):
        response = send(kiosk, [clash])
        assert statuses(response) == ["rejected"]
        assert response.get_json()["results"][0]["error"]["code"] == "event_conflict"
    assert open_loans(database, library.bear) == 0
    assert statuses(send(kiosk, [ev(3, "checkout", patron_barcode=library.maria, item_barcode=library.dragon)])) == \
        ["applied"]
    with database.reader() as session:
        rules = session.scalars(sa.select(CirculationException.rule)).all()
    assert rules == ["event_id_reused"]


def test_a_sequence_used_by_another_event_is_an_alert_not_an_error(kiosk, library, database):
    """GIVEN sequence 1 applied WHEN a different event claims sequence 1 (a restored or cloned kiosk) THEN not applied
    (sequence_conflict), a sequence_reused alert for staff, no server error."""
    send(kiosk, [ev(1, "checkin", item_barcode=library.bear)])
    response = send(kiosk, [ev(1, "checkin", item_barcode=library.sharks)])
    assert statuses(response) == ["not_applied"]
    assert response.get_json()["results"][0]["error"]["code"] == "sequence_conflict"
    with database.reader() as session:
        assert session.scalars(sa.select(CirculationException.rule)).all() == ["sequence_reused"]


def test_malformed_batches_are_refused_whole_with_the_reason(kiosk, library):
    """GIVEN no list, 501 events, a bad event_id, descending sequences WHEN sent THEN 400/413 naming the problem."""
    assert kiosk.post("/circulation/events", {"events": "x"}).status_code == 400
    big = [ev(n, "checkin", item_barcode=library.bear) for n in range(1, 502)]
    assert send(kiosk, big).status_code == 413
    bad_id = send(kiosk, [ev(1, "checkin", item_barcode=library.bear, event_id="nope")])
    assert bad_id.status_code == 400 and "Event 1" in bad_id.get_json()["error"]["message"]
    backwards = send(kiosk, [ev(2, "checkin", item_barcode=library.bear), ev(1, "checkin", item_barcode=library.bear)])
    assert backwards.status_code == 400 and "ascending" in backwards.get_json()["error"]["message"]
    spanish = send(kiosk, big, language="es")
    assert "como máximo" in spanish.get_json()["error"]["message"]


def test_a_full_batch_over_real_http(server, library):
    """GIVEN the server on a real socket WHEN a kiosk sends 500 events at once THEN all 500 are answered in order."""
    batch = [ev(n, "checkin", item_barcode=library.bear) for n in range(1, 501)]
    response = requests.post(f"{server}/circulation/events", json={"events": batch}, timeout=120,
                             headers={"Authorization": "Bearer token-one"})
    assert response.status_code == 200
    body = response.json()
    assert body["last_sequence"] == 500 and [r["status"] for r in body["results"]] == ["applied"] * 500
    assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in batch]
