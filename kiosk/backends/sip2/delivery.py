"""Delivering journaled circulation events over SIP2 exactly once, including after a lost answer.

A SIP2 checkout carries no event id, and several systems (Koha among them) turn a checkout of an
item the patron already has into a renewal, so sending a checkout twice is not harmless. When an
answer is lost (a timeout, a broken connection, a garbled reply) the item is asked about first
(17, then the patron's charged items from 63) and the checkout is sent again only if it did not
happen. Events older than this process are checked the same way before their first send, since a
kiosk that was killed mid-send cannot know whether the last one arrived. Renewals compare the
due date before and after; checkins are safe to repeat.

Events decided offline go with no-block = Y, their original date and the due date the kiosk
printed (or as ordinary transactions where the system refuses no-block); a refusal of one is a
BackendRejected, because the student already has the book: staff resolve it, the outbox parks it.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from kiosk.backends.port import BackendRejected, Delivery
from kiosk.backends.sip2.items import is_charged, item_from_answer
from kiosk.backends.sip2.link import LinkError, Sip2Link
from kiosk.backends.sip2.outcomes import checkin_outcome, loan_outcome
from kiosk.backends.sip2.patrons import patron_request
from kiosk.backends.sip2.values import local_naive
from protocol.identifiers import mask_barcode
from protocol.sip2 import Checkin, Checkout, ItemInformation, Renew
from protocol.wire import CheckinRequest, CheckoutRequest, CirculationEvent, CirculationOutcome, Loan, RenewRequest

log = logging.getLogger("kiosk.backend.sip2")
END_OF_DAY = dt.time(23, 59, 59)


class EventSender:
    """Sends one event at a time over the link and decides what a lost answer meant."""

    def __init__(self, link: Sip2Link, started_at: dt.datetime):
        self.link = link
        self.settings = link.settings
        self.started_at = started_at
        self.uncertain: set[str] = set()  # events sent whose answer never came

    # ------------------------------------------------------------------ messages
    def _no_block(self, event: CirculationEvent) -> bool:
        return event.offline and self.settings.no_block

    def checkout_message(self, event: CirculationEvent) -> Checkout:
        """The 11 for a checkout event (no-block with the offline due date when forwarded)."""
        request: CheckoutRequest = event.request
        no_block = self._no_block(event)
        due = dt.datetime.combine(request.due_date, END_OF_DAY) if no_block and request.due_date else None
        s = self.settings
        return Checkout(no_block=no_block, transaction_date=local_naive(event.occurred_at), nb_due_date=due,
                        institution_id=s.institution_id, patron_identifier=request.patron_barcode,
                        item_identifier=request.item_barcode, terminal_password=s.terminal_password)

    def checkin_message(self, event: CirculationEvent) -> Checkin:
        """The 09 for a checkin event; the return date is when the student returned it."""
        when = local_naive(event.occurred_at)
        s = self.settings
        return Checkin(no_block=self._no_block(event), transaction_date=when, return_date=when,
                       current_location=s.location_code, institution_id=s.institution_id,
                       item_identifier=event.request.item_barcode, terminal_password=s.terminal_password)

    def renew_message(self, event: CirculationEvent) -> Renew:
        """The 29 for a renew event."""
        request: RenewRequest = event.request
        s = self.settings
        return Renew(no_block=self._no_block(event), transaction_date=local_naive(event.occurred_at),
                     institution_id=s.institution_id, patron_identifier=request.patron_barcode,
                     item_identifier=request.item_barcode, terminal_password=s.terminal_password or None)

    def _item(self, barcode: str):
        s = self.settings
        return self.link.exchange(ItemInformation(institution_id=s.institution_id, item_identifier=barcode,
                                                  terminal_password=s.terminal_password or None))

    # ------------------------------------------------------------------ sending
    def send(self, event: CirculationEvent, lang: str) -> Delivery:
        """Deliver one event (LinkError when the system could not be reached or its answer is unknown)."""
        with self.link.lock:
            if isinstance(event.request, CheckoutRequest):
                outcome = self._checkout(event, lang)
            elif isinstance(event.request, CheckinRequest):
                outcome = self._checkin(event, lang)
            elif isinstance(event.request, RenewRequest):
                outcome = self._renew(event, lang)
            else:
                raise BackendRejected("unknown_event", f"A {type(event.request).__name__} cannot be sent over SIP2.")
        self.uncertain.discard(event.event_id)
        if event.offline and not outcome.ok:
            refusal = outcome.refusal
            return Delivery(event.event_id, rejection=BackendRejected(
                refusal.code, f"The library system refused a transaction made while it was offline: "
                              f"{refusal.message}"))
        return Delivery(event.event_id, outcome=outcome)

    def _may_have_arrived(self, event: CirculationEvent) -> bool:
        return event.event_id in self.uncertain or event.occurred_at < self.started_at

    def _send_once(self, event: CirculationEvent, message):
        try:
            return self.link.exchange(message)
        except LinkError as exc:
            if exc.maybe_applied:
                self.uncertain.add(event.event_id)
            raise

    def _checkout(self, event: CirculationEvent, lang: str) -> CirculationOutcome:
        request: CheckoutRequest = event.request
        message = self.checkout_message(event)
        if self._may_have_arrived(event):
            done = self._checkout_done(event, lang)
            if done is not None:
                return done
        try:
            answer = self._send_once(event, message)
        except LinkError as exc:
            if not exc.maybe_applied:
                raise
            log.warning("SIP2 checkout of %s: %s; asking the library system whether it happened",
                        mask_barcode(request.item_barcode), exc.detail)
            done = self._checkout_done(event, lang)
            if done is not None:
                return done
            answer = self._send_once(event, message)
        return loan_outcome(event.event_id, answer, request.item_barcode, lang, renew=False)

    def _checkout_done(self, event: CirculationEvent, lang: str) -> CirculationOutcome | None:
        """The outcome if the item is already checked out to this patron (the earlier send arrived), else None."""
        request: CheckoutRequest = event.request
        item_answer = self._item(request.item_barcode)
        if not is_charged(item_answer):
            return None
        info = self.link.exchange(patron_request(self.settings, request.patron_barcode, lang,
                                                 item_list="charged_items"))
        charged = {entry.split(" ", 1)[0] for entry in info.charged_items if entry.strip()}
        # A system that lists no charged items cannot tell us to whom it is out; after our own lost
        # checkout, this patron is by far the likeliest borrower.
        if charged and request.item_barcode not in charged:
            return None
        item = item_from_answer(item_answer)
        loan = Loan(item_barcode=request.item_barcode, title=item.title if item else "",
                    due_date=item.due_date if item else None)
        log.info("SIP2 checkout of %s had already happened; not sent again", mask_barcode(request.item_barcode))
        return CirculationOutcome(event_id=event.event_id, ok=True, loan=loan, replayed=True)

    def _checkin(self, event: CirculationEvent, lang: str) -> CirculationOutcome:
        request: CheckinRequest = event.request
        message = self.checkin_message(event)
        resent = self._may_have_arrived(event)
        try:
            answer = self._send_once(event, message)
        except LinkError as exc:
            if not exc.maybe_applied:
                raise
            # A second checkin of a returned item changes nothing: send it again to learn the routing.
            resent = True
            answer = self._send_once(event, message)
        outcome = checkin_outcome(event.event_id, answer, request.item_barcode, lang, replayed=resent)
        if resent and outcome.checkin is not None and not outcome.checkin.was_on_loan:
            # "Not checked out" now may only mean that the first, lost checkin did it.
            outcome = replace(outcome, checkin=replace(outcome.checkin, was_on_loan=True))
        return outcome

    def _renew(self, event: CirculationEvent, lang: str) -> CirculationOutcome:
        request: RenewRequest = event.request
        message = self.renew_message(event)
        before = item_from_answer(self._item(request.item_barcode))
        try:
            answer = self._send_once(event, message)
        except LinkError as exc:
            if not exc.maybe_applied:
                raise
            after = item_from_answer(self._item(request.item_barcode))
            if before and after and before.due_date and after.due_date and after.due_date > before.due_date:
                loan = Loan(item_barcode=request.item_barcode, title=after.title, due_date=after.due_date)
                return CirculationOutcome(event_id=event.event_id, ok=True, renewed=True, loan=loan, replayed=True)
            answer = self._send_once(event, message)
        return loan_outcome(event.event_id, answer, request.item_barcode, lang, renew=True)
