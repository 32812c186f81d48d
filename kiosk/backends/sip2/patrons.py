"""Patrons over SIP2: who a card belongs to (63/64 with the PIN), and what they have out, waiting and owing.

The Patron Information Response (64) carries counts and at most one detailed item list per request,
so My account asks once per list (charged, holds, unavailable holds, fines) and looks up each loan's
title and due date with Item Information (17). Names are cut to first name and last initial at once:
the full name never leaves this module.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kiosk.backends.sip2.items import item_from_answer
from kiosk.backends.sip2.refusals import make_refusal, patron_refusal_code
from kiosk.backends.sip2.values import (
    display_name, kiosk_language, looks_like_barcode, parse_cents, screen_text, sip_language,
)
from protocol.sip2 import ItemInformation, Message, PatronInformation, PatronInformationResponse
from protocol.sip2.flags import patron_status_conditions, summary_text
from protocol.wire import Account, Fine, Hold, IdentifyOutcome, IdentifyRequest, Loan, Patron

MAX_LOOKUPS = 30  # item lookups per account view: a teacher with 200 loans still gets an answer quickly
Ask = Callable[[Message], Message]


def patron_request(settings, barcode: str, lang: str, pin: str | None = None,
                   item_list: str | None = None) -> PatronInformation:
    """A 63 for ``barcode``, with the PIN when one was typed and one detailed item list at most."""
    return PatronInformation(
        language=sip_language(lang), summary=summary_text(item_list), institution_id=settings.institution_id,
        patron_identifier=barcode, terminal_password=settings.terminal_password,
        patron_password=pin if pin is not None else "", start_item="1" if item_list else None,
        end_item=str(MAX_LOOKUPS * 4) if item_list else None)


def is_valid(answer: PatronInformationResponse) -> bool:
    """Whether the system knows the patron (BL; systems that leave BL out send a name for a known one)."""
    if answer.valid_patron is not None:
        return answer.valid_patron
    return bool(answer.personal_name.strip())


def patron_from_answer(answer: PatronInformationResponse, barcode: str, lang: str) -> Patron:
    """The port's Patron from a 64: counts, limits, fines and whether they may borrow now."""
    refusal = patron_refusal_code(patron_status_conditions(answer.patron_status), screen_text(answer))
    return Patron(
        barcode=answer.patron_identifier.strip() or barcode, display_name=display_name(answer.personal_name),
        language=kiosk_language(answer.language, lang), loans_count=answer.charged_items_count or 0,
        max_items=answer.charged_items_limit or 0, fines_total_cents=max(0, parse_cents(answer.fee_amount) or 0),
        can_checkout=refusal is None, refusal=refusal)


def identify_outcome(answer: PatronInformationResponse, request: IdentifyRequest, lang: str) -> IdentifyOutcome:
    """Decide an identify from the 64: unknown card, PIN needed or wrong, or the patron."""
    sent = request.barcode if request.barcode is not None else request.card_uid
    if not is_valid(answer):
        return IdentifyOutcome(ok=False, refusal=make_refusal("patron_unknown", lang))
    password_ok = answer.valid_patron_password
    if request.pin:
        # A system that never reports CQ does not check passwords at all: the card is enough there.
        if password_ok is False:
            locked = any(word in screen_text(answer).lower() for word in ("locked", "too many"))
            return IdentifyOutcome(ok=False, refusal=make_refusal("pin_locked" if locked else "pin_incorrect", lang))
    elif request.method == "typed" and password_ok is not True:
        # Anyone can type a classmate's number: a typed number needs the PIN unless the system says none is set.
        return IdentifyOutcome(ok=False, refusal=make_refusal("pin_required", lang))
    return IdentifyOutcome(ok=True, patron=patron_from_answer(answer, sent, lang))


