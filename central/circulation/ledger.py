"""A batch's working set of circulation records, loaded in a few queries and kept in memory.

A batch of 500 kiosk events would otherwise ask the database the same questions thousands of
times (this item, its loan, the patron's loans and fines, the holds on the title). The event store
opens a :class:`Ledger` for the batch's transaction: every item and patron the batch names, their
open loans, the patrons of those loans, unpaid fines, the waiting and ready holds on their titles
and the returns that may settle an offline checkout are loaded at once (locked for the transaction,
as the per-event queries lock them). ``central.circulation.records`` then answers from the ledger
instead of querying, and the batch's changes are written in one flush at the end.

The ledger stays right as the batch changes things because it holds the ORM objects themselves:
a loan closed by one event is a loan object whose ``returned_at`` is set, and new loans and fines are
added to it by a session hook as they are added to the session (the event store adds the batch's
own returns).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from central.store.models import CirculationEvent, Fine, Hold, Item, Loan, Patron

_KEY = "circulation_ledger"
_installed = False


class Ledger:
    """The records one batch reads, by the keys the circulation rules look them up with."""

    def __init__(self):
        self.items: dict[str, Item | None] = {}
        self.patrons: dict[str, Patron | None] = {}
        self.item_types: dict[int, str] = {}  # item id -> item type, for every loan the ledger holds
        self.loans_by_item: dict[int, list[Loan]] = defaultdict(list)
        self.loans_by_patron: dict[int, list[Loan]] = defaultdict(list)
        self.fines_owed: dict[int, int] = defaultdict(int)
        self.holds_by_title: dict[int, list[Hold]] = defaultdict(list)
        self.returns: dict[str, list[CirculationEvent]] = defaultdict(list)

    # ----- answers -----------------------------------------------------------------------
    def open_loan(self, item: Item) -> Loan | None:
        """The item's current loan."""
        return next((loan for loan in self.loans_by_item.get(item.id, ()) if loan.returned_at is None), None)

    def open_loans_by_type(self, patron: Patron) -> dict[str, int]:
        """The patron's open loans counted by item type."""
        loans = self.loans_by_patron.get(patron.id)
        if not loans:
            return {}
        loans[:] = [loan for loan in loans if loan.returned_at is None]  # returned ones never count again
        counts: dict[str, int] = defaultdict(int)
        for loan in loans:
            counts[self.item_types[loan.item_id]] += 1
        return dict(counts)

    def holds(self, title_id: int) -> list[Hold]:
        """Waiting and ready holds on a title (their status may have changed since: filter on it)."""
        return self.holds_by_title.get(title_id, [])

    def later_return(self, item_barcode: str, at: datetime) -> CirculationEvent | None:
        """The first accepted return of the item after ``at``."""
        found = [row for row in self.returns.get(item_barcode, ()) if row.ok and row.effective_at is not None
                 and row.effective_at > at]
        return min(found, key=lambda row: row.effective_at) if found else None

    # ----- keeping current ---------------------------------------------------------------------
    def note(self, obj) -> None:
        """Take in an object the batch adds to the session."""
        if isinstance(obj, Loan):
            if obj.item_id not in self.item_types:
                item = next((i for i in self.items.values() if i is not None and i.id == obj.item_id), None)
                self.item_types[obj.item_id] = item.item_type if item else ""
            if obj not in self.loans_by_item[obj.item_id]:
                self.loans_by_item[obj.item_id].append(obj)
                self.loans_by_patron[obj.patron_id].append(obj)
        elif isinstance(obj, Fine) and not obj.paid:
            self.fines_owed[obj.patron_id] += obj.amount_cents - (obj.paid_cents or 0)


def of(session: Session) -> Ledger | None:
    """The ledger of this session's batch, if one is open."""
    return session.info.get(_KEY)


def open_for(session: Session, item_barcodes: set[str], patron_barcodes: set[str],
             returns_after: datetime | None) -> Ledger:
    """Load the working set of a batch naming these barcodes and attach it to the session.

    ``returns_after`` is the earliest time of the batch's offline events: returns of its items since
    then are loaded for the offline conflict rules (none are needed when the batch has no offline event).
    """
    _install()
    ledger = Ledger()
    items = session.scalars(sa.select(Item).where(Item.barcode.in_(item_barcodes))
                            .options(joinedload(Item.title_record)).with_for_update(key_share=True, of=Item)).all() \
        if item_barcodes else []
    ledger.items = {barcode: None for barcode in item_barcodes}
    ledger.items.update({item.barcode: item for item in items})
    item_ids = [item.id for item in items]
    loans = session.scalars(sa.select(Loan).where(Loan.item_id.in_(item_ids), Loan.returned_at.is_(None))).all() \
        if item_ids else []
    borrower_ids = {loan.patron_id for loan in loans}
    patrons = session.scalars(sa.select(Patron).where(sa.or_(Patron.barcode.in_(patron_barcodes),
                                                             Patron.id.in_(borrower_ids)))
                              .with_for_update(key_share=True)).all() if patron_barcodes or borrower_ids else []
    ledger.patrons = {barcode: None for barcode in patron_barcodes}
    ledger.patrons.update({p.barcode: p for p in patrons if p.barcode in patron_barcodes})
    patron_ids = [p.id for p in patrons]
    if patron_ids:  # every open loan of these patrons (their limits), with the item type of each
        for loan, item_type in session.execute(sa.select(Loan, Item.item_type).join(Item, Item.id == Loan.item_id)
                                               .where(Loan.patron_id.in_(patron_ids), Loan.returned_at.is_(None))):
            ledger.item_types[loan.item_id] = item_type
            ledger.loans_by_patron[loan.patron_id].append(loan)
        for patron_id, owed in session.execute(sa.select(Fine.patron_id, sa.func.sum(Fine.amount_cents - Fine.paid_cents))
                                               .where(Fine.patron_id.in_(patron_ids), Fine.paid.is_(False))
                                               .group_by(Fine.patron_id)):
            ledger.fines_owed[patron_id] = int(owed or 0)
    for item in items:
        ledger.item_types[item.id] = item.item_type
    for loan in loans:
        ledger.loans_by_item[loan.item_id].append(loan)
        if loan not in ledger.loans_by_patron[loan.patron_id]:
            ledger.loans_by_patron[loan.patron_id].append(loan)
    title_ids = {item.title_id for item in items}
    if title_ids:
        holds = session.scalars(sa.select(Hold).where(Hold.title_id.in_(title_ids),
                                                      Hold.status.in_(("waiting", "ready")))
                                .options(joinedload(Hold.patron)).order_by(Hold.placed_at, Hold.id)
                                .with_for_update(key_share=True, of=Hold)).all()
        for hold in holds:
            ledger.holds_by_title[hold.title_id].append(hold)
    if returns_after is not None and item_barcodes:
        for row in session.scalars(sa.select(CirculationEvent).where(
                CirculationEvent.item_barcode.in_(item_barcodes), CirculationEvent.type == "checkin",
                CirculationEvent.status == "applied", CirculationEvent.effective_at > returns_after)):
            ledger.returns[row.item_barcode].append(row)
    session.info[_KEY] = ledger
    return ledger


def close(session: Session) -> None:
    """Detach the ledger (the batch is over)."""
    session.info.pop(_KEY, None)


def _after_attach(session: Session, obj) -> None:
    ledger = session.info.get(_KEY)
    if ledger is not None:
        ledger.note(obj)


def _install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_attach", _after_attach)
        _installed = True
