"""Staff mode: behind the staff PIN, locks itself after two quiet minutes."""
from __future__ import annotations

from tests.kiosk.conftest import STAFF_PIN
from tests.kiosk.fake_central import BOOK1, SAM


def unlock(client, pin=STAFF_PIN):
    return client.post("/staff/unlock", data={"pin": pin})


def test_given_a_locked_kiosk_when_staff_is_opened_then_the_pin_keypad_shows_not_the_data(client):
    page = client.get("/staff").get_data(as_text=True)
    assert "Staff PIN" in page and 'name="pin"' in page and "Devices" not in page
    assert client.get("/staff/status.json").status_code == 401


def test_given_the_right_pin_when_unlocked_then_devices_journal_and_last_receipt_show(client):
    client.post("/dev/scan", json={"code": SAM})
    client.post("/dev/scan", json={"code": BOOK1})
    client.post("/api/finish", json={"receipt": True})
    assert unlock(client).status_code == 302
    page = client.get("/staff").get_data(as_text=True)
    assert "Devices" in page and "Receipt printer" in page and "Ready" in page
    assert 'id="count-delivered">1<' in page and "Charlotte&#39;s Web" in page
    status = client.get("/staff/status.json").get_json()
    assert status["journal"] == {"pending": 0, "delivered": 1, "parked": 0, "parked_open": 0, "total": 1}
    assert status["recent"][0]["item"] == BOOK1 and "Sam T." in status["last_receipt"]


def test_given_a_wrong_pin_when_tried_then_it_says_so_and_stays_locked(client):
    response = unlock(client, "9999")
    assert response.headers["Location"].endswith("/staff?error=wrong_pin")
    assert "That PIN is not right." in client.get("/staff?error=wrong_pin").get_data(as_text=True)
    assert client.get("/staff/status.json").status_code == 401


def test_given_five_wrong_pins_when_the_right_one_follows_then_it_waits_a_minute(client, clock):
    for _ in range(5):
        unlock(client, "0000")
    assert unlock(client).headers["Location"].endswith("error=locked_out")
    clock.advance(61)
    assert unlock(client).headers["Location"].endswith("/staff")
    assert client.get("/staff/status.json").status_code == 200


def test_given_staff_mode_when_two_quiet_minutes_pass_then_it_locks_itself(client, clock):
    unlock(client)
    clock.advance(100)
    assert client.get("/staff/status.json").status_code == 200  # the live refresh does not keep it open
    clock.advance(21)
    assert client.get("/staff/status.json").status_code == 401
    assert "Staff PIN" in client.get("/staff").get_data(as_text=True)


def test_given_staff_activity_when_pages_are_used_then_the_lock_moves_on(client, clock):
    unlock(client)
    clock.advance(100)
    client.get("/staff")
    clock.advance(100)
    assert client.get("/staff/status.json").status_code == 200


def test_given_staff_mode_when_end_session_is_pressed_then_the_students_session_ends(client, kiosk):
    client.post("/dev/scan", json={"code": SAM})
    assert client.post("/staff/end-session").headers["Location"].endswith("/staff")  # locked: nothing done
    assert kiosk.session.d.state == "active"
    unlock(client)
    client.post("/staff/end-session")
    assert kiosk.session.d.state == "idle" and kiosk.session.d.patron is None


def test_given_staff_mode_when_locked_by_hand_then_the_kiosk_page_is_back(client):
    unlock(client)
    assert client.post("/staff/lock").headers["Location"].endswith("/")
    assert client.get("/staff/status.json").status_code == 401
