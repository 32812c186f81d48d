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
    # Only noted here: a batch of events flushes many times, and the stamps are written once, at commit.
    patrons, items = _touched(session)
    if patrons or items:
        pending = session.info.setdefault("changed_rows", (set(), set()))
        pending[0].update(patrons)
        pending[1].update(items)


def _before_commit(session: Session) -> None:
    session.flush()  # whatever is still pending is noted by _after_flush first
    pending = session.info.pop("changed_rows", None)
    if not pending:
        return
    now = datetime.now(timezone.utc)
    # Core UPDATEs: the objects' own ids exist by now, and no ORM object is re-dirtied.
    for table, ids in ((Patron.__table__, sorted(pending[0])), (Item.__table__, sorted(pending[1]))):
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            session.connection().execute(table.update().where(table.c.id.in_(chunk)).values(updated_at=now))


def _after_rollback(session: Session) -> None:
    session.info.pop("changed_rows", None)


def install() -> None:
    """Listen on every ORM session (once per process): called when a Database is made."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _installed = True
