"""Roles on every route: each registered staff route is walked with every role, signed out, and across schools.

A new page cannot forget its check: a route without @requires or @public fails the first test, and
every route is then asked, GET and POST, by each role with a real CSRF token and data that would work.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from central.circulation.schools import add_school
from central.imports.jobs import Jobs, Meta
from central.staff import roles
from central.api.routes import token_hash
from central.store.models import (AuditEntry, CirculationException, Fine, FinePayment, Hold, Item, Kiosk,
                                  LibrarySettings, Loan, Patron, PatronCard, StaffAccount, Title)
from tests.central.conftest import MONDAY, SQLITE_ONLY
from tests.central.staff import ROLES, StaffClient

OTHER_BOOK, OTHER_STUDENT = "34321000000011", "24321000000013"
# Tables whose rows a change would add, remove or alter, with the columns compared.
WATCHED = {Patron: ("barcode", "first_name", "block_reason", "pin_hash", "student_id"),
           Item: ("barcode", "status", "call_number", "price_cents"), Title: ("title", "author"),
           Loan: ("item_id", "returned_at", "due_date"), Hold: ("status", "item_id"),
           Fine: ("amount_cents", "paid_cents", "paid"), FinePayment: ("amount_cents",), PatronCard: ("uid",),
           LibrarySettings: ("library_name",), CirculationException: ("resolved_at", "resolution_note")}


def staff_rules(app):
    """Every staff route (the web blueprint tree), with its methods."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("web.")]


def snapshot(database) -> dict:
    """The watched tables as they are (to prove a refused request changed nothing)."""
    with database.reader() as session:
        return {model.__name__: sorted(tuple(str(getattr(row, c)) for c in ("id", *columns))
                                       for row in session.scalars(sa.select(model)))
                for model, columns in WATCHED.items()}


@pytest.fixture
def ids(app, database, library, tmp_path):
    """Real ids for the route arguments, at the test school, and the same at another school ("hill")."""
    with database.writer() as session, session.begin():
        hill = add_school(session, "hill", "Hill Middle School", 4321)
        hill_id = hill.id
        sharks = session.scalar(sa.select(Item).where(Item.barcode == library.sharks2))
        session.add(Item(barcode=OTHER_BOOK, title_id=sharks.title_id, school_id=hill.id, call_number="597.3 GIB",
                         location="Nonfiction", item_type="book", status="available"))
        noah = Patron(barcode=OTHER_STUDENT, school_id=hill.id, first_name="Noah", last_name="Berg",
                      patron_type="student", expires_on=date(2026, 8, 31), language="en")
        session.add(noah)
        session.flush()
        session.add(Fine(patron_id=noah.id, school_id=hill.id, amount_cents=300, reason="overdue",
                         assessed_on=date(2025, 10, 1), paid=False))
        session.add(PatronCard(uid="04FFEEDDCCBBAA", patron_id=noah.id))
        session.add(Hold(title_id=sharks.title_id, patron_id=noah.id, school_id=hill.id, status="waiting",
                         placed_at=MONDAY))
        session.add(Kiosk(id="h1", name="Hill lobby", school_id=hill.id, token_hash=token_hash("token-hill")))
        session.flush()
        # One exception at each school's kiosk: open, so resolving it would change it.
        for kiosk_id in ("k1", "h1"):
            session.add(CirculationException(kiosk_id=kiosk_id, rule="patron_blocked", item_barcode=library.sharks,
                                             patron_barcode=library.blocked, detail={"type": "checkout"},
                                             created_at=MONDAY))
    with database.reader() as session:
        def one(model, *where):
            return session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))
        own = {"item_id": one(Item, Item.barcode == library.sharks2),
               "patron_id": one(Patron, Patron.barcode == library.maria),
               "hold_id": one(Hold, Hold.school_id == library.school_id),
               "fine_id": one(Fine, Fine.school_id == library.school_id),
               "card_id": one(PatronCard, PatronCard.uid != "04FFEEDDCCBBAA"),
               "exception_id": one(CirculationException, CirculationException.kiosk_id == "k1")}
        # A title only the test school has copies of: its librarian may edit it (a shared one only the district).
        own["title_id"] = session.scalar(sa.select(Item.title_id).where(Item.barcode == library.dragon))
        other = {**own, "item_id": one(Item, Item.barcode == OTHER_BOOK),
                 "patron_id": one(Patron, Patron.barcode == OTHER_STUDENT),
                 "hold_id": one(Hold, Hold.school_id != library.school_id),
                 "fine_id": one(Fine, Fine.school_id != library.school_id),
                 "card_id": one(PatronCard, PatronCard.uid == "04FFEEDDCCBBAA"),
                 "exception_id": one(CirculationException, CirculationException.kiosk_id == "h1")}
    # An import run of each school, uploaded and not started (its pages are opened, never run).
    app.config["IMPORTS_FOLDER"] = str(tmp_path / "imports")
    runs = Jobs(tmp_path / "imports")
    own["job_id"], other["job_id"] = (runs.create(Meta(kind="marc", school_id=school, staff_id=None,
                                                       file_name="walk.mrc", options={}), b"")
                                      for school in (library.school_id, hill_id))
    return {"own": own, "other": other}


