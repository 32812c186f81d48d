"""A SIP2 library system we did not write: pysip2's AnyIO server answering from a small in-memory library.

The library has behaviour, not canned answers: loans, holds, renewal limits, fines, blocks and
branches. It behaves like Koha where systems differ (a checkout of an item the patron already has
is a renewal) and can be told to behave like FOLIO (no-block ignored). Every circulation request is
written to ``transactions`` so tests can count what really happened.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass, field

from pysip2 import calculate_checksum, verify_checksum
from pysip2 import (
    CHECKIN, CHECKOUT, END_PATRON_SESSION, ITEM_INFORMATION, LOGIN, PATRON_INFORMATION, PATRON_STATUS, RENEW,
    RENEW_ALL, SC_STATUS, CheckinResponse, CheckoutResponse, EndSessionResponse, ItemInformationResponse,
    LoginResponse, PatronInformationResponse, PatronStatusResponse, RenewAllResponse, RenewResponse, SIP2Server,
)

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


def _personal(p: IlsPatron | None) -> str:
    return p.name if p else ""


def _status(p: IlsPatron | None) -> str:
    if p is None:
        return " " * 14
    flags = [" "] * 14
    if p.blocked or p.expired:
        flags[0] = "Y"
    if p.fines:
        flags[10] = "Y"
    return "".join(flags)


class SpecDatesServer(SIP2Server):
    """pysip2's server, reading the specification's all-blank "nb due date" of an online checkout or renew.

    pysip2 refuses 18 blanks there (its date pattern wants digits), although the specification and every
    self-check send blanks when there is no such date. The frame is handed on with a zero date and blank
    zone, which pysip2 accepts and the library reads as "no date"; its checksum is made again to add up.
    """

    async def _process_frame(self, stream, state, frame: bytes) -> None:
        if frame[:2] in (b"11", b"29") and frame[22:40] == b" " * 18:
            valid = verify_checksum(frame.rstrip(b"\r"))  # a damaged frame must stay damaged
            body = frame[:22] + b"00000000    000000" + frame[40:].rstrip(b"\r")
            if body[-6:-4] == b"AZ" and valid:
                prefix = body[:-4]
                body = prefix + calculate_checksum(prefix).encode("ascii")
            frame = body + b"\r"
        await super()._process_frame(stream, state, frame)


def build_server(library: Library, **options) -> SIP2Server:
    """A pysip2 server whose handlers read and change ``library``."""
    server = SpecDatesServer(institution_id="MAIN", library_name="Test ILS", login_required=True,
                        offline_ok=library.offline_ok, **options)

    @server.route(LOGIN)
    def login(req, ctx):
        return LoginResponse(ok="1" if library.logins.get(req.login_user_id) == req.login_password else "0")

    @server.route(SC_STATUS)
    def sc_status(req, ctx):
        ctx.server.offline_ok = library.offline_ok
        return ctx.server.build_acs_status(req)

    def password_flag(patron: IlsPatron | None, given: str | None) -> str | None:
        if patron is None or given is None:
            return None
        if patron.pin is None:
            return "Y"
        return "Y" if given == patron.pin else "N"

    @server.route(PATRON_STATUS)
    def patron_status(req, ctx):
        p = library.patrons.get(req.patron_identifier)
        return PatronStatusResponse(
            patron_status=_status(p), language=p.language if p else "000", transaction_date=now18(),
            institution_id=req.institution_id, patron_identifier=req.patron_identifier, personal_name=_personal(p),
            valid_patron="Y" if p else "N", valid_patron_password=password_flag(p, req.patron_password))

    @server.route(PATRON_INFORMATION)
    def patron_information(req, ctx):
        p = library.patrons.get(req.patron_identifier)
        with library.lock:
            mine = sorted(b for b, loan in library.loans.items() if p and loan.patron == p.barcode)
            overdue = [b for b in mine if library.loans[b].due < TODAY]
            held = [i.barcode for i in library.items.values() if p and i.hold_for == p.barcode]
        fines = p.fines if p else []
        wants = req.summary
        total = sum(float(amount) for amount, _ in fines)
        messages = ("Patron card expired",) if p and p.expired else ("Patron is blocked",) if p and p.blocked else ()
        return PatronInformationResponse(
            patron_status=_status(p), language=p.language if p else "000", transaction_date=now18(),
            hold_items_count=f"{len(held):04d}", overdue_items_count=f"{len(overdue):04d}",
            charged_items_count=f"{len(mine):04d}", fine_items_count=f"{len(fines):04d}",
            recall_items_count="0000", unavailable_holds_count="0000",
            institution_id=req.institution_id, patron_identifier=req.patron_identifier, personal_name=_personal(p),
            charged_items_limit=f"{p.limit:04d}" if p else None,
            valid_patron="Y" if p else "N", valid_patron_password=password_flag(p, req.patron_password),
            currency_type="USD", fee_amount=f"{total:.2f}" if p else None,
            hold_items=tuple(held) if wants[0] == "Y" else (),
            overdue_items=tuple(overdue) if wants[1] == "Y" else (),
            charged_items=tuple(mine) if wants[2] == "Y" else (),
            fine_items=tuple(f"${amount} {what}" for amount, what in fines) if wants[3] == "Y" else (),
            screen_message=messages)

    @server.route(CHECKOUT)
    def checkout(req, ctx):
        ok, renewed, due, words = library.checkout(req.patron_identifier, req.item_identifier, req.no_block == "Y",
                                                   req.transaction_date, req.nb_due_date)
        item = library.items.get(req.item_identifier)
        return CheckoutResponse(
            ok="1" if ok else "0", renewal_ok="Y" if renewed else "N", magnetic_media="N",
            desensitize="Y" if ok else "N", transaction_date=now18(), institution_id=req.institution_id,
            patron_identifier=req.patron_identifier, item_identifier=req.item_identifier,
            title_identifier=item.title if item else "", due_date=library.due_text(due) if due else "",
            screen_message=(words,))

    @server.route(RENEW)
    def renew(req, ctx):
        ok, _, due, words = library.renew(req.patron_identifier, req.item_identifier or "", req.no_block == "Y")
        item = library.items.get(req.item_identifier or "")
        return RenewResponse(
            ok="1" if ok else "0", renewal_ok="Y" if ok else "N", magnetic_media="N", desensitize="N",
            transaction_date=now18(), institution_id=req.institution_id, patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier or "", title_identifier=item.title if item else "",
            due_date=library.due_text(due) if due else "", screen_message=(words,))

    @server.route(RENEW_ALL)
    def renew_all(req, ctx):
        mine = sorted(b for b, loan in library.loans.items() if loan.patron == req.patron_identifier)
        renewed, refused = [], []
        for barcode in mine:
            ok, *_ = library.renew(req.patron_identifier, barcode, False)
            (renewed if ok else refused).append(barcode)
        return RenewAllResponse(ok="1", renewed_count=f"{len(renewed):04d}", unrenewed_count=f"{len(refused):04d}",
                                transaction_date=now18(), institution_id=req.institution_id,
                                renewed_items=tuple(renewed), unrenewed_items=tuple(refused),
                                screen_message=("Renewal limit reached",) if refused else ())

    @server.route(CHECKIN)
    def checkin(req, ctx):
        ok, alert, sort_bin, words, borrower = library.checkin(req.item_identifier, req.no_block == "Y",
                                                               req.transaction_date, req.return_date)
        item = library.items.get(req.item_identifier)
        return CheckinResponse(
            ok="1" if ok else "0", resensitize="Y" if ok else "N", magnetic_media="N", alert="Y" if alert else "N",
            transaction_date=now18(), institution_id=req.institution_id, item_identifier=req.item_identifier,
            permanent_location=item.branch if item else "", title_identifier=item.title if item else None,
            sort_bin=sort_bin, patron_identifier=borrower, screen_message=(words,))

    @server.route(ITEM_INFORMATION)
    def item_information(req, ctx):
        item = library.items.get(req.item_identifier)
        loan = library.loans.get(req.item_identifier)
        if item is None:
            return ItemInformationResponse(circulation_status="01", security_marker="00", fee_type="01",
                                           transaction_date=now18(), item_identifier=req.item_identifier,
                                           title_identifier="", screen_message=("Item not found",))
        status = "04" if loan else "12" if item.lost else "08" if item.hold_for else "03"
        return ItemInformationResponse(
            circulation_status=status, security_marker="02", fee_type="01", transaction_date=now18(),
            due_date=library.due_text(loan.due) if loan else None, item_identifier=item.barcode,
            title_identifier=item.title, media_type="001", permanent_location=item.branch,
            current_location=item.branch)

    @server.route(END_PATRON_SESSION)
    def end_session(req, ctx):
        return EndSessionResponse(end_session="Y", transaction_date=now18(), institution_id=req.institution_id,
                                  patron_identifier=req.patron_identifier)

    return server


class IlsServer:
    """The pysip2 server on a loopback port, in a thread with its own event loop; ``stop()`` ends it."""

    def __init__(self, library: Library, **options):
        self.library = library
        self.server = build_server(library, **options)
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="pysip2-ils", daemon=True)

    def _run(self) -> None:
        async def main():
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            async with self.server.start("127.0.0.1", self.port) as port:
                self.port = port
                self._ready.set()
                await self._stop.wait()
        asyncio.run(main())

    def start(self, port: int = 0) -> "IlsServer":
        """Start serving (on ``port``, or any free one) and wait until it listens."""
        self.port = port
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the pysip2 test server did not start")
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the pysip2 test server did not stop"
