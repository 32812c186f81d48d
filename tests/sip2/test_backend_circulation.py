"""The kiosk's SIP2 backend delivering checkouts, checkins and renewals to a pysip2 library system."""
from __future__ import annotations

import datetime as dt

from kiosk.backends.port import BackendRejected
from protocol.wire import CheckinRequest, CheckoutRequest, RenewAllRequest, RenewRequest
from tests.sip2.conftest import ANA, AWAY, BEN, BINNED, BOOK, BOOK2, CARLA, DEV, HELD, OUT, REF, UNKNOWN, event
from tests.sip2.ils import TODAY


def deliver_one(backend, request, **kwargs):
    """Deliver one event and return its delivery."""
    [delivery] = backend.deliver([event(request, **kwargs)])
    return delivery


def test_a_checkout_is_lent_with_its_title_and_due_date(backend, library):
    """GIVEN an available book WHEN Ana checks it out THEN the outcome has the loan with title and due date, and the
    ILS made exactly one loan."""
    delivery = deliver_one(backend, CheckoutRequest(ANA, BOOK))
    outcome = delivery.outcome
    assert outcome.ok and not outcome.renewed and outcome.loan.title == "El Principito, niños"
    assert outcome.loan.due_date == TODAY + dt.timedelta(days=14)
    assert library.loans[BOOK].patron == ANA and library.count("checkout", BOOK) == 1


def test_refusals_arrive_as_the_kiosk_refusal_codes(backend):
    """GIVEN a book someone has, a book on hold for someone else, a reference book and an unknown barcode WHEN they
    are checked out THEN each is refused with the matching code and a sentence for the child."""
    codes = []
    for item in (OUT, HELD, REF, UNKNOWN):
        outcome = deliver_one(backend, CheckoutRequest(ANA, item)).outcome
        assert not outcome.ok and outcome.refusal.message
        codes.append(outcome.refusal.code)
    assert codes == ["item_on_loan", "item_on_hold", "item_reference", "item_unknown"]
    blocked = deliver_one(backend, CheckoutRequest(CARLA, BOOK)).outcome
    assert blocked.refusal.code == "patron_blocked"


def test_checking_out_a_book_the_patron_has_is_a_renewal_as_koha_does(backend, library):
    """GIVEN Dev already has a book WHEN he checks it out again THEN the ILS renews it and the outcome says renewed,
    so the kiosk shows renewed and does not count a second loan."""
    outcome = deliver_one(backend, CheckoutRequest(DEV, OUT)).outcome
    assert outcome.ok and outcome.renewed
    assert library.loans[OUT].renewals == 1


def test_checkin_routes_books_as_the_system_says(backend, library):
    """GIVEN books out: one on hold for someone, one from another branch, one with a sort bin, one plain WHEN they
    are returned THEN the routing is hold shelf, transit, sort bin B3 and shelf."""
    for item in (HELD, AWAY, BINNED, BOOK):
        library.lend(item, ANA, TODAY)
    routes = []
    for item in (HELD, AWAY, BINNED, BOOK):
        outcome = deliver_one(backend, CheckinRequest(item)).outcome
        assert outcome.ok and outcome.checkin.was_on_loan
        routes.append((outcome.checkin.routing, outcome.checkin.destination, outcome.checkin.on_hold))
    assert routes == [("hold_shelf", "", True), ("transit", "", False), ("sort_bin", "B3", False),
                      ("shelf", "", False)]
    assert set(library.loans) == {OUT}  # only Dev's book, which nobody returned


def test_returning_a_book_that_was_not_out_is_still_a_return(backend):
    """GIVEN a book that is on the shelf WHEN it is returned at the kiosk THEN the outcome is ok, not on loan."""
    outcome = deliver_one(backend, CheckinRequest(BOOK2)).outcome
    assert outcome.ok and outcome.checkin.was_on_loan is False


def test_an_unknown_book_returned_is_refused_as_unknown(backend):
    """GIVEN a barcode the ILS does not know WHEN returned THEN the refusal is item_unknown."""
    outcome = deliver_one(backend, CheckinRequest(UNKNOWN)).outcome
    assert not outcome.ok and outcome.refusal.code == "item_unknown"


