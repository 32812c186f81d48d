"""Circulation answers (12 Checkout, 30 Renew, 10 Checkin) as the port's CirculationOutcome.

A checkin's routing comes from what the system says: the 3M extension alert type (CV: 01 hold
here, 02 hold at another branch, 03/04 send to another branch), the destination (CT), the sort
bin (CL), and the alert flag. An alert with nothing more specific goes to staff, since the system
asked for a person to look at the book.
"""
from __future__ import annotations

from kiosk.backends.sip2.refusals import checkin_refusal, checkin_was_not_out, checkout_refusal, renew_refusal
from kiosk.backends.sip2.values import field_text, parse_cents, parse_due_date, screen_text
from protocol.sip2 import CheckinResponse, Message
from protocol.wire import Checkin, CirculationOutcome, Loan

_HOLD_WORDS = ("hold", "reserve", "request")
_TRANSIT_WORDS = ("transit", "send to", "route to", "return to", "belongs to", "another branch")


def loan_outcome(event_id: str, answer: Message, item_barcode: str, lang: str, *, renew: bool,
                 replayed: bool = False) -> CirculationOutcome:
    """The outcome of a 12 or a 30: the loan with its due date, or the refusal it stands for."""
    if not answer.ok:
        screen = screen_text(answer)
        refusal = renew_refusal(screen, lang) if renew else checkout_refusal(screen, lang)
        return CirculationOutcome(event_id=event_id, ok=False, refusal=refusal, replayed=replayed)
    loan = Loan(item_barcode=answer.item_identifier.strip() or item_barcode, title=answer.title_identifier.strip(),
                due_date=parse_due_date(answer.due_date))
    # Koha and this project's server answer a checkout of an item the patron already has with a renewal.
    return CirculationOutcome(event_id=event_id, ok=True, renewed=renew or bool(answer.renewal_ok), loan=loan,
                              replayed=replayed)


def routing(answer: CheckinResponse) -> tuple[str, str, bool]:
    """(routing, destination, on_hold) for a returned item, from CV, CT, CL, the alert flag and the words."""
    alert_type = (field_text(answer, "CV") or "").strip()
    destination = (field_text(answer, "CT") or "").strip()
    sort_bin = (answer.sort_bin or "").strip()
    if alert_type == "01":
        return "hold_shelf", destination or sort_bin, True
    if alert_type == "02":
        return "transit", destination, True
    if alert_type in ("03", "04"):
        return "transit", destination, False
    if answer.alert:
        words = screen_text(answer).lower()
        if any(word in words for word in _HOLD_WORDS):
            return "hold_shelf", destination or sort_bin, True
        if destination or any(word in words for word in _TRANSIT_WORDS):
            return "transit", destination, False
        return "staff", sort_bin or screen_text(answer), False
    if sort_bin:
        return "sort_bin", sort_bin, False
    return "shelf", "", False


def checkin_outcome(event_id: str, answer: CheckinResponse, item_barcode: str, lang: str, *,
                    replayed: bool = False) -> CirculationOutcome:
    """The outcome of a 10: where the item goes, or why the system would not take it back."""
    screen = screen_text(answer)
    # Systems say "not checked out" with ok = 0 (Koha) or ok = 1 (this project's server): back either way.
    not_out = checkin_was_not_out(screen)
    if not answer.ok and not not_out:
        return CirculationOutcome(event_id=event_id, ok=False, refusal=checkin_refusal(screen, lang),
                                  replayed=replayed)
    route, destination, on_hold = routing(answer)
    checkin = Checkin(item_barcode=answer.item_identifier.strip() or item_barcode,
                      title=(answer.title_identifier or "").strip(), was_on_loan=not not_out,
                      fine_cents=max(0, parse_cents(field_text(answer, "BV")) or 0), routing=route,
                      destination=destination, on_hold=on_hold)
    return CirculationOutcome(event_id=event_id, ok=True, checkin=checkin, replayed=replayed)
