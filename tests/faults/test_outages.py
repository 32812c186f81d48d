"""Outages between a real kiosk process and the real central server: every event arrives, once, in order."""
from __future__ import annotations

import time

import pytest

from tests.faults.harness import make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path)
    w.start_kiosk(caches=True)
    yield w
    w.close()


def line_of(state: dict, barcode: str, type_: str | None = None) -> dict:
    return next(x for x in state["lines"] if x["barcode"] == barcode and (type_ is None or x["type"] == type_))


def test_given_a_cover_isbn_then_an_outage_when_books_are_scanned_offline_then_every_event_is_delivered(world):
    """GIVEN a student who scans the ISBN on a book's back cover (the demo used to journal it and stop sending for good)
    WHEN the line to the server is cut and more books are checked out and returned THEN the ISBN gets the sticker
    sentence and is never journaled, and once the line is back every event reaches the server and nothing is parked."""
    student = world.students(1)[0]
    one, two, three = world.shelf(3)
    world.post("/dev/scan", {"code": student})
    state = world.post("/dev/scan", {"code": "9780064400558"})
    assert "library sticker" in state["notice"]["text"] and world.health()["journal"]["total"] == 0
    world.post("/dev/scan", {"code": one})
    world.proxy.set_mode("partition")
    world.post("/dev/scan", {"code": two})    # the live try: not answered within 1 s, "not yet"
    world.post("/dev/scan", {"code": three})  # decided offline at once, queued behind it
    world.post("/api/mode", {"mode": "checkin"})
    state = world.post("/dev/scan", {"code": one})
    assert line_of(state, one, "checkin")["status"] == "ok"
    assert world.health()["journal"]["pending"] == 3
    world.proxy.set_mode("pass")
    counts = world.wait_drained()
    assert counts["parked"] == 0 and counts["delivered"] == counts["total"] == 4
    events = world.server_events()
    assert [(t, item) for _id, _seq, t, item, _ok, _off in events] == [
        ("checkout", one), ("checkout", two), ("checkout", three), ("checkin", one)]
    assert all(ok for *_rest, ok, _off in events) and [off for *_r, off in events] == [False, False, True, True]
    loans = world.open_loans()
    assert [loans.get(b) for b in (one, two, three)] == [None, student, student]


def test_given_a_pending_checkout_when_the_same_book_is_returned_after_the_server_is_back_then_it_ends_on_the_shelf(
        world):
    """GIVEN a student's checkout that could not reach the server (the screen said it is saved and sent later) WHEN
    the server is back and the same book is returned at once THEN the return is queued behind the checkout, both are
    applied in that order as of when they happened, and the book is on the shelf (it used to end on loan)."""
    student = world.students(1)[0]
    (book,) = world.shelf(1, offset=10)
    world.post("/dev/scan", {"code": student})
    world.proxy.set_mode("reset")
    state = world.post("/dev/scan", {"code": book})
    assert line_of(state, book)["status"] == "ok" and "later" in line_of(state, book)["message"]
    world.proxy.set_mode("pass")
    world.post("/api/mode", {"mode": "checkin"})
    state = world.post("/dev/scan", {"code": book})
    assert line_of(state, book, "checkin")["status"] == "ok"
    world.wait_drained()
    assert [(t, item) for _id, _s, t, item, _ok, _o in world.server_events()] == [("checkout", book), ("checkin", book)]
    assert book not in world.open_loans()


def test_given_answers_lost_on_the_way_back_several_times_when_the_kiosk_sends_again_then_each_event_applies_once(
        world):
    """GIVEN the proxy throws away the server's answers (the server did the work) WHEN the kiosk keeps re-sending
    for a few seconds and the line then recovers THEN each event is stored once on the server with its effect."""
    student = world.students(2)[1]
    books = world.shelf(3, offset=20)
    world.post("/dev/scan", {"code": student})
    world.proxy.set_mode("drop_response")
    for book in books:
        world.post("/dev/scan", {"code": book})
    deadline = time.monotonic() + 8
    while world.proxy.answers_dropped < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert world.proxy.answers_dropped >= 4  # re-sent several times, each answer lost
    world.proxy.set_mode("pass")
    counts = world.wait_drained()
    events = world.server_events()
    assert counts["delivered"] == 3 and len(events) == 3 and len({e[0] for e in events}) == 3
    assert {world.open_loans()[b] for b in books} == {student}


def test_given_a_partition_under_continued_use_when_it_heals_then_sign_ins_checkouts_and_returns_all_arrive(world):
    """GIVEN the server partitioned away WHEN three students sign in, check out and return books for a while THEN
    the kiosk serves every one of them from its policy, and after the partition heals everything reaches the server
    in the order it happened, each event once, the offline ones with offline = true."""
    world.proxy.set_mode("partition")
    students = world.students(3)
    books = world.shelf(6, offset=30)
    done = []
    for n, student in enumerate(students):
        state = world.post("/dev/scan", {"code": student})
        assert state["state"] == "active", state["notice"]
        for book in books[2 * n:2 * n + 2]:
            state = world.post("/dev/scan", {"code": book})
            line = line_of(state, book)
            if line["status"] == "ok":
                done.append(line["event_id"])
        world.post("/api/finish", {"receipt": False})
    world.post("/api/mode", {"mode": "checkin"})
    state = world.post("/dev/scan", {"code": books[0]})
    done.append(line_of(state, books[0], "checkin")["event_id"])
    assert world.health()["backend"]["reachable"] is False and len(done) >= 6  # only the first try waited
    world.proxy.set_mode("pass")
    counts = world.wait_drained()
    events = world.server_events()
    assert counts["parked"] == 0 and len(events) == counts["total"] == 7
    assert {e[0] for e in events} >= set(done) and [e[1] for e in events] == sorted(e[1] for e in events)
    assert books[0] not in world.open_loans() and all(world.open_loans().get(b) for b in books[1:])