def test_renewals_extend_the_due_date_until_the_limit(backend, library):
    """GIVEN Dev's book and a renewal limit of 2 WHEN he renews three times THEN two succeed with later due dates
    and the third is refused as no renewals left."""
    first = deliver_one(backend, RenewRequest(DEV, OUT)).outcome
    second = deliver_one(backend, RenewRequest(DEV, OUT)).outcome
    third = deliver_one(backend, RenewRequest(DEV, OUT)).outcome
    assert first.ok and first.renewed and second.ok and second.loan.due_date > first.loan.due_date
    assert not third.ok and third.refusal.code == "no_renewals_left"
    assert library.count("renew", OUT) == 3


def test_renew_all_lists_renewed_and_refused_loans(backend, library):
    """GIVEN Ana with two books, one of them at its renewal limit WHEN she renews all THEN one is renewed with its
    new due date and the other refused."""
    library.lend(BOOK, ANA, TODAY)
    library.lend(BOOK2, ANA, TODAY)
    library.loans[BOOK2].renewals = 2
    outcome = backend.renew_all(RenewAllRequest(ANA))
    assert [(loan.item_barcode, loan.due_date) for loan in outcome.renewed] == [(BOOK, TODAY + dt.timedelta(14))]
    assert [(barcode, refusal.code) for barcode, refusal in outcome.refused] == [(BOOK2, "no_renewals_left")]


def test_events_are_delivered_in_order_and_each_gets_its_delivery(backend, library):
    """GIVEN three events WHEN delivered together THEN three deliveries come back in the same order."""
    events = [event(CheckoutRequest(ANA, BOOK), sequence=1), event(CheckoutRequest(ANA, BOOK2), sequence=2),
              event(CheckinRequest(BOOK), sequence=3)]
    deliveries = backend.deliver(events)
    assert [d.event_id for d in deliveries] == [e.event_id for e in events]
    assert all(d.outcome.ok for d in deliveries)
    assert [t["kind"] for t in library.transactions] == ["checkout", "checkout", "checkin"]


def test_offline_events_go_with_no_block_their_original_date_and_the_printed_due_date(backend, library):
    """GIVEN a checkout and a return made while the ILS was down, with the due date the kiosk printed WHEN they are
    forwarded THEN the ILS gets no-block Y, the original transaction and return dates, and that due date."""
    when = dt.datetime(2025, 11, 3, 10, 15, 30).astimezone()
    printed = TODAY + dt.timedelta(days=10)
    out = deliver_one(backend, CheckoutRequest(ANA, BOOK, due_date=printed), offline=True, occurred_at=when)
    back = deliver_one(backend, CheckinRequest(OUT), offline=True, occurred_at=when)
    assert out.outcome.ok and back.outcome.ok
    checkout, checkin = library.transactions
    assert checkout["no_block"] and checkout["date"] == "20251103    101530"
    assert checkout["nb_due"] == printed.strftime("%Y%m%d") + "    235959"
    assert library.loans[BOOK].due == printed
    assert checkin["no_block"] and checkin["return_date"] == "20251103    101530"


def test_an_offline_checkout_the_system_refuses_anyway_is_parked_for_staff(backend, library):
    """GIVEN an ILS that applies its rules to no-block requests (as FOLIO does) WHEN an offline checkout of a book
    on loan to someone else is forwarded THEN the delivery is a rejection for staff, not an outcome."""
    library.honour_no_block = False
    delivery = deliver_one(backend, CheckoutRequest(ANA, OUT), offline=True)
    assert delivery.outcome is None and isinstance(delivery.rejection, BackendRejected)
    assert delivery.rejection.code == "item_on_loan" and "offline" in delivery.rejection.message


def test_with_no_block_off_offline_events_go_as_ordinary_transactions(make_backend, library):
    """GIVEN a system that refuses no-block, so the kiosk is set to no_block = false WHEN an offline checkout is
    forwarded THEN it goes as an ordinary checkout, and a refusal of one is parked for staff."""
    backend = make_backend(no_block=False)
    ok = deliver_one(backend, CheckoutRequest(ANA, BOOK, due_date=TODAY), offline=True)
    refused = deliver_one(backend, CheckoutRequest(CARLA, BOOK2), offline=True)
    assert ok.outcome.ok and library.transactions[0]["no_block"] is False
    assert library.transactions[0]["nb_due"].strip(" 0") == ""  # no date (see SpecDatesServer)
    assert refused.rejection.code == "patron_blocked"


def test_end_session_is_acknowledged(backend):
    """GIVEN a patron at the kiosk WHEN the session ends THEN the ILS acknowledges the end of the session."""
    assert backend.end_session(ANA) is True
