"""The patron session state machine, against the fake central server over real HTTP."""
from __future__ import annotations

import pytest

from kiosk.web.view import state_view
from tests.kiosk.fake_central import (
    SAM_CARD,
    BLOCKED, BOOK1, BOOK2, BOOK3, MARIA, REFERENCE, SAM, SAM_PIN, UNKNOWN_BOOK,
)


def view(kiosk):
    return state_view(kiosk.session, kiosk.clock.now().date())


def test_given_idle_when_a_patron_card_is_scanned_then_the_session_is_active_in_their_language(kiosk):
    kiosk.session.scan(MARIA)
    v = view(kiosk)
    assert v["state"] == "active" and v["mode"] == "checkout"
    assert v["language"] == "es" and v["patron"]["greeting"] == "¡Hola, Maria!"


def test_given_idle_when_a_card_is_tapped_then_its_patron_is_signed_in(kiosk):
    kiosk.session.card_tap("04:a1:b2:c3:d4:e5:f6")  # readers format UIDs differently; it is normalised
    assert view(kiosk)["patron"]["name"] == "Sam T."


def test_given_a_typed_number_with_a_pin_when_identified_then_pin_entry_comes_first(kiosk, central):
    kiosk.session.identify_typed(SAM)
    assert view(kiosk)["state"] == "pin_entry" and view(kiosk)["pin_entry"] and view(kiosk)["patron"] is None
    kiosk.session.identify_typed(None, SAM_PIN)  # the number is remembered during PIN entry
    assert view(kiosk)["state"] == "active" and view(kiosk)["patron"]["name"] == "Sam T."
    sent = [body for method, path, body, _ in central.requests if path.endswith("/identify")]
    assert sent[-1] == {"barcode": SAM, "pin": SAM_PIN, "method": "typed"}


def test_given_pin_entry_when_the_pin_is_wrong_three_times_then_the_kiosk_goes_back_to_idle(kiosk):
    kiosk.session.identify_typed(SAM)
    kiosk.session.identify_typed(None, "1111")
    assert view(kiosk)["state"] == "pin_entry" and "not right" in view(kiosk)["notice"]["text"]
    kiosk.session.identify_typed(None, "2222")
    kiosk.session.identify_typed(None, "3333")
    v = view(kiosk)
    assert v["state"] == "idle" and "too many times" in v["notice"]["text"]


def test_given_a_typed_book_number_on_the_keypad_when_identifying_then_it_is_not_taken_as_a_card(kiosk):
    kiosk.session.identify_typed(BOOK1)
    assert view(kiosk)["state"] == "idle" and "not a library card number" in view(kiosk)["notice"]["text"]


def test_given_an_unknown_card_when_scanned_then_the_child_sentence_is_shown_and_nobody_signs_in(kiosk):
    kiosk.session.scan("21234000000000")
    v = view(kiosk)
    assert v["state"] == "idle" and v["notice"]["text"].startswith("We could not find that library card")


