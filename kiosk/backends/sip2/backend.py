"""The kiosk's SIP2 backend: the typed Backend port over one SIP2 connection to the library system.

Patrons are identified with 63/64 (23/24 where a system lacks 63), items with 17/18, circulation
events go as 11/09/29 through :class:`~kiosk.backends.sip2.delivery.EventSender`, renew-all is 65,
the end of a patron's session is 35, and the health probe is 99/98. Transport trouble becomes
BackendUnavailable (BackendAuthRefused for a refused login); a library system's "no" is an outcome.
SIP2 has no catalogue search or delta sync, so those raise NotSupported.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from kiosk.backends.port import (
    BackendAuthRefused, BackendRejected, BackendUnavailable, Capabilities, Delivery, NotSupported,
)
from kiosk.backends.sip2.delivery import EventSender
from kiosk.backends.sip2.items import item_from_answer
from kiosk.backends.sip2.link import LinkDown, LinkError, LoginRefused, NotSendable, Sip2Link
from kiosk.backends.sip2.patrons import account_from, identify_outcome, patron_request
from kiosk.backends.sip2.refusals import make_refusal, renew_refusal
from kiosk.backends.sip2.settings import Sip2Settings
from kiosk.backends.sip2.values import local_naive, screen_text, sip_language
from protocol.sip2 import (
    ACSStatus, EndPatronSession, ItemInformation, Message, PatronInformationResponse, PatronStatusRequest,
    RenewAll, SCStatus,
)
from protocol.sip2.flags import supported_messages
from protocol.wire import (
    Account, BackendStatus, CirculationEvent, IdentifyOutcome, IdentifyRequest, Item, Loan, LoanRules,
    RenewAllOutcome, RenewAllRequest, SearchOutcome, SearchRequest, SyncPage,
)

log = logging.getLogger("kiosk.backend.sip2")


class _Clock:
    """The kiosk's wall clock when none is given (kiosk.clock.SystemClock has the same now())."""

    def now(self) -> dt.datetime:
        """Now, aware, in local time."""
        return dt.datetime.now().astimezone()


