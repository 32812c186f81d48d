"""End to end: the real central server and the real kiosk as processes, talking over real HTTP."""
from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from tests.e2e.processes import seeded_central_db, start_central, start_kiosk, write_kiosk_config

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A seeded central server and a kiosk with simulated devices pointed at it."""
    tmp = tmp_path_factory.mktemp("e2e")
    env, samples = seeded_central_db(tmp)
    central = start_central(env, tmp / "central.log")
    config = write_kiosk_config(tmp / "kiosk.toml", central.url, tmp / "journal.db")
    kiosk = start_kiosk(config, tmp / "kiosk.log")
    try:
        yield {"central": central, "kiosk": kiosk, "samples": samples, "tmp": tmp}
    finally:
        kiosk_rc = kiosk.stop()
        central_rc = central.stop()
        assert kiosk_rc == 0, (tmp / "kiosk.log").read_text()
        assert central_rc == 0, (tmp / "central.log").read_text()


def post(base: str, path: str, payload: dict) -> dict:
    response = requests.post(base + path, json=payload, timeout=15)
    assert response.status_code == 200, response.text
    return response.json()


def central_account(stack, patron_barcode: str) -> dict:
    response = requests.get(f"{stack['central'].url}/api/v1/patrons/{patron_barcode}/account",
                            headers={"Authorization": "Bearer demo-kiosk-token"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_demo_student_when_three_books_are_scanned_then_the_central_server_has_three_loans(stack):
    """GIVEN the seeded demo library WHEN a student scans their card and three books at the kiosk
    THEN the screen shows each title with a due date, the central server holds the three loans, the
    kiosk journal has them acknowledged, and the printed receipt lists all three."""
    kiosk = stack["kiosk"].url
    student = stack["samples"]["students"][0]
    books = stack["samples"]["items"][:3]
    before = {loan["item_barcode"] for loan in central_account(stack, student["barcode"])["loans"]}

    state = post(kiosk, "/dev/scan", {"code": student["barcode"]})
    assert state["patron"] is not None and state["state"] == "active"
    assert student["display_name"].split()[0] in state["patron"]["greeting"]

    for book in books:
        state = post(kiosk, "/dev/scan", {"code": book["barcode"]})
    lines = {line["barcode"]: line for line in state["lines"]}
    for book in books:
        line = lines[book["barcode"]]
        assert line["status"] == "ok", line
        assert line["title"] == book["title"]
        assert dt.date.fromisoformat(line["due_date"]) > dt.date.today()
        assert line["due_text"]

    after = {loan["item_barcode"] for loan in central_account(stack, student["barcode"])["loans"]}
    assert after - before == {book["barcode"] for book in books}

    health = requests.get(kiosk + "/health", timeout=10).json()
    assert health["journal"]["pending"] == 0
    assert health["journal"]["delivered"] >= 3

    state = post(kiosk, "/api/finish", {"receipt": True})
    assert state["state"] == "ending" and state["receipt"]["status"] == "printed", state["receipt"]
    receipt = state["dev"]["last_receipt"]
    for book in books:
        assert book["barcode"] in receipt and book["title"][:20] in receipt
    assert student["barcode"] not in receipt, "the receipt must mask the card number"

    # The goodbye screen gives way to the idle screen by itself, and the student is forgotten.
    deadline = time.monotonic() + 30
    while state["state"] != "idle" and time.monotonic() < deadline:
        time.sleep(0.5)
        state = requests.get(kiosk + "/api/state", timeout=10).json()
    assert state["state"] == "idle" and state["patron"] is None and state["lines"] == []


def test_given_a_reference_book_when_scanned_then_the_child_sentence_is_shown_and_nothing_is_lent(stack):
    """GIVEN an active student WHEN a reference book is scanned THEN the line is refused with the
    'stay in the library' sentence and the central server made no loan."""
    kiosk = stack["kiosk"].url
    student = stack["samples"]["students"][1]
    reference = stack["samples"]["reference_item"]
    post(kiosk, "/dev/scan", {"code": student["barcode"]})
    state = post(kiosk, "/dev/scan", {"code": reference["barcode"]})
    line = next(x for x in state["lines"] if x["barcode"] == reference["barcode"])
    assert line["status"] == "refused"
    assert "stay in the library" in line["message"]
    loans = {loan["item_barcode"] for loan in central_account(stack, student["barcode"])["loans"]}
    assert reference["barcode"] not in loans
    post(kiosk, "/api/finish", {"receipt": False})
