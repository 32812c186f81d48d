"""The kiosk's Flask routes with the test client (the backend is the fake central over real HTTP)."""
from __future__ import annotations

import pytest

from kiosk.app import create_app
from kiosk.config import load_config
from tests.kiosk.conftest import ENV, config_text, write_config
from tests.kiosk.fake_central import BOOK1, BOOK2, MARIA, SAM, SAM_CARD, SAM_PIN


def test_given_the_kiosk_page_when_loaded_then_it_uses_only_local_assets_and_has_the_dev_panel(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Scan your library card or tap it here" in html and 'id="dev-panel"' in html
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    for asset in ("/static/kiosk.js", "/static/kiosk.css"):
        assert asset in html and client.get(asset).status_code == 200


def test_given_idle_when_the_state_is_read_then_it_has_labels_status_and_dev_info(client):
    state = client.get("/api/state").get_json()
    assert state["state"] == "idle" and state["labels"]["idle.type_number"] == "Type my number"
    assert [lang["name"] for lang in state["languages"]] == ["English", "Español"]
    assert state["status"]["ok"] and state["status"]["text"] == "Ready"
    assert state["dev"] == {"sample_patrons": [], "sample_items": [], "last_receipt": None}
    assert state["has_printer"] is True


def test_given_the_keypad_when_a_number_and_pin_are_posted_then_the_patron_signs_in(client):
    assert client.post("/api/identify", json={"id": SAM}).get_json()["pin_entry"] is True
    state = client.post("/api/identify", json={"pin": SAM_PIN}).get_json()
    assert state["state"] == "active" and state["patron"]["greeting"] == "Hi, Sam!"


@pytest.mark.parametrize("body, words", [
    ({}, "Type a card number first."),
    ({"id": "  "}, "Type a card number first."),
    ({"id": SAM, "pin": "12ab"}, "A PIN has only numbers."),
])
def test_given_a_bad_identify_request_when_posted_then_a_400_says_what_is_missing(client, body, words):
    response = client.post("/api/identify", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["message"] == words


def test_given_a_patron_when_a_book_number_is_typed_then_it_is_checked_out(client, central):
    client.post("/dev/scan", json={"code": MARIA})
    state = client.post("/api/scan", json={"code": BOOK1}).get_json()
    assert state["lines"][0]["title"] == "Charlotte's Web" and central.loans_of(MARIA) == [BOOK1]


def test_given_a_card_number_in_the_book_field_when_posted_then_it_does_not_sign_in_without_pin(client):
    state = client.post("/api/scan", json={"code": SAM}).get_json()
    assert state["state"] == "idle" and state["patron"] is None


def test_given_a_scan_without_a_code_when_posted_then_it_is_a_400(client):
    assert client.post("/api/scan", json={"code": ""}).status_code == 400
    assert client.post("/api/scan", data="not json").status_code == 400


def test_given_mode_and_language_posts_when_valid_then_applied_and_when_not_then_400(client):
    client.post("/dev/tap", json={"uid": SAM_CARD})
    assert client.post("/api/mode", json={"mode": "renew"}).get_json()["mode"] == "renew"
    assert client.post("/api/language", json={"language": "es"}).get_json()["labels"]["mode.renew"] == "Renovar"
    bad_mode = client.post("/api/mode", json={"mode": "borrow"})
    assert bad_mode.status_code == 400 and bad_mode.get_json()["error"]["message"] == "Ese no es un modo del quiosco."
    assert client.post("/api/language", json={"language": "de"}).status_code == 400


def test_given_a_session_when_finished_with_receipt_then_ending_and_reprint_prints_again(client, kiosk):
    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK2})
    state = client.post("/api/finish", json={"receipt": True}).get_json()
    assert state["state"] == "ending" and state["receipt"]["status"] == "printed"
    assert "Frog and Toad" in state["dev"]["last_receipt"]
    client.post("/api/receipt/reprint")
    assert len(kiosk.devices.printer().printed) == 2
    assert client.post("/api/finish", json={"receipt": "maybe"}).status_code == 400


def test_given_a_patron_when_the_account_is_asked_then_loans_and_holds_come_in_words(client):
    assert client.get("/api/account").status_code == 409  # nobody signed in
    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK1})
    account = client.get("/api/account").get_json()
    assert account["loans"][0]["due_text"] == "Due Monday, December 15"
    assert account["holds"][0]["message"] == "Ready for you! Pick it up by Saturday, December 6."


def test_given_the_server_down_when_the_account_is_asked_then_503_in_words(client, central):
    client.post("/dev/scan", json={"code": SAM})
    central.go_down()
    response = client.get("/api/account")
    assert response.status_code == 503 and "not answering" in response.get_json()["error"]["message"]


