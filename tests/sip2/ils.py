"""A SIP2 library system we did not write: pysip2's AnyIO server (tests/sip2/ils_server.py) answering from
the small in-memory library here.

The library has behaviour, not canned answers: loans, holds, renewal limits, fines, blocks and
branches. It behaves like Koha where systems differ (a checkout of an item the patron already has
is a renewal) and can be told to behave like FOLIO (no-block ignored). Every circulation request is
written to ``transactions`` so tests can count what really happened.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

TODAY = dt.date.today()


@dataclass
class IlsPatron:
    """A borrower: card number, full name as the ILS keeps it, and what stops them borrowing."""

    barcode: str
    name: str
    pin: str | None = None
    blocked: bool = False
    expired: bool = False
    fines: list[tuple[str, str]] = field(default_factory=list)  # (amount "1.50", what for)
    limit: int = 5
    language: str = "001"


@dataclass
class IlsItem:
    """A copy: its title, where it lives, and whether it may leave the library."""

    barcode: str
    title: str
    branch: str = "MAIN"
    reference: bool = False
    sort_bin: str | None = None
    hold_for: str | None = None  # a patron barcode waiting for this copy
    lost: bool = False


@dataclass
class Loan:
    """An open loan."""

    patron: str
    due: dt.date
    renewals: int = 0


def sip_date(day: dt.date, time: str = "235900") -> str:
    """An 18-character SIP2 date in local time."""
    return day.strftime("%Y%m%d") + "    " + time


def now18() -> str:
    """Now as an 18-character SIP2 date."""
    now = dt.datetime.now()
    return now.strftime("%Y%m%d") + "    " + now.strftime("%H%M%S")


class Library:
    """The ILS's records and rules; thread-safe, since pysip2 runs handlers in worker threads."""

    def __init__(self, branch: str = "MAIN"):
        self.branch = branch
        self.patrons: dict[str, IlsPatron] = {}
        self.items: dict[str, IlsItem] = {}
        self.loans: dict[str, Loan] = {}
        self.transactions: list[dict] = []
        self.logins = {"kiosk1": "s3cret"}
        self.renewal_limit = 2
        self.loan_days = 14
        self.honour_no_block = True   # False: behave like FOLIO, which applies the rules to no-block requests
        self.renew_on_repeat = True   # Koha: a checkout of an item the patron has is a renewal
        self.offline_ok = True
        self.due_format = "sip"       # sip | iso | us
        self.lock = threading.Lock()

    def add_patron(self, *args, **kwargs) -> IlsPatron:
        """Add a patron."""
        patron = IlsPatron(*args, **kwargs)
        self.patrons[patron.barcode] = patron
        return patron

    def add_item(self, *args, **kwargs) -> IlsItem:
        """Add an item."""
        item = IlsItem(*args, **kwargs)
        self.items[item.barcode] = item
        return item

    def lend(self, item: str, patron: str, due: dt.date) -> None:
        """Record a loan made before the test."""
        self.loans[item] = Loan(patron, due)

    def count(self, kind: str, item: str | None = None) -> int:
        """How many transactions of ``kind`` happened (for ``item``)."""
        return sum(1 for t in self.transactions if t["kind"] == kind and (item is None or t["item"] == item))

    def due_text(self, day: dt.date) -> str:
        """A due date in this ILS's configured format."""
        return {"iso": day.isoformat(), "us": day.strftime("%m/%d/%Y")}.get(self.due_format) or sip_date(day)

    # ------------------------------------------------------------------ rules
    def checkout(self, patron_id: str, item_id: str, no_block: bool, when: str, nb_due: str):
        """(ok, renewed, due date, screen message)."""
        with self.lock:
            patron, item, loan = self.patrons.get(patron_id), self.items.get(item_id), self.loans.get(item_id)
            self.transactions.append({"kind": "checkout", "patron": patron_id, "item": item_id,
                                      "no_block": no_block, "date": when, "nb_due": nb_due})
            if loan is not None and loan.patron == patron_id and self.renew_on_repeat:
                return self._renew(patron_id, item_id, loan, checkout=True)
            skip = no_block and self.honour_no_block
            if patron is None:
                return False, False, None, "Invalid patron"
            if item is None:
                return False, False, None, "Item not found"
            if not skip:
                if patron.expired:
                    return False, False, None, "Patron card expired"
                if patron.blocked:
                    return False, False, None, "Patron is blocked"
                if loan is not None:
                    return False, False, None, "Item checked out to another patron"
                if item.reference:
                    return False, False, None, "Item not for loan"
                if item.hold_for and item.hold_for != patron_id:
                    return False, False, None, "Item is on hold for another patron"
                if sum(1 for x in self.loans.values() if x.patron == patron_id) >= patron.limit:
                    return False, False, None, "Patron has too many items checked out"
            due = TODAY + dt.timedelta(days=self.loan_days)
            if no_block and nb_due.strip(" 0"):
                due = dt.datetime.strptime(nb_due[:8], "%Y%m%d").date()
            self.loans[item_id] = Loan(patron_id, due)
            if item.hold_for == patron_id:
                item.hold_for = None
            return True, False, due, "Checked out"

    def _renew(self, patron_id: str, item_id: str, loan: Loan | None, checkout: bool = False):
        if loan is None or loan.patron != patron_id:
            return False, False, None, "Item not checked out to this patron"
        if self.items[item_id].hold_for:
            return False, False, None, "Item is on hold for another patron"
        if loan.renewals >= self.renewal_limit:
            return False, False, None, "Renewal limit reached"
        loan.renewals += 1
        loan.due = max(loan.due, TODAY) + dt.timedelta(days=self.loan_days)
        return True, True, loan.due, "Renewed"

    def renew(self, patron_id: str, item_id: str, no_block: bool):
        """(ok, renewed, due date, screen message)."""
        with self.lock:
            self.transactions.append({"kind": "renew", "patron": patron_id, "item": item_id, "no_block": no_block})
            return self._renew(patron_id, item_id, self.loans.get(item_id))

    def checkin(self, item_id: str, no_block: bool, when: str, returned: str):
        """(ok, alert, sort bin, screen message, borrower)."""
        with self.lock:
            self.transactions.append({"kind": "checkin", "item": item_id, "no_block": no_block, "date": when,
                                      "return_date": returned})
            item = self.items.get(item_id)
            if item is None:
                return False, True, None, "Item not found", None
            loan = self.loans.pop(item_id, None)
            if loan is None:
                return False, False, None, "Item not checked out", None
            if item.hold_for:
                return True, True, None, f"Hold for patron {item.hold_for}; put on the hold shelf", loan.patron
            if item.branch != self.branch:
                return True, True, None, f"Send to {item.branch}: in transit", loan.patron
            return True, False, item.sort_bin, "Checked in", loan.patron
