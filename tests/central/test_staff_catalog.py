"""The catalog pages: search, add a title by hand or ISBN, add copies, edit, withdraw, lost, damaged, found."""
from __future__ import annotations

import sqlalchemy as sa

from central.store.models import AuditEntry, Fine, FinePayment, Item, Loan, Title
from protocol.identifiers import make_library_barcode
from tests.central.staff import text_of

HOLES = "9780440414803"


def _title(database, name: str) -> Title | None:
    with database.reader() as session:
        return session.scalar(sa.select(Title).where(Title.title == name))


def _item(database, barcode: str) -> Item:
    with database.reader() as session:
        return session.scalar(sa.select(Item).where(Item.barcode == barcode))


def _add_holes(librarian, isbn="0-440-41480-6"):
    return librarian.post("/catalog/new", {"title": "Holes", "author": "Louis Sachar", "audience": "fiction",
                                           "isbns": f"{isbn}\n9780440228592", "publisher": "Yearling",
                                           "publication_year": "2000", "dewey": "", "series": "",
                                           "subjects": "Juvenile delinquents -- Fiction\nBuried treasure -- Fiction"},
                          page="/catalog/new")


def test_the_catalog_search_finds_titles_by_words_isbn_call_number_and_a_copys_barcode(staff, library):
    """GIVEN the small library WHEN staff search by a word, a call number or a copy's barcode THEN the title
    is listed with its copies and how many are on the shelf."""
    for query in ("shark", "gibbs", "597.3", library.sharks2):
        page = text_of(staff["read_only"].get(f"/catalog?q={query}"))
        assert "All About Sharks" in page and "Gail Gibbs" in page, query
    assert "Nothing in the catalog matches 'zebra'" in text_of(staff["read_only"].get("/catalog?q=zebra"))


def test_a_title_is_added_by_hand_with_all_its_isbns_and_subjects_and_audited(staff, database):
    """GIVEN a librarian WHEN she adds "Holes" with an ISBN-10 and an ISBN-13 and two subjects THEN the title
    has both ISBNs as 13 digits, its subjects in order, and the audit log says who added it."""
    response = _add_holes(staff["librarian"])
    assert response.status_code == 302 and "/catalog/titles/" in response.headers["Location"]
    title = _title(database, "Holes")
    with database.reader() as session:
        title = session.get(Title, title.id)
        assert [i.isbn for i in title.isbns] == [HOLES, "9780440228592"] and title.isbn == HOLES
        assert [s.subject for s in title.subjects] == ["Juvenile delinquents -- Fiction", "Buried treasure -- Fiction"]
        assert (title.publisher, title.publication_year) == ("Yearling", 2000)
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "title.add"))
        assert entry.actor == "librarian" and entry.summary == "Added the title 'Holes'."


def test_adding_by_isbn_opens_the_title_that_has_it_or_fills_the_form(staff, database):
    """GIVEN "Holes" in the catalog WHEN a librarian adds by its ISBN-10 THEN she is sent to its title page;
    WHEN she adds by an unknown ISBN THEN the form is filled with it; a wrong check digit is refused in words."""
    _add_holes(staff["librarian"])
    found = staff["librarian"].get("/catalog/new?isbn=0440414806")
    assert found.status_code == 302 and f"/catalog/titles/{_title(database, 'Holes').id}" in found.headers["Location"]
    new = staff["librarian"].get("/catalog/new?isbn=978-0-06-440055-8")
    assert new.status_code == 200 and "9780064400558" in new.get_data(as_text=True)
    wrong = staff["librarian"].client.get("/catalog/new?isbn=9780064400551", follow_redirects=True)
    assert "is not a valid ISBN" in text_of(wrong)


def test_an_isbn_already_on_another_title_or_a_missing_title_is_refused_and_nothing_is_added(staff, database):
    """GIVEN "Holes" WHEN another title is added with Holes's ISBN, or a title with no title THEN the form comes
    back with the reason and what was typed, and no title is added."""
    _add_holes(staff["librarian"])
    again = staff["librarian"].post("/catalog/new", {"title": "Holes (copy)", "audience": "fiction",
                                                     "isbns": HOLES}, page="/catalog/new")
    assert again.status_code == 400 and "is already on the title 'Holes'" in text_of(again)
    assert 'value="Holes (copy)"' in again.get_data(as_text=True)
    empty = staff["librarian"].post("/catalog/new", {"title": " ", "audience": "fiction"}, page="/catalog/new")
    assert empty.status_code == 400 and "A title needs its title." in text_of(empty)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Title).where(Title.title.like("Holes%"))) == 1


