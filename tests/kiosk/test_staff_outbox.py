"""Staff mode's outbox: online or not, the queue, parked events with reasons in words, retry and resolve (en/es)."""
from __future__ import annotations

from protocol.wire import CheckoutRequest
from tests.kiosk.conftest import STAFF_PIN
from tests.kiosk.fake_central import BOOK1, BOOK2, MARIA


def unlock(client):
    return client.post("/staff/unlock", data={"pin": STAFF_PIN})


def park_one(kiosk, central):
    """A parked checkout (the server refuses an ISBN as item barcode) and a good one behind it."""
    central.go_down()
    kiosk.monitor.failed("down for the test")
    bad = kiosk.journal.record(CheckoutRequest(MARIA, "9780064400558"), offline=True)
    kiosk.journal.record(CheckoutRequest(MARIA, BOOK1), offline=True)
    central.come_up()
    kiosk.sender.run_pass()
    return bad


def test_given_a_parked_event_when_staff_open_the_first_page_then_they_see_it_with_its_reason_in_words(
        client, kiosk, central):
    """GIVEN one parked and one delivered event WHEN staff open the first page THEN the outbox says online, the
    queue in numbers, and the parked checkout with the server's reason; the good one went through."""
    bad = park_one(kiosk, central)
    unlock(client)
    page = client.get("/staff").get_data(as_text=True)
    assert "The library computer is answering." in page
    assert 'id="count-pending">0<' in page and 'id="count-parked_open">1<' in page
    assert 'id="count-delivered">1<' in page and "Last answer from the library computer:" in page
    assert f'data-event="{bad.event_id}"' in page and "could not read this event: item_barcode" in page
    assert central.loans_of(MARIA) == [BOOK1]


def test_given_a_parked_event_when_staff_send_it_again_then_a_new_event_joins_the_end_and_the_old_one_is_kept(
        client, kiosk, central):
    """GIVEN a parked event WHEN staff press "Send again" THEN a new event with the same request is queued at the
    end, the parked one is marked retried (never deleted), and a second press says it is no longer parked."""
    bad = park_one(kiosk, central)
    unlock(client)
    central.go_down()
    response = client.post(f"/staff/outbox/{bad.event_id}/retry", data={"note": "relabelled"})
    assert response.status_code == 303 and "notice=retried" in response.headers["Location"]
    old = kiosk.journal.get(bad.event_id)
    assert old.resolution == "retried" and kiosk.journal.get(old.retried_as).state == "pending"
    assert kiosk.journal.counts() == {"pending": 1, "delivered": 1, "parked": 1, "parked_open": 0, "total": 3}
    again = client.post(f"/staff/outbox/{bad.event_id}/retry")
    assert "notice=gone" in again.headers["Location"]
    assert "no longer parked" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_given_a_parked_event_when_staff_resolve_it_then_a_note_is_required_and_kept(client, kiosk, central):
    """GIVEN a parked event WHEN staff resolve it without a note THEN they are asked for one; WITH a note THEN it is
    resolved, the note kept, and the parked list is empty."""
    bad = park_one(kiosk, central)
    unlock(client)
    assert "notice=need_note" in client.post(f"/staff/outbox/{bad.event_id}/resolve").headers["Location"]
    client.post(f"/staff/outbox/{bad.event_id}/resolve", data={"note": "book withdrawn, told the teacher"})
    entry = kiosk.journal.get(bad.event_id)
    assert entry.resolution == "resolved" and entry.note == "book withdrawn, told the teacher"
    assert "Nothing is parked." in client.get("/staff").get_data(as_text=True)


def test_given_a_refused_token_when_staff_look_then_they_are_told_in_words_and_nothing_is_parked(
        client, kiosk, central):
    """GIVEN the server refuses the kiosk's token WHEN an event is sent and staff look THEN the page says the token was
    refused and what to do, the status bar says so too, and the event waits (not parked)."""
    central.token = "another"
    kiosk.journal.record(CheckoutRequest(MARIA, BOOK2), offline=True)
    kiosk.sender.run_pass()
    unlock(client)
    page = client.get("/staff").get_data(as_text=True)
    assert "token was refused" in page and "KIOSK_TOKEN" in page
    assert "refused this kiosk" in client.get("/api/state").get_json()["status"]["text"]
    assert kiosk.journal.counts()["parked"] == 0 and kiosk.journal.counts()["pending"] == 1


def test_given_a_restored_journal_when_staff_look_then_one_sentence_says_to_call_support(client, kiosk, central):
    """GIVEN a journal whose numbers the server already has under other events (an old copy came back) WHEN staff
    open the first page THEN one sentence says so, in words, and nothing was renumbered or parked."""
    kiosk.journal.record(CheckoutRequest(MARIA, BOOK1))
    kiosk.sender.run_pass()
    kiosk.journal.state_set("central.numbering", {"offset": -1, "confirmed": True})  # as an old copy numbers
    kiosk.journal.record(CheckoutRequest(MARIA, BOOK2), offline=True)
    kiosk.sender.run_pass()
    unlock(client)
    page = client.get("/staff").get_data(as_text=True)
    assert 'id="numbering-problem"' in page and "restored from an old copy" in page
    assert kiosk.journal.counts()["parked"] == 0 and kiosk.journal.counts()["pending"] == 1


def test_given_spanish_staff_when_the_outbox_is_shown_then_its_sentences_are_spanish(tmp_path, central, clock):
    """GIVEN a kiosk whose first language is Spanish WHEN staff open the first page THEN the outbox speaks Spanish."""
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    text = config_text(central.url).replace('languages = ["en", "es"]', 'languages = ["es", "en"]')
    app = create_app(load_config(write_config(tmp_path, text), env=ENV), clock=clock, start_threads=False)
    try:
        client = app.test_client()
        unlock(client)
        page = client.get("/staff").get_data(as_text=True)
        assert "por enviar" in page and "No hay nada apartado." in page
    finally:
        app.extensions["kiosk"].close()
