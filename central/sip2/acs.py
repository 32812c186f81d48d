"""The ACS: what the central server answers to each SIP2 request, for one connection's state.

A connection must log in (93) before anything but SC Status (99); the login names the station its
transactions are recorded for. Messages the server does not offer (Fee Paid, Block Patron, Item
Status Update) get their proper negative answer, so a self-check is never left waiting.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from central.circulation import records
from central.store.db import Database
from central.sip2 import logins
from central.sip2.circulation_answers import Circulation
from central.sip2.dates import sip_moment
from central.sip2.patron_answers import language_of, patron_information, patron_status
from protocol.identifiers import mask_barcode
from protocol.sip2 import (
    ACSStatus, BlockPatron, Checkin, Checkout, EndPatronSession, EndSessionResponse, FeePaid, FeePaidResponse, Hold,
    HoldResponse, ItemInformation, ItemStatusUpdate, ItemStatusUpdateResponse, Login, LoginResponse, Message,
    PatronEnable, PatronEnableResponse, PatronInformation, PatronStatusRequest, PatronStatusResponse, Renew,
    RenewAll, SCStatus,
)
from protocol.sip2.flags import supported_messages_text

log = logging.getLogger("central.sip2")
SUPPORTED = supported_messages_text("patron_status", "checkout", "checkin", "sc_acs_status", "resend", "login",
                                    "patron_information", "end_patron_session", "item_information", "renew",
                                    "renew_all")
NOT_HERE = {"en": "Please do this at the library desk.", "es": "Haz esto en el mostrador de la biblioteca."}


class NotLoggedIn(Exception):
    """A request other than Login or SC Status arrived before a successful login."""


@dataclass
class ConnectionState:
    """What one SIP2 connection knows: its accepted login, its language, its failed login attempts."""

    peer: str = "-"
    login: logins.CheckedLogin | None = None
    language: str = "en"
    failed_logins: int = 0
    requests: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AcsSettings:
    """Server-wide SIP2 settings: the institution id in answers, timeouts offered, the language by default."""

    institution_id: str = "CENTRAL"
    timeout_tenths: int = 300
    retries: int = 3
    language: str = "en"


class Acs:
    """Answers decoded SIP2 requests from the central server's records."""

    def __init__(self, db: Database, clock, settings: AcsSettings | None = None):
        self.db, self.clock = db, clock
        self.settings = settings or AcsSettings()
        self.circulation = Circulation(db, clock)

    def answer(self, request: Message, state: ConnectionState) -> Message | None:
        """The response to ``request``; None for a message no ACS answers (NotLoggedIn when a login is needed)."""
        state.requests += 1
        if isinstance(request, Login):
            return self._login(request, state)
        if isinstance(request, SCStatus):
            return self._status(state)
        if state.login is None:
            raise NotLoggedIn(request.NAME)
        station, lang = state.login.station_id, state.language
        if isinstance(request, PatronInformation):
            state.language = language_of(request.language, state.language)
            return patron_information(self.db, self.clock, station, request, state.language)
        if isinstance(request, PatronStatusRequest):
            state.language = language_of(request.language, state.language)
            return patron_status(self.db, self.clock, station, request, state.language)
        if isinstance(request, Checkout):
            return self.circulation.checkout(station, request, lang)
        if isinstance(request, Checkin):
            return self.circulation.checkin(station, request, lang)
        if isinstance(request, Renew):
            return self.circulation.renew(station, request, lang)
        if isinstance(request, RenewAll):
            return self.circulation.renew_all(station, request, lang)
        if isinstance(request, ItemInformation):
            return self.circulation.item_information(request, lang)
        if isinstance(request, EndPatronSession):
            state.language = self.settings.language  # the next patron starts in the default language
            return EndSessionResponse(end_session=True, transaction_date=sip_moment(self.clock),
                                      institution_id=request.institution_id,
                                      patron_identifier=request.patron_identifier)
        return self._not_offered(request, lang)

    def _login(self, request: Login, state: ConnectionState) -> LoginResponse:
        accepted = logins.check_login(self.db, self.clock.now(), request.login_user_id, request.login_password)
        if accepted is None:
            state.failed_logins += 1
            log.warning("SIP2 login refused user=%s peer=%s attempt=%d", request.login_user_id[:64], state.peer,
                        state.failed_logins)
            return LoginResponse(ok=False)
        state.login, state.failed_logins = accepted, 0
        log.info("SIP2 login user=%s station=%s peer=%s", accepted.login_user, accepted.station_id, state.peer)
        return LoginResponse(ok=True)

    def _status(self, state: ConnectionState) -> ACSStatus:
        s = self.settings
        location = state.login.location_code if state.login else None
        with self.db.reader() as session:
            library_name = records.load_settings(session).library_name
        return ACSStatus(online_status=True, checkin_ok=True, checkout_ok=True, acs_renewal_policy=True,
                         status_update_ok=False, offline_ok=True, timeout_period=f"{min(s.timeout_tenths, 999):03d}",
                         retries_allowed=f"{min(s.retries, 999):03d}", date_time_sync=sip_moment(self.clock),
                         institution_id=s.institution_id, library_name=library_name,
                         supported_messages=SUPPORTED, terminal_location=location or None)

    def _not_offered(self, request: Message, lang: str) -> Message | None:
        words = [NOT_HERE.get(lang, NOT_HERE["en"])]
        now = sip_moment(self.clock)
        if isinstance(request, FeePaid):
            return FeePaidResponse(payment_accepted=False, transaction_date=now,
                                   institution_id=request.institution_id,
                                   patron_identifier=request.patron_identifier,
                                   transaction_id=request.transaction_id, screen_messages=words)
        if isinstance(request, BlockPatron):
            log.warning("SIP2 block patron asked for patron=%s (not done here; staff block cards at the desk)",
                        mask_barcode(request.patron_identifier))
            return PatronStatusResponse(transaction_date=now, institution_id=request.institution_id,
                                        patron_identifier=request.patron_identifier, screen_messages=words)
        if isinstance(request, Hold):
            return HoldResponse(ok=False, available=False, transaction_date=now, institution_id=request.institution_id,
                                patron_identifier=request.patron_identifier, item_identifier=request.item_identifier,
                                title_identifier=request.title_identifier, screen_messages=words)
        if isinstance(request, PatronEnable):
            return PatronEnableResponse(transaction_date=now, institution_id=request.institution_id,
                                        patron_identifier=request.patron_identifier, screen_messages=words)
        if isinstance(request, ItemStatusUpdate):
            return ItemStatusUpdateResponse(item_properties_ok=False, transaction_date=now,
                                            item_identifier=request.item_identifier, screen_messages=words)
        return None  # an ACS's own message sent to us (a 98, a 12...): there is nothing to answer