def form_data(library) -> dict:
    """Data that would make each form do its change, were the request allowed."""
    return {"reason": "role walk", "amount": "0.50", "pin": "9876", "uid": "04AABBCCDDEE11", "title": "Walk Title",
            "author": "A. Walker", "audience": "fiction", "barcode": "31234000000990", "call_number": "FIC WAL",
            "location": "Fiction", "item_type": "book", "first_name": "Walk", "last_name": "Er",
            "patron_type": "student", "expires_on": "2026-08-31", "language": "es", "patron": library.maria,
            "item": library.sharks, "title_code": library.dragon, "school_id": "1",
            "note": "role walk"}


def url_for_rule(app, rule, values: dict) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def test_every_staff_route_declares_its_permission(app):
    """GIVEN the app WHEN its staff routes are listed THEN each one names a known permission or is public."""
    rules = staff_rules(app)
    assert len(rules) > 30
    for rule in rules:
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        assert permission == "public" or permission in roles.PERMISSIONS, rule.endpoint


@SQLITE_ONLY
def test_every_route_with_every_role_does_only_what_the_role_may(app, database, library, staff, ids):
    """GIVEN a librarian, technician, read-only account and district admin WHEN each GETs and POSTs every staff
    route THEN a route outside the role's permissions answers 403, one inside never 403 or 500; and after
    every read-only POST (which is refused, except signing out or choosing a language) the data is as it was."""
    data = form_data(library)
    for role in ("read_only", "technician", "librarian", "district_admin"):
        client = staff[role]
        for rule in staff_rules(app):
            permission = app.view_functions[rule.endpoint].permission
            url = url_for_rule(app, rule, ids["own"])
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if rule.endpoint == "web.auth.sign_out":
                    continue  # would end the walk's session; tested in test_staff_signin
                before = snapshot(database) if role == "read_only" and method == "POST" else None
                client.get("/")  # a fresh CSRF token and form id for each request, as a browser has
                response = client.get(url) if method == "GET" else client.post(url, data)
                may = permission == "public" or roles.allowed(_account(database, role), permission)
                where = f"{role} {method} {rule.rule}"
                if not may:
                    assert response.status_code == 403, where
                else:
                    assert response.status_code not in (403, 500), where
                if before is not None and permission not in ("public", "home"):
                    assert snapshot(database) == before, where


def _account(database, role: str) -> StaffAccount:
    with database.reader() as session:
        return session.scalar(sa.select(StaffAccount).where(StaffAccount.username == role.replace("_", "")))


@SQLITE_ONLY
def test_a_librarian_can_neither_see_nor_change_another_schools_records(app, database, library, staff, ids):
    """GIVEN a librarian of the test school WHEN she opens or posts to a copy, patron, hold, fine, exception or
    import run of Hill Middle THEN 403 every time and Hill's records are as they were; the district admin may open them."""
    data = form_data(library)
    before = snapshot(database)
    checked = 0
    for rule in staff_rules(app):
        wanted = {"item_id", "patron_id", "hold_id", "fine_id", "card_id", "exception_id", "job_id"}
        if not wanted & set(rule.arguments):
            continue
        url = url_for_rule(app, rule, ids["other"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            staff["librarian"].get("/")
            response = staff["librarian"].get(url) if method == "GET" else staff["librarian"].post(url, data)
            if rule.endpoint.startswith("web.desk."):
                # The desk finds the patron by the scanned barcode, among the librarian's own patrons only.
                assert response.status_code in (302, 403), f"{method} {rule.rule}"
            else:
                assert response.status_code == 403, f"{method} {rule.rule}"
            checked += 1
    assert checked >= 10 and snapshot(database) == before
    assert staff["district_admin"].get(f"/patrons/{ids['other']['patron_id']}").status_code == 200
    found = staff["librarian"].get(f"/patrons?q={OTHER_STUDENT}").get_data(as_text=True)
    assert f"/patrons/{ids['other']['patron_id']}" not in found and "No patron matches" in found


@SQLITE_ONLY
def test_signed_out_every_page_sends_to_the_sign_in_form_and_every_post_is_refused(app, database, library, ids):
    """GIVEN nobody signed in WHEN any staff page is opened THEN it redirects to the sign-in form; WHEN any form
    is posted (with a valid token) THEN 401 and nothing changed."""
    client = StaffClient(app)
    data = form_data(library)
    before = snapshot(database)
    for rule in staff_rules(app):
        if app.view_functions[rule.endpoint].permission == "public":
            continue
        url = url_for_rule(app, rule, ids["own"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client.get("/")
            response = client.get(url) if method == "GET" else client.post(url, data)
            expected = 302 if method == "GET" else 401
            assert response.status_code == expected, f"{method} {rule.rule}"
    assert snapshot(database) == before
    with database.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_read_only_role_holds_only_permissions_that_change_nothing():
    """GIVEN the permission table THEN read-only holds home, catalog.view, patrons.view and exceptions.view and
    nothing else."""
    held = {p for p, who in roles.PERMISSIONS.items() if "read_only" in who}
    assert held == roles.READ_ONLY
    assert set(ROLES) == set(roles.ALL)
