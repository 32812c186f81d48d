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
from central.store.models import Sip2Login
from tests.conftest import ROOT, free_port
from tests.sip2.acs.conftest import LOGIN, PASSWORD, RawClient


def test_passwords_are_stored_as_argon2_hashes_only(database, library):
    """GIVEN a login made with a password WHEN its row is read THEN only an argon2id hash is stored."""
    with database.reader() as session:
        stored = session.scalar(sa.select(Sip2Login.password_hash).where(Sip2Login.login_user == LOGIN))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_logins_are_checked_and_refused_in_every_wrong_way(database, library, clock):
    """GIVEN the login WHEN checked with the right password, a wrong one, an unknown user THEN only the first is
    accepted, naming the station."""
    assert check_login(database, clock.now(), LOGIN, PASSWORD).station_id == "k1"
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


def test_the_demo_login_is_made_once_and_repaired_if_changed(database, library, clock):
    """GIVEN no demo login WHEN ensure_demo_login runs twice THEN it is made once (the second says not created);
    WHEN its password was changed THEN the next call puts the demo password back."""
    first, second = ensure_demo_login(database, clock.now()), ensure_demo_login(database, clock.now())
    assert (first.login_user, first.password, first.created, second.created) == (DEMO_USER, DEMO_PASSWORD, True, False)
    with database.writer() as session, session.begin():
        session.scalars(sa.select(Sip2Login).where(Sip2Login.login_user == DEMO_USER)).one().password_hash = "x"
    assert ensure_demo_login(database, clock.now()).created
    assert check_login(database, clock.now(), DEMO_USER, DEMO_PASSWORD).station_id == "demo-sip2-1"


def test_create_sip2_login_prints_a_generated_password_that_works(database, library, clock):
    """GIVEN the command WHEN a login is created for a new station THEN it prints a password once, which logs in."""
    result = CliRunner().invoke(create_sip2_login_command, ["desk-2", "--station", "desk-2"],
                                obj={"url": database.url})
    assert result.exit_code == 0, result.output
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
