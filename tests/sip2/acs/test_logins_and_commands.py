"""SIP2 logins (argon2 hashes, the demo's login made idempotently) and the two central commands, one as a process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from central.sip2.cli import create_sip2_login_command
from central.sip2.logins import (
    DEMO_PASSWORD, DEMO_USER, LoginError, check_login, create_login, ensure_demo_login,
)
from central.circulation.schools import add_school
from central.store.models import Kiosk, Sip2Login
from tests.conftest import ROOT, free_port
from tests.sip2.acs.conftest import LOGIN, PASSWORD, STATION, RawClient


def test_passwords_are_stored_as_argon2_hashes_only(database, library):
    """GIVEN a login made with a password WHEN its row is read THEN only an argon2id hash is stored."""
    with database.reader() as session:
        stored = session.scalar(sa.select(Sip2Login.password_hash).where(Sip2Login.login_user == LOGIN))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_logins_are_checked_and_refused_in_every_wrong_way(database, library, clock):
    """GIVEN the login WHEN checked with the right password, a wrong one, an unknown user THEN only the first is
    accepted, naming the station."""
    assert check_login(database, clock.now(), LOGIN, PASSWORD).station_id == STATION
    assert check_login(database, clock.now(), LOGIN, "nope") is None
    assert check_login(database, clock.now(), "nobody", PASSWORD) is None


@pytest.mark.parametrize("user, password, words", [
    (LOGIN, "long enough", "already exists"), ("", "long enough", "1 to 64 printable"),
    ("a|b", "long enough", "without '|'"), ("fresh", "short", "at least 8 characters"),
])
def test_bad_logins_are_refused_with_a_sentence(database, library, clock, user, password, words):
    """GIVEN a duplicate user, an empty or '|' user, or a short password WHEN a login is made THEN LoginError says
    what is wrong."""
    with pytest.raises(LoginError, match=words):
        create_login(database, clock.now(), user, "k9", password=password)


def test_a_login_s_station_is_a_sip2_station_at_its_school_that_cannot_call_the_api(database, library):
    """GIVEN the fixture's login WHEN its station row is read THEN it is of kind sip2, at the test school, with no API
    token (the REST API refuses every station that is not a kiosk)."""
    with database.reader() as session:
        station = session.get(Kiosk, STATION)
        assert (station.kind, station.school_id, station.token_hash) == ("sip2", library.school_id, None)


@pytest.mark.parametrize("station, school, words", [
    ("k1", "test", "is a kiosk, not a SIP2 station"), ("desk-test", "test", "is a desk, not a SIP2 station"),
    ("fresh-1", "nowhere", r"There is no school 'nowhere' \(schools: test\)"), ("", "test", "A station id is 1 to 64"),
])
def test_a_login_needs_a_sip2_station_of_its_own_at_a_known_school(database, library, clock, station, school, words):
    """GIVEN a kiosk's or the desk's station, an unknown school or no station id WHEN a login is made for it THEN
    LoginError says why (a kiosk numbers its own events; sharing its numbering would collide)."""
    with pytest.raises(LoginError, match=words):
        create_login(database, clock.now(), "fresh", station, password="long enough", school=school)


def test_with_several_schools_a_login_names_its_school(database, library, clock):
    """GIVEN a district of two schools WHEN a login is made without a school THEN LoginError asks for --school; WHEN
    it names the second school THEN its new station is there; WHEN another login reuses that station at the first
    school THEN it is refused."""
    with database.writer() as session, session.begin():
        second = add_school(session, "west", "West Elementary", 4321).id
    with pytest.raises(LoginError, match=r"2 schools \(test, west\): say which one with --school"):
        create_login(database, clock.now(), "west-1", "west-sc", password="long enough")
    made = create_login(database, clock.now(), "west-1", "west-sc", password="long enough", school="WEST")
    assert made.school == "west"
    with database.reader() as session:
        assert session.get(Kiosk, "west-sc").school_id == second
    with pytest.raises(LoginError, match="belongs to another school than 'test'"):
        create_login(database, clock.now(), "west-2", "west-sc", password="long enough", school="test")


def test_the_demo_login_is_made_once_and_repaired_if_changed(database, library, clock):
    """GIVEN no demo login WHEN ensure_demo_login runs twice THEN it is made once (the second says not created);
    WHEN its password was changed THEN the next call puts the demo password back."""
    first, second = ensure_demo_login(database, clock.now()), ensure_demo_login(database, clock.now())
    assert (first.login_user, first.password, first.created, second.created) == (DEMO_USER, DEMO_PASSWORD, True, False)
    with database.writer() as session, session.begin():
        session.scalars(sa.select(Sip2Login).where(Sip2Login.login_user == DEMO_USER)).one().password_hash = "x"
    assert ensure_demo_login(database, clock.now()).created
    assert check_login(database, clock.now(), DEMO_USER, DEMO_PASSWORD).station_id == "demo-sip2-1"
    with database.reader() as session:
        station = session.get(Kiosk, "demo-sip2-1")
        assert (station.kind, station.school_id, first.school) == ("sip2", library.school_id, "test")


def test_the_demo_login_goes_to_the_district_s_first_school(database, clock):
    """GIVEN a database with no school WHEN the demo login is made THEN LoginError says to seed the demo first;
    GIVEN two schools THEN the demo station is at the first one added."""
    with pytest.raises(LoginError, match="run `central seed-demo`"):
        ensure_demo_login(database, clock.now())
    with database.writer() as session, session.begin():
        first = add_school(session, "lincoln", "Lincoln Elementary", 1234).id
        add_school(session, "adams", "Adams Middle", 1235)
    assert ensure_demo_login(database, clock.now()).school == "lincoln"
    with database.reader() as session:
        assert session.get(Kiosk, "demo-sip2-1").school_id == first


def test_create_sip2_login_prints_a_generated_password_that_works(database, library, clock):
    """GIVEN the command WHEN a login is created for a new station THEN it prints a password once, which logs in."""
    result = CliRunner().invoke(create_sip2_login_command, ["desk-2", "--station", "desk-2", "--school", "test"],
                                obj={"url": database.url})
    assert result.exit_code == 0, result.output
    assert "created for station 'desk-2' at school test" in result.output
    password = result.output.strip().splitlines()[-1]
    assert len(password) >= 16 and check_login(database, clock.now(), "desk-2", password).station_id == "desk-2"
    again = CliRunner().invoke(create_sip2_login_command, ["desk-2", "--station", "desk-2"], obj={"url": database.url})
    assert again.exit_code == 1 and "already exists" in again.output


def test_the_sip2_server_command_runs_as_a_process_and_stops_on_sigterm(database, library):
    """GIVEN `central sip2-server` started as its own process WHEN a self-check logs in THEN it is answered; WHEN the
    process gets SIGTERM THEN it says it stopped and exits 0."""
    port = free_port()
    env = {**os.environ, "CENTRAL_DATABASE_URL": database.url}
    proc = subprocess.Popen([sys.executable, "-c", "from central.sip2.cli import sip2_server_command as c; c()",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        first = proc.stdout.readline()
        assert f"SIP2 server on sip2://127.0.0.1:{port}" in first, first
        raw = RawClient(("127.0.0.1", port))
        assert raw.login().ok == "1"
        raw.close()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "SIP2 server stopped." in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_the_sip2_server_command_says_when_the_port_is_taken(database, library):
    """GIVEN a port already in use WHEN the server starts there THEN it exits non-zero with one sentence."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "CENTRAL_DATABASE_URL": database.url}
        done = subprocess.run([sys.executable, "-c", "from central.sip2.cli import sip2_server_command as c; c()",
                               "--port", str(port)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and f"Cannot listen on 127.0.0.1:{port}" in done.stderr
