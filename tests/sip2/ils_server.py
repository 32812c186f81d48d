"""The pysip2 server of the test library system: handlers that read and change a :class:`tests.sip2.ils.Library`.

pysip2 (its AnyIO server, models and codec) does the SIP2; the handlers only consult the library's
rules. :class:`IlsServer` runs it on a loopback port in a thread with its own event loop.
"""
from __future__ import annotations

import asyncio
import threading

from pysip2 import (
    CHECKIN, CHECKOUT, END_PATRON_SESSION, ITEM_INFORMATION, LOGIN, PATRON_INFORMATION, PATRON_STATUS, RENEW,
    RENEW_ALL, SC_STATUS, CheckinResponse, CheckoutResponse, EndSessionResponse, ItemInformationResponse,
    LoginResponse, PatronInformationResponse, PatronStatusResponse, RenewAllResponse, RenewResponse, SIP2Server,
    calculate_checksum, verify_checksum,
)

from tests.sip2.ils import TODAY, IlsPatron, Library, now18


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
        """93: the library's own login table."""
        return LoginResponse(ok="1" if library.logins.get(req.login_user_id) == req.login_password else "0")

    @server.route(SC_STATUS)
    def sc_status(req, ctx):
        """99: pysip2's status, with the library's offline flag of the moment."""
        ctx.server.offline_ok = library.offline_ok
        return ctx.server.build_acs_status(req)

    def password_flag(patron: IlsPatron | None, given: str | None) -> str | None:
        """CQ: Y for the right PIN (or a patron with none), N for a wrong one, absent when none was sent."""
        if patron is None or given is None:
            return None
        if patron.pin is None:
            return "Y"
        return "Y" if given == patron.pin else "N"

    @server.route(PATRON_STATUS)
    def patron_status(req, ctx):
        """23: who the card is."""
        p = library.patrons.get(req.patron_identifier)
        return PatronStatusResponse(
            patron_status=_status(p), language=p.language if p else "000", transaction_date=now18(),
            institution_id=req.institution_id, patron_identifier=req.patron_identifier, personal_name=_personal(p),
            valid_patron="Y" if p else "N", valid_patron_password=password_flag(p, req.patron_password))

    @server.route(PATRON_INFORMATION)
    def patron_information(req, ctx):
        """63: counts, and the lists the summary asks for."""
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
        """11: lend, by the library's rules."""
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
        """29: renew one loan."""
        ok, _, due, words = library.renew(req.patron_identifier, req.item_identifier or "", req.no_block == "Y")
        item = library.items.get(req.item_identifier or "")
        return RenewResponse(
            ok="1" if ok else "0", renewal_ok="Y" if ok else "N", magnetic_media="N", desensitize="N",
            transaction_date=now18(), institution_id=req.institution_id, patron_identifier=req.patron_identifier,
            item_identifier=req.item_identifier or "", title_identifier=item.title if item else "",
            due_date=library.due_text(due) if due else "", screen_message=(words,))

    @server.route(RENEW_ALL)
    def renew_all(req, ctx):
        """65: renew each loan, listing the refused."""
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
        """09: take back, with the alert, sort bin and words for hold and transit."""
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
        """17: status, title and due date (status 01 and no title for an unknown barcode)."""
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
        """35: always acknowledged."""
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
            """Serve until told to stop."""
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
