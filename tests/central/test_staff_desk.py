"""The circulation desk: the same rules and event store as the kiosk, done once, holds and money."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from central.store.models import AuditEntry, CirculationEvent, Fine, FinePayment, Hold, Item, Loan, Patron
from protocol.circulation import Refusal
from tests.central.staff import text_of


def _desk_events(database) -> list[tuple]:
    with database.reader() as session:
        return [tuple(row) for row in session.execute(sa.select(
            CirculationEvent.kiosk_id, CirculationEvent.sequence, CirculationEvent.type, CirculationEvent.ok)
            .where(CirculationEvent.kiosk_id == "desk-test").order_by(CirculationEvent.sequence))]


def _scan(client, kind: str, item: str, patron: str | None = None, follow: bool = True):
    page = f"/desk?patron={patron}" if patron else "/desk?mode=checkin"
    data = {"item": item, **({"patron": patron} if patron else {})}
    return client.post(f"/desk/{kind}", data, page=page, follow=follow)


def test_a_desk_checkout_and_checkin_are_events_of_the_schools_desk_through_the_kiosks_rules(staff, database, library,
                                                                                          kiosk):
    """GIVEN the desk page with Maria WHEN the technician scans a book THEN it is lent for 14 days as event 1 of
    desk-test, and the kiosk sees it on loan; WHEN it is scanned in check-in THEN it is back on the shelf as event
    2; the audit log names the technician and masks Maria's barcode."""
    out = _scan(staff["technician"], "checkout", library.sharks, library.maria)
    assert "Checked out: All About Sharks" in text_of(out) and "Oct 20, 2025" in text_of(out)
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "on_loan"
    back = _scan(staff["technician"], "checkin", library.sharks)
    assert "Checked in: All About Sharks" in text_of(back) and "Back to the shelf: 597.3 GIB" in text_of(back)
    assert _desk_events(database) == [("desk-test", 1, "checkout", True), ("desk-test", 2, "checkin", True)]
    with database.reader() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("desk.%"))
                                  .order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action) for e in entries] == [("technician", "desk.checkout"), ("technician", "desk.checkin")]
    assert library.maria not in entries[0].summary and library.maria[-4:] in entries[0].summary


def test_the_desk_refuses_what_the_kiosk_refuses_in_the_same_words(staff, database, library):
    """GIVEN the blocked student and a reference book WHEN they are scanned at the desk THEN the desk shows the
    kiosk's refusal sentences, records the refused events, and lends nothing."""
    blocked = _scan(staff["librarian"], "checkout", library.sharks, library.blocked)
    assert Refusal.of("patron_blocked").message in text_of(blocked)
    reference = _scan(staff["librarian"], "checkout", library.encyclopedia, library.maria)
    assert Refusal.of("item_reference").message in text_of(reference)
    assert [(t, ok) for _, _, t, ok in _desk_events(database)] == [("checkout", False), ("checkout", False)]
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan).where(Loan.returned_at.is_(None))) == 3


def test_a_checkout_posted_twice_lends_once_and_shows_the_same_outcome(staff, database, library):
    """GIVEN the desk page with Maria WHEN the same checkout form is posted twice (a double Enter) THEN there is
    one event and one loan, and the second answer says it was already done."""
    technician = staff["technician"]
    technician.get(f"/desk?patron={library.maria}")
    form_id = technician.form_id
    first = technician.post("/desk/checkout", {"item": library.bear, "patron": library.maria}, form_id=form_id)
    second = technician.post("/desk/checkout", {"item": library.bear, "patron": library.maria}, form_id=form_id,
                             follow=True)
    assert first.status_code == 302 and "This was already done; it was not done twice." in text_of(second)
    assert len(_desk_events(database)) == 1
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk.checkout")) == 1


def test_a_form_used_for_a_checkout_then_posted_as_a_return_does_nothing_and_says_so(staff, database, library):
    """GIVEN a desk form whose id already lent a book WHEN the same form id is posted as a return (a back button,
    a second tab) THEN nothing is returned, the page says so in words, and the loan stands."""
    technician = staff["technician"]
    technician.get(f"/desk?patron={library.maria}")
    form_id = technician.form_id
    technician.post("/desk/checkout", {"item": library.bear, "patron": library.maria}, form_id=form_id)
    answer = technician.post("/desk/checkin", {"item": library.bear}, form_id=form_id, follow=True)
    assert answer.status_code == 200
    assert "already used for another transaction, so nothing was done" in text_of(answer)
    assert [e[2] for e in _desk_events(database)] == ["checkout"]
    with database.reader() as session:
        item = session.scalar(sa.select(Item).where(Item.barcode == library.bear))
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan).where(
            Loan.item_id == item.id, Loan.returned_at.is_(None))) == 1