def test_a_copy_is_added_with_the_next_barcode_and_a_taken_or_wrong_barcode_is_refused(staff, database, library):
    """GIVEN the title page of "Holes" WHEN it is opened THEN the next free barcode (31234...11, check digit made)
    is offered; WHEN the copy is added THEN it is at the school, available, priced; WHEN a taken barcode, a
    patron's barcode or a wrong check digit is used THEN each is refused in words and no copy is added."""
    _add_holes(staff["librarian"])
    title_id = _title(database, "Holes").id
    page = staff["librarian"].get(f"/catalog/titles/{title_id}")
    offered = make_library_barcode("3", 1234, 11)
    assert f'value="{offered}"' in page.get_data(as_text=True)
    added = staff["librarian"].post(f"/catalog/titles/{title_id}/copies",
                                    {"barcode": offered, "call_number": "FIC SAC", "location": "Fiction",
                                     "item_type": "book", "price": "8.99"})
    assert added.status_code == 302 and "/catalog/items/" in added.headers["Location"]
    item = _item(database, offered)
    assert (item.school_id, item.status, item.price_cents) == (library.school_id, "available", 899)
    for barcode, words in ((offered, "is already on another copy ('Holes')"),
                           (library.maria, "An item barcode starts with 3"),
                           (offered[:-1] + str((int(offered[-1]) + 1) % 10), "last digit")):
        refused = staff["librarian"].post(f"/catalog/titles/{title_id}/copies",
                                          {"barcode": barcode, "call_number": "FIC SAC", "location": "Fiction",
                                           "item_type": "book"}, page=f"/catalog/titles/{title_id}", follow=True)
        assert words in text_of(refused), barcode
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.title_id == title_id)) == 1


def test_a_copy_form_posted_twice_adds_one_copy(staff, database):
    """GIVEN the add-copy form WHEN it is posted twice with the same form id (a double click) THEN one copy is
    added, one audit entry written, and the second answer says it was already done."""
    _add_holes(staff["librarian"])
    title_id = _title(database, "Holes").id
    librarian = staff["librarian"]
    librarian.get(f"/catalog/titles/{title_id}")
    form_id = librarian.form_id
    form = {"barcode": make_library_barcode("3", 1234, 11), "call_number": "FIC SAC", "location": "Fiction",
            "item_type": "book"}
    assert librarian.post(f"/catalog/titles/{title_id}/copies", form, form_id=form_id).status_code == 302
    second = librarian.post(f"/catalog/titles/{title_id}/copies", form, form_id=form_id, follow=True)
    assert "This form was already sent, so nothing more was done" in text_of(second)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.title_id == title_id)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "item.add")) == 1


def test_withdrawing_needs_a_reason_and_a_checked_in_copy(staff, database, library):
    """GIVEN a shelf copy and one on loan WHEN the on-loan one is withdrawn THEN refused (check it in first);
    WHEN the shelf copy is withdrawn without a reason THEN refused; with one THEN withdrawn with reason and date."""
    lena_book = _item(database, library.lenas[0])
    refused = staff["librarian"].post(f"/catalog/items/{lena_book.id}/withdraw", {"reason": "worn"},
                                      page=f"/catalog/items/{lena_book.id}", follow=True)
    assert "check it in before withdrawing it" in text_of(refused)
    sharks = _item(database, library.sharks2)
    no_reason = staff["librarian"].post(f"/catalog/items/{sharks.id}/withdraw", {"reason": ""},
                                        page=f"/catalog/items/{sharks.id}", follow=True)
    assert "Say why" in text_of(no_reason) and _item(database, library.sharks2).status == "available"
    staff["librarian"].post(f"/catalog/items/{sharks.id}/withdraw", {"reason": "Worn out"},
                            page=f"/catalog/items/{sharks.id}")
    item = _item(database, library.sharks2)
    assert (item.status, item.status_reason, item.status_date.isoformat()) == ("withdrawn", "Worn out", "2025-10-06")


