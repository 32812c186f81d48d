"""Checkout, renew and checkin through the API, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.central.conftest import MONDAY, SCHOOL_TZ


def test_checkout_lends_the_book_with_a_due_date(kiosk, library):
    """GIVEN Maria and a shelf book WHEN she checks it out THEN ok, a 14-day loan, and the item is on loan."""
    body = kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.sharks)
    assert body["ok"] is True and body["replayed"] is False and body["renewed"] is False
    assert body["refusal"] is None
    assert body["loan"] == {"item_barcode": library.sharks, "title": "All About Sharks", "author": "Gail Gibbs",
                            "call_number": "597.3 GIB", "due_date": "2025-10-20", "renewals_left": 1,
                            "overdue": False}
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "on_loan"
    patron = kiosk.post("/patrons/identify", {"barcode": library.maria}).get_json()["patron"]
    assert patron["loans_count"] == 1


@pytest.mark.parametrize("who,what,code", [
    ("unknown_patron", "sharks", "patron_unknown"),
    ("expired", "sharks", "card_expired"),
    ("blocked", "sharks", "patron_blocked"),
    ("owes", "sharks", "fines_over_limit"),
    ("maria", "unknown_item", "item_unknown"),
    ("maria", "encyclopedia", "item_reference"),
    ("maria", "held", "item_on_hold"),
    ("lena", "sharks", "too_many_items"),
])
def test_checkout_refusals(kiosk, library, who, what, code):
    """GIVEN a patron/item with one problem WHEN checking out THEN ok false with that refusal and nothing lent."""
    body = kiosk.event("checkout", patron_barcode=getattr(library, who), item_barcode=getattr(library, what))
    assert body["ok"] is False and body["loan"] is None and body["refusal"]["code"] == code
    assert body["refusal"]["message"]


def test_item_on_loan_to_someone_else_is_refused(kiosk, library):
    """GIVEN Lena has a book WHEN Maria tries to check it out THEN item_on_loan."""
    body = kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.lenas[0])
    assert body["refusal"]["code"] == "item_on_loan"


def test_teacher_may_borrow_reference(kiosk, library):
    """GIVEN the teacher policy lets teachers borrow reference books for 7 days THEN the teacher may."""
    body = kiosk.event("checkout", patron_barcode=library.teacher, item_barcode=library.encyclopedia)
    assert body["ok"] is True and body["loan"]["due_date"] == "2025-10-14"  # Mon 13 is a holiday


def test_the_patron_a_hold_is_for_checks_it_out_and_the_hold_is_fulfilled(kiosk, library):
    """GIVEN a copy on the hold shelf for Sam WHEN Sam checks it out THEN ok and his hold disappears."""
    body = kiosk.event("checkout", patron_barcode=library.sam, item_barcode=library.held)
    assert body["ok"] is True
    assert kiosk.get(f"/patrons/{library.sam}/account").get_json()["holds"] == []


def test_checking_out_a_book_you_already_have_renews_it(kiosk, library):
    """GIVEN Lena has a book due Tuesday WHEN she checks it out again THEN it is renewed from today."""
    body = kiosk.event("checkout", patron_barcode=library.lena, item_barcode=library.lenas[0])
    assert body["ok"] is True and body["renewed"] is True
    assert body["loan"]["due_date"] == "2025-10-20" and body["loan"]["renewals_left"] == 0


def test_renew_then_no_renewals_left(kiosk, library):
    """GIVEN a student policy of one renewal WHEN renewed twice THEN the second is no_renewals_left."""
    first = kiosk.event("renew", patron_barcode=library.lena, item_barcode=library.lenas[1])
    second = kiosk.event("renew", patron_barcode=library.lena, item_barcode=library.lenas[1])
    assert first["ok"] is True and first["renewed"] is True and first["loan"]["renewals_left"] == 0
    assert second["ok"] is False and second["renewed"] is False and second["refusal"]["code"] == "no_renewals_left"


def test_renew_refused_when_someone_is_waiting(kiosk, library):
    """GIVEN Maria has a book AND Sam placed a hold on the title WHEN Maria renews THEN item_on_hold_renewal."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.bear)
    _place_hold(kiosk.client.application, library.sam, library.bear)
    body = kiosk.event("renew", patron_barcode=library.maria, item_barcode=library.bear)
    assert body["ok"] is False and body["refusal"]["code"] == "item_on_hold_renewal"


