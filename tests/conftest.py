"""Suite-wide fixtures: a real PostgreSQL server on a loopback port, free ports, the repo root.

PostgreSQL is started once per test session in a temporary directory: ``initdb`` refuses to run
as root, so as root the cluster belongs to the ``postgres`` user and is started with runuser.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a browser test saves its screenshots: docs/screenshots/ under `make screenshots` (which sets
    KIOSK_SCREENSHOTS=1), else the test's own temporary folder, so `make test` leaves the checkout as it was."""
    if os.environ.get("KIOSK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


@pytest.fixture
def unused_port() -> int:
    """A free loopback TCP port for one test."""
    return free_port()


def _pg_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if found:
        return found[-1]
    path = shutil.which(tool)
    if path:
        return path
    pytest.fail(f"PostgreSQL's {tool} is not installed; `make test` installs it (apt-get install postgresql).")


def _as_db_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the whole session; yields its base URL (no database name)."""
    base = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        base.chmod(0o700)
    subprocess.run(_as_db_user([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base} -c fsync=off"
    subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"),
                                "-w", "-t", "60", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_db_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A new, empty PostgreSQL database for one test; yields its SQLAlchemy URL and drops it afterwards
    (hundreds of leftover databases would leave gigabytes for the server's teardown to delete)."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with psycopg.connect(plain + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers (any status), failing clearly if ``proc`` dies first."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"process exited with {proc.returncode} before {url} answered:\n{out}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")