def test_a_late_return_at_the_desk_is_fined_and_a_waiting_hold_sends_it_to_the_hold_shelf(staff, database, library,
                                                                                        kiosk, clock):
    """GIVEN Lena's book due on 14 October with Maria waiting for it WHEN it is checked in at the desk on 17 October
    THEN the desk says 3 school days late, the 10c-a-day fine, and to put it on the hold shelf for Maria G."""
    with database.writer() as session, session.begin():
        item = session.scalar(sa.select(Item).where(Item.barcode == library.lenas[0]))
        maria = session.scalar(sa.select(Patron).where(Patron.barcode == library.maria))
        session.add(Hold(title_id=item.title_id, patron_id=maria.id, school_id=library.school_id, status="waiting",
                         placed_at=clock.now()))
    clock.advance(days=11)  # Friday 17 October
    page = text_of(_scan(staff["librarian"], "checkin", library.lenas[0]))
    assert "3 school days late" in page and "Fine: $0.30" in page
    assert "Put it on the hold shelf for Maria G." in page


def test_renew_place_and_cancel_a_hold_at_the_desk(staff, database, library):
    """GIVEN Lena with three books WHEN one is renewed at the desk THEN its due date moves and no renewal is left;
    WHEN a hold is placed for Maria by a copy's barcode THEN she waits for the title; a second hold is refused;
    WHEN it is cancelled THEN it is gone."""
    renewed = text_of(_scan(staff["librarian"], "renew", library.lenas[0], library.lena))
    assert "Renewed: Lena's Book A" in renewed
    with database.reader() as session:
        loan = session.scalar(sa.select(Loan).join(Item).where(Item.barcode == library.lenas[0],
                                                                Loan.returned_at.is_(None)))
        assert loan.renewals == 1
    librarian = staff["librarian"]
    librarian.post("/desk/holds", {"patron": library.maria, "title_code": library.dragon},
                   page=f"/desk?patron={library.maria}")
    twice = librarian.post("/desk/holds", {"patron": library.maria, "title_code": library.dragon},
                           page=f"/desk?patron={library.maria}", follow=True)
    assert "Maria G. already has a hold on 'Dragon Academy #1: First Flight'." in text_of(twice)
    with database.reader() as session:
        hold = session.scalar(sa.select(Hold).where(Hold.status == "waiting"))
    librarian.post(f"/desk/holds/{hold.id}/cancel", {"patron": library.maria}, page=f"/desk?patron={library.maria}")
    with database.reader() as session:
        assert session.get(Hold, hold.id).status == "cancelled"


def test_cancelling_a_ready_hold_passes_the_copy_to_the_next_patron_waiting(staff, database, library, clock):
    """GIVEN the Owl Diaries copy on the hold shelf for Sam and Maria waiting after him WHEN Sam's hold is cancelled
    THEN the copy is set aside for Maria with a pickup date, still on the hold shelf."""
    with database.writer() as session, session.begin():
        item = session.scalar(sa.select(Item).where(Item.barcode == library.held))
        maria = session.scalar(sa.select(Patron).where(Patron.barcode == library.maria))
        session.add(Hold(title_id=item.title_id, patron_id=maria.id, school_id=library.school_id, status="waiting",
                         placed_at=clock.now()))
        sams = session.scalar(sa.select(Hold).where(Hold.item_id == item.id, Hold.status == "ready"))
    staff["librarian"].post(f"/desk/holds/{sams.id}/cancel", {"patron": library.sam}, page=f"/desk?patron={library.sam}")
    with database.reader() as session:
        ready = session.scalar(sa.select(Hold).where(Hold.status == "ready"))
        # 7 days on is Monday 13 October, a closed day: the pickup date is the next open day.
        assert ready.patron_id == maria.id and ready.pickup_by == date(2025, 10, 14)
        assert session.scalar(sa.select(Item.status).where(Item.barcode == library.held)) == "on_hold_shelf"


