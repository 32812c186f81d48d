"""`kiosk run` with [backend] kind = "sip2" against a library system this project did not write: a pysip2 server.

The kiosk process talks SIP2 through the fault proxy to the pysip2 test ILS (tests/sip2/ils_server.py)
holding a library labelled with 14-digit barcodes, as the kiosk's scanner rules expect. Returns are
routed as the ILS says (hold shelf, another branch, a sort bin); offline transactions go later with
no-block = Y and their offline due date; with no_block = false they go as ordinary transactions and
the ILS's refusals are parked for staff, without holding up the ones behind them.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
import requests

from protocol.identifiers import make_library_barcode
from tests.faults.harness import World
from tests.faults.proxy import FaultProxy
from tests.faults.sip2_world import sip2_kiosk_config
from tests.sip2.ils import TODAY, Library
from tests.sip2.ils_server import IlsServer

pytestmark = pytest.mark.e2e


def patron(n: int) -> str:
    """Patron card n of the ILS (type 2, institution 4321)."""
    return make_library_barcode("2", 4321, n)


def book(n: int) -> str:
    """Item n of the ILS (type 3, institution 4321)."""
    return make_library_barcode("3", 4321, n)


ANA, BEN, DEV = patron(1), patron(2), patron(3)
PLAIN, PLAIN2, HELD, AWAY, BINNED, REF = book(1), book(2), book(3), book(4), book(5), book(6)


def library() -> Library:
    """Three patrons (Dev owes two fines) and six books: two plain, one held for Ben, one of branch WEST, one that
    goes to sort bin B3, one reference book."""
    lib = Library()
    lib.add_patron(ANA, "Núñez, Ana")
    lib.add_patron(BEN, "Ben Kowalski")
    lib.add_patron(DEV, "Dev Patel", fines=[("1.50", "Overdue: Holes"), ("2.25", "Lost: Wonder")])
    lib.add_item(PLAIN, "El Principito")
    lib.add_item(PLAIN2, "Charlotte's Web")
    lib.add_item(HELD, "The Hobbit", hold_for=BEN)
    lib.add_item(AWAY, "Matilda", branch="WEST")
    lib.add_item(BINNED, "Frog and Toad", sort_bin="B3")
    lib.add_item(REF, "World Atlas", reference=True)
    for item in (HELD, AWAY, BINNED):
        lib.lend(item, DEV, TODAY + dt.timedelta(days=3))
    return lib


class _Ils:
    """The pysip2 server in the place of the harness's central server (stop() ends it)."""

    def __init__(self, lib: Library):
        self.library = lib
        self.server = IlsServer(lib).start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()


def make_world(tmp, *, no_block: bool = True) -> World:
    """The ILS, the proxy in front of it, and the kiosk's config (port 4321's barcodes; the kiosk not started)."""
    ils = _Ils(library())
    proxy = FaultProxy("127.0.0.1", ils.server.port).start()
    journal = tmp / "journal.db"
    config = sip2_kiosk_config(tmp / "kiosk.toml", proxy.port, journal, login_user="kiosk1", institution_id="MAIN",
                               no_block=no_block)
    return World(tmp=tmp, env={}, central=ils, proxy=proxy, config=config, journal=journal,
                 kiosk_env={"KIOSK_SIP2_PASSWORD": "s3cret"}, station="")


@pytest.fixture
def world(tmp_path):
    """The ILS world with a running kiosk; stopped afterwards."""
    w = make_world(tmp_path)
    w.start_kiosk()
    yield w
    w.close()


def scan(world, code: str) -> dict:
    """The simulated scanner reads ``code``; the screen's state after it."""
    return world.post("/dev/scan", {"code": code})


def line(state: dict, barcode: str, type_: str) -> dict:
    """The screen's line for ``barcode`` in mode ``type_``."""
    return next(x for x in state["lines"] if x["barcode"] == barcode and x["type"] == type_)


def outcomes(world) -> list[dict]:
    """The outcomes the journal keeps for the delivered events, in order."""
    with sqlite3.connect(world.journal) as db:
        rows = db.execute("SELECT d.outcome FROM deliveries d WHERE d.state = 'delivered' ORDER BY d.sequence")
        return [json.loads(r[0]) for r in rows.fetchall()]


