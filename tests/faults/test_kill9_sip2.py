"""The kill -9 and lost-answer tests with the SIP2 backend: `kiosk run` over SIP2 to the central server's SIP2 server.

The kiosk is killed with SIGKILL at random moments (30 times) during checkouts, returns and the drain
of an offline backlog, with the line passing, dropping answers, partitioned, slow or reset. Afterwards
every transaction a student saw confirmed is on the server exactly once with its effect (SIP2 has no
event id: a lost checkout answer must never become a second loan or a renewal), the journal file
passes ``PRAGMA integrity_check``, and its events = delivered + pending + parked. Lost answers,
dropped by the fault proxy after the server did the work, are applied once.
"""
from __future__ import annotations

import random
import time

import pytest

from tests.faults.sip2_world import (
    check_effects, delivered_events, make_sip2_world, sip2_kiosk_config, small_template,
)
from tests.faults.test_kill9 import Student
from tests.sip2.proxy import FaultProxy as Sip2FaultProxy

pytestmark = pytest.mark.e2e

KILLS_DURING_CIRCULATION = 20
KILLS_DURING_SYNC = 10
LINE_MODES = ("pass", "pass", "pass", "drop_response", "partition", "delay", "reset")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small Lincoln library with the demo SIP2 login, made once for this module."""
    return small_template(tmp_path_factory.mktemp("sip2-kill9"))


@pytest.fixture
def world(tmp_path, template):
    """The SIP2 server over a copy of the library, the proxy, the kiosk's config; everything stopped afterwards."""
    w = make_sip2_world(tmp_path, template)
    yield w
    w.close()


def settle_and_check(world, confirmed: dict[str, tuple[str, str]]) -> None:
    """Bring the line back, let one kiosk drain, and check the promises against the server and the journal file."""
    world.proxy.set_mode("pass")
    world.start_kiosk()
    counts = world.wait_drained(60)
    assert world.stop_kiosk() == 0
    integrity, by_state, _rows = world.journal_rows()
    assert integrity == "ok"
    assert by_state["events"] == by_state.get("delivered", 0) + by_state.get("pending", 0) + by_state.get("parked", 0)
    assert by_state.get("pending", 0) == 0 and by_state.get("parked", 0) == 0 == counts["parked"]
    check_effects(world, confirmed)


@pytest.mark.timeout(300)
def test_given_sip2_checkouts_and_returns_when_the_kiosk_is_killed_at_random_then_each_confirmed_one_is_kept_once(
        world):
    """GIVEN students checking out and returning books over SIP2 while the line passes, drops answers, stalls or
    resets WHEN the kiosk is killed with SIGKILL at a random moment, 20 times THEN after one clean drain every
    confirmed transaction is on the server exactly once with its effect, and the journal is sound."""
    rng = random.Random(20251202)
    patrons, books = world.students(6), world.shelf(60)
    holding: dict[str, str] = {}
    confirmed: dict[str, tuple[str, str]] = {}
    for _ in range(KILLS_DURING_CIRCULATION):
        world.proxy.set_mode(rng.choice(LINE_MODES), delay=0.05)
        world.start_kiosk()
        student = Student(world, rng, patrons, books, holding)
        student.thread.start()
        time.sleep(rng.uniform(0.05, 1.0))
        world.kill_kiosk()
        student.thread.join(15)
        confirmed.update(student.confirmed)
    assert world.kills == KILLS_DURING_CIRCULATION and len(confirmed) >= 8
    settle_and_check(world, confirmed)


@pytest.mark.timeout(300)
def test_given_a_sip2_backlog_when_the_kiosk_is_killed_while_it_drains_then_nothing_is_lost_or_applied_twice(world):
    """GIVEN offline checkouts and returns queued while the SIP2 server is partitioned away WHEN the line heals and
    the kiosk is killed at random moments of the drain, 10 times (more events queued between kills) THEN after a
    clean drain every event is on the server once, in order, and the journal is sound."""
    rng = random.Random(11)
    patrons, books = world.students(4), world.shelf(60, offset=100)
    holding: dict[str, str] = {}
    confirmed: dict[str, tuple[str, str]] = {}
    for round_ in range(KILLS_DURING_SYNC):
        world.proxy.set_mode("partition")
        world.start_kiosk()
        if round_ % 3 == 0:  # a new backlog now and then, decided offline
            student = Student(world, rng, patrons, books, holding)
            student.thread.start()
            student.thread.join(30)
            confirmed.update(student.confirmed)
        world.proxy.set_mode(rng.choice(("pass", "pass", "drop_response", "delay")), delay=0.02)
        time.sleep(rng.uniform(0.0, 0.8))
        world.kill_kiosk()
    assert world.kills == KILLS_DURING_SYNC and confirmed
    settle_and_check(world, confirmed)


def scan(world, code: str) -> dict:
    """The simulated scanner reads ``code``; the screen's state after it."""
    return world.post("/dev/scan", {"code": code})


@pytest.mark.timeout(180)
def test_given_lost_sip2_answers_when_the_kiosk_sends_again_then_each_checkout_and_return_is_applied_once(world):
    """GIVEN a signed-in student WHEN the answer to each of three checkouts and then of their returns is dropped by
    the proxy after the server did the work THEN the kiosk saves each one, and once the line passes again every
    one is delivered ok; the server holds three loans made once each (no second loan, no renewal), all returned."""
    [student], books = world.students(1), world.shelf(3, offset=200)
    world.start_kiosk()
    assert scan(world, student)["state"] == "active"
    for mode in ("checkout", "checkin"):
        world.post("/api/mode", {"mode": mode})
        for book in books:
            world.wait_drained(30)
            world.proxy.set_mode("drop_response")
            state = scan(world, book)
            saved = next(x for x in state["lines"] if x["barcode"] == book and x["type"] == mode)
            assert saved["status"] in ("ok", "pending"), saved
            world.proxy.set_mode("pass")
    world.wait_drained(60)
    assert world.proxy.answers_dropped >= 6
    ours = delivered_events(world)
    assert [(t, i, ok) for _id, t, i, ok in ours] == [("checkout", b, True) for b in books] + \
        [("checkin", b, True) for b in books]
    check_effects(world, {})
    assert not set(books) & set(world.open_loans())


@pytest.mark.timeout(180)
def test_given_a_return_whose_answer_is_lost_three_times_then_the_book_is_back_once(world):
    """GIVEN a book on loan through the kiosk WHEN the answers to its return (10) are lost three times in a row, each
    after the server did the work THEN the kiosk sends it again until it hears, the line is delivered ok, and the
    server has the one loan closed (the repeats found the book already back)."""
    [student], [book] = world.students(1), world.shelf(1, offset=250)
    aimed = Sip2FaultProxy(("127.0.0.1", world.proxy.port))
    sip2_kiosk_config(world.config, aimed.address[1], world.journal)
    try:
        world.start_kiosk()
        scan(world, student)
        assert next(x for x in scan(world, book)["lines"] if x["barcode"] == book)["status"] == "ok"
        world.post("/api/mode", {"mode": "checkin"})
        aimed.plan("answer", "drop_and_close", command="10", times=3)
        scan(world, book)
        world.wait_drained(60)
        ours = delivered_events(world)
        assert [(t, i, ok) for _id, t, i, ok in ours] == [("checkout", book, True), ("checkin", book, True)]
        assert aimed.commands("request").count("09") >= 2  # sent again after a lost answer
        assert book not in world.open_loans()
        check_effects(world, {})
    finally:
        world.kill_kiosk()
        aimed.stop()
