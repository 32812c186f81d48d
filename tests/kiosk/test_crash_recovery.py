"""Crash recovery with real processes: kill -9 the kiosk between commit-pending and the answer, restart it."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.conftest import ROOT, free_port, wait_for_http
from tests.kiosk.conftest import ENV, config_text, write_config
from tests.kiosk.fake_central import BOOK1, SAM


def start_kiosk(config, port):
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config), "--port", str(port)],
                            cwd=ROOT, env={**os.environ, **ENV}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    wait_for_http(f"http://127.0.0.1:{port}/health", timeout=30, proc=proc)
    return proc


def rows(journal):
    with sqlite3.connect(journal) as db:
        return db.execute("SELECT event_id, sequence, state, outcome FROM deliveries ORDER BY sequence").fetchall()


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("trouble", ["lost", "slow"])
def test_given_a_kiosk_killed_mid_checkout_when_restarted_then_the_event_is_resent_once_with_its_id(
        tmp_path, central, trouble):
    """GIVEN a checkout committed as pending and sent, and the server holding its answer (``lost``: the
    checkout was done; ``slow``: not yet), WHEN the kiosk is killed with SIGKILL and started again,
    THEN its sender re-sends the same event_id and the book is checked out exactly once."""
    journal = tmp_path / "journal.db"
    config = write_config(tmp_path, config_text(central.url, timeout=30))
    port = free_port()
    kiosk = start_kiosk(config, port)
    base = f"http://127.0.0.1:{port}"
    try:
        requests.post(f"{base}/dev/scan", json={"code": SAM}, timeout=10).raise_for_status()
        central.mode, central.delay = trouble, 60
        scan = threading.Thread(target=lambda: _post_quietly(f"{base}/dev/scan", {"code": BOOK1}), daemon=True)
        scan.start()
        assert wait_until(lambda: _checkouts_arrived(central) and rows(journal)), "the checkout never arrived"
        ((event_id, sequence, state, _),) = rows(journal)
        assert state == "pending" and _checkouts_arrived(central) == [event_id]
    finally:
        kiosk.kill()  # SIGKILL: no cleanup, no answer recorded
        kiosk.wait(10)
    scan.join(10)
    assert kiosk.returncode == -signal.SIGKILL and rows(journal)[0][2] == "pending"

    central.mode = "up"
    kiosk = start_kiosk(config, port)
    try:
        assert wait_until(lambda: rows(journal)[0][2] == "delivered"), "the pending checkout was not re-sent"
        ((again_id, again_seq, state, result),) = rows(journal)
        assert (again_id, again_seq) == (event_id, sequence)
        assert _checkouts_arrived(central) == [event_id, event_id]  # the same event, sent twice
        assert central.loans_of(SAM) == [BOOK1] and list(central.outcomes) == [event_id]  # done once
    finally:
        kiosk.send_signal(signal.SIGTERM)
        out, _ = kiosk.communicate(timeout=15)
    assert kiosk.returncode == 0, out
    assert "kiosk stopped" in out and SAM not in out  # the full card number never reaches the log


def _checkouts_arrived(central):
    """event_ids of the checkout requests that reached the server (logged on arrival, before any delay)."""
    return [event["event_id"] for event in central.events_sent("checkout")]


def _post_quietly(url, body):
    try:
        requests.post(url, json=body, timeout=30)
    except requests.RequestException:
        pass  # the kiosk is killed under this request; that is the point