def test_a_lost_copy_on_loan_closes_the_loan_and_charges_the_borrower_and_found_waives_it(staff, database, library):
    """GIVEN Lena's book priced $12.00 WHEN marked lost with the charge THEN her loan is closed and she owes $12.00
    for it; WHEN it is found again THEN it is back on the shelf and the unpaid charge is waived with a reason."""
    book = _item(database, library.lenas[0])
    with database.writer() as session, session.begin():
        session.get(Item, book.id).price_cents = 1200
    page = staff["librarian"].get(f"/catalog/items/{book.id}")
    assert 'value="12.00"' in page.get_data(as_text=True)  # the replacement offered: its price, no fee
    staff["librarian"].post(f"/catalog/items/{book.id}/lost", {"reason": "Moved away", "charge": "yes",
                                                               "amount": "12.00"})
    with database.reader() as session:
        assert session.scalar(sa.select(Loan).where(Loan.item_id == book.id)).returned_at is not None
        fine = session.scalar(sa.select(Fine).where(Fine.item_id == book.id))
        assert (fine.amount_cents, fine.reason, fine.paid) == (1200, "lost item", False)
    assert _item(database, library.lenas[0]).status == "lost"
    staff["librarian"].post(f"/catalog/items/{book.id}/found", {}, page=f"/catalog/items/{book.id}")
    with database.reader() as session:
        fine = session.scalar(sa.select(Fine).where(Fine.item_id == book.id))
        waiver = session.scalar(sa.select(FinePayment).where(FinePayment.fine_id == fine.id))
        assert fine.paid and (waiver.kind, waiver.amount_cents) == ("waiver", 1200)
    assert _item(database, library.lenas[0]).status == "available"


def test_a_damaged_copy_may_be_charged_to_its_last_borrower(staff, database, library, kiosk):
    """GIVEN Maria borrowed and returned the DVD WHEN staff mark it damaged and charge her $5 THEN the copy is
    damaged with what happened, and Maria owes $5 for damage."""
    kiosk.event("checkout", patron_barcode=library.maria, item_barcode=library.dvd)
    kiosk.event("checkin", item_barcode=library.dvd)
    dvd = _item(database, library.dvd)
    page = staff["technician"].get(f"/catalog/items/{dvd.id}")
    assert "Charge the last borrower, Maria G." in text_of(page)
    staff["technician"].post(f"/catalog/items/{dvd.id}/damaged", {"reason": "Scratched disc", "charge": "yes",
                                                                  "amount": "5"})
    with database.reader() as session:
        fine = session.scalar(sa.select(Fine).where(Fine.item_id == dvd.id))
        assert (fine.amount_cents, fine.reason, fine.note) == (500, "damaged item", "Scratched disc")
    assert _item(database, library.dvd).status_reason == "Scratched disc"


def test_a_title_is_edited_and_a_shared_title_only_by_the_district(staff, database, library):
    """GIVEN the dragon novel (copies only at the test school) WHEN the librarian edits its series THEN it is
    saved and audited; GIVEN a second school with a copy of it THEN the librarian may no longer edit it."""
    from central.circulation.schools import add_school

    title = _title(database, "Dragon Academy #1: First Flight")
    form = {"title": title.title, "author": title.author, "audience": "fiction", "series": "Dragon Academy"}
    staff["librarian"].post(f"/catalog/titles/{title.id}/edit", form, page=f"/catalog/titles/{title.id}/edit")
    assert _title(database, title.title).series == "Dragon Academy"
    with database.writer() as session, session.begin():
        hill = add_school(session, "hill", "Hill Middle", 4321)
        session.add(Item(barcode=make_library_barcode("3", 4321, 1), title_id=title.id, school_id=hill.id,
                         call_number="FIC PAR", location="Fiction", item_type="book", status="available"))
    assert staff["librarian"].get(f"/catalog/titles/{title.id}/edit").status_code == 403
    assert staff["district_admin"].get(f"/catalog/titles/{title.id}/edit").status_code == 200