def test_given_a_server_error_when_the_account_is_asked_then_log_and_health_show_only_the_last_4_digits(
        client, central, caplog):
    """GIVEN a signed-in student and a central server answering HTTP 500, WHEN 'My account' is asked,
    THEN the log line, /health and the staff page's backend error show the card masked to its last 4 digits, never in full."""
    client.post("/dev/scan", json={"code": MARIA})
    central.mode = "500"
    with caplog.at_level("DEBUG"):
        assert client.get("/api/account").status_code == 503
    last_error = client.get("/health").get_json()["backend"]["last_error"]
    assert f"/patrons/{'*' * 10}{MARIA[-4:]}/account answered HTTP 500" in last_error
    kiosk_lines = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]  # not the fake server's
    assert MARIA not in last_error and not [line for line in kiosk_lines if MARIA in line]
    assert any(line.startswith("backend offline") for line in kiosk_lines)


def test_given_another_student_signs_in_while_the_account_loads_then_the_first_account_is_not_shown(
        kiosk_config, clock, central):
    """GIVEN Sam asked for 'My account', WHEN Maria's card is scanned before the server's answer arrives,
    THEN the kiosk answers 409 'Nobody is signed in' instead of showing Sam's loans on Maria's screen."""
    from kiosk.backends.central import CentralBackend
    from tests.kiosk.fake_central import TOKEN

    class SlowAccount(CentralBackend):
        """The central backend, with Maria's card scanned while Sam's account is on its way."""

        scanned = False

        def account(self, patron_barcode, lang="en"):
            answer = super().account(patron_barcode, lang)
            if not self.scanned:
                self.scanned = True
                app.extensions["kiosk"].session.scan(MARIA)
            return answer

    backend = SlowAccount(central.url, TOKEN, timeout=2.0)
    app = create_app(kiosk_config, backend=backend, clock=clock, start_threads=False)
    try:
        client = app.test_client()
        client.post("/dev/scan", json={"code": SAM})
        response = client.get("/api/account")
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_patron"
        assert client.get("/api/state").get_json()["patron"]["name"] == "Maria G."
        assert client.get("/api/account").status_code == 200  # Maria's own account still opens
    finally:
        app.extensions["kiosk"].close()


def test_given_the_warning_when_touch_is_posted_then_it_goes_away(client, kiosk, clock):
    client.post("/dev/scan", json={"code": SAM})
    clock.advance(40)
    kiosk.session.tick()
    assert client.get("/api/state").get_json()["warning"]
    assert client.post("/api/touch").get_json()["warning"] is False


def test_given_health_when_asked_then_journal_devices_and_backend_are_reported(client, central):
    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK1})
    health = client.get("/health").get_json()
    assert health["ok"] and health["kiosk_id"] == "test-kiosk"
    assert health["journal"] == {"pending": 0, "delivered": 1, "parked": 0, "parked_open": 0, "total": 1}
    assert health["backend"]["reachable"] is True and health["devices"]["scanner"]["status"] == "ready"
    central.go_down()
    client.post("/dev/scan", json={"code": BOOK2})
    health = client.get("/health").get_json()
    assert health["journal"]["pending"] == 1 and health["backend"]["reachable"] is False
    bar = client.get("/api/state").get_json()["status"]
    assert bar["text"] == "The library computer is not answering · 1 waiting to be sent"


def test_given_real_devices_only_when_dev_routes_are_called_then_they_do_not_exist(tmp_path, central, clock):
    devices = '\n[devices.printer]\nkind = "printer"\ndriver = "escpos_network"\nhost = "127.0.0.1"\n'
    config = load_config(write_config(tmp_path, config_text(central.url, devices=devices)), env=ENV)
    app = create_app(config, clock=clock, start_threads=False)
    try:
        client = app.test_client()
        assert client.post("/dev/scan", json={"code": SAM}).status_code == 404
        assert client.post("/dev/tap", json={"uid": SAM_CARD}).status_code == 404
        assert client.get("/api/state").get_json()["dev"] is None
        assert 'id="dev-panel"' not in client.get("/").get_data(as_text=True)
    finally:
        app.extensions["kiosk"].close()


def test_given_the_dev_printer_switch_when_paper_runs_out_then_the_receipt_fails_in_words(client):
    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK1})
    client.post("/dev/printer", json={"paper": "out"})
    state = client.post("/api/finish", json={"receipt": True}).get_json()
    assert state["receipt"]["status"] == "error" and state["receipt"]["can_reprint"]
    assert client.post("/dev/printer", json={"paper": "sideways"}).status_code == 400


def test_given_create_app_without_config_when_kiosk_config_is_set_then_that_file_is_used(
        tmp_path, central, monkeypatch):
    path = write_config(tmp_path, config_text(central.url))
    for name, value in {**ENV, "KIOSK_CONFIG": str(path)}.items():
        monkeypatch.setenv(name, value)
    app = create_app(start_threads=False)
    try:
        assert app.extensions["kiosk"].config.path == path
        assert app.extensions["kiosk"].threads_started is False
    finally:
        app.extensions["kiosk"].close()
