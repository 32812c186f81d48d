"""The conflict rules of protocol/API.md: each gives its documented outcome and an exception for staff."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from central.store.models import CirculationException, Item, Loan, Patron
from tests.central.conftest import MONDAY
from tests.central.test_sync_batch import ev, send, statuses


def exceptions(database) -> list[str]:
    """Every exception rule recorded, in order."""
    with database.reader() as session:
        return session.scalars(sa.select(CirculationException.rule).order_by(CirculationException.id)).all()


def loans_of(database, item_barcode: str) -> list[tuple[str, datetime, datetime | None]]:
    """(patron barcode, checked out, returned) of every loan of an item, oldest first."""
    with database.reader() as session:
        rows = session.execute(sa.select(Patron.barcode, Loan.checked_out_at, Loan.returned_at).join(
            Loan, Loan.patron_id == Patron.id).join(Item, Item.id == Loan.item_id).where(
            Item.barcode == item_barcode).order_by(Loan.checked_out_at)).all()
    return [tuple(r) for r in rows]


def test_c1_offline_checkout_of_a_copy_on_the_hold_shelf_for_someone_else(kiosk, library, database):
    """GIVEN the copy set aside for Sam WHEN Maria's offline checkout of it arrives THEN Maria has it, the broken rule
    item_on_hold is listed for staff and recorded as an exception."""
    body = send(kiosk, [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.held)]).get_json()
    outcome = body["results"][0]["outcome"]
    assert outcome["ok"] and outcome["exceptions"] == ["item_on_hold"]
    assert exceptions(database) == ["item_on_hold"]


def test_c2_offline_checkout_of_an_item_out_to_someone_else_since_before(kiosk, library, database):
    """GIVEN Lena's loan since 29 September WHEN Maria's offline checkout of that book (3 hours ago) arrives THEN
    Lena's loan is closed at Maria's checkout time and Maria's loan is open."""
    send(kiosk, [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.lenas[0])])
    (lena, maria) = loans_of(database, library.lenas[0])
    assert lena[0] == library.lena and lena[2] == maria[1]
    assert maria[0] == library.maria and maria[2] is None
    assert exceptions(database) == ["offline_checkout_closed_other_loan"]


def test_c3_offline_checkout_older_than_the_current_loan(kiosk, library, database):
    """GIVEN Lena's loan since 29 September 15:00 WHEN an offline checkout by Maria from the morning of 29 September
    arrives THEN Lena keeps her loan, and Maria's is recorded already returned when Lena's began."""
    body = ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.lenas[1])
    body["occurred_at"] = datetime(2025, 9, 29, 9, 0, tzinfo=timezone.utc).isoformat()
    assert statuses(send(kiosk, [body])) == ["applied"]
    maria, lena = loans_of(database, library.lenas[1])
    assert maria[0] == library.maria and maria[2] == lena[1]
    assert lena[0] == library.lena and lena[2] is None
    assert exceptions(database) == ["offline_checkout_superseded"]


def test_c4_offline_checkout_returned_later_at_another_kiosk(kiosk, other_kiosk, library, database):
    """GIVEN kiosk 2 took back the shark book an hour ago (it was not on loan then) WHEN kiosk 1's offline checkout of
    it from three hours ago arrives THEN the loan is recorded and closed at that return: the book is on the shelf."""
    back = ev(1, "checkin", offline=True, minutes=120, item_barcode=library.sharks)
    assert statuses(send(other_kiosk, [back])) == ["applied"]
    assert statuses(send(kiosk, [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.sharks)])) == \
        ["applied"]
    (maria,) = loans_of(database, library.sharks)
    assert maria[2] is not None and maria[2] - maria[1] == timedelta(minutes=120)
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "available"
    assert exceptions(database) == ["offline_checkout_returned_later"]


def test_c5_a_return_and_a_checkout_minutes_apart_at_two_kiosks_are_flagged(kiosk, other_kiosk, library, database):
    """GIVEN a return at kiosk 2 two minutes after kiosk 1's offline checkout of the same book (clocks can be minutes
    apart) WHEN both arrive THEN decided by the corrected times (returned) and flagged clock_skew_ambiguous."""
    send(other_kiosk, [ev(1, "checkin", minutes=2, item_barcode=library.dragon)])
    send(kiosk, [ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.dragon)])
    assert exceptions(database) == ["offline_checkout_returned_later", "clock_skew_ambiguous"]


def test_c6_offline_checkout_by_a_patron_blocked_meanwhile(kiosk, library, database):
    """GIVEN Ava was blocked after the kiosk lent her a book offline WHEN the checkout arrives THEN the loan is
    recorded (she has the book) and patron_blocked is an exception for staff."""
    outcome = send(kiosk, [ev(1, "checkout", patron_barcode=library.blocked, item_barcode=library.sharks)]) \
        .get_json()["results"][0]["outcome"]
    assert outcome["ok"] and outcome["exceptions"] == ["patron_blocked"]
    assert exceptions(database) == ["patron_blocked"]


def test_c7_an_offline_return_older_than_the_current_loan_leaves_it_open(kiosk, library, database):
    """GIVEN Lena's loan since 29 September WHEN an offline return from 28 September arrives THEN her loan stays open
    and checkin_before_current_loan is recorded."""
    body = ev(1, "checkin", item_barcode=library.lenas[2])
    body["occurred_at"] = datetime(2025, 9, 28, 9, 0, tzinfo=timezone.utc).isoformat()
    send(kiosk, [body])
    assert loans_of(database, library.lenas[2])[0][2] is None
    assert exceptions(database) == ["checkin_before_current_loan"]


def test_a_kiosk_clock_ten_minutes_slow_is_corrected(kiosk, library, database, clock):
    """GIVEN a heartbeat from a kiosk whose clock is 10 minutes behind WHEN its offline checkout arrives THEN the loan
    starts 10 minutes after the time the kiosk wrote."""
    kiosk.post("/kiosks/heartbeat", {"version": "t", "kiosk_time": (clock.now() - timedelta(minutes=10)).isoformat()})
    body = ev(1, "checkout", patron_barcode=library.maria, item_barcode=library.bear)
    send(kiosk, [body])
    (loan,) = loans_of(database, library.bear)
    assert loan[1] == datetime.fromisoformat(body["occurred_at"]) + timedelta(minutes=10)
    assert MONDAY > loan[1]
