"""The fault tests' world with the SIP2 backend: `kiosk run` with [backend] kind = "sip2", the fault proxy, and the
central server's SIP2 server (`central sip2-server`, a process) over the seeded demo database.

The kiosk logs in as the demo SIP2 login (station demo-sip2-1 at Lincoln); its events are the station's
on the server. SIP2 carries no event id, so the server's events are matched to the kiosk's by their
effect (item, type, order), not by id: see :func:`check_effects`.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

from tests.conftest import ROOT, free_port
from tests.e2e.processes import Running, central_cli, central_env, seeded_central_db
from tests.faults.harness import World
from tests.faults.proxy import FaultProxy

DEMO_LOGIN, DEMO_PASSWORD, DEMO_STATION = "demo-sip2", "demo-sip2-password", "demo-sip2-1"


def sip2_kiosk_config(path: Path, port: int, journal: Path, *, login_user: str = DEMO_LOGIN,
                      institution_id: str = "", no_block: bool = True) -> Path:
    """A kiosk config with simulated devices and short timeouts, talking SIP2 to 127.0.0.1:``port`` (the proxy).

    SIP2 has no patron list for an offline cache, so offline sign-in takes any card of valid format.
    """
    path.write_text(f"""
config_version = 1

[kiosk]
id = "sip2-fault-kiosk"
name = "Fault kiosk (SIP2)"
library_name = "Lincoln Elementary School Library"
idle_timeout_seconds = 600
warning_seconds = 0

[backend]
kind = "sip2"
host = "127.0.0.1"
port = {port}
login_user = "{login_user}"
password_env = "KIOSK_SIP2_PASSWORD"
location_code = "DEMO"
institution_id = "{institution_id}"
no_block = {"true" if no_block else "false"}
timeout_seconds = 2
connect_timeout_seconds = 1
retries = 1

[journal]
path = "{journal}"

[sync]
heartbeat_seconds = 2
max_backoff_seconds = 1

[offline]
sign_in = "any_valid_card"
checkout_limit = 50
answer_wait_seconds = 1

[devices.scanner]
kind = "scanner"
driver = "simulated"

[devices.card_reader]
kind = "card_reader"
driver = "simulated"
""")
    return path


def start_sip2_server(env: dict, log: Path) -> Running:
    """Start `central sip2-server` on a free port; wait (bounded) for its "SIP2 server on ..." line."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "sip2-server", "--port", str(port),
                             "--idle-timeout", "60"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []

    def read_until_started() -> None:  # log lines may come before the "SIP2 server on ..." line
        for line in proc.stdout:
            seen.append(line)
            if "SIP2 server on" in line:
                return

    reader = threading.Thread(target=read_until_started, daemon=True)
    reader.start()
    reader.join(60)
    if not seen or "SIP2 server on" not in seen[-1]:
        proc.kill()
        raise AssertionError("central sip2-server did not start within 60 s:\n" + "".join(seen))
    out = log.open("a")
    out.writelines(seen)

    def copy() -> None:  # keep the server's later lines in its log (and its pipe from filling up)
        for line in proc.stdout:
            out.write(line)
            out.flush()

    threading.Thread(target=copy, daemon=True).start()
    return Running(proc, f"sip2://127.0.0.1:{port}")


def seeded_template(folder: Path) -> Path:
    """A seeded demo central database with the demo SIP2 login, to copy for each test (seeding takes a while)."""
    env, _samples = seeded_central_db(folder)
    central_cli(env, "create-sip2-login", "--demo")
    return folder / "central.db"


SMALL_INSTITUTION = 1234


