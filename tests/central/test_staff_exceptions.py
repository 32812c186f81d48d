"""The exceptions page: every conflict rule a real offline batch can trigger, in words; resolve and reopen; schools."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from central.api.routes import token_hash
from central.circulation.schools import add_school
from central.store.models import AuditEntry, CirculationException, Item, Kiosk, Patron, Title
from central.web.exceptions import RULE_SENTENCES
from central.web.i18n import spanish
from tests.central.conftest import MONDAY, SQLITE_ONLY, Kiosk as KioskClient
from tests.central.staff import StaffClient, add_staff, text_of
from tests.central.library import item_barcode
from tests.central.test_sync_batch import ev, send, statuses

LOST_COPY = item_barcode(40)  # a copy of the shark book marked lost, checked out offline (C12)



def make_every_exception(kiosk, other_kiosk, library, database) -> None:
    """Offline batches through POST /api/v1/circulation/events that trip every rule of the conflict table."""
    with database.writer() as session, session.begin():  # a copy marked lost, for C12
        sharks = session.scalar(sa.select(Item).where(Item.barcode == library.sharks))
        session.add(Item(barcode=LOST_COPY, title_id=sharks.title_id, call_number=sharks.call_number,
                         location=sharks.location, item_type=sharks.item_type, status="lost",
                         school_id=sharks.school_id))
    # Back room (k2) took two books back while Entrance (k1) was offline: the shark book an hour ago (two hours
    # after Entrance lent it) and the dragon book two minutes after Entrance lent it (clocks can be that far apart).
    assert statuses(send(other_kiosk, [ev(1, "checkin", minutes=120, item_barcode=library.sharks),
                                       ev(2, "checkin", minutes=2, item_barcode=library.dragon)])) == ["applied"] * 2
    reused = str(uuid.uuid4())
    week_before = ev(3, "checkout", patron_barcode=library.maria, item_barcode=library.lenas[1])
    week_before["occurred_at"] = datetime(2025, 9, 29, 9, 0, tzinfo=timezone.utc).isoformat()
    stale_return = ev(10, "checkin", item_barcode=library.lenas[2])
    stale_return["occurred_at"] = datetime(2025, 9, 28, 9, 0, tzinfo=timezone.utc).isoformat()
    batch = [ev(1, "checkout", patron_barcode=library.lena, item_barcode=library.held),  # C1 and C7 (limit)
             ev(2, "checkout", patron_barcode=library.teacher, item_barcode=library.lenas[0]),  # C2
             week_before,  # C3
             ev(4, "checkout", patron_barcode=library.maria, item_barcode=library.sharks),  # C4
             ev(5, "checkout", patron_barcode=library.teacher, item_barcode=library.dragon),  # C4 and C5
             ev(6, "checkout", event_id=reused, patron_barcode=library.blocked, item_barcode=library.bear),  # C6
             ev(7, "checkout", patron_barcode=library.expired, item_barcode=library.sharks2),  # C6
             ev(8, "checkout", patron_barcode=library.owes, item_barcode=library.dvd),  # C6
             ev(9, "checkout", patron_barcode=library.maria, item_barcode=library.encyclopedia),  # C7
             stale_return]  # C8
    assert statuses(send(kiosk, batch)) == ["applied"] * 10
    clash = ev(11, "checkout", event_id=reused, patron_barcode=library.teacher, item_barcode=library.sharks2)
    assert statuses(send(kiosk, [clash])) == ["rejected"]  # C10
    assert statuses(send(kiosk, [ev(1, "checkin", item_barcode=library.bear)])) == ["not_applied"]  # C11
    lost = ev(12, "checkout", patron_barcode=library.teacher, item_barcode=LOST_COPY)
    assert statuses(send(kiosk, [lost])) == ["applied"]  # C12


@pytest.fixture
def every_exception(kiosk, other_kiosk, library, database) -> dict[str, int]:
    """Every rule tripped once (C5 beside a C4); rule code -> the id of its (first) exception."""
    make_every_exception(kiosk, other_kiosk, library, database)
    with database.reader() as session:
        rows = session.execute(sa.select(CirculationException.rule, CirculationException.id)
                               .order_by(CirculationException.id.desc())).all()
    return dict(rows)


def _ids(database, model, column, value) -> int:
    with database.reader() as session:
        return session.scalar(sa.select(model.id).where(column == value))


def exception(database, exception_id: int) -> CirculationException:
    """The exception row as stored."""
    with database.reader() as session:
        return session.get(CirculationException, exception_id)


@SQLITE_ONLY
def test_every_rule_a_real_offline_batch_trips_is_listed_in_words(staff, every_exception, database, library):
    """GIVEN offline batches from two kiosks that trip every rule of the conflict table (C1-C8, C10-C12) WHEN the
    librarian opens the exceptions page THEN each is listed once with its sentence, what to check, its kiosk's name,
    the book's barcode and a link to its title, the patron's name linking to the patron page with the barcode
    shown, and the times the event happened and was corrected to."""
    assert set(every_exception) == set(RULE_SENTENCES)
    page = staff["librarian"].get("/exceptions")
    assert page.status_code == 200
    text, html = text_of(page), page.get_data(as_text=True)
    for sentence, check in RULE_SENTENCES.values():
        assert sentence in text and check in text
    assert "Entrance" in text and "Open exceptions: 15" in text
    sharks_title = _ids(database, Title, Title.title, "All About Sharks")
    assert f'href="/catalog/titles/{sharks_title}">All About Sharks</a>' in html
    maria = _ids(database, Patron, Patron.barcode, library.maria)
    assert f'href="/patrons/{maria}">Maria G.</a> · {library.maria}' in html
    row = html.split(f'id="exception-{every_exception["offline_checkout_closed_other_loan"]}"')[1].split("</tr>")[0]
    lena = _ids(database, Patron, Patron.barcode, library.lena)
    assert f'/patrons/{lena}"' in row and "on loan since 2025-09-29" in text_of_html(row)
    row = html.split(f'id="exception-{every_exception["offline_checkout_returned_later"]}"')[1].split("</tr>")[0]
    assert "happened 2025-10-06 06:30 by the kiosk's clock" in text_of_html(row)
    assert "corrected: 2025-10-06 06:30" in text_of_html(row) and "Look for the book on the shelf." in row


def text_of_html(fragment: str) -> str:
    """The text a person reads in an HTML fragment."""
    import re
    from html import unescape
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


@SQLITE_ONLY
def test_the_filters_choose_by_state_kiosk_and_rule(staff, every_exception, database):
    """GIVEN every rule tripped, one resolved WHEN the list is filtered THEN open hides the resolved one, resolved
    shows only it, all shows it after the open ones, and kiosk and rule filters keep only theirs."""
    resolved = every_exception["item_reference"]
    client = staff["librarian"]
    client.post(f"/exceptions/{resolved}/resolve", {"note": "Book is back."}, page="/exceptions")
    assert f'id="exception-{resolved}"' not in client.get("/exceptions").get_data(as_text=True)
    only = client.get("/exceptions?status=resolved").get_data(as_text=True)
    assert only.count('<tr id="exception-') == 1 and f'id="exception-{resolved}"' in only
    everything = client.get("/exceptions?status=all").get_data(as_text=True)
    assert everything.count('<tr id="exception-') == 15
    assert everything.rindex('<tr id="exception-') == everything.index(f'<tr id="exception-{resolved}"')
    rule = client.get("/exceptions?status=all&rule=sequence_reused").get_data(as_text=True)
    assert rule.count('<tr id="exception-') == 1 and f'id="exception-{every_exception["sequence_reused"]}"' in rule
    back_room = client.get("/exceptions?kiosk=k2").get_data(as_text=True)
    assert back_room.count('<tr id="exception-') == 0
    assert client.get("/exceptions?kiosk=k1&status=bogus").get_data(as_text=True).count('<tr id="exception-') == 14


@SQLITE_ONLY
def test_resolve_needs_a_note_keeps_it_and_is_done_once_when_posted_twice(staff, every_exception, database):
    """GIVEN an open exception WHEN resolved with no note, or one over 1000 characters THEN refused in words and still
    open; WHEN resolved with a note, and the same form posted again THEN resolved once by the librarian with the
    note, one audit entry, the second post says it was already sent; the page shows who resolved it and the note."""
    target = every_exception["offline_checkout_returned_later"]
    client = staff["librarian"]
    empty = client.post(f"/exceptions/{target}/resolve", {"note": "  "}, page="/exceptions", follow=True)
    assert "Write in the note what was done about it." in text_of(empty)
    long = client.post(f"/exceptions/{target}/resolve", {"note": "x" * 1001}, page="/exceptions", follow=True)
    assert "note is too long: at most 1000 characters." in text_of(long)
    assert exception(database, target).resolved_at is None
    form_id = str(uuid.uuid4())
    done = client.post(f"/exceptions/{target}/resolve", {"note": "Found it on the shelf, 597.3 GIB.",
                                                         "next": "/exceptions?status=all"},
                       page="/exceptions", form_id=form_id)
    assert done.status_code == 302 and done.headers["Location"].endswith("/exceptions?status=all")
    again = client.post(f"/exceptions/{target}/resolve", {"note": "Another note."}, form_id=form_id, follow=True)
    assert "This form was already sent, so nothing more was done" in text_of(again)
    row = exception(database, target)
    assert row.resolved_by == "librarian" and row.resolution_note == "Found it on the shelf, 597.3 GIB."
    assert row.resolved_at is not None
    with database.reader() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "exception.resolve")).all()
    assert [e.target_id for e in entries] == [str(target)]
    assert entries[0].summary == f"Resolved exception {target} (offline_checkout_returned_later): " \
                                 "Found it on the shelf, 597.3 GIB."
    shown = text_of(client.get(f"/exceptions/{target}"))
    assert "Resolved by librarian" in shown and "Found it on the shelf, 597.3 GIB." in shown
    other = staff["technician"].post(f"/exceptions/{target}/resolve", {"note": "Mine too."}, page="/exceptions",
                                     follow=True)
    assert "librarian already resolved this exception: Found it on the shelf, 597.3 GIB." in text_of(other)
    assert exception(database, target).resolution_note == "Found it on the shelf, 597.3 GIB."


@SQLITE_ONLY
def test_a_librarian_reopens_a_resolved_exception_and_its_history_keeps_the_note(staff, every_exception, database):
    """GIVEN an exception the technician resolved WHEN the technician tries to reopen it THEN 403; WHEN the librarian
    reopens it THEN it is open again, nothing was deleted, and its page's history shows the resolution with its note
    and the reopening; WHEN it is reopened again THEN it says it is open already."""
    target = every_exception["sequence_reused"]
    staff["technician"].post(f"/exceptions/{target}/resolve", {"note": "Kiosk restored from backup; renumbered."},
                             page="/exceptions")
    assert exception(database, target).resolved_by == "technician"
    assert staff["technician"].post(f"/exceptions/{target}/reopen", page=f"/exceptions/{target}").status_code == 403
    page = staff["librarian"].post(f"/exceptions/{target}/reopen", page=f"/exceptions/{target}", follow=True)
    assert "The exception is open again." in text_of(page)
    row = exception(database, target)
    assert row.resolved_at is None and row.resolved_by is None and row.rule == "sequence_reused"
    history = text_of(page).split("History", 1)[1]
    assert "Resolved exception" in history and "Kiosk restored from backup; renumbered." in history
    assert "Reopened exception" in history and "resolved by technician" in history
    again = staff["librarian"].post(f"/exceptions/{target}/reopen", page=f"/exceptions/{target}", follow=True)
    assert "This exception is open already." in text_of(again)
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CirculationException)) == 15


@SQLITE_ONLY
def test_read_only_may_look_but_not_resolve(staff, every_exception, database):
    """GIVEN a read-only account WHEN it opens the page THEN it sees the exceptions without a resolve form; WHEN it
    posts a resolve anyway THEN 403 and the exception stays open."""
    target = every_exception["patron_blocked"]
    page = staff["read_only"].get("/exceptions")
    assert page.status_code == 200 and "Mark resolved" not in text_of(page)
    assert RULE_SENTENCES["patron_blocked"][0] in text_of(page)
    assert staff["read_only"].post(f"/exceptions/{target}/resolve", {"note": "no"}).status_code == 403
    assert exception(database, target).resolved_at is None


@pytest.fixture
def hill(app, database, clock, library):
    """A second school, Hill Middle, with its own kiosk "h1" and one offline checkout that tripped a rule there."""
    with database.writer() as session, session.begin():
        school = add_school(session, "hill", "Hill Middle School", 4321)
        session.add(Kiosk(id="h1", name="Hill lobby", school_id=school.id, token_hash=token_hash("token-hill")))
        hill_id = school.id
    # A Test School book taken to Hill's kiosk by Ava, who is blocked: the exception is Hill's (its kiosk's school).
    hill_kiosk = KioskClient(app.test_client(), "token-hill")
    assert statuses(send(hill_kiosk, [ev(1, "checkout", patron_barcode=library.blocked,
                                         item_barcode=library.bear)])) == ["applied"]
    add_staff(database, clock, "hillbrarian", "librarian", hill_id)
    with database.reader() as session:
        return {"school_id": hill_id, "exception_id": session.scalar(
            sa.select(CirculationException.id).where(CirculationException.kiosk_id == "h1"))}


@SQLITE_ONLY
def test_each_school_sees_its_own_kiosks_exceptions_and_the_district_admin_all(app, staff, hill, library, kiosk,
                                                                               database):
    """GIVEN an exception at Hill's kiosk and one at the test school's WHEN the test school's librarian and
    technician look THEN they see only their own, and Hill's exception page and resolve answer 403; Hill's librarian
    sees Hill's (the patron and copy, of another school, without links); the district admin sees both, and each
    home page counts its own open exceptions."""
    send(kiosk, [ev(1, "checkout", patron_barcode=library.expired, item_barcode=library.sharks)])
    theirs = hill["exception_id"]
    for role in ("librarian", "technician"):
        page = staff[role].get("/exceptions").get_data(as_text=True)
        assert page.count('<tr id="exception-') == 1 and f'id="exception-{theirs}"' not in page
        assert staff[role].get(f"/exceptions/{theirs}").status_code == 403
        assert staff[role].post(f"/exceptions/{theirs}/resolve", {"note": "not mine"}).status_code == 403
    assert exception(database, theirs).resolved_at is None
    hill_client = StaffClient(app)
    hill_client.sign_in("hillbrarian")
    page = hill_client.get("/exceptions")
    html = page.get_data(as_text=True)
    assert html.count('<tr id="exception-') == 1 and "Hill lobby" in text_of(page)
    assert library.blocked in html and "/patrons/" not in html and "/catalog/items/" not in html
    assert "/catalog/titles/" in html  # the catalog's titles are the district's
    admin = staff["district_admin"].get("/exceptions").get_data(as_text=True)
    assert admin.count('<tr id="exception-') == 2
    assert "Open exceptions 1" in text_of(staff["librarian"].get("/"))
    assert "Open exceptions 1" in text_of(hill_client.get("/"))
    assert "Open exceptions 2" in text_of(staff["district_admin"].get("/"))
    assert 'href="/exceptions"' in staff["librarian"].get("/").get_data(as_text=True)


@SQLITE_ONLY
def test_a_spanish_speaking_librarian_reads_every_rule_in_spanish(app, database, clock, library, every_exception):
    """GIVEN every rule tripped and a librarian whose language is Spanish WHEN she opens the page THEN each rule's
    sentence and what to check are in Spanish, and resolving says so in Spanish."""
    add_staff(database, clock, "lucia", "librarian", library.school_id, language="es")
    client = StaffClient(app)
    client.sign_in("lucia")
    page = client.get("/exceptions")
    text = text_of(page)
    assert '<html lang="es">' in page.get_data(as_text=True) and "Excepciones" in text
    for sentence, check in RULE_SENTENCES.values():
        assert spanish()[sentence] in text and spanish()[check] in text
    target = every_exception["card_expired"]
    done = client.post(f"/exceptions/{target}/resolve", {"note": "Tarjeta renovada."}, page="/exceptions", follow=True)
    assert "La excepción está resuelta." in text_of(done)


@SQLITE_ONLY
def test_a_rule_code_the_page_does_not_know_is_shown_as_the_code(staff, database, library, clock):
    """GIVEN an exception with a rule code no table names (a SIP2 server's own, say) WHEN the page opens THEN the row
    shows the code itself, and it can be resolved like any other."""
    with database.writer() as session, session.begin():
        row = CirculationException(kiosk_id="k1", event_id=str(uuid.uuid4()), rule="sip2_checksum_mismatch",
                                   item_barcode=library.sharks, detail={"sequence": 7}, created_at=MONDAY)
        session.add(row)
        session.flush()
        target = row.id
    page = staff["technician"].get("/exceptions")
    assert "sip2_checksum_mismatch" in text_of(page) and "event number 7" in text_of(page)
    staff["technician"].post(f"/exceptions/{target}/resolve", {"note": "SIP2 link checked."}, page="/exceptions")
    assert exception(database, target).resolution_note == "SIP2 link checked."


@SQLITE_ONLY
def test_a_missing_exception_is_not_found(staff):
    """GIVEN no exception 999 WHEN it is opened or resolved THEN 404 in words."""
    assert staff["librarian"].get("/exceptions/999").status_code == 404
    assert staff["librarian"].post("/exceptions/999/resolve", {"note": "x"}, page="/exceptions").status_code == 404


def test_the_page_and_resolving_work_on_both_databases(staff, every_exception, database):
    """GIVEN every rule tripped, on SQLite and on PostgreSQL WHEN the librarian lists all, filters by rule, resolves
    one and reopens it THEN the list, the filter, the open count and the stored resolution agree on both."""
    client = staff["librarian"]
    target = every_exception["clock_skew_ambiguous"]
    assert client.get("/exceptions?status=all").get_data(as_text=True).count('<tr id="exception-') == 15
    client.post(f"/exceptions/{target}/resolve", {"note": "On the shelf."}, page="/exceptions")
    assert exception(database, target).resolution_note == "On the shelf."
    resolved = client.get("/exceptions?status=resolved&rule=clock_skew_ambiguous").get_data(as_text=True)
    assert resolved.count('<tr id="exception-') == 1 and "Open exceptions: 14" in resolved
    client.post(f"/exceptions/{target}/reopen", page=f"/exceptions/{target}")
    assert exception(database, target).resolved_at is None


@SQLITE_ONLY
def test_a_long_list_comes_fifty_at_a_time_newest_first(staff, database, library):
    """GIVEN 60 open exceptions at one kiosk, one a minute WHEN the page opens THEN the 50 newest are shown with a link
    to the older ones, which shows the last 10 and a link back."""
    from datetime import timedelta

    with database.writer() as session, session.begin():
        session.add_all(CirculationException(kiosk_id="k1", rule="patron_blocked", item_barcode=library.sharks,
                                             patron_barcode=library.blocked, detail={"sequence": n},
                                             created_at=MONDAY + timedelta(minutes=n)) for n in range(60))
    first = staff["librarian"].get("/exceptions")
    html = first.get_data(as_text=True)
    assert html.count('<tr id="exception-') == 50 and "Showing 1 to 50 of 60." in text_of(first)
    assert "event number 59" in html and "event number 9 " not in text_of(first)
    older = staff["librarian"].get("/exceptions?status=open&page=2")
    assert older.get_data(as_text=True).count('<tr id="exception-') == 10 and "Newer" in text_of(older)
    assert "event number 0" in text_of(older)