def test_payments_pay_the_oldest_fines_first_and_more_than_owed_is_refused(staff, database, library, kiosk, clock):
    """GIVEN Omar owes $6.00 (over the $5.00 limit) and a newer $1.00 fine WHEN $0.50 is taken THEN it goes to the
    old fine, he owes $6.50 and the kiosk still refuses him; WHEN $7.00 is offered THEN refused in words; WHEN
    $2.00 is taken THEN he owes $4.50 and may borrow again."""
    with database.writer() as session, session.begin():
        session.add(Fine(patron_id=_id(session, library.owes), school_id=library.school_id, amount_cents=100,
                         reason="overdue", assessed_on=clock.today(), paid=False))
    technician = staff["technician"]
    technician.post("/desk/pay", {"patron": library.owes, "amount": "0.50"}, page=f"/desk?patron={library.owes}")
    assert "Fines: $6.50 owed" in text_of(technician.get(f"/desk?patron={library.owes}"))
    assert kiosk.event("checkout", patron_barcode=library.owes, item_barcode=library.sharks)["refusal"]["code"] == \
        "fines_over_limit"
    too_much = technician.post("/desk/pay", {"patron": library.owes, "amount": "7"}, page=f"/desk?patron={library.owes}",
                               follow=True)
    assert "That is more than the patron owes ($6.50)." in text_of(too_much)
    technician.post("/desk/pay", {"patron": library.owes, "amount": "$2.00"}, page=f"/desk?patron={library.owes}")
    with database.reader() as session:
        fines = session.scalars(sa.select(Fine).where(Fine.patron_id == _id(session, library.owes))
                                .order_by(Fine.assessed_on)).all()
        payments = session.execute(sa.select(FinePayment.fine_id, FinePayment.amount_cents).order_by(FinePayment.id)).all()
    assert [(f.paid_cents, f.paid) for f in fines] == [(250, False), (0, False)]
    assert [amount for _, amount in payments] == [50, 200] and {fine for fine, _ in payments} == {fines[0].id}
    assert "Fines: $4.50 owed" in text_of(technician.get(f"/desk?patron={library.owes}"))
    assert kiosk.event("checkout", patron_barcode=library.owes, item_barcode=library.sharks)["ok"] is True


def _id(session, barcode: str) -> int:
    return session.scalar(sa.select(Patron.id).where(Patron.barcode == barcode))


def test_waiving_needs_a_librarian_and_a_reason(staff, database, library):
    """GIVEN Omar's $6.00 fine WHEN the technician tries to waive it THEN 403; WHEN the librarian waives it without
    a reason THEN refused; with one THEN it is waived, kept as a waiver with the reason, and audited."""
    with database.reader() as session:
        fine_id = session.scalar(sa.select(Fine.id).where(Fine.patron_id == _id(session, library.owes)))
    url = f"/desk/fines/{fine_id}/waive"
    page = f"/desk?patron={library.owes}"
    assert staff["technician"].post(url, {"patron": library.owes, "reason": "x"}, page=page).status_code == 403
    empty = staff["librarian"].post(url, {"patron": library.owes, "reason": " "}, page=page, follow=True)
    assert "Say why the fine is waived" in text_of(empty)
    staff["librarian"].post(url, {"patron": library.owes, "reason": "Book found in the gym"}, page=page)
    with database.reader() as session:
        waiver = session.scalar(sa.select(FinePayment))
        assert (waiver.kind, waiver.amount_cents, waiver.reason) == ("waiver", 600, "Book found in the gym")
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fine.waive"))
        assert entry.summary == "Waived $6.00 for Omar A. (**********" + library.owes[-4:] + "): Book found in the gym."


def test_a_payment_form_posted_twice_takes_the_money_once(staff, database, library):
    """GIVEN the desk with Omar WHEN the payment form is sent twice with its form id THEN one payment of $1.00."""
    technician = staff["technician"]
    technician.get(f"/desk?patron={library.owes}")
    form_id = technician.form_id
    for _ in range(2):
        technician.post("/desk/pay", {"patron": library.owes, "amount": "1.00"}, form_id=form_id)
    with database.reader() as session:
        assert session.scalars(sa.select(FinePayment.amount_cents)).all() == [100]
