"""The kiosk's SIP2 backend against a pysip2 library system: identifying patrons, My account, items, status."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.backends.port import Backend, BackendAuthRefused, NotSupported
from protocol.wire import IdentifyRequest, SearchRequest
from tests.sip2.conftest import ANA, BEN, BINNED, BOOK, CARLA, DEV, ELI, OUT, PIN, UNKNOWN
from tests.sip2.ils import TODAY


def test_the_backend_is_a_port_backend(backend):
    """GIVEN the SIP2 backend WHEN checked against the kiosk's Backend protocol THEN it implements it."""
    assert isinstance(backend, Backend)
    assert backend.name == "sip2"
    assert not backend.capabilities.search and not backend.capabilities.delta_sync


def test_a_scanned_card_identifies_the_patron_with_first_name_and_initial_only(backend):
    """GIVEN a patron "Núñez, José Ana" in the ILS (cp850) WHEN their card is scanned THEN they are identified as
    "José N." with their loans count, and the full name is nowhere in the patron."""
    outcome = backend.identify(IdentifyRequest(barcode=ANA))
    assert outcome.ok and outcome.patron.barcode == ANA
    assert outcome.patron.display_name == "José N."
    assert outcome.patron.can_checkout and outcome.patron.loans_count == 0 and outcome.patron.max_items == 5
    assert "Núñez" not in repr(outcome.patron)


def test_an_unknown_card_is_refused_as_patron_unknown(backend):
    """GIVEN no patron with that identifier WHEN it is scanned THEN the refusal is patron_unknown."""
    outcome = backend.identify(IdentifyRequest(barcode="NOBODY-1"))
    assert not outcome.ok and outcome.refusal.code == "patron_unknown"


@pytest.mark.parametrize("pin, method, expected", [
    (None, "typed", "pin_required"), ("0000", "typed", "pin_incorrect"), (PIN, "typed", None), (None, "scan", None),
])
def test_a_typed_number_needs_the_right_pin(backend, pin, method, expected):
    """GIVEN Ben, who has a PIN WHEN his number is typed with no PIN, a wrong PIN, the right PIN, or his card is
    scanned THEN he is asked for it, refused, identified, identified."""
    outcome = backend.identify(IdentifyRequest(barcode=BEN, pin=pin, method=method), lang="es")
    if expected is None:
        assert outcome.ok and outcome.patron.display_name == "Ben K."
    else:
        assert not outcome.ok and outcome.refusal.code == expected
        assert outcome.refusal.message  # the Spanish sentence
        assert "PIN" in outcome.refusal.message


def test_a_blocked_or_expired_patron_is_identified_but_may_not_borrow(backend):
    """GIVEN a blocked and an expired patron WHEN identified THEN each is identified with can_checkout False and
    the reason in the port's words."""
    blocked = backend.identify(IdentifyRequest(barcode=CARLA)).patron
    expired = backend.identify(IdentifyRequest(barcode=ELI)).patron
    assert not blocked.can_checkout and blocked.refusal == "patron_blocked"
    assert not expired.can_checkout and expired.refusal == "card_expired"


def test_my_account_lists_loans_with_titles_and_due_dates_and_fines(backend):
    """GIVEN Dev with an overdue book and two fines WHEN My account is opened THEN the loan has its title and
    due date from 17, is overdue, and the fines carry amounts, reasons and titles."""
    account = backend.account(DEV)
    assert account.patron.display_name == "Dev P."
    assert [(loan.item_barcode, loan.title, loan.overdue) for loan in account.loans] == [(OUT, "Holes", True)]
    assert account.loans[0].due_date == TODAY - dt.timedelta(days=3)
    assert [(f.amount_cents, f.reason, f.title) for f in account.fines] == [(150, "overdue", "Holes"),
                                                                           (225, "lost", "Wonder")]
    assert account.fines_total_cents == 375


