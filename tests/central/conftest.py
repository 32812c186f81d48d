"""Fixtures for the central server: a migrated database on SQLite AND PostgreSQL, a small known library,
an app with a fixed clock, and helpers to call the API as a kiosk."""
from __future__ import annotations

import shutil
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import waitress
from waitress import wasyncore

from central.app import create_app
from central.clock import FixedClock
from central.store.db import Database
from central.store.migrate import upgrade
from central.staff import passwords
from tests.central.library import build_small_library
from tests.central.staff import ROLES, StaffClient, add_staff
from tests.conftest import free_port

# Monday 6 October 2025, 09:30 at a school six hours behind UTC.
SCHOOL_TZ = timezone(timedelta(hours=-6))
MONDAY = datetime(2025, 10, 6, 9, 30, tzinfo=SCHOOL_TZ)


@pytest.fixture
def clock() -> FixedClock:
    """A clock stopped on Monday 2025-10-06 09:30 school time."""
    return FixedClock(tz=SCHOOL_TZ, moment=MONDAY)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh database on the real PostgreSQL server (dropped afterwards,
    so hundreds of tests do not leave gigabytes for the server's teardown to delete)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    _drop_postgres_database(url)


def _drop_postgres_database(url: str) -> None:
    import psycopg

    server, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Tests of pages and permissions, where the database's dialect changes nothing: SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once per test run."""
    path = tmp_path_factory.mktemp("template") / "central.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name("central.db-wal").exists()
    return path


@pytest.fixture
def database(database_url, request):
    """The migrated database (schema at head), disposed after the test."""
    if database_url.startswith("sqlite:///"):
        # Migrating SQLite takes most of a second (batch table rebuilds); a copy of a migrated file is the same.
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database_url.removeprefix("sqlite:///"))
    db = Database(database_url)
    upgrade(db.engine)  # at head already for SQLite: this only checks
    yield db
    db.dispose()


@pytest.fixture
def library(database, clock):
    """The small known library (see tests/central/library.py) in the migrated database."""
    with database.writer() as session, session.begin():
        return build_small_library(session, clock)


@pytest.fixture
def app(database, library, clock):
    """The central app over the small library, with the fixed clock."""
    return create_app({"DATABASE_URL": database.url, "TESTING": True, "SECRET_KEY": "test-secret-key"}, clock=clock,
                      database=database)


class Kiosk:
    """Calls the API like a kiosk does: bearer token, its own gapless sequence, fresh event ids."""

    def __init__(self, client, token: str, language: str | None = None):
        self.client, self.token, self.language = client, token, language
        self.sequence = 0
        self._lock = threading.Lock()

    def headers(self, language: str | None = None) -> dict:
        """Authorization and Accept-Language headers."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if language or self.language:
            headers["Accept-Language"] = language or self.language
        return headers

    def get(self, path: str, language: str | None = None):
        """GET /api/v1<path>."""
        return self.client.get(f"/api/v1{path}", headers=self.headers(language))

    def post(self, path: str, body: dict, language: str | None = None):
        """POST JSON to /api/v1<path>."""
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(language))

    def event(self, kind: str, language: str | None = None, *, offline: bool = False,
              occurred_at: datetime | None = None, event_id: str | None = None, sequence: int | None = None,
              **fields) -> dict:
        """Send one circulation event and return the JSON answer (asserting HTTP 200)."""
        response = self.event_response(kind, language, offline=offline, occurred_at=occurred_at,
                                       event_id=event_id, sequence=sequence, **fields)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def event_response(self, kind, language=None, *, offline=False, occurred_at=None, event_id=None,
                       sequence=None, **fields):
        """Send one circulation event and return the raw response."""
        if sequence is None:
            with self._lock:
                self.sequence += 1
                sequence = self.sequence
        body = {"event_id": event_id or str(uuid.uuid4()), "sequence": sequence,
                "occurred_at": (occurred_at or MONDAY).isoformat(), "offline": offline, **fields}
        return self.post(f"/circulation/{kind}", body, language)


@pytest.fixture
def kiosk(app) -> Kiosk:
    """Kiosk k1 calling the app through Flask's test client."""
    return Kiosk(app.test_client(), "token-one")


@pytest.fixture
def other_kiosk(app) -> Kiosk:
    """Kiosk k2, a second station in the same library."""
    return Kiosk(app.test_client(), "token-two")


@pytest.fixture
def server(app):
    """The app served by waitress on a loopback port, in a thread; stopped after the test."""
    port = free_port()
    srv = waitress.create_server(app, host="127.0.0.1", port=port, threads=8)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/api/v1"
    # Close the sockets from the server's own loop thread: closed from here while that thread sits in
    # select(), select() fails with "bad file descriptor" (an unhandled thread exception).
    try:
        srv.trigger.pull_trigger(lambda: wasyncore.close_all(srv._map))
    except OSError:  # the trigger is closed already: the loop has ended (the check below says so)
        wasyncore.close_all(srv._map)
    thread.join(timeout=5)
    srv.task_dispatcher.shutdown()
    assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """Argon2id with small parameters: the same code path, a few milliseconds per hash instead of ~0.3 s."""
    passwords.set_cost(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.set_cost(time_cost=3, memory_cost=65536, parallelism=4)


@pytest.fixture
def staff(app, database, clock, library) -> dict[str, StaffClient]:
    """One signed-in client per role: librarian, technician, read_only at the test school, and a district admin."""
    clients = {}
    for role in ROLES:
        add_staff(database, clock, role.replace("_", ""), role, library.school_id)
        client = StaffClient(app)
        assert client.sign_in(role.replace("_", "")).status_code == 302
        clients[role] = client
    return clients