def test_renew_a_book_someone_else_has(kiosk, library):
    """GIVEN Lena has a book WHEN Maria asks to renew it THEN not_on_loan_to_patron."""
    body = kiosk.event("renew", patron_barcode=library.maria, item_barcode=library.lenas[2])
    assert body["refusal"]["code"] == "not_on_loan_to_patron"


def test_checkin_on_time_goes_back_to_the_shelf(kiosk, library):
    """GIVEN Lena's book not yet due WHEN returned THEN the loan closes, no fine, routing shelf."""
    body = kiosk.event("checkin", item_barcode=library.lenas[0])
    assert body["ok"] is True and body["refusal"] is None
    checkin = body["checkin"]
    assert checkin["was_on_loan"] is True and checkin["overdue_days"] == 0 and checkin["fine_cents"] == 0
    assert checkin["routing"] == "shelf" and checkin["hold_for"] is None
    assert checkin["patron_barcode"] == library.lena and checkin["title"] == "Lena's Book A"
    assert kiosk.get(f"/items/{library.lenas[0]}").get_json()["item"]["status"] == "available"
    assert kiosk.get(f"/patrons/{library.lena}/account").get_json()["patron"]["loans_count"] == 2


def test_late_return_is_fined_by_open_days(kiosk, library, clock):
    """GIVEN a book due Tue 14 Oct WHEN returned Mon 20 Oct THEN 4 open days late, 40 cents fined."""
    clock.advance(days=14)
    checkin = kiosk.event("checkin", item_barcode=library.lenas[0])["checkin"]
    assert checkin["overdue_days"] == 4 and checkin["fine_cents"] == 40
    account = kiosk.get(f"/patrons/{library.lena}/account").get_json()
    assert account["fines"][0]["amount_cents"] == 40 and account["fines"][0]["title"] == "Lena's Book A"


def test_fine_is_capped_by_policy(kiosk, library, clock):
    """GIVEN a book returned months late WHEN checked in THEN the fine stops at the $1.00 maximum."""
    clock.advance(days=120)
    assert kiosk.event("checkin", item_barcode=library.lenas[0])["checkin"]["fine_cents"] == 100


def test_checkin_traps_the_next_hold(kiosk, library):
    """GIVEN Maria is waiting for a title Lena has WHEN Lena returns it THEN it goes to the hold shelf for Maria G."""
    _place_hold(kiosk.client.application, library.maria, library.lenas[2])
    checkin = kiosk.event("checkin", item_barcode=library.lenas[2])["checkin"]
    assert checkin["routing"] == "hold_shelf" and checkin["hold_for"] == "Maria G."
    assert kiosk.get(f"/items/{library.lenas[2]}").get_json()["item"]["status"] == "on_hold_shelf"
    holds = kiosk.get(f"/patrons/{library.maria}/account").get_json()["holds"]
    assert holds[0]["status"] == "ready" and holds[0]["pickup_by"] == "2025-10-14"  # +7 = Mon 13 closed
    refused = kiosk.event("checkout", patron_barcode=library.sam, item_barcode=library.lenas[2])
    assert refused["refusal"]["code"] == "item_on_hold"
    assert kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.lenas[2])["ok"] is True


def test_checkin_of_a_book_not_on_loan_is_fine(kiosk, library):
    """GIVEN a book already on the shelf WHEN checked in THEN ok with was_on_loan false."""
    checkin = kiosk.event("checkin", item_barcode=library.sharks)["checkin"]
    assert checkin["was_on_loan"] is False and checkin["patron_barcode"] is None and checkin["routing"] == "shelf"


def test_checkin_of_an_unknown_item_is_the_only_checkin_refusal(kiosk, library):
    """GIVEN an item barcode nobody has WHEN checked in THEN item_unknown with no checkin object."""
    body = kiosk.event("checkin", item_barcode=library.unknown_item)
    assert body["ok"] is False and body["checkin"] is None and body["refusal"]["code"] == "item_unknown"


def test_offline_checkout_is_dated_when_it_happened(kiosk, library):
    """GIVEN an offline checkout made last Wednesday WHEN forwarded today THEN it is due 14 days after Wednesday."""
    wednesday = MONDAY - timedelta(days=5)
    body = kiosk.event("checkout", offline=True, occurred_at=wednesday, patron_barcode=library.maria,
                       item_barcode=library.dragon)
    assert body["ok"] is True and body["loan"]["due_date"] == "2025-10-15"