def test_my_account_shows_a_hold_waiting_on_the_shelf(backend):
    """GIVEN a book on the hold shelf for Ben WHEN his account is opened THEN the hold is ready with its title."""
    account = backend.account(BEN)
    assert [(h.title, h.status) for h in account.holds] == [("The Hobbit", "ready")]
    assert account.loans == ()


def test_an_unknown_patron_has_no_account(backend):
    """GIVEN an identifier the ILS does not know WHEN its account is asked for THEN there is none."""
    assert backend.account("NOBODY-1") is None


def test_items_are_looked_up_with_status_title_and_due_date(backend):
    """GIVEN an available book, a book on loan and an unknown barcode WHEN looked up THEN the first is available,
    the second on loan with its due date, the third unknown."""
    assert backend.item(BOOK).status == "available" and backend.item(BOOK).title == "El Principito, niños"
    out = backend.item(OUT)
    assert out.status == "on_loan" and out.due_date == TODAY - dt.timedelta(days=3) and out.location == "MAIN"
    assert backend.item(UNKNOWN) is None
    assert backend.item(BINNED).item_type == "book"


def test_status_reports_what_the_system_allows_including_offline_transactions(backend, library):
    """GIVEN an ILS that accepts offline transactions, then one that does not WHEN the status is probed THEN
    offline_allowed follows the 98's offline flag and the library's name comes through."""
    status = backend.status()
    assert status.online and status.offline_allowed and status.checkout_allowed
    assert status.institution == "Test ILS"
    library.offline_ok = False
    assert backend.status().offline_allowed is False
    assert backend.capabilities.offline_forwarding is False


def test_a_refused_login_is_an_auth_refusal_and_the_state_says_so(make_backend):
    """GIVEN a wrong SIP2 password WHEN the backend is used THEN BackendAuthRefused says the login was refused,
    and the connection state for staff is login_refused."""
    backend = make_backend(password="wrong")
    with pytest.raises(BackendAuthRefused) as refused:
        backend.identify(IdentifyRequest(barcode=ANA))
    assert "refused the SIP2 login" in refused.value.detail
    assert backend.connection_info()["state"] == "login_refused"
    assert "wrong" not in str(backend.connection_info())


def test_search_and_delta_sync_are_not_supported(backend):
    """GIVEN a SIP2 backend WHEN search or delta sync is asked for THEN NotSupported says SIP2 cannot."""
    for call in (lambda: backend.search(SearchRequest("sharks")), lambda: backend.patrons(None),
                 lambda: backend.items(None), backend.loan_rules):
        with pytest.raises(NotSupported):
            call()


def test_utf8_connections_carry_accented_names(ils, library):
    """GIVEN an ILS speaking UTF-8 WHEN the kiosk is set to utf-8 THEN the accented name arrives intact."""
    from kiosk.backends.sip2 import Sip2Backend
    from tests.sip2.conftest import settings_for
    from tests.sip2.ils_server import IlsServer

    library.items[BOOK].title = "El Principito — niños"  # no cp850 for the dash: only UTF-8 carries it
    server = IlsServer(library, encoding="utf-8").start()
    backend = Sip2Backend(settings_for(("127.0.0.1", server.port), encoding="utf-8"))
    try:
        assert backend.identify(IdentifyRequest(barcode=ANA)).patron.display_name == "José N."
        assert backend.item(BOOK).title == "El Principito — niños"
    finally:
        backend.close()
        server.stop()


def test_a_system_using_another_field_delimiter_is_understood(library):
    """GIVEN an ILS set to '^' between fields (FOLIO can be) WHEN the kiosk is set to delimiter = "^" THEN patrons and
    items come through."""
    from kiosk.backends.sip2 import Sip2Backend
    from tests.sip2.conftest import settings_for
    from tests.sip2.ils_server import IlsServer

    server = IlsServer(library, field_delimiter="^").start()
    backend = Sip2Backend(settings_for(("127.0.0.1", server.port), delimiter="^"))
    try:
        assert backend.identify(IdentifyRequest(barcode=ANA)).patron.display_name == "José N."
        assert backend.item(BOOK).title == "El Principito, niños"
    finally:
        backend.close()
        server.stop()
