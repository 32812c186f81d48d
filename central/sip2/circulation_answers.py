"""Checkout (11), Checkin (09), Renew (29), Renew All (65) and Item Information (17) for the ACS.

Every checkout, checkin and renewal is an event in the same store and through the same rules as the
REST API (``record_station_event``), recorded for the station of the SIP2 login. SIP2 carries no
event id, so one is derived from what a self-check repeats when it sends a request again: station,
message, patron, item, transaction date and no-block flag. A resend after a lost answer or a 97,
even on a new connection, finds the stored outcome instead of lending twice (or renewing, since a
checkout of a book the patron has is a renewal here, as in Koha). An online request whose date is
more than a day away from the server's clock gets no derived id (a self-check with a stuck clock
would otherwise have its new loans answered from old ones); offline forwards always do.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from central.circulation import patrons
from central.store.db import Database
from central.circulation.events import record_station_event
from central.sip2.dates import aware, due_text, sip_moment
from central.sip2.patron_answers import money
from protocol.circulation import Refusal
from protocol.sip2 import (
    Checkin, CheckinResponse, Checkout, CheckoutResponse, ItemInformation, ItemInformationResponse, Message, Renew,
    RenewAll, RenewAllResponse, RenewResponse, format_sip_date,
)
from protocol.wire import CheckinRequest, CheckoutRequest, RenewRequest

EVENT_NAMESPACE = uuid.UUID("7c1d6f3e-2b9a-4c55-9a44-5f0e8d1b2c61")
SAME_REQUEST_WINDOW = timedelta(days=1)
CIRCULATION_STATUS = {"available": 3, "reference": 3, "on_loan": 4, "on_hold_shelf": 8, "in_transit": 10,
                      "lost": 12, "missing": 13}
MEDIA_TYPES = {"book": "001", "picture_book": "001", "reference": "001", "magazine": "002", "audiobook": "004",
               "dvd": "006"}


def event_key(station_id: str, request: Message, when: datetime | None, now: datetime, *parts: str) -> str | None:
    """The event id a repeat of this request gets again, or None when the request cannot be told from a new one."""
    if when is None:
        return None
    no_block = bool(getattr(request, "no_block", False))
    if not no_block and abs(when - now) > SAME_REQUEST_WINDOW:
        return None
    text = "\x1f".join((station_id, request.COMMAND, *parts, format_sip_date(when), "Y" if no_block else "N"))
    return str(uuid.uuid5(EVENT_NAMESPACE, text))


class Circulation:
    """The ACS's circulation answers for one server: the database, the clock, the institution id."""

    def __init__(self, db: Database, clock):
        self.db, self.clock = db, clock

    def _record(self, station_id: str, message: Message, request, language: str, *key_parts: str) -> dict:
        when = aware(message.transaction_date, self.clock)
        no_block = bool(getattr(message, "no_block", False))
        if isinstance(message, Checkin) and no_block:
            when = aware(message.return_date, self.clock) or when
        event_id = event_key(station_id, message, when, self.clock.now(), *key_parts)
        return record_station_event(self.db, self.clock, station_id, request, language, event_id=event_id,
                                    occurred_at=when if no_block else None, offline=no_block)

    def _title(self, barcode: str) -> str:
        with self.db.reader() as session:
            item = patrons.item_lookup(session, barcode)
        return item["title"] if item else ""

    @staticmethod
    def _screen(result: dict, done: str) -> list[str]:
        refusal = result.get("refusal")
        lines = [refusal["message"]] if refusal else ([done] if done else [])
        if result.get("offline_exceptions"):
            lines.append("Recorded; staff will review: " + ", ".join(result["offline_exceptions"]))
        return lines

    def checkout(self, station_id: str, message: Checkout, language: str) -> CheckoutResponse:
        """Lend (or renew, if the patron has it) through the event store."""
        due = message.nb_due_date.date() if message.no_block and message.nb_due_date else None
        request = CheckoutRequest(message.patron_identifier, message.item_identifier, due_date=due)
        result = self._record(station_id, message, request, language, message.patron_identifier,
                              message.item_identifier)
        loan = result.get("loan") or {}
        return CheckoutResponse(
            ok=result["ok"], renewal_ok=bool(result.get("renewed")), desensitize=result["ok"],
            transaction_date=sip_moment(self.clock), institution_id=message.institution_id,
            patron_identifier=message.patron_identifier, item_identifier=message.item_identifier,
            title_identifier=loan.get("title") or self._title(message.item_identifier),
            due_date=due_text(loan.get("due_date")),
            screen_messages=self._screen(result, "Renewed." if result.get("renewed") else ""))

    def renew(self, station_id: str, message: Renew, language: str) -> RenewResponse:
        """Renew one loan through the event store."""
        item = message.item_identifier or ""
        result = self._record(station_id, message, RenewRequest(message.patron_identifier, item), language,
                              message.patron_identifier, item)
        loan = result.get("loan") or {}
        return RenewResponse(
            ok=result["ok"], renewal_ok=result["ok"], transaction_date=sip_moment(self.clock),
            institution_id=message.institution_id, patron_identifier=message.patron_identifier, item_identifier=item,
            title_identifier=loan.get("title") or self._title(item), due_date=due_text(loan.get("due_date")),
            screen_messages=self._screen(result, ""))

    def checkin(self, station_id: str, message: Checkin, language: str) -> CheckinResponse:
        """Return an item through the event store; a hold waiting for it is said with CV 01 and the alert."""
        result = self._record(station_id, message, CheckinRequest(message.item_identifier), language,
                              message.item_identifier)
        back = result.get("checkin")
        if not result["ok"] or back is None:
            return CheckinResponse(ok=False, alert=True, transaction_date=sip_moment(self.clock),
                                   institution_id=message.institution_id, item_identifier=message.item_identifier,
                                   screen_messages=self._screen(result, ""))
        hold = back["routing"] == "hold_shelf"
        # The fine assessed on this return has no field of its own in a 10: BV, as in the 64, by extension.
        extra = [("BV", money(back["fine_cents"]))] if back.get("fine_cents") else []
        words = ["This book was not checked out."] if not back["was_on_loan"] else []
        if hold:
            words.append("Put this book on the hold shelf.")
        return CheckinResponse(
            ok=True, resensitize=True, alert=hold, transaction_date=sip_moment(self.clock),
            institution_id=message.institution_id, item_identifier=message.item_identifier,
            permanent_location=back.get("location") or "", title_identifier=back.get("title"),
            patron_identifier=back.get("patron_barcode"), screen_messages=words + self._screen(result, ""),
            call_number=back.get("call_number") or None, alert_type="01" if hold else None, extra_fields=extra)

    def renew_all(self, station_id: str, message: RenewAll, language: str) -> RenewAllResponse:
        """Renew each of the patron's loans as its own event; the renewed and the refused listed."""
        with self.db.reader() as session:
            account = patrons.account(session, message.patron_identifier, today=self.clock.today(),
                                      language=language)
        if account is None:
            return RenewAllResponse(ok=False, transaction_date=sip_moment(self.clock),
                                    institution_id=message.institution_id,
                                    screen_messages=[Refusal.of("patron_unknown", language).message])
        renewed, refused, words = [], [], []
        for loan in account["loans"]:
            barcode = loan["item_barcode"]
            result = self._record(station_id, message, RenewRequest(message.patron_identifier, barcode), language,
                                  message.patron_identifier, barcode)
            (renewed if result["ok"] else refused).append(barcode)
            if not result["ok"] and result["refusal"]["message"] not in words:
                words.append(result["refusal"]["message"])
        return RenewAllResponse(ok=True, renewed_count=len(renewed), unrenewed_count=len(refused),
                                transaction_date=sip_moment(self.clock), institution_id=message.institution_id,
                                renewed_items=renewed, unrenewed_items=refused, screen_messages=words)

    def item_information(self, message: ItemInformation, language: str) -> ItemInformationResponse:
        """The item's status, title, due date and shelf (circulation status 01 and no title when unknown)."""
        with self.db.reader() as session:
            item = patrons.item_lookup(session, message.item_identifier)
        if item is None:
            return ItemInformationResponse(circulation_status=1, security_marker=0, fee_type=1,
                                           transaction_date=sip_moment(self.clock),
                                           item_identifier=message.item_identifier,
                                           screen_messages=[Refusal.of("item_unknown", language).message])
        return ItemInformationResponse(
            circulation_status=CIRCULATION_STATUS.get(item["status"], 1), security_marker=1, fee_type=1,
            transaction_date=sip_moment(self.clock), due_date=due_text(item["due_date"]) or None,
            item_identifier=item["barcode"], title_identifier=item["title"],
            media_type=MEDIA_TYPES.get(item["item_type"], "000"), permanent_location=item["location"],
            current_location=item["location"], call_number=item["call_number"] or None)
