"""Patron pages: search, record, add, edit, block and unblock, PIN reset, cards, reading-history privacy."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from central.circulation.patrons import pin_matches
from central.store.models import AuditEntry, LibrarySettings, Loan, Patron, PatronCard
from protocol.identifiers import make_library_barcode
from tests.central.staff import text_of


def _patron(database, barcode: str) -> Patron:
    with database.reader() as session:
        return session.scalar(sa.select(Patron).where(Patron.barcode == barcode))


def _audit_text(database) -> str:
    with database.reader() as session:
        return " ".join(f"{e.summary} {e.details}" for e in session.scalars(sa.select(AuditEntry)))


def test_patrons_are_found_by_name_homeroom_student_id_barcode_or_card(staff, library, database):
    """GIVEN the small library WHEN staff search by last name, first and last name, barcode or Sam's card UID
    THEN the right patron is listed; the page is never kept by the browser."""
    for query, who in (("garcia", "Garcia, Maria"), ("maria garcia", "Garcia, Maria"), (library.sam, "Okafor, Sam"),
                       ("04a1b2c3d4e5f6", "Okafor, Sam")):
        page = staff["read_only"].get(f"/patrons?q={query}")
        assert who in text_of(page), query
        assert page.headers["Cache-Control"] == "no-store"


def test_a_patron_page_shows_loans_fines_and_history_only_as_the_school_allows(staff, database, library, kiosk):
    """GIVEN Maria returned a book WHEN her page is opened at a school keeping history private THEN the book is not
    listed; WHEN the school shows 30 days of history THEN it is; her loans and what she owes are always shown."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.bear)
    kiosk.event("checkin", item_barcode=library.bear)
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.sharks)
    maria = _patron(database, library.maria)
    page = text_of(staff["librarian"].get(f"/patrons/{maria.id}"))
    assert "All About Sharks" in page and "keeps reading history private" in page and "The Sleepy Bear" not in page
    with database.writer() as session, session.begin():
        session.scalar(sa.select(LibrarySettings)).loan_history_days = 30
    page = text_of(staff["librarian"].get(f"/patrons/{maria.id}"))
    assert "The Sleepy Bear" in page and "returned" in page


def test_a_patron_is_added_with_the_offered_barcode_and_duplicates_are_refused(staff, database, library):
    """GIVEN the add-patron form WHEN it is opened THEN the school's next patron barcode is offered; WHEN a patron
    is added THEN they belong to the school; WHEN another uses the same barcode or student ID THEN refused in
    words, what was typed is kept, and nothing is added."""
    form_page = staff["librarian"].get("/patrons/new").get_data(as_text=True)
    offered = make_library_barcode("2", 1234, 8)
    assert f'value="{offered}"' in form_page and 'value="2026-06-12"' in form_page  # the term's last day
    form = {"first_name": "Iris", "last_name": "Novak", "barcode": offered, "patron_type": "student",
            "student_id": "S-77", "grade": "KG", "homeroom": "Room 4", "language": "es", "expires_on": "2026-08-31"}
    assert staff["librarian"].post("/patrons/new", form).status_code == 302
    iris = _patron(database, offered)
    assert (iris.school_id, iris.grade, iris.language, iris.student_id) == (library.school_id, "KG", "es", "S-77")
    for changed, words in (({"first_name": "Ivy"}, "already belongs to another patron"),
                           ({"barcode": make_library_barcode("2", 1234, 9)}, "The student ID S-77 already belongs"),
                           ({"barcode": library.sharks}, "A patron barcode starts with 2")):
        refused = staff["librarian"].post("/patrons/new", {**form, **changed}, page="/patrons/new")
        assert refused.status_code == 400 and words in text_of(refused), changed
        assert 'value="Novak"' in refused.get_data(as_text=True)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Patron).where(Patron.last_name == "Novak")) == 1


