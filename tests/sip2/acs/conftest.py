"""Fixtures for the central server's SIP2 server: the central tests' migrated database (SQLite and the real
PostgreSQL) with their small known library at its school, a SIP2 login, the server on a loopback port, and a raw
SIP2 client built on pysip2's codec."""
from __future__ import annotations

import datetime as dt
import socket
import ssl

import pytest

from central.store.models import Patron
from central.sip2.connection import Limits
from central.sip2.logins import create_login
from central.sip2.server import ServerSettings, Sip2Server
# The central server's fixtures: the migrated database on SQLite (a copy of a migrated template) and on the
# real PostgreSQL (dropped afterwards), and the clock stopped on Monday 2025-10-06 09:30 school time.
from tests.central.conftest import (MONDAY, SCHOOL_TZ, clock, database, database_url,  # noqa: F401
                                    sqlite_template)
from tests.central.library import build_small_library, patron_barcode

LOGIN, PASSWORD, STATION = "selfcheck-1", "correct horse battery", "selfcheck-k1"
JOSE = patron_barcode(20)
NOW18 = "20251006    093000"  # Monday 09:30 at the school, when the server's clock stands


@pytest.fixture
def library(database, clock):
    """The small library (one school, "test"), plus José Núñez (an accented name) at that school, and a SIP2
    login whose station is a kiosks-table row of kind sip2 at the school."""
    with database.writer() as session, session.begin():
        lib = build_small_library(session, clock)
        session.add(Patron(barcode=JOSE, first_name="José", last_name="Núñez", patron_type="student", grade="2",
                           homeroom="Room 4", expires_on=dt.date(2026, 8, 31), language="es",
                           school_id=lib.school_id))
    create_login(database, clock.now(), LOGIN, STATION, password=PASSWORD, location_code="MAIN-1", school="test")
    return lib


def start_server(database, clock, **options) -> Sip2Server:
    """A SIP2 server on a free loopback port (options: ServerSettings fields, or limits=Limits(...))."""
    limits = options.pop("limits", None) or Limits(idle_seconds=30, message_seconds=5, send_seconds=5)
    server = Sip2Server(database, clock, ServerSettings(port=0, **options), limits=limits)
    server.start()
    return server


@pytest.fixture
def acs(database, clock, library):
    """The central server's SIP2 server over the small library; stopped after the test."""
    server = start_server(database, clock)
    yield server
    server.stop()
    assert server.active == 0, "a connection thread outlived the server"


class RawClient:
    """A self-check written with pysip2's codec on a plain socket: it sends what it is told, as pysip2 encodes it."""

    def __init__(self, address, encoding="cp850", tls: ssl.SSLContext | None = None, timeout=5.0):
        sock = socket.create_connection(address, timeout=timeout)
        self.sock = tls.wrap_socket(sock, server_hostname="localhost") if tls else sock
        self.encoding = encoding
        self.buffer = b""
        self.sequence = -1

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are."""
        self.sock.sendall(data)

    def read_raw(self) -> bytes:
        """One CR-terminated message as received (b"" when the server closed the connection)."""
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return b""
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\r", 1)
        return message + b"\r"

    def frame(self, message, checksum=True, sequence=None) -> bytes:
        """The bytes pysip2 writes for ``message`` (a new sequence number unless one is given)."""
        from pysip2 import encode_message

        if checksum and sequence is None:
            self.sequence = (self.sequence + 1) % 10
            sequence = self.sequence
        return encode_message(message, sequence_number=sequence if checksum else None, checksum=checksum,
                              encoding=self.encoding)

    def ask(self, message, checksum=True):
        """Send ``message`` and decode the answer with pysip2."""
        from pysip2 import decode_message

        self.send_raw(self.frame(message, checksum))
        raw = self.read_raw()
        assert raw, "the server closed the connection"
        return decode_message(raw, encoding=self.encoding)

    def login(self, user=LOGIN, password=PASSWORD):
        """Log in; returns pysip2's LoginResponse."""
        from pysip2 import LoginRequest

        return self.ask(LoginRequest(uid_algorithm="0", pwd_algorithm="0", login_user_id=user,
                                     login_password=password)).message

    def closed(self) -> bool:
        """True when the server has closed the connection (reads end)."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


@pytest.fixture
def client(acs):
    """A logged-in raw pysip2 client of the SIP2 server."""
    raw = RawClient(acs.address)
    assert raw.login().ok == "1"
    yield raw
    raw.close()


@pytest.fixture
def connect(acs):
    """Open more raw clients (closed after the test)."""
    made = []

    def open_client(**kwargs) -> RawClient:
        made.append(RawClient(acs.address, **kwargs))
        return made[-1]

    yield open_client
    for raw in made:
        raw.close()
