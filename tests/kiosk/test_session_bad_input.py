"""Bad input at the session: two cards at once, a scan in the middle of a screen change, a scan over the keypad."""
from __future__ import annotations

from kiosk.web.view import state_view
from tests.kiosk.fake_central import BOOK1, BOOK2, MARIA, SAM


def view(kiosk):
    return state_view(kiosk.session, kiosk.clock.now().date())


def checkouts(central) -> list[dict]:
    return [body for _method, path, body, _ in central.requests if "/circulation" in path or "/events" in path]


def test_given_a_card_just_scanned_when_a_second_child_taps_theirs_at_once_then_the_first_keeps_the_screen(kiosk,
                                                                                                      clock):
    """GIVEN Sam has just signed in WHEN Maria's card is read within three seconds, before any book THEN Sam keeps
    the screen and a kind sentence asks for one card at a time; WHEN Maria's card is read later THEN she signs in."""
    kiosk.session.scan(SAM)
    clock.advance(1)
    kiosk.session.scan(MARIA)
    v = view(kiosk)
    assert v["patron"]["name"] == "Sam T." and "One card at a time" in v["notice"]["text"]
    clock.advance(5)
    kiosk.session.scan(MARIA)
    assert view(kiosk)["patron"]["name"] == "Maria G."


def test_given_the_goodbye_screen_when_a_book_is_scanned_then_it_asks_for_a_card_and_sends_nothing(kiosk, central):
    """GIVEN Sam pressed Done and the goodbye screen shows WHEN a book is scanned (the screen is changing) THEN the
    kiosk is idle again, asks for a card first and sends no checkout for the gone student."""
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.finish(receipt=False)
    assert view(kiosk)["state"] == "ending"
    before = len(checkouts(central))
    kiosk.session.scan(BOOK2)
    v = view(kiosk)
    assert v["state"] == "idle" and v["patron"] is None and v["notice"]["text"] == "Scan your library card first."
    assert len(checkouts(central)) == before


def test_given_the_goodbye_screen_when_the_next_card_is_scanned_then_the_next_session_starts_clean(kiosk):
    """GIVEN Sam's goodbye screen WHEN Maria scans her card straight away THEN her session starts with an empty
    list, in her language, and nothing of Sam."""
    kiosk.session.scan(SAM)
    kiosk.session.scan(BOOK1)
    kiosk.session.finish(receipt=False)
    kiosk.session.scan(MARIA)
    v = view(kiosk)
    assert v["patron"]["name"] == "Maria G." and v["lines"] == [] and v["language"] == "es"


def test_given_the_pin_keypad_when_a_book_is_scanned_then_the_pin_is_asked_first_and_nothing_is_sent(kiosk, central):
    """GIVEN Sam typed his number and the PIN keypad is up WHEN a book is scanned THEN the kiosk asks for the PIN
    first, stays on the keypad, and sends no checkout."""
    kiosk.session.identify_typed(SAM)
    before = len(checkouts(central))
    kiosk.session.scan(BOOK1)
    v = view(kiosk)
    assert v["state"] == "pin_entry" and v["notice"]["text"] == "Please type your PIN first."
    assert len(checkouts(central)) == before
