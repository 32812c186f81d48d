"""Schools in a district: the item's school lends by its own rules; the patron's standing travels with them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from central.circulation import records
from central.circulation.schools import SchoolRefused, add_school, desk_id, next_barcode
from central.api.routes import token_hash
from central.store.models import (Fine, Hold, Item, Kiosk, LibrarySettings, LoanPolicy, Patron, School,
                                  SchoolClosedDay, Title)
from protocol.identifiers import make_library_barcode, validate_library_barcode
from tests.central.conftest import MONDAY

OTHER_BOOK = make_library_barcode("3", 4321, 1)
OTHER_STUDENT = make_library_barcode("2", 4321, 1)


@pytest.fixture
def other_school(database, library):
    """A second school, "hill" (institution 4321), with 21-day student books, a $2.00 fine limit, 3 pickup days,
    its own closed day on Monday 27 October, one copy of "All About Sharks" and one student."""
    with database.writer() as session, session.begin():
        hill = add_school(session, "hill", "Hill Middle School", 4321)
        session.add(LibrarySettings(school_id=hill.id, library_name="Hill Library", term_end=date(2026, 6, 12),
                                    closed_weekdays="5,6", fines_block_cents=200, hold_pickup_days=3))
        session.add(SchoolClosedDay(school_id=hill.id, day=date(2025, 10, 27), reason="Teacher work day"))
        session.add(LoanPolicy(school_id=hill.id, patron_type="student", item_type="book", loanable=True,
                               loan_days=21, max_items=5, max_renewals=2, fine_cents_per_day=25, max_fine_cents=500))
        sharks = session.scalar(sa.select(Title).where(Title.title == "All About Sharks"))
        session.add(Item(barcode=OTHER_BOOK, title_id=sharks.id, school_id=hill.id, call_number="597.3 GIB",
                         location="Nonfiction", item_type="book", status="available"))
        session.add(Patron(barcode=OTHER_STUDENT, school_id=hill.id, first_name="Noah", last_name="Berg",
                           patron_type="student", grade="7", expires_on=date(2026, 8, 31), language="en"))
        return hill.id


def test_a_visiting_student_borrows_by_the_lending_schools_rules(kiosk, library, other_school):
    """GIVEN Maria of the test school and a Hill copy WHEN she checks it out THEN the loan is Hill's 21 days,
    moved past Hill's own closed day (Mon 27 Oct), with Hill's two renewals."""
    body = kiosk.event("checkout", patron_barcode=library.maria, item_barcode=OTHER_BOOK)
    assert body["ok"] is True
    assert body["loan"]["due_date"] == "2025-10-28" and body["loan"]["renewals_left"] == 2


def test_a_fine_owed_at_home_counts_at_the_other_school_against_its_limit(kiosk, library, other_school):
    """GIVEN Omar owes $6.00 at the test school WHEN he borrows at Hill (limit $2.00) THEN fines_over_limit;
    GIVEN Hill's student owes $1.50 at the test school (under Hill's $2.00) THEN he may borrow at home too."""
    assert kiosk.event("checkout", patron_barcode=library.owes, item_barcode=OTHER_BOOK)["refusal"]["code"] == \
        "fines_over_limit"
    db = kiosk.client.application.extensions["central"].db
    with db.writer() as session, session.begin():
        noah = records.find_patron(session, barcode=OTHER_STUDENT)
        session.add(Fine(patron_id=noah.id, school_id=library.school_id, amount_cents=150, reason="overdue",
                         assessed_on=date(2025, 10, 1), paid=False))
    assert kiosk.event("checkout", patron_barcode=OTHER_STUDENT, item_barcode=library.sharks)["ok"] is True


def test_a_checkin_charges_the_lending_schools_fine_and_fills_only_its_own_holds(kiosk, library, other_school):
    """GIVEN Maria borrowed Hill's copy, a Hill student waits for the title at Hill and Sam waits at the test
    school, WHEN the copy comes back 3 open days late THEN the fine is Hill's 25c a day, charged by Hill, and
    the copy goes to Hill's hold shelf for the Hill student, not to Sam."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=OTHER_BOOK)
    db = kiosk.client.application.extensions["central"].db
    with db.writer() as session, session.begin():
        item = records.find_item(session, OTHER_BOOK)
        sam = records.find_patron(session, barcode=library.sam)
        noah = records.find_patron(session, barcode=OTHER_STUDENT)
        session.add(Hold(title_id=item.title_id, patron_id=sam.id, school_id=library.school_id, status="waiting",
                         placed_at=MONDAY - timedelta(days=3)))
        session.add(Hold(title_id=item.title_id, patron_id=noah.id, school_id=other_school, status="waiting",
                         placed_at=MONDAY - timedelta(days=1)))
    late = MONDAY + timedelta(days=25)  # Fri 31 Oct: due Tue 28 Oct, late Wed, Thu, Fri
    body = kiosk.event("checkin", item_barcode=OTHER_BOOK, offline=True, occurred_at=late)
    assert body["checkin"]["overdue_days"] == 3 and body["checkin"]["fine_cents"] == 75
    assert body["checkin"]["routing"] == "hold_shelf" and body["checkin"]["hold_for"] == "Noah B."
    with db.reader() as session:
        fine = session.scalar(sa.select(Fine).where(Fine.item_id == records.find_item(session, OTHER_BOOK).id))
        assert fine.school_id == other_school and fine.amount_cents == 75


