"""Turning a library system's "no" into the kiosk's refusal codes.

SIP2 says only ok = 0 and gives a screen message (AF) in the system's own words ("Item is on hold
for another patron", "Patron has fines"). The kiosk shows children its own sentence for a code, so
the words are matched against what the common systems (Koha, Evergreen, FOLIO, Destiny, Symphony,
and this project's central server) say. When nothing matches, the code is ``system_refused`` and
the system's own words are kept for staff.
"""
from __future__ import annotations

from protocol.circulation import Refusal

SYSTEM_REFUSED = "system_refused"
_SYSTEM_REFUSED_TEXT = {
    "en": "The library computer said no to this. Please ask a librarian.",
    "es": "La computadora de la biblioteca no lo permitió. Pide ayuda a un bibliotecario.",
}

# (code, words) in the order they are tried: the more specific phrases first.
_CHECKOUT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("patron_unknown", ("patron not found", "invalid patron", "unknown patron", "no such patron",
                        "patron does not exist", "could not find that library card", "card not found")),
    ("item_unknown", ("item not found", "invalid item", "unknown item", "no such item", "item does not exist",
                      "barcode not found", "we don't know this book", "copy not found")),
    ("card_expired", ("expired",)),
    ("item_on_loan", ("checked out to another", "charged to another", "issued to another", "on loan to another",
                      "someone else has", "already checked out", "already charged", "loaned to another")),
    ("item_on_hold", ("on hold", "hold for", "reserved", "is held", "saved for someone", "requested by another",
                      "trapped")),
    ("item_reference", ("not for loan", "not loanable", "non-circulating", "does not circulate",
                        "library use only", "in-library use", "reference", "stay in the library")),
    ("fines_over_limit", ("fine", "fee", "owe", "balance", "debt", "money")),
    ("too_many_items", ("too many", "limit", "maximum", "as many books as")),
    ("patron_blocked", ("block", "barred", "debarred", "suspend", "restricted", "not allowed", "can't borrow",
                        "privileges")),
)
_RENEW_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("item_on_hold_renewal", ("on hold", "hold", "reserved", "requested", "waiting for", "recall")),
    ("no_renewals_left", ("too many renewals", "renewal limit", "no more renewals", "maximum renewals",
                          "max renewals", "renewed too many", "no renewals", "can't be renewed again",
                          "not renewable", "cannot be renewed")),
    ("not_on_loan_to_patron", ("not checked out to", "not charged to", "not on loan", "not issued to",
                               "don't have this book", "not out to")),
)
_CHECKIN_NOT_OUT = ("not checked out", "not charged", "not on loan", "not issued", "was not checked out",
                    "not currently checked out", "no checkout")


def _match(words: str, table) -> str | None:
    lowered = words.lower()
    for code, phrases in table:
        if any(phrase in lowered for phrase in phrases):
            return code
    return None


def make_refusal(code: str, lang: str) -> Refusal:
    """The refusal for ``code`` with the kiosk's sentence in ``lang``."""
    if code == SYSTEM_REFUSED:
        return Refusal(code, _SYSTEM_REFUSED_TEXT.get(lang, _SYSTEM_REFUSED_TEXT["en"]))
    return Refusal.of(code, lang)


def checkout_refusal(screen: str, lang: str) -> Refusal:
    """The refusal a checkout's ok = 0 answer stands for, from its screen message."""
    return make_refusal(_match(screen, _CHECKOUT_WORDS) or SYSTEM_REFUSED, lang)


def renew_refusal(screen: str, lang: str) -> Refusal:
    """The refusal a renew's ok = 0 answer stands for (renew words first, then the checkout ones)."""
    code = _match(screen, _RENEW_WORDS) or _match(screen, _CHECKOUT_WORDS) or SYSTEM_REFUSED
    if code in ("item_on_hold", "item_on_loan"):
        code = "item_on_hold_renewal" if code == "item_on_hold" else "not_on_loan_to_patron"
    return make_refusal(code, lang)


def checkin_was_not_out(screen: str) -> bool:
    """True when a checkin's ok = 0 only means the item was not checked out (it is back either way)."""
    lowered = screen.lower()
    return any(phrase in lowered for phrase in _CHECKIN_NOT_OUT)


def checkin_refusal(screen: str, lang: str) -> Refusal:
    """The refusal a checkin's ok = 0 answer stands for."""
    code = "item_unknown" if _match(screen, _CHECKOUT_WORDS[1:2]) else SYSTEM_REFUSED
    return make_refusal(code, lang)


def patron_refusal_code(status_conditions: list[str], screen: str) -> str | None:
    """Why a patron may not borrow, from the 14-position patron status and the screen message."""
    conditions = set(status_conditions)
    from_words = _match(screen, _CHECKOUT_WORDS)
    if not conditions & {"charge_privileges_denied", "card_reported_lost", "excessive_outstanding_fines",
                         "excessive_outstanding_fees", "too_many_items_charged", "too_many_items_overdue",
                         "too_many_items_lost", "too_many_items_billed", "recall_overdue"}:
        return None
    if from_words in ("card_expired", "fines_over_limit", "too_many_items", "patron_blocked"):
        return from_words
    if conditions & {"excessive_outstanding_fines", "excessive_outstanding_fees"}:
        return "fines_over_limit"
    if conditions & {"too_many_items_charged"}:
        return "too_many_items"
    return "patron_blocked"

