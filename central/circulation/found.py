"""A copy marked lost, missing or withdrawn that turns up at a checkout: refused, and recorded as found.

The child is asked to give the book to the librarian (refusal ``item_give_to_librarian``), and the
audit log says where and when the copy turned up, so staff can put it back in circulation with the
copy page's "Found" (which also waives an unpaid lost-copy charge: a decision for a person, not the
kiosk). An offline checkout of such a copy is applied like any other offline checkout (the book has
already left with the student) and staff see the code among its exceptions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from central.staff import audit
from central.store.models import Item

GIVE_TO_LIBRARIAN = "item_give_to_librarian"
TURNED_UP = ("lost", "missing", "withdrawn")

def turned_up(item: Item | None) -> bool:
    """True when ``item`` is marked lost, missing or withdrawn (a checkout must send it to the librarian)."""
    return item is not None and item.status in TURNED_UP


def record_found(session: Session, item: Item, at: datetime, offline: bool) -> None:
    """Write in the audit log that the copy, marked lost, missing or withdrawn, was scanned at a checkout."""
    audit.record(session, now=at, actor="kiosk", action="item.found_at_checkout",
                 summary="Copy {barcode}, marked {status}, was scanned at a self-checkout: it has been found.",
                 values={"barcode": item.barcode, "status": item.status},
                 school_id=item.school_id, target_type="item", target_id=item.barcode, details={"offline": offline})
