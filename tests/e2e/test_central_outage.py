"""Fault: the central server dies mid-session; the kiosk loses nothing and forwards exactly once."""
from __future__ import annotations

import json
import sqlite3
import time

import pytest
import requests

from tests.e2e.processes import seeded_central_db, start_central, start_kiosk, write_kiosk_config

pytestmark = pytest.mark.e2e


def post(base: str, path: str, payload: dict) -> dict:
    response = requests.post(base + path, json=payload, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def checkout_events(db_path, item_barcode: str) -> list[dict]:
    """The central server's stored checkout events for one item, read from its SQLite file."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, payload, ok FROM circulation_events WHERE type = 'checkout'").fetchall()
    return [{"id": r[0], "ok": bool(r[2])} for r in rows if json.loads(r[1]).get("item_barcode") == item_barcode]


def test_given_the_central_server_is_killed_when_a_book_is_scanned_then_it_is_sent_once_after_restart(tmp_path):
    """GIVEN a student at the kiosk and the central server killed with SIGKILL
    WHEN the student scans a book
    THEN the offline policy decides at once (saved, to be sent later), the kiosk journal keeps the checkout pending,
    AND WHEN the central server comes back on the same port
    THEN the kiosk's sender forwards it by itself, as offline, and the server records exactly one checkout."""
    env, samples = seeded_central_db(tmp_path)
    central = start_central(env, tmp_path / "central.log")
    port = int(central.url.rsplit(":", 1)[1])
    kiosk = start_kiosk(write_kiosk_config(tmp_path / "kiosk.toml", central.url, tmp_path / "journal.db"),
                        tmp_path / "kiosk.log")
    student, first, second = samples["students"][2], samples["items"][3], samples["items"][4]
    try:
        post(kiosk.url, "/dev/scan", {"code": student["barcode"]})
        state = post(kiosk.url, "/dev/scan", {"code": first["barcode"]})
        assert next(x for x in state["lines"] if x["barcode"] == first["barcode"])["status"] == "ok"

        central.proc.kill()
        central.proc.wait(timeout=10)
        state = post(kiosk.url, "/dev/scan", {"code": second["barcode"]})
        line = next(x for x in state["lines"] if x["barcode"] == second["barcode"])
        assert line["status"] == "ok" and "later" in line["message"], line  # told in words: saved, sent later
        health = requests.get(kiosk.url + "/health", timeout=10).json()
        assert health["journal"]["pending"] == 1

        central = start_central(env, tmp_path / "central.log", port=port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            health = requests.get(kiosk.url + "/health", timeout=10).json()
            if health["journal"]["pending"] == 0:
                break
            time.sleep(0.5)
        assert health["journal"]["pending"] == 0, health

        events = checkout_events(tmp_path / "central.db", second["barcode"])
        assert len(events) == 1 and events[0]["ok"], events
        account = requests.get(f"{central.url}/api/v1/patrons/{student['barcode']}/account",
                               headers={"Authorization": "Bearer demo-kiosk-token"}, timeout=10).json()
        assert [x["item_barcode"] for x in account["loans"]].count(second["barcode"]) == 1
    finally:
        assert kiosk.stop() == 0, (tmp_path / "kiosk.log").read_text()
        central.stop()
