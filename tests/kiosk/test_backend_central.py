"""The central backend adapter against the fake central server over real HTTP."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kiosk.backends import BACKENDS, build_backend
from kiosk.backends.base import BackendRejected, BackendUnavailable
from kiosk.backends.central import CentralBackend
from kiosk.config import BackendSection
from tests.conftest import free_port
from tests.kiosk.fake_central import (
    BOOK1, BOOK2, MARIA, REFERENCE, SAM, SAM_CARD, SAM_PIN, TOKEN, UNKNOWN_BOOK,
)


@pytest.fixture
def backend(central):
    b = CentralBackend(central.url, TOKEN, timeout=1.0, connect_timeout=0.5)
    yield b
    b.close()


def _event(sequence, **payload):
    return {"event_id": str(uuid.uuid4()), "sequence": sequence, "occurred_at": "2025-12-01T09:00:00+00:00",
            "offline": False, **payload}


def test_given_a_patron_barcode_when_identified_then_the_patron_comes_back_typed(backend):
    result = backend.identify(barcode=MARIA, method="scan")
    assert result.ok and result.patron.display_name == "Maria G." and result.patron.language == "es"
    assert result.patron.expires_on == dt.date(2026, 6, 30) and result.patron.can_checkout


def test_given_a_card_uid_when_identified_then_its_patron_is_found(backend):
    assert backend.identify(card_uid=SAM_CARD, method="tap").patron.barcode == SAM


def test_given_a_typed_number_of_a_patron_with_a_pin_when_identified_then_the_pin_is_asked_and_checked(backend):
    assert backend.identify(barcode=SAM, method="typed").refusal.code == "pin_required"
    assert backend.identify(barcode=SAM, pin="0000", method="typed").refusal.code == "pin_incorrect"
    assert backend.identify(barcode=SAM, pin=SAM_PIN, method="typed").ok


def test_given_spanish_when_asking_then_accept_language_is_sent_and_the_message_is_spanish(backend, central):
    result = backend.identify(barcode="21234000000000", method="scan", lang="es")
    assert result.refusal.code == "patron_unknown" and result.refusal.message.startswith("No encontramos")
    assert central.requests[-1][3]["Accept-Language"] == "es"
    assert central.requests[-1][3]["Authorization"] == f"Bearer {TOKEN}"


def test_given_checkout_renew_and_checkin_when_sent_then_each_answer_is_typed(backend):
    out = backend.checkout(_event(1, patron_barcode=MARIA, item_barcode=BOOK1))
    assert out.ok and out.loan.due_date == dt.date(2025, 12, 15) and not out.replayed
    renew = backend.renew(_event(2, patron_barcode=MARIA, item_barcode=BOOK1))
    assert renew.ok and renew.loan.due_date == dt.date(2025, 12, 29)
    back = backend.checkin(_event(3, item_barcode=BOOK1))
    assert back.ok and back.checkin.was_on_loan and back.checkin.title == "Charlotte's Web"


def test_given_the_same_event_twice_when_sent_then_the_second_answer_is_the_stored_replay(backend, central):
    event = _event(1, patron_barcode=MARIA, item_barcode=BOOK2)
    first, second = backend.checkout(event), backend.checkout(event)
    assert first.ok and second.ok and second.replayed and second.loan == first.loan
    assert central.loans_of(MARIA) == [BOOK2]


def test_given_a_refused_checkout_when_sent_then_the_refusal_has_code_and_sentence(backend):
    out = backend.checkout(_event(1, patron_barcode=MARIA, item_barcode=REFERENCE))
    assert not out.ok and out.refusal.code == "item_reference" and "stay in the library" in out.refusal.message


def test_given_an_item_when_looked_up_then_known_items_come_back_and_unknown_ones_are_none(backend):
    assert backend.item(BOOK1).title == "Charlotte's Web"
    assert backend.item(UNKNOWN_BOOK) is None


def test_given_a_patron_when_the_account_is_asked_then_loans_and_holds_come_back(backend):
    backend.checkout(_event(1, patron_barcode=MARIA, item_barcode=BOOK1))
    account = backend.account(MARIA)
    assert [loan.item_barcode for loan in account.loans] == [BOOK1]
    assert account.holds[0].status == "ready" and account.holds[0].pickup_by == dt.date(2025, 12, 6)
    assert backend.account("21234000000000") is None


def test_given_the_server_is_down_when_called_then_backend_unavailable_says_not_answering(backend, central):
    central.go_down()
    with pytest.raises(BackendUnavailable) as caught:
        backend.identify(barcode=MARIA)
    assert str(caught.value) == "The library computer is not answering."
    assert "cannot connect" in caught.value.detail


def test_given_a_slow_server_when_called_then_the_read_timeout_gives_backend_unavailable(backend, central):
    central.mode, central.delay = "slow", 5.0
    with pytest.raises(BackendUnavailable, match="not answering") as caught:
        backend.identify(barcode=MARIA)
    assert "within 1 s" in caught.value.detail


def test_given_a_server_error_when_called_then_it_is_backend_unavailable_not_a_refusal(backend, central):
    central.mode = "500"
    with pytest.raises(BackendUnavailable) as caught:
        backend.checkout(_event(1, patron_barcode=MARIA, item_barcode=BOOK1))
    assert "HTTP 500" in caught.value.detail
    assert central.loans_of(MARIA) == []


def test_given_a_wrong_token_when_called_then_backend_rejected_carries_the_servers_message(central):
    wrong = CentralBackend(central.url, "not-the-token", timeout=1.0)
    with pytest.raises(BackendRejected) as caught:
        wrong.identify(barcode=MARIA)
    assert caught.value.status == 401 and caught.value.code == "unauthorized"
    assert caught.value.message == "This kiosk's token is not valid."
    wrong.close()


def test_given_a_reused_sequence_when_sent_then_the_conflict_is_rejected_with_its_code(backend):
    backend.checkout(_event(7, patron_barcode=MARIA, item_barcode=BOOK1))
    with pytest.raises(BackendRejected) as caught:
        backend.checkin(_event(7, item_barcode=BOOK2))
    assert caught.value.status == 409 and caught.value.code == "sequence_conflict"


def test_given_nothing_listening_when_called_then_connection_refused_is_unavailable():
    backend = CentralBackend(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=1.0, connect_timeout=0.5)
    with pytest.raises(BackendUnavailable):
        backend.heartbeat("1", {}, 0)


def test_given_a_heartbeat_when_sent_then_the_server_gets_devices_and_backlog(backend, central):
    answer = backend.heartbeat("0.1.0", {"scanner": "ready"}, 3)
    assert answer.ok and answer.kiosk_id == "test-kiosk"
    assert central.heartbeats[-1] == {"version": "0.1.0", "devices": {"scanner": "ready"}, "journal_pending": 3}


def test_given_a_heartbeat_when_answered_then_the_servers_last_sequence_comes_back(backend, central):
    """GIVEN no events THEN last_sequence 0; GIVEN the server stored sequence 7 THEN 7; GIVEN a server from
    before last_sequence THEN None (the kiosk treats its numbering as not known)."""
    assert backend.heartbeat("0.1.0", {}, 0).last_sequence == 0
    backend.checkout(_event(7, patron_barcode=MARIA, item_barcode=BOOK1))
    assert backend.heartbeat("0.1.0", {}, 0).last_sequence == 7
    central.tells_last_sequence = False
    assert backend.heartbeat("0.1.0", {}, 0).last_sequence is None


def test_given_the_backend_registry_when_a_kind_is_built_then_central_is_there_and_unknown_is_clear():
    section = BackendSection(kind="central", url="http://127.0.0.1:1", token="t")
    assert isinstance(build_backend(section), CentralBackend)
    assert set(BACKENDS) == {"central"}
    with pytest.raises(ValueError, match="not one this kiosk knows"):
        build_backend(BackendSection(kind="sip2", url="http://x", token="t"))