def test_offline_checkout_of_an_item_on_loan_to_someone_else_closes_that_loan(kiosk, other_kiosk, library):
    """GIVEN Lena has had a book since before WHEN an offline checkout of it to Maria arrives THEN Maria has it (she
    walked off with it, so Lena had given it back), Lena's loan is closed, the conflict rule is named for staff,
    and a resend replays the same answer."""
    event_id = "0b6a2f1e-8a55-4c3b-9a56-1f1d5c0b2f10"
    body = kiosk.event("checkout", offline=True, event_id=event_id, occurred_at=MONDAY - timedelta(hours=2),
                       patron_barcode=library.maria, item_barcode=library.lenas[0])
    assert body["ok"] is True and "offline_checkout_closed_other_loan" in body["exceptions"]
    again = kiosk.event("checkout", offline=True, event_id=event_id, sequence=kiosk.sequence,
                        patron_barcode=library.maria, item_barcode=library.lenas[0])
    assert again["replayed"] is True and again["ok"] is True
    lena = kiosk.get(f"/patrons/{library.lena}/account").get_json()
    assert library.lenas[0] not in [loan["item_barcode"] for loan in lena["loans"]]


def test_offline_checkout_by_a_blocked_patron_is_applied_and_flagged(kiosk, library):
    """GIVEN the kiosk let a blocked student take a book while offline WHEN forwarded THEN the loan is recorded
    (the book is gone) and the broken rule is listed for staff."""
    body = kiosk.event("checkout", offline=True, occurred_at=MONDAY - timedelta(hours=1),
                       patron_barcode=library.blocked, item_barcode=library.sharks)
    assert body["ok"] is True and body["offline_exceptions"] == ["patron_blocked"]
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "on_loan"


def test_offline_checkout_of_a_copy_held_for_someone_else_puts_that_hold_back_in_line(kiosk, library):
    """GIVEN a copy set aside for Sam WHEN Maria's offline checkout of it arrives THEN she has it and Sam waits again."""
    body = kiosk.event("checkout", offline=True, occurred_at=MONDAY - timedelta(hours=1),
                       patron_barcode=library.maria, item_barcode=library.held)
    assert body["ok"] is True and body["offline_exceptions"] == ["item_on_hold"]
    hold = kiosk.get(f"/patrons/{library.sam}/account").get_json()["holds"][0]
    assert hold["status"] == "waiting" and hold["queue_position"] == 1


def test_offline_return_older_than_the_current_loan_does_not_close_it(kiosk, library):
    """GIVEN Maria checked a book out at 09:30 WHEN an offline return from 08:00 arrives later THEN her loan stays."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.bear)
    body = kiosk.event("checkin", offline=True, occurred_at=MONDAY - timedelta(minutes=90),
                       item_barcode=library.bear)
    assert body["ok"] is True and body["checkin"]["was_on_loan"] is False
    assert body["offline_exceptions"] == ["checkin_before_current_loan"]
    assert kiosk.get(f"/items/{library.bear}").get_json()["item"]["status"] == "on_loan"


def test_offline_late_return_is_fined_as_of_when_it_happened(kiosk, library, clock):
    """GIVEN a book due Tue 14 Oct returned offline on Wed 15 Oct WHEN forwarded a week later THEN fined 1 day."""
    clock.advance(days=16)
    returned = datetime(2025, 10, 15, 10, 0, tzinfo=SCHOOL_TZ)
    checkin = kiosk.event("checkin", offline=True, occurred_at=returned, item_barcode=library.lenas[0])["checkin"]
    assert checkin["overdue_days"] == 1 and checkin["fine_cents"] == 10


def _place_hold(app, patron_barcode: str, item_barcode: str) -> None:
    """Place a title-level hold directly in the database (placing holds is a later issue's API)."""
    from central.circulation import records
    from central.store.models import Hold

    db = app.extensions["central"].db
    with db.writer() as session, session.begin():
        patron = records.find_patron(session, barcode=patron_barcode)
        item = records.find_item(session, item_barcode)
        session.add(Hold(title_id=item.title_id, patron_id=patron.id, status="waiting",
                         placed_at=MONDAY - timedelta(days=1)))