def test_given_a_patron_when_books_are_scanned_then_titles_and_due_dates_are_listed_newest_first(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(BOOK2)
    lines = view(kiosk)["lines"]
    assert [x["title"] for x in lines] == ["Frog and Toad Are Friends", "Charlotte's Web"]
    assert lines[0]["due_text"] == "Due Monday, December 15" and lines[0]["status"] == "ok"
    assert central.loans_of(SAM) == [BOOK1, BOOK2]


def test_given_a_refused_book_when_scanned_then_the_line_is_refused_with_title_and_sentence(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(REFERENCE)
    kiosk.session.scan(UNKNOWN_BOOK)
    unknown, reference = view(kiosk)["lines"]
    assert reference["status"] == "refused" and reference["title"] == "Children's Atlas of the World"
    assert reference["message"] == "This book has to stay in the library." and reference["due_text"] == ""
    assert unknown["title"] == "This book" and unknown["message"].startswith("We don't know this book")


def test_given_a_book_scanned_twice_when_the_scanner_double_reads_then_it_is_not_sent_again(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(BOOK1)
    assert len(view(kiosk)["lines"]) == 1 and "already on your list" in view(kiosk)["notice"]["text"]
    assert len(central.events_sent("checkout")) == 1


def test_given_renew_mode_when_a_book_is_scanned_twice_then_it_is_renewed_once(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.set_mode("renew")
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(BOOK1)
    assert [x["type"] for x in view(kiosk)["lines"]] == ["renew", "checkout"]
    assert len(central.events_sent("renew")) == 1


def test_given_a_blocked_patron_when_a_book_is_scanned_then_it_is_refused_without_asking_the_server(kiosk, central):
    kiosk.session.scan(BLOCKED)
    assert "can't borrow" in view(kiosk)["notice"]["text"]
    kiosk.session.scan(BOOK1)
    assert view(kiosk)["lines"][0]["status"] == "refused"
    assert not central.events_sent("checkout")


def test_given_a_patron_when_the_mode_switches_to_return_and_renew_then_books_are_returned_and_renewed(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.set_mode("renew")
    kiosk.session.scan(BOOK1)
    kiosk.session.set_mode("checkin")
    kiosk.session.scan(BOOK1)
    returned, renewed, _ = view(kiosk)["lines"]
    assert renewed["type"] == "renew" and renewed["due_text"] == "Due Monday, December 29"
    assert returned["type"] == "checkin" and returned["message"] == "Returned. Thank you!"
    assert central.loans_of(SAM) == []


def test_given_idle_in_return_mode_when_a_book_is_scanned_then_it_is_checked_in_without_a_card(kiosk, central):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK3)
    kiosk.session.finish(False)
    kiosk.session.finish(False)  # "Finish" on the goodbye screen: back to idle
    kiosk.session.set_mode("checkin")
    kiosk.session.scan(BOOK3)
    v = view(kiosk)
    assert v["state"] == "active" and v["patron"] is None and v["lines"][0]["type"] == "checkin"
    assert central.loans_of(SAM) == []
    kiosk.session.set_mode("checkout")  # no card: checking out is not possible here
    assert view(kiosk)["mode"] == "checkin" and "library card first" in view(kiosk)["notice"]["text"]


def test_given_idle_in_checkout_mode_when_a_book_is_scanned_then_the_card_is_asked_first(kiosk, central):
    kiosk.session.scan(BOOK1)
    assert view(kiosk)["notice"]["text"] == "Scan your library card first." and view(kiosk)["state"] == "idle"
    assert not any(path.startswith("/api/v1/circulation") for _, path, _, _ in central.requests)


def test_given_an_active_patron_when_another_patrons_card_is_scanned_then_the_new_session_replaces_it(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(MARIA)
    v = view(kiosk)
    assert v["patron"]["name"] == "Maria G." and v["lines"] == [] and v["language"] == "es"


def test_given_an_active_patron_when_their_own_card_is_scanned_again_then_nothing_is_lost(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.scan(SAM)
    v = view(kiosk)
    assert len(v["lines"]) == 1 and v["notice"]["text"] == "You are already signed in."


def test_given_a_session_when_nothing_happens_for_the_idle_timeout_then_the_patron_is_forgotten(kiosk, clock):
    kiosk.session.scan(MARIA)
    kiosk.session.scan(BOOK1)
    clock.advance(34)
    kiosk.session.tick()
    assert view(kiosk)["warning"] is False
    clock.advance(1)  # 10 s before the end: "Are you still there?"
    kiosk.session.tick()
    assert view(kiosk)["warning"] is True and view(kiosk)["seconds_left"] == 10
    clock.advance(10)
    kiosk.session.tick()
    v = view(kiosk)
    assert v["state"] == "idle" and v["patron"] is None and v["lines"] == [] and v["language"] == "en"
    assert kiosk.session.d.patron is None and kiosk.session.d.reference == ""


def test_given_the_warning_when_the_student_touches_the_screen_then_the_session_goes_on(kiosk, clock):
    kiosk.session.scan(SAM)
    clock.advance(36)
    kiosk.session.tick()
    assert view(kiosk)["warning"]
    kiosk.session.touch()
    clock.advance(30)
    kiosk.session.tick()
    assert view(kiosk)["state"] == "active" and not view(kiosk)["warning"]


def test_given_a_spanish_patron_when_the_language_button_is_pressed_then_lines_are_reworded(kiosk):
    kiosk.session.scan(MARIA)
    kiosk.session.scan(BOOK1)
    assert view(kiosk)["lines"][0]["due_text"] == "Devolver el lunes, 15 de diciembre"
    kiosk.session.set_language("en")
    assert view(kiosk)["lines"][0]["due_text"] == "Due Monday, December 15"
    with pytest.raises(ValueError):
        kiosk.session.set_language("fr")


def test_given_the_server_is_down_and_no_patron_cache_when_a_card_is_scanned_then_the_offline_refusal_says_why(
        kiosk, central):
    """GIVEN the server down and an empty patron cache WHEN a card is scanned THEN nobody signs in and the
    screen says the kiosk does not know the card while the library computer is away."""
    central.go_down()
    kiosk.session.scan(SAM)
    v = view(kiosk)
    assert v["state"] == "idle" and "does not know this card" in v["notice"]["text"]
    assert kiosk.monitor.snapshot()["reachable"] is False


def test_given_a_synced_patron_cache_when_the_server_is_down_then_a_scanned_card_signs_in_offline(kiosk, central):
    """GIVEN the caches synced WHEN the server is down and a card is scanned THEN the patron signs in from the cache."""
    assert kiosk.cache_sync.run_once()
    central.go_down()
    kiosk.session.scan(SAM)
    v = view(kiosk)
    assert v["state"] == "active" and v["patron"]["greeting"] == "Hi, Sam!"
    assert "saved on this kiosk" in v["notice"]["text"]


def test_given_a_synced_cache_when_a_card_is_tapped_offline_then_its_sealed_barcode_lets_the_student_borrow(
        kiosk, central):
    """GIVEN the caches synced (the card's patron barcode sealed under its UID) WHEN the server is down and Sam taps
    his card and checks out a book THEN he signs in from the cache, the checkout is decided offline, and once the
    server is back it reaches the server in Sam's name."""
    assert kiosk.cache_sync.run_once()
    assert SAM not in kiosk.caches.path.read_bytes().decode("latin-1")  # no card number in the clear
    central.go_down()
    kiosk.session.card_tap(SAM_CARD)
    kiosk.session.scan(BOOK2)
    line = view(kiosk)["lines"][0]
    assert view(kiosk)["patron"]["name"] == "Sam T." and line["status"] == "ok" and "Saved" in line["message"]
    central.come_up()
    assert kiosk.sender.run_pass().delivered == 1
    assert central.loans_of(SAM) == [BOOK2] and central.events_sent()[-1]["offline"] is True


def test_given_the_server_goes_down_mid_session_when_a_book_is_scanned_then_it_is_decided_offline_and_kept(
        kiosk, central):
    """GIVEN a signed-in student WHEN the server dies before a book's live send THEN the offline policy decides
    (saved, with a due date), the event waits in the journal, and it will be forwarded as offline."""
    kiosk.session.scan(SAM)
    central.go_down()
    kiosk.session.scan(BOOK1)
    line = view(kiosk)["lines"][0]
    assert line["status"] == "ok" and "Saved" in line["message"] and line["due_text"]
    assert kiosk.journal.counts()["pending"] == 1 and kiosk.journal.pending()[0].offline


def test_given_the_policy_cannot_decide_when_a_live_send_is_unanswered_then_the_line_says_not_yet(
        tmp_path, central, clock):
    """GIVEN a kiosk that lends nothing offline WHEN the server dies before a book's live send THEN the line says
    the book is not checked out yet, and the event is kept to be sent."""
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    text = config_text(central.url, extra="\n[offline]\ncheckout_limit = 0\n")
    app = create_app(load_config(write_config(tmp_path, text), env=ENV), clock=clock, start_threads=False)
    k = app.extensions["kiosk"]
    try:
        k.session.scan(SAM)
        central.go_down()
        k.session.scan(BOOK1)
        line = view(k)["lines"][0]
        assert line["status"] == "pending" and "not checked out yet" in line["message"]
        assert k.journal.counts()["pending"] == 1 and not k.journal.pending()[0].offline
    finally:
        k.close()


def test_given_a_pending_book_when_scanned_again_then_it_is_not_journaled_twice(kiosk, central):
    """GIVEN a book whose live send was not answered WHEN it is scanned again THEN no second event is made."""
    kiosk.session.scan(SAM)
    central.go_down()
    kiosk.session.scan(BOOK1)
    central.come_up()
    kiosk.session.scan(BOOK1)
    (line,) = view(kiosk)["lines"]
    assert "already on your list" in view(kiosk)["notice"]["text"]
    assert kiosk.journal.counts()["total"] == 1


def test_given_a_pending_book_when_the_sender_gets_it_answered_then_the_line_turns_done(kiosk, central):
    """GIVEN a pending book WHEN the sender delivers it THEN its line shows the title and due date."""
    kiosk.session.scan(SAM)
    central.go_down()
    kiosk.session.scan(BOOK1)
    central.come_up()
    assert kiosk.sender.run_pass().delivered == 1
    (line,) = view(kiosk)["lines"]
    assert line["status"] == "ok" and line["title"] == "Charlotte's Web" and line["due_text"]


def test_given_a_pending_event_when_the_next_book_is_scanned_then_it_is_decided_offline_and_queued_behind(
        kiosk, central):
    """GIVEN an older event still pending WHEN another book is scanned THEN the policy decides it at once and it
    is sent after the older one, never before."""
    kiosk.session.scan(SAM)
    central.go_down()
    kiosk.session.scan(BOOK1)
    central.come_up()
    kiosk.session.scan(BOOK2)
    lines = {x["barcode"]: x for x in view(kiosk)["lines"]}
    assert lines[BOOK2]["status"] == "ok" and lines[BOOK2]["due_text"]
    kiosk.sender.run_pass()
    sent = [e["item_barcode"] for e in central.events_sent("checkout")]
    assert sent[-2:] == [BOOK1, BOOK2] and central.events_sent()[-1]["offline"] is True
    assert central.loans_of(SAM) == [BOOK1, BOOK2]


def test_given_a_cover_isbn_when_scanned_then_the_student_is_asked_for_the_sticker_and_nothing_is_journaled(
        kiosk, central):
    """GIVEN a signed-in student WHEN the ISBN on the back cover is scanned THEN a friendly sentence asks for the
    library sticker, and nothing is journaled or sent."""
    kiosk.session.scan(SAM)
    kiosk.session.scan("9780064400558")
    v = view(kiosk)
    assert "library sticker" in v["notice"]["text"] and v["lines"] == []
    assert kiosk.journal.counts()["total"] == 0 and not central.events_sent()
    kiosk.session.set_language("es")
    assert "etiqueta de la biblioteca" in view(kiosk)["notice"]["text"]


def test_given_an_unreadable_barcode_when_scanned_then_the_child_is_asked_to_try_again(kiosk):
    kiosk.session.scan("12345")
    assert view(kiosk)["notice"]["text"] == ("A library barcode is 14 digits; this one has 5. "
                                             "The label may be damaged or misread.")


def test_given_a_patron_barcode_typed_in_the_book_field_when_scanned_then_it_does_not_sign_in(kiosk):
    kiosk.session.scan(SAM, source="screen", allow_patron=False)
    assert view(kiosk)["state"] == "idle" and "Type my number" in view(kiosk)["notice"]["text"]


def test_given_a_staff_reset_when_a_session_is_active_then_it_ends_and_forgets(kiosk):
    kiosk.session.scan(SAM)
    kiosk.session.reset("staff")
    assert view(kiosk)["state"] == "idle" and view(kiosk)["patron"] is None


def _offline_kiosk(tmp_path, central, clock, offline: str):
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    text = config_text(central.url, extra="\n[offline]\n" + offline + "\n")
    app = create_app(load_config(write_config(tmp_path, text), env=ENV), clock=clock, start_threads=False)
    return app.extensions["kiosk"]


def test_given_pin_patrons_card_only_when_a_pin_patron_types_a_number_offline_then_they_are_asked_for_the_card(
        tmp_path, central, clock):
    """GIVEN the default offline policy (PIN patrons by card only) and a synced cache WHEN the server is down and Sam,
    who has a PIN, types his number THEN he is asked to scan or tap his card; scanning it signs him in."""
    from tests.kiosk.fake_central import SAM_PIN

    k = _offline_kiosk(tmp_path, central, clock, 'pin_patrons = "card_only"')
    try:
        assert k.cache_sync.run_once()
        central.go_down()
        k.session.identify_typed(SAM, SAM_PIN)
        assert view(k)["state"] == "idle" and "scan or tap your card" in view(k)["notice"]["text"]
        k.session.scan(SAM)
        assert view(k)["patron"]["name"] == "Sam T."
    finally:
        k.close()


def test_given_cached_pin_hashes_when_a_pin_patron_types_number_and_pin_offline_then_the_pin_is_checked(
        tmp_path, central, clock):
    """GIVEN pin_patrons = "cached_pin_hash" (the sync brings the slow PIN hash) WHEN the server is down and Sam types
    his number with a wrong and then the right PIN THEN the wrong one is refused and the right one signs him in."""
    from tests.kiosk.fake_central import SAM_PIN

    k = _offline_kiosk(tmp_path, central, clock, 'pin_patrons = "cached_pin_hash"')
    try:
        assert k.cache_sync.run_once()
        assert k.caches.patron_by_barcode(SAM)[0].pin_hash  # asked for with_pin_hash=1
        central.go_down()
        k.session.identify_typed(SAM, "9999")
        assert view(k)["state"] in ("idle", "pin_entry") and view(k)["patron"] is None
        k.session.identify_typed(SAM, SAM_PIN)
        assert view(k)["patron"]["name"] == "Sam T."
    finally:
        k.close()


def test_given_any_valid_card_when_an_unknown_card_is_scanned_offline_then_it_signs_in_without_a_name(
        tmp_path, central, clock):
    """GIVEN sign_in = "any_valid_card" and an empty cache WHEN the server is down and a valid card is scanned THEN the
    student signs in (greeted without a name) and may borrow within the offline limit."""
    from protocol.identifiers import make_library_barcode

    k = _offline_kiosk(tmp_path, central, clock, 'sign_in = "any_valid_card"\ncheckout_limit = 1')
    try:
        central.go_down()
        k.session.scan(make_library_barcode("2", 1234, 555))
        assert view(k)["patron"]["greeting"] == "Hi!"
        k.session.scan(BOOK1)
        k.session.scan(BOOK2)
        first, second = sorted(view(k)["lines"], key=lambda x: x["barcode"])
        assert first["status"] == "ok" and second["status"] == "refused" and "as many books" in second["message"]
    finally:
        k.close()