class Sip2Backend:
    """A library system over SIP2, behind the kiosk's Backend port."""

    name = "sip2"

    def __init__(self, settings: Sip2Settings, clock=None, link: Sip2Link | None = None):
        self.settings = settings
        self.clock = clock or _Clock()
        self.link = link or Sip2Link(settings)
        self.sender = EventSender(self.link, self.clock.now())

    # ------------------------------------------------------------------ helpers
    def _ask(self, message: Message, retry: bool = True) -> Message:
        """One exchange for a read; a connection found broken is opened again once."""
        try:
            return self.link.exchange(message)
        except NotSendable:
            raise  # the caller decides what an unwritable request means
        except LoginRefused as exc:
            raise BackendAuthRefused(exc.detail) from None
        except LinkDown as exc:
            if retry:
                return self._ask(message, retry=False)
            raise BackendUnavailable(exc.detail) from None
        except LinkError as exc:
            raise BackendUnavailable(exc.detail) from None

    def _today(self) -> dt.date:
        return self.clock.now().date()

    def _supports(self, pair: str) -> bool:
        status = self.link.acs_status
        if status is None or not status.supported_messages.strip():
            return True  # not told: try it
        return pair in supported_messages(status.supported_messages)

    @property
    def capabilities(self) -> Capabilities:
        """No batch, search or delta sync over SIP2; offline forwarding as the system's 98 says."""
        status = self.link.acs_status
        return Capabilities(offline_forwarding=True if status is None else status.offline_ok)

    # ------------------------------------------------------------------ the port
    def identify(self, request: IdentifyRequest, lang: str = "en") -> IdentifyOutcome:
        """Who is this card (63 with the typed PIN; 23 where the system has no 63)."""
        try:
            return self._identify(request, lang)
        except NotSendable as exc:
            log.warning("SIP2 identify not sent: %s", exc.detail)  # no SIP2 patron can have such a number
            return IdentifyOutcome(ok=False, refusal=make_refusal("patron_unknown", lang))

    def _identify(self, request: IdentifyRequest, lang: str) -> IdentifyOutcome:
        barcode = request.barcode if request.barcode is not None else request.card_uid
        if self._supports("patron_information"):
            answer = self._ask(patron_request(self.settings, barcode, lang, pin=request.pin))
        else:
            s = self.settings
            status = self._ask(PatronStatusRequest(
                language=sip_language(lang), institution_id=s.institution_id, patron_identifier=barcode,
                terminal_password=s.terminal_password, patron_password=request.pin or ""))
            answer = PatronInformationResponse(
                patron_status=status.patron_status, language=status.language, institution_id=status.institution_id,
                patron_identifier=status.patron_identifier, personal_name=status.personal_name,
                valid_patron=status.valid_patron, valid_patron_password=status.valid_patron_password,
                fee_amount=status.fee_amount, screen_messages=status.screen_messages)
        return identify_outcome(answer, request, lang)

    def account(self, patron_barcode: str, lang: str = "en") -> Account | None:
        """Loans, holds and fines from 64s, with each loan's title and due date from 17."""
        try:
            with self.link.lock:
                return account_from(self.link.exchange, self.settings, patron_barcode, lang, self._today())
        except NotSendable:
            return None
        except LoginRefused as exc:
            raise BackendAuthRefused(exc.detail) from None
        except LinkError as exc:
            raise BackendUnavailable(exc.detail) from None

    def item(self, item_barcode: str, lang: str = "en") -> Item | None:
        """One item from 17/18 (None when the system does not know the barcode)."""
        s = self.settings
        try:
            answer = self._ask(ItemInformation(institution_id=s.institution_id, item_identifier=item_barcode,
                                               terminal_password=s.terminal_password or None))
        except NotSendable:
            return None  # no SIP2 item can have such a barcode
        return item_from_answer(answer)

    def deliver(self, events: Sequence[CirculationEvent], lang: str = "en") -> list[Delivery]:
        """Send the events in order; stop at the first that cannot be delivered (it and the rest stay pending)."""
        deliveries: list[Delivery] = []
        for event in events:
            try:
                deliveries.append(self.sender.send(event, lang))
            except BackendRejected as exc:
                deliveries.append(Delivery(event.event_id, rejection=exc))
            except NotSendable as exc:
                # It can never be sent as it is: park it for staff instead of blocking the events behind it.
                deliveries.append(Delivery(event.event_id, rejection=BackendRejected("not_sendable", exc.detail)))
            except LoginRefused as exc:
                if not deliveries:
                    raise BackendAuthRefused(exc.detail) from None
                break
            except LinkError as exc:
                if not deliveries:
                    raise BackendUnavailable(exc.detail) from None
                break
        return deliveries

    def status(self) -> BackendStatus:
        """The system's own status (99/98): online, what it allows, whether it takes offline transactions."""
        answer: ACSStatus = self._ask(SCStatus())
        self.link.acs_status = answer
        when = answer.date_time_sync
        if when is not None and when.tzinfo is None:
            when = when.astimezone()
        return BackendStatus(online=answer.online_status, server_time=when, offline_allowed=answer.offline_ok,
                             checkin_allowed=answer.checkin_ok, checkout_allowed=answer.checkout_ok,
                             renewal_allowed=answer.acs_renewal_policy,
                             institution=answer.library_name or answer.institution_id,
                             screen_message=screen_text(answer))

    def renew_all(self, request: RenewAllRequest, lang: str = "en") -> RenewAllOutcome:
        """Renew everything the patron has (65/66); each renewed loan's new due date from 17."""
        s = self.settings
        try:
            answer = self._ask(RenewAll(transaction_date=local_naive(self.clock.now()),
                                        institution_id=s.institution_id, patron_identifier=request.patron_barcode,
                                        terminal_password=s.terminal_password or None))
        except NotSendable:
            return RenewAllOutcome(refused=(("", make_refusal("patron_unknown", lang)),))
        renewed = []
        for barcode in (b.strip() for b in answer.renewed_items if b.strip()):
            item = self.item(barcode, lang)
            renewed.append(Loan(item_barcode=barcode, title=item.title if item else "",
                                due_date=item.due_date if item else None))
        refusal = renew_refusal(screen_text(answer), lang)
        refused = [(b.strip(), refusal) for b in answer.unrenewed_items if b.strip()]
        if not answer.ok and not renewed and not refused:
            refused = [("", refusal)]  # the system refused them all without naming them
        return RenewAllOutcome(renewed=tuple(renewed), refused=tuple(refused))

    def end_session(self, patron_barcode: str) -> bool:
        """Tell the system the patron has finished (35/36); True when it agreed."""
        s = self.settings
        try:
            answer = self._ask(EndPatronSession(transaction_date=local_naive(self.clock.now()),
                                                institution_id=s.institution_id, patron_identifier=patron_barcode,
                                                terminal_password=s.terminal_password or None))
        except NotSendable:
            return False
        return bool(answer.end_session)

    def search(self, request: SearchRequest, lang: str = "en") -> SearchOutcome:
        """SIP2 has no catalogue search."""
        raise NotSupported("SIP2 has no catalogue search.")

    def patrons(self, since: str | None) -> SyncPage:
        """SIP2 has no delta sync of patrons."""
        raise NotSupported("SIP2 cannot list patrons for an offline cache.")

    def items(self, since: str | None) -> SyncPage:
        """SIP2 has no delta sync of items."""
        raise NotSupported("SIP2 cannot list items for an offline cache.")

    def loan_rules(self) -> LoanRules:
        """SIP2 does not carry loan rules."""
        raise NotSupported("SIP2 does not carry loan rules; set offline due dates in the kiosk's settings.")

    def close(self) -> None:
        """Close the connection."""
        self.link.close()

    # ------------------------------------------------------------------ staff
    def connection_info(self) -> dict:
        """The connection as staff see it: state, last error, the last exchange (masked), what the system allows."""
        link, status = self.link, self.link.acs_status
        return {"backend": "sip2", "server": self.settings.describe(), "state": link.state,
                "last_error": link.last_error, "last_request": link.last_exchange[0],
                "last_answer": link.last_exchange[1], "connections_opened": link.reconnects,
                "library": (status.library_name or status.institution_id) if status else "",
                "offline_ok": status.offline_ok if status else None,
                "supported": supported_messages(status.supported_messages) if status else [],
                "uncertain_events": len(self.sender.uncertain)}

