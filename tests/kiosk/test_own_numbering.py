"""What SIP2 libraries bring: their own numbering (``[identifiers] accept_other = true``), where the
session decides by what it is waiting for whether a code is a card or a book; and returns routed to
another branch, a sort bin or staff."""
from __future__ import annotations

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.web.view import state_view
from tests.kiosk.conftest import ENV, config_text, write_config
from tests.kiosk.fake_central import MARIA

OWN = "\n[identifiers]\naccept_other = true\n"


@pytest.fixture
def own_numbering(tmp_path, central, clock):
    from kiosk.app import create_app

    config = load_config(write_config(tmp_path, config_text(central.url, extra=OWN)), env=ENV)
    assert config.identifiers.accept_other
    app = create_app(config, clock=clock, start_threads=False)
    yield app.extensions["kiosk"]
    app.extensions["kiosk"].close()


def _sent(central, path_end: str) -> list[dict]:
    return [body for _m, path, body, _h in central.requests if path.endswith(path_end)]


def test_a_code_of_the_librarys_own_numbering_is_a_card_when_nobody_is_signed_in(own_numbering, central):
    """GIVEN a kiosk that accepts the library's own numbering WHEN "P-1001" is scanned at the idle screen THEN it is
    sent to the library system as a card to sign in with (which does not know it here, and says so)."""
    own_numbering.session.scan("P-1001")
    assert _sent(central, "/identify")[-1] == {"barcode": "P-1001", "method": "scan"}
    assert state_view(own_numbering.session, own_numbering.clock.now().date())["state"] == "idle"


def test_the_same_kind_of_code_is_a_book_once_a_student_is_signed_in_and_when_returning(own_numbering, central):
    """GIVEN Maria signed in WHEN "B-77" is scanned THEN it goes to the library system as a checkout of that item;
    GIVEN Return without a card WHEN "B-78" is scanned THEN it is a return, not a sign-in."""
    own_numbering.session.scan(MARIA)
    own_numbering.session.scan("B-77")
    view = state_view(own_numbering.session, own_numbering.clock.now().date())
    assert view["patron"]["name"].startswith("Maria") and [line["barcode"] for line in view["lines"]] == ["B-77"]
    own_numbering.session.finish(receipt=False)
    identifies = len(_sent(central, "/identify"))
    own_numbering.session.set_mode("checkin")
    own_numbering.session.scan("B-78")
    assert len(_sent(central, "/identify")) == identifies  # never taken as a card
    view = state_view(own_numbering.session, own_numbering.clock.now().date())
    assert view["mode"] == "checkin" and [line["barcode"] for line in view["lines"]] == ["B-78"]


def test_a_typed_number_of_the_librarys_own_numbering_is_a_card_number(own_numbering, central):
    """GIVEN the keypad WHEN "P-1001" is typed THEN it is sent as a typed card number."""
    own_numbering.session.identify_typed("P-1001")
    assert _sent(central, "/identify")[-1] == {"barcode": "P-1001", "method": "typed"}


def test_accept_other_must_be_true_or_false(tmp_path, central):
    """GIVEN accept_other = "yes" WHEN the config is read THEN the error names the key."""
    path = write_config(tmp_path, config_text(central.url, extra='\n[identifiers]\naccept_other = "yes"\n'))
    with pytest.raises(ConfigError, match="accept_other"):
        load_config(path, env=ENV)


@pytest.mark.parametrize("routing, words", [("transit", "belongs to another library"), ("sort_bin", "return bin"),
                                            ("staff", "give this book to a librarian"), ("shelf", "Returned")])
def test_a_return_routed_by_the_library_system_tells_the_child_where_the_book_goes(routing, words):
    """GIVEN a return the library system routes to another branch, a sort bin, staff or the shelf (as SIP2 systems
    do) WHEN its line is made THEN the child reads where the book goes, in English and in Spanish."""
    from kiosk.outbox.outbox import Submitted
    from kiosk.session.data import line_for
    from kiosk.i18n import t
    from protocol.wire import Checkin, CirculationOutcome

    outcome = CirculationOutcome(event_id="e1", ok=True, checkin=Checkin("31234000000001", "Frog", routing=routing, destination="B3"))
    line = line_for("checkin", "31234000000001", Submitted("acked", outcome))
    assert line.status == "ok" and line.title == "Frog"
    if routing == "shelf":
        assert line.note is None
    else:
        assert words in t(line.note, "en") and t(line.note, "es") != t(line.note, "en")