@pytest.mark.timeout(120)
def test_a_student_checks_out_renews_and_reads_my_account_from_the_pysip2_ils(world):
    """GIVEN the kiosk over SIP2 to the pysip2 ILS WHEN Ana signs in, checks out a book and renews it THEN both lines
    are confirmed with the ILS's due dates; WHEN Dev opens My account THEN his three loans and $3.75 of fines show."""
    lib = world.central.library
    assert scan(world, ANA)["patron"]["name"] == "Ana N."
    out = line(scan(world, PLAIN), PLAIN, "checkout")
    assert out["status"] == "ok" and out["due_date"] == (TODAY + dt.timedelta(days=14)).isoformat()
    world.post("/api/mode", {"mode": "renew"})
    assert line(scan(world, PLAIN), PLAIN, "renew")["status"] == "ok"
    assert (lib.count("checkout", PLAIN), lib.count("renew", PLAIN), lib.loans[PLAIN].renewals) == (1, 1, 1)
    world.post("/api/finish", {"receipt": False})
    scan(world, DEV)
    account = requests.get(world.base + "/api/account", timeout=20).json()
    assert sorted(loan["barcode"] for loan in account["loans"]) == sorted((HELD, AWAY, BINNED))
    assert "3.75" in account["fines_total"]


@pytest.mark.timeout(120)
def test_returns_are_routed_as_the_ils_says(world):
    """GIVEN three of Dev's books WHEN returned at the kiosk THEN the one Ben holds goes to the hold shelf (the screen
    says to give it to a librarian), the one of branch WEST is in transit, and the other goes to sort bin B3."""
    world.post("/api/mode", {"mode": "checkin"})
    held = line(scan(world, HELD), HELD, "checkin")
    assert held["status"] == "ok" and "waiting for this book" in held["message"]
    for item in (AWAY, BINNED):
        assert line(scan(world, item), item, "checkin")["status"] == "ok"
    routes = [(o["checkin"]["item_barcode"], o["checkin"]["routing"], o["checkin"]["destination"])
              for o in outcomes(world)]
    assert routes == [(HELD, "hold_shelf", ""), (AWAY, "transit", ""), (BINNED, "sort_bin", "B3")]
    assert not world.central.library.loans


@pytest.mark.timeout(120)
def test_offline_checkouts_and_returns_go_later_with_no_block_and_their_own_dates(world):
    """GIVEN the line to the ILS cut WHEN Ben signs in and checks out a book, and one of Dev's books is returned THEN
    the kiosk saves both; once the line is back they reach the ILS as no-block transactions, the checkout with the
    kiosk's due date, the return with the moment it was made, and both are delivered."""
    world.proxy.set_mode("partition")
    scan(world, BEN)
    saved = line(scan(world, PLAIN2), PLAIN2, "checkout")
    assert saved["status"] == "ok" and "later" in saved["message"]
    world.post("/api/mode", {"mode": "checkin"})
    assert line(scan(world, BINNED), BINNED, "checkin")["status"] == "ok"
    world.post("/api/finish", {"receipt": False})
    world.proxy.set_mode("pass")
    assert world.wait_drained(30)["delivered"] == 2
    lib = world.central.library
    [sent] = [t for t in lib.transactions if t["kind"] == "checkout"]
    assert sent["no_block"] and sent["nb_due"].startswith(saved["due_date"].replace("-", ""))
    [back] = [t for t in lib.transactions if t["kind"] == "checkin"]
    assert back["no_block"] and back["return_date"] == back["date"] and back["date"].strip()
    assert lib.loans[PLAIN2].patron == BEN and BINNED not in lib.loans


@pytest.mark.timeout(120)
def test_without_no_block_a_refused_offline_checkout_is_parked_and_the_next_one_arrives(tmp_path):
    """GIVEN no_block = false (a system that refuses no-block) and the line cut WHEN Ana checks out the reference
    atlas and a plain book offline THEN, once the line is back, both go as ordinary checkouts: the atlas is refused
    by the ILS and parked for staff with its words, and the plain book is delivered behind it."""
    world = make_world(tmp_path, no_block=False)
    try:
        world.start_kiosk()
        world.proxy.set_mode("partition")
        scan(world, ANA)
        for item in (REF, PLAIN):
            assert line(scan(world, item), item, "checkout")["status"] == "ok"
        world.post("/api/finish", {"receipt": False})
        world.proxy.set_mode("pass")
        counts = world.wait_drained(30)
        assert (counts["delivered"], counts["parked"]) == (1, 1)
        with sqlite3.connect(world.journal) as db:
            [(message,)] = db.execute("SELECT rejection_message FROM deliveries WHERE state = 'parked'").fetchall()
        assert "refused a transaction made while it was offline" in message
        lib = world.central.library
        assert [t["no_block"] for t in lib.transactions if t["kind"] == "checkout"] == [False, False]
        assert REF not in lib.loans and lib.loans[PLAIN].patron == ANA
    finally:
        world.close()
