"""The offline policy: what the kiosk may decide on its own while the library system cannot answer first.

It answers at once from the local caches (kiosk/outbox/caches.py) and the journal, never from
the network, so a stopped or frozen server never makes a scan wait. The rules (``[offline]`` in
the config; defaults in config/kiosk.example.toml):

- sign-in: a card scanned or tapped is looked up in the patron cache (hashed numbers). A patron
  with a PIN signs in by card only, never by typed number, unless ``pin_patrons = "cached_pin_hash"``
  and the cache holds their (slow) PIN hash. ``sign_in = "any_valid_card"`` also lets in a card of
  valid format the cache does not know; ``"never"`` turns offline sign-in off.
- checkout: blocked or expired patrons are refused as online; at most ``checkout_limit`` offline
  checkouts per patron wait in the journal; the due date comes from the cached loan rules and
  calendar with the server's own code (protocol.calendar); reference items are refused; items the
  cache does not know are lent when ``unknown_items`` is true (the server lists any it refuses).
- returns are always accepted and queued; renewals offline only when ``renewals`` is true.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from protocol.calendar import LibraryCalendar, due_date
from protocol.circulation import Refusal, refusal_message
from protocol.wire import (
    CheckinRequest, Checkin, CheckoutRequest, CirculationOutcome, IdentifyOutcome, IdentifyRequest, Loan, Patron,
    RenewRequest,
)

from kiosk.i18n import t
from kiosk.outbox.caches import Caches

log = logging.getLogger("kiosk.policy")

SIGN_IN_MODES = ("cache", "any_valid_card", "never")
PIN_MODES = ("card_only", "cached_pin_hash")
# Refusals only the kiosk makes (offline); their sentences are kiosk translations "refusal.<code>".
KIOSK_REFUSALS = ("offline_limit", "offline_pin", "offline_unknown", "offline_needs_barcode", "offline_renew",
                  "offline_sign_in_off")


@dataclass(frozen=True)
class OfflineSettings:
    """[offline]: what the kiosk decides alone while the library system is away."""

    sign_in: str = "cache"
    pin_patrons: str = "card_only"
    checkout_limit: int = 5
    default_loan_days: int = 14
    unknown_items: bool = True
    renewals: bool = False
    answer_wait_seconds: float = 1.5
    cache_refresh_seconds: float = 300.0


def kiosk_refusal(code: str, lang: str) -> Refusal:
    """A refusal with its sentence in ``lang``: the kiosk's own offline codes, else protocol.circulation's."""
    if code in KIOSK_REFUSALS:
        return Refusal(code, t(f"refusal.{code}", lang))
    return Refusal(code, refusal_message(code, lang))


class OfflinePolicy:
    """Decides sign-ins and circulation from the caches and the journal, at once."""

    def __init__(self, settings: OfflineSettings, caches: Caches, journal, clock):
        self.settings, self.caches, self.journal, self.clock = settings, caches, journal, clock

    # ----- sign-in ------------------------------------------------------------------------------
    def identify(self, request: IdentifyRequest, lang: str = "en") -> IdentifyOutcome:
        """Who this card is, from the patron cache (``offline`` set on the outcome)."""
        if self.settings.sign_in == "never":
            return self._no("offline_sign_in_off", lang)
        found = self.caches.patron_by_barcode(request.barcode) if request.barcode else \
            self.caches.patron_by_card(request.card_uid)
        if found is None:
            if self.settings.sign_in == "any_valid_card" and request.barcode and request.method != "typed":
                return IdentifyOutcome(True, Patron(barcode=request.barcode, display_name=""), offline=True)
            return self._no("offline_unknown", lang)
        record, barcode = found
        if record.pin_required and request.method == "typed":
            if self.settings.pin_patrons != "cached_pin_hash" or not record.pin_hash:
                return self._no("offline_pin", lang)
            if not request.pin:
                return self._no("pin_required", lang)
            if not _pin_matches(record.pin_hash, request.pin):
                return self._no("pin_incorrect", lang)
        today = self.clock.now().date()
        refusal = record.refusal if record.blocked else None
        if record.expires_on is not None and record.expires_on < today:
            refusal = refusal or "card_expired"
        if record.blocked and not refusal:
            refusal = "patron_blocked"
        patron = Patron(barcode=barcode or "", display_name=record.display_name, language=record.language,
                        patron_type=record.patron_type, expires_on=record.expires_on, loans_count=record.loans_count,
                        can_checkout=refusal is None, refusal=refusal, pin_required=record.pin_required)
        return IdentifyOutcome(True, patron, offline=True)

    @staticmethod
    def _no(code: str, lang: str) -> IdentifyOutcome:
        return IdentifyOutcome(False, refusal=kiosk_refusal(code, lang), offline=True)

    # ----- circulation ------------------------------------------------------------------------------
    def decide(self, request, patron: Patron | None, lang: str = "en") -> CirculationOutcome:
        """The kiosk's own outcome for ``request`` (``offline`` set; event_id filled in by the journal)."""
        if isinstance(request, CheckinRequest):
            item = self.caches.item(request.item_barcode)
            return CirculationOutcome("", True, offline=True, checkin=Checkin(
                request.item_barcode, title=item.title if item else "", was_on_loan=True, routing="shelf"))
        if isinstance(request, RenewRequest):
            if not self.settings.renewals:
                return self._refused("offline_renew", lang)
            return self._lend(request.item_barcode, patron, lang, renew=True)
        if isinstance(request, CheckoutRequest):
            return self._lend(request.item_barcode, patron, lang)
        raise TypeError(f"no offline decision for {type(request).__name__}")

    def _lend(self, item_barcode: str, patron: Patron | None, lang: str, renew: bool = False) -> CirculationOutcome:
        if patron is None or not patron.barcode:
            return self._refused("offline_needs_barcode", lang)
        if not patron.can_checkout:
            return self._refused(patron.refusal or "patron_blocked", lang)
        item = self.caches.item(item_barcode)
        if item is not None and item.status == "reference":
            return self._refused("item_reference", lang)
        if item is None and not self.settings.unknown_items:
            return self._refused("item_unknown", lang)
        if not renew and self.journal.offline_checkouts(patron.barcode) >= self.settings.checkout_limit:
            return self._refused("offline_limit", lang)
        loan_days = self.settings.default_loan_days
        rules = self.caches.loan_rules()
        calendar = LibraryCalendar()
        if rules is not None:
            calendar = LibraryCalendar(rules.closed_weekdays, rules.closed_days, rules.term_end)
            item_type = item.item_type if item else "book"
            rule = next((r for r in rules.rules if r.patron_type == patron.patron_type and r.item_type == item_type),
                        None)
            if rule is not None and not rule.loanable:
                return self._refused("item_reference", lang)
            if rule is not None:
                loan_days = rule.loan_days
        due = due_date(calendar, self.clock.now().date(), loan_days)
        loan = Loan(item_barcode, title=item.title if item else "", due_date=due,
                    author=item.author if item else "", call_number=item.call_number if item else "")
        return CirculationOutcome("", True, renewed=renew, offline=True, loan=loan)

    @staticmethod
    def _refused(code: str, lang: str) -> CirculationOutcome:
        return CirculationOutcome("", False, offline=True, refusal=kiosk_refusal(code, lang))


def _pin_matches(pin_hash: str, pin: str) -> bool:
    from werkzeug.security import check_password_hash

    try:
        return check_password_hash(pin_hash, pin)
    except (ValueError, TypeError):
        log.error("a cached PIN hash is not in a format this kiosk can check")
        return False
