"""The central backend speaks the typed port over real HTTP: look-ups, batched delivery, errors, delta sync."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kiosk.backends import BACKENDS, BackendContext, CentralSettings, build_backend
from kiosk.backends.central import CentralBackend
from kiosk.backends.port import Backend, BackendAuthRefused, BackendUnavailable, NotSupported
from kiosk.config import BackendSection
from protocol.wire import (
    CheckinRequest, CheckoutRequest, CirculationEvent, IdentifyRequest, RenewRequest, identifier_digest,
    unseal_barcode,
)
from tests.conftest import free_port
from tests.kiosk.fake_central import (
    BLOCKED, BOOK1, BOOK2, HASH_KEY, MARIA, REFERENCE, SAM, SAM_CARD, SAM_PIN, TOKEN, UNKNOWN_BOOK,
)


@pytest.fixture
def backend(central):
    b = CentralBackend(central.url, TOKEN, timeout=1.0, connect_timeout=0.5)
    yield b
    b.close()


def event(request, sequence=1, offline=False):
    return CirculationEvent(str(uuid.uuid4()), sequence, dt.datetime(2025, 12, 1, 9, tzinfo=dt.timezone.utc),
                            request, offline)


def test_given_the_central_backend_when_checked_against_the_port_then_it_is_a_backend(backend):
    """GIVEN the central backend WHEN checked against the typed port THEN it is one, with batch and delta sync."""
    assert isinstance(backend, Backend) and backend.name == "central"
    assert backend.capabilities.batch and backend.capabilities.delta_sync


def test_given_a_patron_barcode_or_card_when_identified_then_the_patron_comes_back_typed(backend):
    """GIVEN Maria's barcode and Sam's card WHEN identified THEN typed patrons come back."""
    maria = backend.identify(IdentifyRequest(barcode=MARIA))
    assert maria.ok and maria.patron.display_name == "Maria G." and maria.patron.language == "es"
    assert backend.identify(IdentifyRequest(card_uid=SAM_CARD, method="tap")).patron.barcode == SAM


def test_given_a_typed_number_of_a_patron_with_a_pin_when_identified_then_the_pin_is_asked_and_checked(backend):
    """GIVEN Sam has a PIN WHEN his number is typed without, with a wrong and with the right PIN THEN each is told."""
    assert backend.identify(IdentifyRequest(barcode=SAM, method="typed")).refusal.code == "pin_required"
    assert backend.identify(IdentifyRequest(barcode=SAM, pin="9999", method="typed")).refusal.code == "pin_incorrect"
    assert backend.identify(IdentifyRequest(barcode=SAM, pin=SAM_PIN, method="typed")).ok


def test_given_spanish_when_asking_then_accept_language_is_sent_and_the_message_is_spanish(backend, central):
    """GIVEN lang es WHEN an unknown card is identified THEN the header says es and the sentence is Spanish."""
    outcome = backend.identify(IdentifyRequest(barcode=UNKNOWN_BOOK.replace("3", "2", 1)), lang="es")
    assert central.requests[-1][3]["Accept-Language"] == "es" and not outcome.ok
    assert outcome.refusal.code == "patron_unknown"


def test_given_checkout_renew_and_checkin_when_delivered_in_one_batch_then_each_answer_is_typed(backend, central):
    """GIVEN a checkout, a renewal and a return WHEN delivered together THEN one batch carries them, in order,
    and each comes back as a typed outcome."""
    events = [event(CheckoutRequest(MARIA, BOOK1), 1), event(RenewRequest(MARIA, BOOK1), 2),
              event(CheckinRequest(BOOK1), 3)]
    out, renewed, back = backend.deliver(events)
    assert central.batches == [3]
    assert out.outcome.ok and out.outcome.loan.title == "Charlotte's Web" and out.outcome.loan.due_date
    assert renewed.outcome.loan.renewals_left == 1
    assert back.outcome.checkin.was_on_loan and back.outcome.checkin.routing == "shelf"


def test_given_business_refusals_when_delivered_then_they_are_outcomes_not_rejections(backend):
    """GIVEN a reference book and a blocked patron WHEN delivered THEN both are refused outcomes with their codes."""
    ref, blocked = backend.deliver([event(CheckoutRequest(MARIA, REFERENCE), 1),
                                    event(CheckoutRequest(BLOCKED, BOOK2), 2)])
    assert ref.outcome.refusal.code == "item_reference" and blocked.outcome.refusal.code == "patron_blocked"


def test_given_the_same_event_twice_when_delivered_then_the_second_answer_is_the_stored_replay(backend, central):
    """GIVEN one checkout WHEN delivered twice THEN the second answer is replayed and nothing happens twice."""
    once = event(CheckoutRequest(MARIA, BOOK1))
    first, = backend.deliver([once])
    again, = backend.deliver([once])
    assert not first.outcome.replayed and again.outcome.replayed and central.loans_of(MARIA) == [BOOK1]


def test_given_a_malformed_event_when_delivered_then_it_is_a_rejection_to_park(backend):
    """GIVEN a checkout whose item barcode is an ISBN WHEN delivered THEN the answer is a rejection (not transient)
    naming the field, and the event after it is still applied."""
    bad, good = backend.deliver([event(CheckoutRequest(MARIA, "9780064400558"), 1), event(CheckinRequest(BOOK1), 2)])
    assert bad.rejection is not None and not bad.rejection.transient and "item_barcode" in bad.rejection.message
    assert good.outcome.ok


def test_given_items_and_accounts_when_looked_up_then_known_ones_come_back_and_unknown_ones_are_none(backend):
    """GIVEN the fake library WHEN items and an account are asked THEN typed answers, None when unknown."""
    assert backend.item(BOOK1).title == "Charlotte's Web" and backend.item(UNKNOWN_BOOK) is None
    account = backend.account(MARIA)
    assert account.patron.barcode == MARIA and account.holds[0].status == "ready"


@pytest.mark.parametrize("mode, words", [("down", "cannot connect"), ("500", "HTTP 500"), ("busy", "HTTP 503")])
def test_given_server_trouble_when_called_then_it_is_backend_unavailable(backend, central, mode, words):
    """GIVEN the server down, failing or busy WHEN called THEN BackendUnavailable says which, never a refusal."""
    if mode == "down":
        central.go_down()
    else:
        central.mode = mode
    with pytest.raises(BackendUnavailable) as caught:
        backend.deliver([event(CheckinRequest(BOOK1))])
    assert words in caught.value.detail and str(caught.value) == "The library computer is not answering."
    if mode == "busy":
        assert caught.value.retry_after == central.retry_after


def test_given_a_slow_server_when_called_then_the_read_timeout_gives_backend_unavailable(backend, central):
    """GIVEN a server slower than the timeout WHEN called THEN BackendUnavailable within about the timeout."""
    central.mode, central.delay = "slow", 3
    with pytest.raises(BackendUnavailable) as caught:
        backend.status()
    assert "no answer" in caught.value.detail


def test_given_a_wrong_token_when_called_then_the_kiosk_itself_is_refused(central):
    """GIVEN a kiosk with a token the server does not know WHEN it calls THEN BackendAuthRefused (staff are told)."""
    wrong = CentralBackend(central.url, "not-the-token", timeout=1.0)
    with pytest.raises(BackendAuthRefused):
        wrong.status()
    wrong.close()


def test_given_nothing_listening_when_called_then_connection_refused_is_unavailable():
    """GIVEN a port nobody listens on WHEN called THEN BackendUnavailable."""
    nobody = CentralBackend(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=0.5, connect_timeout=0.5)
    with pytest.raises(BackendUnavailable):
        nobody.status()


def test_given_a_heartbeat_when_sent_then_the_server_gets_devices_and_backlog(central):
    """GIVEN a report of devices and backlog WHEN the probe runs THEN the heartbeat carries them."""
    backend = CentralBackend(central.url, TOKEN, report=lambda: {"devices": {"scanner": "ready"}, "journal_pending": 3})
    assert backend.status().online
    assert central.heartbeats[-1]["devices"] == {"scanner": "ready"} and central.heartbeats[-1]["journal_pending"] == 3
    backend.close()


def test_given_delta_sync_when_paged_then_patrons_come_hashed_items_follow_and_rules_arrive(central):
    """GIVEN the fake library WHEN patrons are synced in pages of 2 THEN every patron arrives hashed with the
    library's key (no barcode digest equals a plain barcode), the cursor moves on, and items and rules follow."""
    backend = CentralBackend(central.url, TOKEN)
    import kiosk.backends.central_sync as module

    module.SYNC_PAGE, old = 2, module.SYNC_PAGE
    try:
        records, cursor, pages = [], None, 0
        while True:
            page = backend.patrons(cursor)
            records += page.records
            pages += 1
            cursor = page.cursor
            if not page.more:
                break
        assert pages == 2 and page.hash_key == HASH_KEY and len(records) == 3
        sam = next(r for r in records if r.display_name == "Sam T.")
        assert sam.barcode_digest == identifier_digest(bytes.fromhex(HASH_KEY), "barcode", SAM)
        assert sam.card_digests == (identifier_digest(bytes.fromhex(HASH_KEY), "card_uid", SAM_CARD),)
        assert unseal_barcode(bytes.fromhex(HASH_KEY), SAM_CARD, sam.card_barcodes[0]) == SAM
        assert sam.pin_required and sam.pin_hash is None  # the slow hash only when the policy asks for it
        assert backend.patrons(cursor).records == ()  # nothing changed since
    finally:
        module.SYNC_PAGE = old
    assert len(backend.items(None).records) == 6 and backend.loan_rules().rules[0].loan_days == 14
    backend.close()


def test_given_a_server_without_sync_endpoints_when_synced_then_it_is_not_supported(central):
    """GIVEN a server from before delta sync WHEN patrons are asked THEN NotSupported (the kiosk goes on)."""
    backend = CentralBackend(central.url, TOKEN)
    central.app.view_functions["sync_patrons"] = lambda: (central.app.response_class("{}", 404,
                                                                                     mimetype="application/json"))
    with pytest.raises(NotSupported):
        backend.patrons(None)
    backend.close()


def test_given_the_backend_registry_when_a_kind_is_built_then_central_is_there_and_unknown_is_clear():
    """GIVEN the registry WHEN central is built from its settings THEN a CentralBackend; an unknown kind says so."""
    assert set(BACKENDS) >= {"central"}
    built = build_backend(BackendSection("central", CentralSettings("http://127.0.0.1:1", TOKEN)), BackendContext())
    assert isinstance(built, CentralBackend)
    with pytest.raises(ValueError, match="not one this kiosk knows"):
        build_backend(BackendSection("koha-rest", None))
