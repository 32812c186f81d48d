"""Change times for the kiosks' delta sync: every flush that touches a patron's or an item's cache record
stamps ``updated_at`` on that patron or item, in the same transaction.

A patron's cache record also depends on their loans (the count), fines (a block) and cards, and an
item's on its loans (the status), so changes to those stamp their patron and item too. The stamp
is the wall clock in UTC: delta sync re-sends the last minute of changes on every poll
(``central.sync.feeds.OVERLAP``), so a transaction that commits a little after its stamp is
still picked up. Writes that bypass the ORM (bulk imports) must set ``updated_at`` themselves.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import event
from sqlalchemy.orm import Session

from central.store.models import Fine, Item, Loan, Patron, PatronCard

_installed = False


def _touched(session: Session) -> tuple[set[int], set[int]]:
    patrons: set[int] = set()
    items: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Patron):
            patrons.add(obj.id)
        elif isinstance(obj, Item):
            items.add(obj.id)
        elif isinstance(obj, (Loan, Fine, PatronCard)):
            patrons.add(obj.patron_id)
            if isinstance(obj, Loan):
                items.add(obj.item_id)
    return {x for x in patrons if x is not None}, {x for x in items if x is not None}


def _after_flush(session: Session, _context) -> None:
    patrons, items = _touched(session)
    if not patrons and not items:
        return
    now = datetime.now(timezone.utc)
    # Core UPDATEs after the flush: the objects' own ids exist by now, and no ORM object is re-dirtied.
    for table, ids in ((Patron.__table__, patrons), (Item.__table__, items)):
        if ids:
            session.connection().execute(table.update().where(table.c.id.in_(sorted(ids))).values(updated_at=now))


def install() -> None:
    """Listen on every ORM session (once per process): called when a Database is made."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
