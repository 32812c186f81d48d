"""`kiosk run` with [backend] kind = "sip2", as real processes, against the central server's SIP2 server.

The kiosk process talks SIP2 through the fault proxy to `central sip2-server` (a process) over the
small library of tests/faults/sip2_world.py, logged in as the demo login (station demo-sip2-1 at
Lincoln). A student signs in, checks out, renews, reads My account and returns; the line goes down
and the outbox's policy decides; a transaction the library computer refuses afterwards is parked
for staff without holding up the ones behind it.
"""
from __future__ import annotations

import sqlite3

import pytest
import requests

from protocol.identifiers import make_library_barcode
from tests.faults.sip2_world import DEMO_STATION, SMALL_INSTITUTION, delivered_events, make_sip2_world, small_template

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small Lincoln library with the demo SIP2 login, made once for this module."""
    return small_template(tmp_path_factory.mktemp("sip2-central"))


@pytest.fixture
def world(tmp_path, template):
    """A copy of the demo library, its SIP2 server, the proxy and a running SIP2 kiosk; stopped afterwards."""
    w = make_sip2_world(tmp_path, template)
    w.start_kiosk()
    yield w
    w.close()


def line(state: dict, barcode: str, type_: str) -> dict:
    """The screen's line for ``barcode`` in mode ``type_``."""
    return next(x for x in state["lines"] if x["barcode"] == barcode and x["type"] == type_)


def scan(world, code: str) -> dict:
    """The simulated scanner reads ``code``; the screen's state after it."""
    return world.post("/dev/scan", {"code": code})


def waiting_for(world) -> str:
    """A Lincoln book on loan whose title another student is waiting for (a hold)."""
    with sqlite3.connect(world.central_db) as db:
        return db.execute("SELECT i.barcode FROM items i JOIN holds h ON h.title_id = i.title_id"
                          " JOIN schools s ON s.id = i.school_id WHERE i.status = 'on_loan' AND h.status = 'waiting'"
                          " AND s.code = 'lincoln' ORDER BY i.barcode LIMIT 1").fetchone()[0]


@pytest.mark.timeout(180)
def test_a_student_checks_out_renews_reads_my_account_and_returns_over_sip2(world):
    """GIVEN the kiosk on the SIP2 backend WHEN a student signs in, checks out two books, renews one, opens My account
    and returns the other THEN each line is confirmed with its due date, My account lists both loans, and the
    central server holds those four events for the SIP2 station with the loans to match."""
    [student], books = world.students(1), world.shelf(2, offset=0)
    state = scan(world, student)
    assert state["state"] == "active" and state["patron"]["can_checkout"]
    for book in books:
        confirmed = line(scan(world, book), book, "checkout")
        assert confirmed["status"] == "ok" and confirmed["due_date"] and confirmed["title"] != "This book"
    account = requests.get(world.base + "/api/account", timeout=20)
    assert account.status_code == 200
    assert sorted(loan["barcode"] for loan in account.json()["loans"]) == sorted(books)
    world.post("/api/mode", {"mode": "renew"})
    assert line(scan(world, books[0]), books[0], "renew")["status"] == "ok"
    world.post("/api/mode", {"mode": "checkin"})
    assert line(scan(world, books[1]), books[1], "checkin")["status"] == "ok"
    world.post("/api/finish", {"receipt": False})
    assert [(e[2], e[3], e[4]) for e in world.server_events()] == [
        ("checkout", books[0], True), ("checkout", books[1], True), ("renew", books[0], True),
        ("checkin", books[1], True)]
    loans = world.open_loans()
    assert loans.get(books[0]) == student and books[1] not in loans
    assert world.health()["journal"]["delivered"] == 4


@pytest.mark.timeout(180)
def test_a_return_someone_is_waiting_for_is_routed_to_the_hold_shelf(world):
    """GIVEN a book on loan that another student has a hold on WHEN it is returned at the SIP2 kiosk THEN the line
    says to give it to a librarian (the hold shelf), from the SIP2 server's CV 01 alert."""
    book = waiting_for(world)
    world.post("/api/mode", {"mode": "checkin"})
    returned = line(scan(world, book), book, "checkin")
    assert returned["status"] == "ok" and "waiting for this book" in returned["message"]
    [(_id, type_, item, ok)] = delivered_events(world)
    assert (type_, item, ok) == ("checkin", book, True)


@pytest.mark.timeout(180)
def test_offline_the_policy_decides_and_everything_arrives_once_the_line_is_back(world):
    """GIVEN the line to the SIP2 server cut WHEN a student signs in, checks out two books and returns one THEN the
    kiosk decides them offline (saved, with a due date) and, once the line is back, the server holds them as
    offline transactions of the SIP2 station, once each, with the loan to match."""
    [student], books = world.students(1), world.shelf(2, offset=10)
    world.proxy.set_mode("partition")
    state = scan(world, student)
    assert state["state"] == "active"
    for book in books:
        saved = line(scan(world, book), book, "checkout")
        assert saved["status"] == "ok" and saved["due_date"]
    world.post("/api/mode", {"mode": "checkin"})
    assert line(scan(world, books[1]), books[1], "checkin")["status"] == "ok"
    world.post("/api/finish", {"receipt": False})
    assert world.health()["journal"]["pending"] == 3
    world.proxy.set_mode("pass")
    counts = world.wait_drained(60)
    assert (counts["delivered"], counts["parked"]) == (3, 0)
    assert [(e[2], e[3], e[4], e[5]) for e in world.server_events()] == [
        ("checkout", books[0], True, True), ("checkout", books[1], True, True), ("checkin", books[1], True, True)]
    assert world.open_loans().get(books[0]) == student and books[1] not in world.open_loans()


@pytest.mark.timeout(180)
def test_an_offline_checkout_the_library_refuses_is_parked_and_the_next_ones_still_arrive(world):
    """GIVEN the line cut WHEN a student checks out a book the library does not have (a valid barcode nobody
    labelled) and then a real one THEN both are saved offline; once the line is back the unknown one is parked for
    staff with the library's reason and the real one is delivered behind it."""
    [student], [book] = world.students(1), world.shelf(1, offset=20)
    nobody = make_library_barcode("3", SMALL_INSTITUTION, 99_999_001)
    world.proxy.set_mode("partition")
    scan(world, student)
    assert line(scan(world, nobody), nobody, "checkout")["status"] == "ok"
    assert line(scan(world, book), book, "checkout")["status"] == "ok"
    world.post("/api/finish", {"receipt": False})
    world.proxy.set_mode("pass")
    counts = world.wait_drained(60)
    assert (counts["delivered"], counts["parked"]) == (1, 1)
    with sqlite3.connect(world.journal) as db:
        code, message = db.execute("SELECT rejection_code, rejection_message FROM deliveries"
                                   " WHERE state = 'parked'").fetchone()
    assert code == "item_unknown" and "refused a transaction made while it was offline" in message
    assert world.open_loans().get(book) == student
    assert {e[2:5] for e in world.server_events()} == {("checkout", nobody, False), ("checkout", book, True)}
    assert world.station == DEMO_STATION
