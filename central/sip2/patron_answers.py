"""Patron Status (23/24) and Patron Information (63/64) answered from the central server's own patron reads.

The same ``central.patrons.identify`` and ``account`` the REST API uses decide who a card is, whether
the PIN is right (wrong PINs count towards the same lockout), and what they have out. The personal
name sent is the display name (first name, last initial), as everywhere the server shows a patron.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from central.circulation import patrons
from central.store.db import Database
from central.store.models import Patron
from central.sip2.dates import sip_moment
from protocol.circulation import Refusal
from protocol.identifiers import IdentifierError, normalize_card_uid
from protocol.sip2 import PatronInformation, PatronInformationResponse, PatronStatusRequest, PatronStatusResponse
from protocol.sip2.flags import patron_status_text, summary_lists

LANGUAGES = {"001": "en", "024": "en", "008": "es", "021": "es"}
LANGUAGE_CODES = {"en": "001", "es": "008"}
_REFUSAL_FLAGS = {
    "card_expired": ("charge_privileges_denied", "renewal_privileges_denied", "hold_privileges_denied"),
    "patron_blocked": ("charge_privileges_denied", "renewal_privileges_denied", "hold_privileges_denied"),
    "fines_over_limit": ("charge_privileges_denied", "renewal_privileges_denied", "excessive_outstanding_fines"),
}


def language_of(code: str, default: str) -> str:
    """The server language for a SIP2 language code (``default`` for 000 and the rest)."""
    return LANGUAGES.get(code, default)


def money(cents: int) -> str:
    """Cents as the SIP2 money text: "6.00"."""
    return f"{cents / 100:.2f}"


class Lookup:
    """One patron as a SIP2 request names them: found by barcode or card UID, PIN checked if one was sent."""

    def __init__(self, db: Database, clock, station_id: str, identifier: str, pin: str | None, language: str):
        self.valid, self.pin_ok, self.patron, self.account = False, None, None, None
        now, today = clock.now(), clock.today()
        with db.reader() as session:
            barcode, card_uid = self._which(session, identifier)
            if barcode is None and card_uid is None:
                return
            ask = dict(barcode=barcode, card_uid=card_uid, now=now, today=today, language=language,
                       kiosk_id=station_id)
            if pin:
                result = patrons.identify(session, db, pin=pin, method="typed", **ask)
                self.pin_ok = result["ok"]
                if not result["ok"]:
                    result = patrons.identify(session, db, pin=None, method="scan", **ask)
            else:
                result = patrons.identify(session, db, pin=None, method="scan", **ask)
                if result["ok"]:
                    # No PIN sent: "valid" only for a patron who has none (a typed number needs it otherwise).
                    self.pin_ok = session.scalar(sa.select(Patron.pin_hash).where(
                        Patron.barcode == result["patron"]["barcode"])) is None
            if not result["ok"]:
                return
            self.valid, self.patron = True, result["patron"]
            self.account = patrons.account(session, self.patron["barcode"], today=today, language=language)

    @staticmethod
    def _which(session, identifier: str) -> tuple[str | None, str | None]:
        if session.scalar(sa.select(Patron.id).where(Patron.barcode == identifier)) is not None:
            return identifier, None
        try:
            # Some self-checks send a tapped card's UID as the patron identifier.
            return None, normalize_card_uid(identifier)
        except IdentifierError:
            return None, None

    def status_text(self) -> str:
        """The 14-position patron status: Y for each privilege denied or limit reached."""
        if not self.valid:
            return patron_status_text("charge_privileges_denied", "renewal_privileges_denied",
                                      "recall_privileges_denied", "hold_privileges_denied")
        flags = set(_REFUSAL_FLAGS.get(self.patron["refusal"], ()))
        if self.patron["max_items"] and self.patron["loans_count"] >= self.patron["max_items"]:
            flags.add("too_many_items_charged")
        return patron_status_text(*sorted(flags))

    def overdue(self) -> list[dict]:
        """The patron's overdue loans."""
        return [loan for loan in self.account["loans"] if loan["overdue"]]

    def screen(self, language: str) -> list[str]:
        """The screen message: why they may not borrow, or nothing."""
        if not self.valid:
            return [Refusal.of("patron_unknown", language).message]
        if self.patron["refusal"]:
            return [Refusal.of(self.patron["refusal"], language).message]
        return []

    def name(self) -> str:
        """The name to show: first name and last initial."""
        return self.patron["display_name"] if self.valid else ""