def test_a_blocked_patron_is_refused_at_the_kiosk_until_unblocked(staff, database, library, kiosk):
    """GIVEN Maria WHEN a librarian blocks her with a reason THEN the kiosk refuses her checkout as blocked and
    her page shows why; WHEN unblocked THEN she may borrow again; both are in the audit log."""
    maria = _patron(database, library.maria)
    staff["librarian"].post(f"/patrons/{maria.id}/block", {"reason": "Lost three books"},
                            page=f"/patrons/{maria.id}")
    refused = kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.sharks)
    assert refused["refusal"]["code"] == "patron_blocked"
    assert "Lost three books" in text_of(staff["librarian"].get(f"/patrons/{maria.id}"))
    staff["librarian"].post(f"/patrons/{maria.id}/unblock", {}, page=f"/patrons/{maria.id}")
    assert kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.sharks)["ok"] is True
    audit = _audit_text(database)
    assert "Blocked Maria G." in audit and "Unblocked Maria G." in audit


def test_a_pin_is_reset_and_never_written_anywhere_but_its_hash(staff, database, library, caplog):
    """GIVEN Sam is locked out of PIN sign-in WHEN a librarian gives him PIN 2468 THEN only 2468 matches, the lock
    is gone, and neither the audit log nor the server log holds the PIN; a 3-digit PIN is refused."""
    with database.writer() as session, session.begin():
        sam = session.scalar(sa.select(Patron).where(Patron.barcode == library.sam))
        sam.pin_locked_until, sam.pin_lockouts = datetime(2030, 1, 1, tzinfo=timezone.utc), 3
    sam = _patron(database, library.sam)
    staff["librarian"].post(f"/patrons/{sam.id}/pin", {"pin": "2468"}, page=f"/patrons/{sam.id}")
    sam = _patron(database, library.sam)
    assert pin_matches(sam.pin_hash, "2468") and (sam.pin_locked_until, sam.pin_lockouts) == (None, 0)
    short = staff["librarian"].post(f"/patrons/{sam.id}/pin", {"pin": "246"}, page=f"/patrons/{sam.id}", follow=True)
    assert "A PIN is 4 to 6 digits." in text_of(short)
    assert "2468" not in _audit_text(database) and "2468" not in caplog.text
    assert f"Gave Sam O. (**********{library.sam[-4:]}) a new PIN." in _audit_text(database)


def test_a_card_is_added_and_identifies_the_patron_at_the_kiosk_and_its_number_is_masked(staff, database, library,
                                                                                        kiosk):
    """GIVEN Maria WHEN a librarian adds the card 04:11:22:33:44:55:66 THEN a kiosk tap identifies Maria; the audit
    log holds only its last four characters; a card that is Sam's already is refused."""
    maria = _patron(database, library.maria)
    staff["librarian"].post(f"/patrons/{maria.id}/cards", {"uid": "04:11:22:33:44:55:66"}, page=f"/patrons/{maria.id}")
    tapped = kiosk.post("/patrons/identify", {"card_uid": "04112233445566", "method": "tap"}).get_json()
    assert tapped["ok"] and tapped["patron"]["barcode"] == library.maria
    assert "04112233445566" not in _audit_text(database) and "5566" in _audit_text(database)
    taken = staff["librarian"].post(f"/patrons/{maria.id}/cards", {"uid": "04A1B2C3D4E5F6"},
                                    page=f"/patrons/{maria.id}", follow=True)
    assert "This card already belongs to another patron." in text_of(taken)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PatronCard)) == 2


def test_a_patron_is_edited_and_the_changed_fields_are_audited(staff, database, library):
    """GIVEN Maria in grade 3 WHEN a librarian moves her to grade 4 and Room 14 THEN she is saved and the audit
    log names the fields that changed."""
    maria = _patron(database, library.maria)
    form = {"first_name": "Maria", "last_name": "Garcia", "barcode": library.maria, "patron_type": "student",
            "student_id": "", "grade": "4", "homeroom": "Room 14", "language": "es", "expires_on": "2026-08-31"}
    assert staff["librarian"].post(f"/patrons/{maria.id}/edit", form, page=f"/patrons/{maria.id}/edit").status_code == 302
    maria = _patron(database, library.maria)
    assert (maria.grade, maria.homeroom) == ("4", "Room 14")
    assert "grade, homeroom" in _audit_text(database)


def test_returned_loans_stay_in_the_database_whatever_the_privacy_setting(database, library, kiosk):
    """GIVEN the history is private WHEN a book is returned THEN its loan row is kept (events and fines need it)."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.bear)
    kiosk.event("checkin", item_barcode=library.bear)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan).where(Loan.returned_at.is_not(None))) == 1
