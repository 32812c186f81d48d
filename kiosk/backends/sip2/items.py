"""Items over SIP2: the Item Information Response (18) as the port's Item.

Circulation status is the specification's two-digit table; media type its three-digit one. A call
number, where a system sends one, comes in the 3M extension field CS.
"""
from __future__ import annotations

from kiosk.backends.sip2.values import field_text, parse_due_date
from protocol.sip2 import ItemInformationResponse, Message
from protocol.wire import Item

# SIP2 circulation status -> the port's item status.
CIRCULATION_STATUS = {
    1: "unknown", 2: "unknown", 3: "available", 4: "on_loan", 5: "on_loan", 6: "unknown", 7: "on_loan",
    8: "on_hold_shelf", 9: "available", 10: "in_transit", 11: "missing", 12: "lost", 13: "missing",
}
CHARGED_STATUSES = frozenset({4, 5, 7})
# SIP2 media type -> the library's item type words.
MEDIA_TYPES = {"001": "book", "002": "magazine", "003": "magazine", "004": "audiobook", "005": "dvd",
               "006": "dvd", "008": "book", "009": "book", "010": "audiobook"}


def is_unknown(answer: ItemInformationResponse) -> bool:
    """True when the system does not know the barcode: status 'other' and no title (how Koha, Evergreen say it)."""
    return answer.circulation_status == 1 and not answer.title_identifier.strip()


def item_from_answer(answer: Message) -> Item | None:
    """The Item an 18 describes, or None when the system does not know it."""
    if not isinstance(answer, ItemInformationResponse) or is_unknown(answer):
        return None
    media = (field_text(answer, "CK") or "").strip()
    return Item(
        barcode=answer.item_identifier, title=answer.title_identifier.strip(),
        status=CIRCULATION_STATUS.get(answer.circulation_status, "unknown"),
        call_number=(field_text(answer, "CS") or "").strip(), item_type=MEDIA_TYPES.get(media, ""),
        location=(answer.current_location or answer.permanent_location or "").strip(),
        due_date=parse_due_date(answer.due_date))


def is_charged(answer: Message) -> bool:
    """True when an 18 says the item is checked out (charged, or recalled while out)."""
    return isinstance(answer, ItemInformationResponse) and answer.circulation_status in CHARGED_STATUSES
