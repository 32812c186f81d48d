"""Both halves together: the kiosk's SIP2 backend against the central server's SIP2 server, over real TCP, on SQLite
and PostgreSQL. This is the demo's SIP2 mode without the browser."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.backends.sip2 import Sip2Backend
from protocol.wire import CheckinRequest, CheckoutRequest, IdentifyRequest, RenewRequest
from tests.central.library import PIN
from tests.sip2.acs.conftest import JOSE, LOGIN, PASSWORD, STATION
from tests.sip2.acs.test_pysip2_client import events
from tests.sip2.conftest import event, settings_for
from tests.sip2.proxy import FaultProxy

MONDAY_0930 = dt.datetime(2025, 10, 6, 9, 30)


def at(hour=9, minute=30, day=6):
    """A moment on the server's Monday, as the kiosk's own clock would give it (aware, local)."""
    return dt.datetime(2025, 10, day, hour, minute).astimezone()


@pytest.fixture
def kiosk(acs):
    """The kiosk's SIP2 backend logged in to the central SIP2 server as station k1."""
    backend = Sip2Backend(settings_for(acs.address, login_user=LOGIN, password=PASSWORD, timeout_seconds=5))
    # Events made "now" by this test's clock are on the server's Monday, as if the kiosk had just started.
    backend.sender.started_at = at(0, 0)
    yield backend
    backend.close()


def test_identify_with_pin_and_accents(kiosk, library):
    """GIVEN Sam (PIN) and José WHEN identified through SIP2 THEN a typed number needs the PIN, the right PIN works,
    and José's name arrives as "José N."."""
    assert kiosk.identify(IdentifyRequest(barcode=library.sam, method="typed")).refusal.code == "pin_required"
    assert kiosk.identify(IdentifyRequest(barcode=library.sam, pin="9999", method="typed")).refusal.code == \
        "pin_incorrect"
    assert kiosk.identify(IdentifyRequest(barcode=library.sam, pin=PIN, method="typed")).patron.display_name == \
        "Sam O."
    assert kiosk.identify(IdentifyRequest(barcode=JOSE)).patron.display_name == "José N."
    assert kiosk.identify(IdentifyRequest(barcode=library.maria)).patron.language == "es"


def test_my_account_over_sip2_matches_the_library(kiosk, library):
    """GIVEN Lena's three loans and Omar's fines WHEN My account is read over SIP2 THEN the loans have titles and due
    dates, and Omar's fines add up to $6.00."""
    lena = kiosk.account(library.lena)
    assert sorted(loan.item_barcode for loan in lena.loans) == sorted(library.lenas)
    assert all(loan.title and loan.due_date for loan in lena.loans)
    omar = kiosk.account(library.owes)
    assert omar.fines_total_cents == 600 and sum(f.amount_cents for f in omar.fines) == 600
    assert not omar.patron.can_checkout and omar.patron.refusal == "fines_over_limit"


def test_checkout_and_a_return_onto_the_hold_shelf(kiosk, library, database):
    """GIVEN Maria WHEN she checks out a book THEN the loan has its due date; WHEN the book held for Sam is returned
    THEN the kiosk routes it to the hold shelf (CV 01); both are events of the SIP2 station."""
    [out] = kiosk.deliver([event(CheckoutRequest(library.maria, library.sharks), occurred_at=at())])
    assert out.outcome.ok and out.outcome.loan.due_date == dt.date(2025, 10, 20)
    [back] = kiosk.deliver([event(CheckinRequest(library.held), occurred_at=at())])
    assert back.outcome.checkin.routing == "hold_shelf" and back.outcome.checkin.on_hold
    assert back.outcome.checkin.was_on_loan is False
    assert [e[1] for e in events(database)] == ["checkout", "checkin"]