def patron_status(db: Database, clock, station_id: str, request: PatronStatusRequest,
                  default_language: str) -> PatronStatusResponse:
    """The 24 for a 23."""
    language = language_of(request.language, default_language)
    found = Lookup(db, clock, station_id, request.patron_identifier, request.patron_password or None, language)
    return PatronStatusResponse(
        patron_status=found.status_text(), language=LANGUAGE_CODES.get(found.patron["language"] if found.valid
                                                                        else language, "000"),
        transaction_date=sip_moment(clock), institution_id=request.institution_id,
        patron_identifier=request.patron_identifier, personal_name=found.name(), valid_patron=found.valid,
        valid_patron_password=found.pin_ok if found.valid else False, currency_type="USD",
        fee_amount=money(found.patron["fines_total_cents"]) if found.valid else None,
        screen_messages=found.screen(language))


def _page(entries: list[str], start: str | None, end: str | None) -> list[str]:
    """The entries from BP to BQ (1-based, inclusive) when the self-check asks for a range."""
    first = int(start) if (start or "").strip().isdigit() else 1
    last = int(end) if (end or "").strip().isdigit() else len(entries)
    return entries[max(first, 1) - 1:max(last, 0)]


def _lists(found: Lookup, today: date) -> dict[str, list[str]]:
    account = found.account
    holds = account["holds"]
    return {
        "hold_items": [h["title"] for h in holds if h["status"] == "ready"],
        "unavailable_hold_items": [h["title"] for h in holds if h["status"] != "ready"],
        "overdue_items": [loan["item_barcode"] for loan in found.overdue()],
        "charged_items": [loan["item_barcode"] for loan in account["loans"]],
        "fine_items": [f"{money(f['amount_cents'])} {f['reason']}: {f.get('title') or '-'}" for f in account["fines"]],
        "recall_items": [],
    }


def patron_information(db: Database, clock, station_id: str, request: PatronInformation,
                       default_language: str) -> PatronInformationResponse:
    """The 64 for a 63: counts always, and the item lists the summary asks for (BP to BQ)."""
    language = language_of(request.language, default_language)
    found = Lookup(db, clock, station_id, request.patron_identifier, request.patron_password or None, language)
    base = dict(patron_status=found.status_text(), transaction_date=sip_moment(clock),
                institution_id=request.institution_id, patron_identifier=request.patron_identifier,
                personal_name=found.name(), valid_patron=found.valid, screen_messages=found.screen(language))
    if not found.valid:
        return PatronInformationResponse(language=LANGUAGE_CODES.get(language, "000"), valid_patron_password=False,
                                         hold_items_count=0, overdue_items_count=0, charged_items_count=0,
                                         fine_items_count=0, recall_items_count=0, unavailable_holds_count=0, **base)
    lists = _lists(found, clock.today())
    wanted = {name: _page(lists[name], request.start_item, request.end_item)
              for name in summary_lists(request.summary)}
    patron = found.patron
    return PatronInformationResponse(
        language=LANGUAGE_CODES.get(patron["language"], "000"),
        hold_items_count=len(lists["hold_items"]), overdue_items_count=len(lists["overdue_items"]),
        charged_items_count=len(lists["charged_items"]), fine_items_count=len(lists["fine_items"]),
        recall_items_count=0, unavailable_holds_count=len(lists["unavailable_hold_items"]),
        charged_items_limit=patron["max_items"] or None, valid_patron_password=found.pin_ok,
        currency_type="USD", fee_amount=money(patron["fines_total_cents"]), **base,
        **wanted)
