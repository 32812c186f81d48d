"""Kiosk test fixtures: the fake central server on a real port, configs on disk, a ready app."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kiosk.clock import ManualClock
from kiosk.config import load_config
from tests.kiosk.fake_central import TOKEN, FakeCentral

STAFF_PIN = "4321"
ENV = {"KIOSK_TOKEN": TOKEN, "KIOSK_STAFF_PIN": STAFF_PIN}

DEVICES = """
[devices.scanner]
kind = "scanner"
driver = "simulated"

[devices.card_reader]
kind = "card_reader"
driver = "simulated"

[devices.item_pad]
kind = "item_pad"
driver = "simulated"

[devices.printer]
kind = "printer"
driver = "simulated"
"""


def config_text(url: str, journal: str = "journal.db", *, kiosk_extra: str = "", devices: str = DEVICES,
                timeout: float = 2, extra: str = "") -> str:
    """A complete kiosk config for tests (simulated devices, journal next to the file)."""
    return textwrap.dedent(f"""\
        config_version = 1

        [kiosk]
        id = "test-kiosk"
        name = "Test kiosk"
        library_name = "Test School Library"
        languages = ["en", "es"]
        {kiosk_extra}

        [backend]
        kind = "central"
        url = "{url}"
        timeout_seconds = {timeout}
        connect_timeout_seconds = 1

        [journal]
        path = "{journal}"

        [sync]
        heartbeat_seconds = 30
        max_backoff_seconds = 2
        """) + devices + extra


def write_config(folder: Path, text: str, name: str = "kiosk.toml") -> Path:
    """Write a config file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def central():
    """The fake central server, listening on a free loopback port."""
    fake = FakeCentral()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def clock():
    """A clock that moves only when the test says so."""
    return ManualClock()


@pytest.fixture
def kiosk_config(tmp_path, central):
    """A validated config pointing at the fake central server."""
    return load_config(write_config(tmp_path, config_text(central.url)), env=ENV)


@pytest.fixture
def app(kiosk_config, clock):
    """The kiosk app against the fake central over real HTTP, no background threads."""
    from kiosk.app import create_app

    flask_app = create_app(kiosk_config, clock=clock, start_threads=False)
    yield flask_app
    flask_app.extensions["kiosk"].close()


@pytest.fixture
def kiosk(app):
    """The running kiosk behind ``app``."""
    return app.extensions["kiosk"]


@pytest.fixture
def client(app):
    """Flask's test client for ``app``."""
    return app.test_client()
