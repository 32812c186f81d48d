"""The kiosk killed with SIGKILL at random moments (100 times across these tests), the real central server behind it.

Afterwards every transaction a student saw confirmed exists exactly once on the server with its effect,
the journal file passes ``PRAGMA integrity_check``, and its events = delivered + pending + parked.
"""
from __future__ import annotations

import random
import threading
import time

import pytest
import requests

from tests.faults.harness import make_world

pytestmark = pytest.mark.e2e

KILLS_DURING_CIRCULATION = 60
KILLS_DURING_SYNC = 40
LINE_MODES = ("pass", "pass", "pass", "drop_response", "partition", "delay", "reset")


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path)
    yield w
    w.close()


class Student:
    """Scans at the kiosk from a thread until the kiosk dies under it; keeps what the screen confirmed.

    A book whose checkout was tried but not confirmed may still reach the server later, so it is never lent to
    anybody else (that would be a real cross-patron conflict, for the server's conflict rules, not this test).
    """

    def __init__(self, world, rng: random.Random, patrons: list[str], books: list[str], holding: dict[str, str]):
        self.world, self.rng, self.patrons, self.books, self.holding = world, rng, patrons, books, holding
        self.confirmed: dict[str, tuple[str, str]] = {}  # event_id -> (type, item)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _post(self, path: str, body: dict) -> dict | None:
        try:
            return self.world.post(path, body, timeout=10)
        except requests.RequestException:
            return None  # killed under this request: the student did not see an answer

    def _run(self) -> None:
        patron = self.rng.choice(self.patrons)
        if self._post("/dev/scan", {"code": patron}) is None:
            return
        for _ in range(self.rng.randint(1, 4)):
            mine = [b for b, who in self.holding.items() if who == patron]  # confirmed loans of this student
            if mine and self.rng.random() < 0.4:
                if self._post("/api/mode", {"mode": "checkin"}) is None:
                    return
                book, type_ = self.rng.choice(mine), "checkin"
            else:
                free = [b for b in self.books if b not in self.holding]
                if self._post("/api/mode", {"mode": "checkout"}) is None or not free:
                    return
                book, type_ = self.rng.choice(free), "checkout"
            if type_ == "checkout":
                self.holding[book] = "?"  # tried: nobody else borrows it, whatever the screen says next
            state = self._post("/dev/scan", {"code": book})
            if state is None:
                return
            line = next((x for x in state["lines"] if x["barcode"] == book and x["type"] == type_), None)
            if line is not None and line["status"] == "ok" and line["event_id"]:
                self.confirmed[line["event_id"]] = (type_, book)
                if type_ == "checkout":
                    self.holding[book] = patron
                else:
                    self.holding.pop(book, None)
        self._post("/api/finish", {"receipt": False})


def settle_and_check(world, confirmed: dict[str, tuple[str, str]]) -> None:
    """Bring the line back, let one kiosk drain, and check the promises against the server and the journal file."""
    world.proxy.set_mode("pass")
    world.start_kiosk()
    counts = world.wait_drained(90)
    assert world.stop_kiosk() == 0
    integrity, by_state, rows = world.journal_rows()
    assert integrity == "ok"
    assert by_state["events"] == by_state.get("delivered", 0) + by_state.get("pending", 0) + by_state.get("parked", 0)
    assert by_state.get("pending", 0) == 0 and by_state.get("parked", 0) == 0 == counts["parked"]
    server = world.server_events()
    ids = [e[0] for e in server]
    assert len(ids) == len(set(ids)) == by_state["events"]  # every journaled event on the server, once
    assert set(confirmed) <= set(ids)
    # The effect: replaying the server's events in order gives the loans the server holds now.
    last: dict[str, tuple[str, bool]] = {}
    for _id, _seq, type_, item, ok, _offline in server:
        if ok:
            last[item] = (type_, ok)
    loans = world.open_loans()
    for item, (type_, _ok) in last.items():
        assert (item in loans) == (type_ == "checkout"), (item, type_)
    for event_id, (type_, item) in confirmed.items():
        stored = next(e for e in server if e[0] == event_id)
        assert stored[2] == type_ and stored[3] == item and stored[4], stored  # applied, not refused


@pytest.mark.timeout(900)
def test_given_checkouts_and_returns_when_the_kiosk_is_killed_at_random_then_every_confirmed_one_is_kept_once(world):
    """GIVEN students checking out and returning books while the line to the server passes, drops answers, stalls
    or resets WHEN the kiosk is killed with SIGKILL at a random moment, 60 times THEN after one clean drain every
    confirmed transaction is on the server exactly once with its effect, and the journal is sound."""
    rng = random.Random(20251201)
    patrons, books = world.students(6), world.shelf(60, offset=100)
    holding: dict[str, str] = {}
    confirmed: dict[str, tuple[str, str]] = {}
    world.start_kiosk(caches=True)  # the patron cache, for sign-ins while the line is down (kept in cache.db)
    world.kill_kiosk()
    for _ in range(KILLS_DURING_CIRCULATION - 1):
        world.proxy.set_mode(rng.choice(LINE_MODES), delay=0.05)
        world.start_kiosk()
        student = Student(world, rng, patrons, books, holding)
        student.thread.start()
        time.sleep(rng.uniform(0.05, 1.2))
        world.kill_kiosk()
        student.thread.join(15)
        confirmed.update(student.confirmed)
    assert world.kills == KILLS_DURING_CIRCULATION and len(confirmed) >= 20
    settle_and_check(world, confirmed)


@pytest.mark.timeout(900)
def test_given_a_backlog_when_the_kiosk_is_killed_while_it_drains_then_nothing_is_lost_or_applied_twice(world):
    """GIVEN offline checkouts and returns queued while the server is partitioned away WHEN the line heals and the
    kiosk is killed at random moments of the drain, 40 times (more events queued between kills) THEN after a clean
    drain every event is on the server once, in order, and the journal is sound."""
    rng = random.Random(7)
    patrons, books = world.students(4), world.shelf(80, offset=300)
    holding: dict[str, str] = {}
    confirmed: dict[str, tuple[str, str]] = {}
    world.start_kiosk(caches=True)
    world.kill_kiosk()
    for round_ in range(KILLS_DURING_SYNC - 1):
        world.proxy.set_mode("partition")
        world.start_kiosk()
        if round_ % 4 == 0:  # a new backlog now and then, decided offline
            student = Student(world, rng, patrons, books, holding)
            student.thread.start()
            student.thread.join(30)
            confirmed.update(student.confirmed)
        world.proxy.set_mode(rng.choice(("pass", "pass", "drop_response", "delay")), delay=0.02)
        time.sleep(rng.uniform(0.0, 0.6))
        world.kill_kiosk()
    assert world.kills == KILLS_DURING_SYNC and confirmed
    settle_and_check(world, confirmed)
    sequences = [e[1] for e in world.server_events()]
    assert sequences == sorted(sequences)