def small_template(folder: Path, *, students: int = 12, books: int = 300) -> Path:
    """A small Lincoln library made in a second (the demo seed takes much longer), dated from today, with the
    demo SIP2 login: ``students`` students who may borrow, ``books`` books on the shelf, and one book on loan to
    another student while a third waits for it (a hold)."""
    from central.circulation.schools import add_school
    from central.sip2.logins import ensure_demo_login
    from central.store.db import Database
    from central.store.migrate import upgrade
    from central.store.models import Hold, Item, LibrarySettings, Loan, LoanPolicy, Patron, Title
    from protocol.identifiers import make_library_barcode

    path = folder / "central.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    today, now = dt.date.today(), dt.datetime.now(dt.timezone.utc)
    with db.writer() as session, session.begin():
        school = add_school(session, "lincoln", "Lincoln Elementary School", SMALL_INSTITUTION)
        session.add(LibrarySettings(library_name="Lincoln Elementary School Library",
                                    term_end=today + dt.timedelta(days=300), closed_weekdays="",
                                    fines_block_cents=500, hold_pickup_days=7))
        session.add(LoanPolicy(patron_type="student", item_type="book", loanable=True, loan_days=14, max_items=500,
                               max_renewals=3, fine_cents_per_day=0, max_fine_cents=0))
        people = [Patron(barcode=make_library_barcode("2", SMALL_INSTITUTION, n), first_name=f"Student{n}",
                         last_name="Reader", patron_type="student", grade="4", homeroom="Room 4",
                         school_id=school.id, language="en", expires_on=today + dt.timedelta(days=365))
                  for n in range(1, students + 3)]
        session.add_all(people)
        shelf_title, held_title = Title(title="A Shelf Book", author="A. Writer", audience="fiction"), \
            Title(title="Owl Diaries", author="R. Bauer", audience="fiction")
        session.add_all([shelf_title, held_title])
        session.flush()
        session.add_all([Item(barcode=make_library_barcode("3", SMALL_INSTITUTION, n), title_id=shelf_title.id,
                              school_id=school.id, call_number="FIC WRI", location="Shelves", item_type="book",
                              status="available") for n in range(1, books + 1)])
        held = Item(barcode=make_library_barcode("3", SMALL_INSTITUTION, 90_000), title_id=held_title.id,
                    school_id=school.id, call_number="FIC BAU", location="Shelves", item_type="book",
                    status="on_loan")
        session.add(held)
        session.flush()
        borrower, waiting = people[-2], people[-1]  # the two after the first ``students``
        session.add(Loan(item_id=held.id, patron_id=borrower.id, checked_out_at=now - dt.timedelta(days=3),
                         due_date=today + dt.timedelta(days=11), renewals=0))
        session.add(Hold(title_id=held_title.id, patron_id=waiting.id, school_id=school.id, status="waiting",
                         placed_at=now - dt.timedelta(days=1)))
    ensure_demo_login(db, now)
    db.dispose()
    return path


def make_sip2_world(tmp: Path, template: Path | None = None) -> World:
    """A central database (a copy of ``template``, or seeded now) with the demo SIP2 login, the SIP2 server and
    the proxy in front of it, and the kiosk's config (the kiosk not started)."""
    if template is None:
        template = seeded_template(tmp)
    else:
        shutil.copyfile(template, tmp / "central.db")
    env = central_env(tmp / "central.db")
    server = start_sip2_server(env, tmp / "sip2-server.log")
    port = int(server.url.rsplit(":", 1)[1])
    proxy = FaultProxy("127.0.0.1", port).start()
    journal = tmp / "journal.db"
    return World(tmp=tmp, env=env, central=server, proxy=proxy,
                 config=sip2_kiosk_config(tmp / "kiosk.toml", proxy.port, journal), journal=journal,
                 kiosk_env={"KIOSK_SIP2_PASSWORD": DEMO_PASSWORD}, station=DEMO_STATION)


def delivered_events(world: World) -> list[tuple[str, str, str, bool]]:
    """(event_id, type, item barcode, outcome ok) of every delivered event in the kiosk's journal, in order."""
    import json

    with sqlite3.connect(world.journal) as db:
        rows = db.execute("SELECT e.event_id, e.type, e.request, d.outcome FROM events e JOIN deliveries d"
                          " ON d.event_id = e.event_id WHERE d.state = 'delivered' ORDER BY e.sequence").fetchall()
    return [(event_id, type_, json.loads(request)["item_barcode"], bool(json.loads(outcome)["ok"]))
            for event_id, type_, request, outcome in rows]


def check_effects(world: World, confirmed: dict[str, tuple[str, str]]) -> None:
    """Every confirmed transaction is delivered ok and on the server exactly once, with its effect.

    For each item, the server's applied checkouts are as many as the kiosk's delivered ones (a lost
    answer never became a second loan or a renewal), there are no renewals, and the item is on loan
    on the server exactly when the kiosk's last delivered event of it was a checkout.
    """
    ours = delivered_events(world)
    by_id = {event_id: (type_, item, ok) for event_id, type_, item, ok in ours}
    for event_id, (type_, item) in confirmed.items():
        assert by_id.get(event_id) == (type_, item, True), (event_id, type_, item, by_id.get(event_id))
    kiosk_checkouts, last = defaultdict(int), {}
    for _id, type_, item, ok in ours:
        if ok:
            kiosk_checkouts[item] += type_ == "checkout"
            last[item] = type_
    server_checkouts = defaultdict(int)
    for _id, _seq, type_, item, ok, _offline in world.server_events():
        assert type_ != "renew", f"a checkout of {item} became a renewal on the server"
        if ok and type_ == "checkout":
            server_checkouts[item] += 1
    assert dict(server_checkouts) == {k: v for k, v in kiosk_checkouts.items() if v}
    loans = world.open_loans()
    for item, type_ in last.items():
        assert (item in loans) == (type_ == "checkout"), (item, type_)