def test_a_lost_checkout_answer_is_exactly_once_end_to_end(acs, library, database):
    """GIVEN the central server's answer to a checkout is lost WHEN the kiosk recovers THEN the server holds ONE
    checkout event and one loan: neither a second loan nor a renewal."""
    proxy = FaultProxy(acs.address)
    backend = Sip2Backend(settings_for(proxy.address, login_user=LOGIN, password=PASSWORD, timeout_seconds=5))
    backend.sender.started_at = at(0, 0)
    try:
        proxy.plan("answer", "drop_and_close", command="12")
        [delivery] = backend.deliver([event(CheckoutRequest(library.maria, library.sharks), occurred_at=at())])
        assert delivery.outcome.ok and delivery.outcome.loan.due_date == dt.date(2025, 10, 20)
        assert events(database) == [(1, "checkout", True, False)]
    finally:
        backend.close()
        proxy.stop()


def test_a_resend_on_a_new_connection_is_answered_from_the_event_store(acs, library, database):
    """GIVEN the kiosk's checkout reached the server but the line broke before the answer, and the kiosk's own check
    (17) is lost too WHEN the kiosk sends the checkout again later THEN the server answers from the stored event."""
    proxy = FaultProxy(acs.address)
    backend = Sip2Backend(settings_for(proxy.address, login_user=LOGIN, password=PASSWORD, timeout_seconds=5))
    backend.sender.started_at = at(0, 0)
    try:
        proxy.plan("answer", "drop_and_close", command="12")
        proxy.plan("request", "close", command="17")
        the_event = event(CheckoutRequest(library.maria, library.sharks), occurred_at=at())
        with pytest.raises(Exception):
            backend.deliver([the_event])
        backend.sender.uncertain.clear()  # as if a new kiosk process sent it without checking first
        backend.sender.started_at = at(0, 0)
        [delivery] = backend.deliver([the_event])
        assert delivery.outcome.ok and not delivery.outcome.renewed
        assert events(database) == [(1, "checkout", True, False)]
    finally:
        backend.close()
        proxy.stop()


def test_offline_forwarding_records_offline_events_with_their_time(kiosk, library, database):
    """GIVEN a checkout made at the kiosk on Friday while the server was down WHEN it is forwarded with no-block
    THEN the server stores an offline event, and a renewal today is an ordinary one."""
    friday = at(14, 0, day=3)
    [out] = kiosk.deliver([event(CheckoutRequest(library.maria, library.dragon, due_date=dt.date(2025, 10, 17)),
                                 offline=True, occurred_at=friday)])
    assert out.outcome.ok
    [renewed] = kiosk.deliver([event(RenewRequest(library.maria, library.dragon), occurred_at=at())])
    assert renewed.outcome.ok and renewed.outcome.renewed
    assert events(database) == [(1, "checkout", True, True), (2, "renew", True, False)]


def test_status_and_staff_info(kiosk):
    """GIVEN the central SIP2 server WHEN the kiosk probes it THEN offline transactions are allowed and the staff
    view names the library and the connection state."""
    status = kiosk.status()
    assert status.online and status.offline_allowed and status.institution == "Test School Library"
    info = kiosk.connection_info()
    assert info["state"] == "connected" and info["library"] == "Test School Library"
    assert "PASSWORD" not in str(info) and PASSWORD not in str(info) and STATION


@pytest.mark.parametrize("sequence, checksum", [(True, False), (False, True), (False, False)])
def test_each_way_of_error_detection_is_answered_the_same_way(acs, library, sequence, checksum):
    """GIVEN a kiosk set to sequence numbers only, checksums only, or neither WHEN it talks to the central server THEN
    the server answers in the same style and everything works."""
    backend = Sip2Backend(settings_for(acs.address, login_user=LOGIN, password=PASSWORD, sequence=sequence,
                                       checksum=checksum, timeout_seconds=5))
    backend.sender.started_at = at(0, 0)
    try:
        assert backend.identify(IdentifyRequest(barcode=library.maria)).ok
        [out] = backend.deliver([event(CheckoutRequest(library.maria, library.sharks), occurred_at=at())])
        assert out.outcome.ok
    finally:
        backend.close()