def test_settings_fall_back_to_the_district_and_name_the_school(database, library, other_school):
    """GIVEN the test school without settings of its own and Hill with its own THEN the test school gets the
    district's limits under its own name, Hill gets its own, and the district's calendar is in both."""
    with database.reader() as session:
        home, hill = records.load_settings(session, library.school_id), records.load_settings(session, other_school)
        district = records.load_settings(session)
    assert (home.library_name, home.fines_block_cents) == ("Test School", 500)
    assert (district.library_name, district.fines_block_cents) == ("Test School Library", 500)
    assert (hill.library_name, hill.fines_block_cents, hill.hold_pickup_days) == ("Hill Library", 200, 3)
    assert date(2025, 10, 13) in hill.calendar.closed_days and date(2025, 10, 27) in hill.calendar.closed_days
    assert date(2025, 10, 27) not in home.calendar.closed_days


def test_each_school_has_a_desk_station_that_cannot_call_the_kiosk_api(app, database, library):
    """GIVEN a school THEN it has a desk station without a token; WHEN a desk row is given a token anyway
    THEN that token is still refused by the kiosk API (only a kiosk may call it)."""
    with database.writer() as session, session.begin():
        desk = session.get(Kiosk, "desk-test")
        assert desk.kind == "desk" and desk.token_hash is None and desk.school_id == library.school_id
        desk.token_hash = token_hash("desk-secret")
    response = app.test_client().get(f"/api/v1/items/{library.sharks}",
                                     headers={"Authorization": "Bearer desk-secret"})
    assert response.status_code == 401


def test_the_next_barcode_follows_the_highest_in_the_schools_range(database, library, other_school):
    """GIVEN items 31234...1 to ...10 and Hill's first WHEN the next barcodes are asked THEN ...11 at the test
    school and 2 at Hill, each with a right check digit."""
    with database.reader() as session:
        home, hill = session.get(School, library.school_id), session.get(School, other_school)
        assert desk_id(hill) == "desk-hill"
        assert next_barcode(session, home) == make_library_barcode("3", 1234, 11)
        assert next_barcode(session, hill) == make_library_barcode("3", 4321, 2)
        assert validate_library_barcode(next_barcode(session, hill, "patron")) == make_library_barcode("2", 4321, 2)


@pytest.mark.parametrize("code,name,institution,words", [
    ("Bad Code!", "X", 1, "lower-case letters"), ("ok", " ", 1, "needs a name"),
    ("ok", "X", 12345, "4 digits"), ("test", "Again", 1, "already a school"),
])
def test_a_school_that_cannot_be_added_is_refused_in_words(database, library, code, name, institution, words):
    """GIVEN a bad code, no name, a 5-digit institution or a taken code WHEN added THEN SchoolRefused says so."""
    with database.writer() as session, session.begin():
        with pytest.raises(SchoolRefused, match=words):
            add_school(session, code, name, institution)