def _entries(values: list[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def _first_token(entry: str) -> str:
    return entry.split(" ", 1)[0]


def loans_from(ask: Ask, settings, barcodes: list[str], overdue: set[str], today: dt.date,
               lang: str) -> tuple[Loan, ...]:
    """Loans for the charged items (AU) of a 64, with titles and due dates from 17 where it answers."""
    loans = []
    for index, entry in enumerate(_entries(barcodes)):
        token = _first_token(entry)
        title = entry[len(token):].strip() or entry
        item = None
        if looks_like_barcode(token) and index < MAX_LOOKUPS:
            item = item_from_answer(ask(ItemInformation(institution_id=settings.institution_id,
                                                        item_identifier=token,
                                                        terminal_password=settings.terminal_password or None)))
        due = item.due_date if item else None
        loans.append(Loan(item_barcode=token if looks_like_barcode(token) else entry,
                          title=(item.title if item and item.title else title), due_date=due,
                          author=item.author if item else "", call_number=item.call_number if item else "",
                          overdue=entry in overdue or token in overdue or bool(due and due < today)))
    return tuple(sorted(loans, key=lambda loan: (loan.due_date or dt.date.max, loan.title)))


def holds_from(ask: Ask, settings, ready: list[str], waiting: list[str]) -> tuple[Hold, ...]:
    """Holds: available ones (AS, ready to collect) first, then unavailable ones (CD, still waiting)."""
    holds = []
    for status, entries in (("ready", ready), ("waiting", waiting)):
        for entry in _entries(entries):
            token = _first_token(entry)
            title, copy = entry, None
            if looks_like_barcode(token) and len(holds) < MAX_LOOKUPS:
                item = item_from_answer(ask(ItemInformation(institution_id=settings.institution_id,
                                                            item_identifier=token,
                                                            terminal_password=settings.terminal_password or None)))
                if item is not None:
                    title, copy = item.title or entry, token
            holds.append(Hold(title=title, status=status, item_barcode=copy))
    return tuple(holds)


def _fine_reason(text: str) -> str:
    lowered = text.lower()
    for reason, words in (("overdue", ("overdue", "late")), ("lost", ("lost", "replacement")),
                          ("damaged", ("damage",))):
        if any(word in lowered for word in words):
            return reason
    return "other"


def fines_from(entries: list[str]) -> tuple[Fine, ...]:
    """Fines from the fine items (AV): an amount, a reason and a title where the text carries them."""
    fines = []
    for entry in _entries(entries):
        cents = parse_cents(entry)
        title = entry
        for word in entry.split(" "):
            if parse_cents(word) is not None and any(c.isdigit() for c in word):
                title = entry.replace(word, "", 1)
                break
        title = title.strip(" :-")
        for prefix in ("overdue", "lost", "damaged", "fine"):
            if title.lower().startswith(prefix):
                title = title[len(prefix):].strip(" :-")
        fines.append(Fine(amount_cents=max(0, cents or 0), reason=_fine_reason(entry), title=title))
    return tuple(fines)


def _some(count: int | None) -> bool:
    # Four blanks mean the system does not count: ask for the list to find out.
    return count is None or count > 0


def account_from(ask: Ask, settings, barcode: str, lang: str, today: dt.date) -> Account | None:
    """My account: four 64s (charged, ready holds, waiting holds, fines) and a 17 per loan."""
    def info(item_list: str) -> PatronInformationResponse:
        """One 64 with the detailed list ``item_list``."""
        return ask(patron_request(settings, barcode, lang, item_list=item_list))

    charged = info("charged_items")
    if not is_valid(charged):
        return None
    overdue = set(_entries(info("overdue_items").overdue_items)) if _some(charged.overdue_items_count) else set()
    ready = info("hold_items").hold_items if _some(charged.hold_items_count) else []
    waiting = (info("unavailable_hold_items").unavailable_hold_items
               if _some(charged.unavailable_holds_count) else [])
    fines = info("fine_items").fine_items if _some(charged.fine_items_count) else []
    patron = patron_from_answer(charged, barcode, lang)
    fine_list = fines_from(fines)
    total = patron.fines_total_cents or sum(f.amount_cents for f in fine_list)
    return Account(patron=patron, loans=loans_from(ask, settings, charged.charged_items, overdue, today, lang),
                   holds=holds_from(ask, settings, ready, waiting), fines=fine_list, fines_total_cents=total)
