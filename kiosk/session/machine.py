"""The patron session state machine: one student at a time, server-side, thread-safe.

States: ``idle`` -> (``pin_entry``) -> ``active`` (mode checkout | checkin | renew) -> ``ending`` -> ``idle``.

Decisions worth knowing:
- Returns need no card: in ``idle`` the "Return books" button sets mode checkin, and the first
  book scanned starts an anonymous return session (as commercial self-checks do).
- A DIFFERENT patron's card while a session is active ends that session (no receipt) and starts
  the new one: the first student has walked away, and their loans are already committed.
  The SAME patron's card again just says "you are already signed in".
- A book already checked out (renewed, returned) in this session is not sent again when scanned
  twice: scanners double-read, and the server would treat a second checkout as a renewal. The
  same code read again within ``DUPLICATE_SECONDS`` is the same read, whatever its outcome was
  (a refused book read twice is one line and one event).
- Another card within ``CARD_SWITCH_SECONDS`` of a sign-in, before any book, is two children at
  once: the first keeps the screen and the second is asked to wait.
- The language a child chose stays until their session ends (Back, Cancel and their own sign-in
  keep it); the patron record's language is used only when nobody chose one.
- A blocked or expired patron signs in to return books and see their account: the screen starts
  in Return and never asks them to scan a book to borrow.
- Notices go after ``NOTICE_SECONDS`` (or a touch, or the next action).
- The printed "I'm done" barcodes end the visit (with or without a receipt), so the scanner alone
  is enough; "Out of order" (staff) ignores every read until "Back in service".
- After ``idle_timeout_seconds`` without a touch the session ends and everything about the
  student is forgotten (the journal keeps barcodes, never names).
- A scan never waits for the network longer than ``[offline] answer_wait_seconds``: sign-ins and
  titles are asked with that deadline (kiosk.session.lookups) and fall back to the offline policy's
  caches; checkouts, returns and renewals go through the outbox, which decides at once when the
  library system is away or older events are still waiting.
- A book's printed cover barcode (ISBN/EAN) gets "please scan the library sticker" and is never
  journaled (kiosk.session.classify).

Device threads and HTTP handlers call in. One action runs at a time (``_action``); the screen's
view is read under a short lock, so a slow backend call never blocks /api/state.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace

from drivers.events import CardTap, Scan
from kiosk.backends.port import Backend, BackendAuthRefused, BackendError, BackendRejected, BackendUnavailable
from kiosk.config import KioskSection
from kiosk.hub import INPUT, SETTLED, Hub
from kiosk.outbox.outbox import Outbox
from kiosk.outbox.policy import OfflinePolicy
from kiosk.session.classify import Classifier
from kiosk.session.data import MODES, Line, ScanOutcome, SessionData, line_for
from kiosk.session.lookups import Lookups, LookupTimeout
from kiosk.session.receipts import ReceiptDesk
from kiosk.session.store import SessionStore
from protocol.identifiers import mask_barcode
from protocol.wire import CheckinRequest, CheckoutRequest, IdentifyOutcome, IdentifyRequest, Patron, RenewRequest

log = logging.getLogger("kiosk.session")

ENDING_SECONDS = 8  # how long "Goodbye" stays up before the idle screen
MAX_PIN_TRIES = 3
DUPLICATE_SECONDS = 3.0  # the same code again within this is a double read, not a second scan
CARD_SWITCH_SECONDS = 3.0  # another card this soon after a sign-in: two children tapping at once
NOTICE_SECONDS = {"info": 6.0, "error": 10.0}  # how long a notice stays without a touch
DOUBLE_TAP_SECONDS = 1.0  # a second Done this soon after the first is the same tap


class Session(SessionStore):
    """The kiosk's patron session."""

    def __init__(self, *, backend: Backend, outbox: Outbox, policy: OfflinePolicy, classifier: Classifier,
                 settings: KioskSection, clock, receipts: ReceiptDesk, lookups: Lookups, hub: Hub | None = None,
                 monitor=None, titles=None, service=None):
        hub = hub or Hub()
        super().__init__(SessionData(lang=settings.languages[0]), clock, lambda: hub.changed("session"), monitor)
        self.backend, self.outbox, self.policy, self.classifier = backend, outbox, policy, classifier
        self.settings, self.receipts, self.lookups = settings, receipts, lookups
        self.titles = titles  # item barcode -> cached title, or None (the offline item cache)
        self.service = service  # kiosk.session.service.ScreenSettings: out of order, sounds (None: in service)
        self._action = threading.RLock()
        self.ending_since = 0.0
        hub.subscribe(INPUT, self._input)
        hub.subscribe(SETTLED, self.settled)

    def _input(self, event) -> None:
        """A read from a device, delivered by the hub (TagsChanged goes to the item pads instead)."""
        if isinstance(event, Scan):
            if event.problem:
                # Half a barcode is never a code: the student sees why it did not work (English is the
                # drivers' language; other screens show their own "could not read" sentence).
                self.notify("driver_problem", problem=event.problem, fallback="scan.unreadable")
            else:
                self.scan(event.code, source=event.source)
        elif isinstance(event, CardTap):
            if event.problem:
                self.notify("driver_problem", problem=event.problem, fallback="card.unreadable")
            else:
                self.card_tap(event.uid, source=event.source)

    # ----- events -------------------------------------------------------------------------
    def scan(self, code: str, source: str = "screen", allow_patron: bool = True) -> ScanOutcome:
        """A barcode from a scanner, the item pad or the screen: a patron card or a book.

        Numbers typed on the screen pass ``allow_patron=False``: a typed card number must go
        through :meth:`identify_typed`, which asks for the PIN.
        """
        with self._action:
            self._activity()
            if not self._in_service(source):
                return ScanOutcome()
            read = self.classifier.code(code)
            if read.kind == "command":
                self._command(read.code)
                return ScanOutcome()
            if read.kind == "bad":
                log.info("unreadable scan from %s: %s", source, read.problem)  # masked to 4 characters
                self._set(notice=("identifier_problem", {"error": read.problem}, "error"))
                return ScanOutcome()
            if read.kind == "cover":
                log.info("cover barcode (%s) scanned from %s: asked for the library sticker", read.scheme, source)
                self._set(notice=("scan.cover_barcode", {}, "info"))
                return ScanOutcome()
            if read.kind == "other":  # the library's own numbering: a card when nobody is signed in, else a book
                read = replace(read, kind="patron" if self._waits_for_card() else "item")
            if read.kind == "patron" and not allow_patron:
                self._set(notice=("scan.typed_card", {}, "info"))
                return ScanOutcome()
            if read.kind == "patron":
                self._identify(barcode=read.code, method="scan")
                return ScanOutcome()
            return self._item(read.code)

    def card_tap(self, uid: str, source: str = "card_reader") -> None:
        """A patron card tapped on the reader."""
        with self._action:
            self._activity()
            if not self._in_service(source):
                return
            read = self.classifier.card(uid)
            if read.kind == "bad":
                log.info("unreadable card from %s: %s", source, read.problem)
                self._set(notice=("card.unreadable", {}, "error"))
                return
            self._identify(card_uid=read.code, method="tap")

    def identify_typed(self, number: str | None, pin: str | None = None) -> None:
        """The number typed on the keypad (and the PIN when the patron has one)."""
        with self._action:
            self._activity()
            if not self._in_service("keypad"):
                return
            number = (number or "").strip() or (self.d.pending_id if self.d.state == "pin_entry" else "")
            if not number:
                self._set(notice=("keypad.empty", {}, "error"))
                return
            read = self.classifier.code(number)
            if read.kind not in ("patron", "other"):  # a typed number is a card number
                self._set(notice=("keypad.not_a_card", {}, "error"))
                return
            self._identify(barcode=read.code, pin=pin or None, method="typed")

    def set_mode(self, mode: str) -> None:
        """Switch between Check out, Return and Renew."""
        if mode not in MODES:
            raise ValueError(mode)
        with self._action:
            self._activity()
            if self.d.state == "ending":
                self._reset_to_idle(keep_receipt=True)
            d = self.d
            if d.state == "active" and d.patron is None and mode != "checkin":
                self._set(notice=("scan.card_first", {}, "info"))
            elif d.patron is not None and not d.patron.can_checkout and mode != "checkin":
                self._set(notice=("refusal", {"code": d.patron.refusal or "patron_blocked"}, "error"))
            else:
                self._set(mode=mode, notice=None, reads={})  # a deliberate switch: the next read is a new scan

    def set_language(self, lang: str) -> None:
        """Switch the screen (and receipt) language."""
        if lang not in self.settings.languages:
            raise ValueError(lang)
        with self._action:
            self._activity()
            self._set(lang=lang, lang_chosen=True)

    def touch(self) -> None:
        """Someone touched the screen ("I'm still here")."""
        with self._action:
            self._activity()
            self._set()

    def finish(self, receipt: bool | None = None, leave: bool = False) -> None:
        """Done: print a receipt if asked (None = the [kiosk] receipt policy), say goodbye.

        ``leave`` is the goodbye screen's own button (on to the next student); without it, a Done
        tapped twice within DOUBLE_TAP_SECONDS leaves the goodbye screen up.
        """
        with self._action:
            self._activity()
            d = self.d
            if d.state == "ending" and not leave and self.clock.monotonic() - self.ending_since < DOUBLE_TAP_SECONDS:
                return  # Done tapped twice: the goodbye screen stays
            if d.state == "ending":  # on to the next student: the screen is in the kiosk's first language again
                self._reset_to_idle(keep_receipt=True)
                return
            if d.state != "active":  # cancel the keypad, PIN entry or return mode: the same child, same language
                self._reset_to_idle(keep_receipt=True, keep_language=True)
                return
            if receipt is None:
                receipt = self.settings.receipt == "always"
            if self.settings.receipt == "never":
                receipt = False
            self._end(print_receipt=receipt)

    def reprint(self) -> None:
        """Print the session's receipt again (after a printer problem)."""
        with self._action:
            self._activity()
            if not self.receipts.has_current():
                self._set(notice=("receipt.nothing", {}, "info"))
                return
            self._print()

    def note_activity(self) -> None:
        """Someone is using the screen (a search) without changing the session: the idle timeout waits."""
        self._activity()

    def dismiss_notice(self) -> None:
        """The child touched the notice: it goes now."""
        with self._action:
            self._activity()
            if self.d.notice is not None:
                self._set(notice=None)

    def reset(self, reason: str = "staff") -> None:
        """End any session now and forget it (staff action or shutdown)."""
        with self._action:
            log.info("session reset: %s", reason)
            self._reset_to_idle(keep_receipt=False)

    def tick(self) -> None:
        """Called every second: warnings, idle timeout, the end of the goodbye screen."""
        if not self._action.acquire(blocking=False):
            return  # an action is running; that is activity, check again next second
        try:
            d, now = self.d, self.clock.monotonic()
            if d.notice is not None and now - d.notice_at >= NOTICE_SECONDS.get(d.notice[2], 8.0):
                self._set(notice=None)  # read by now, or nobody is there: it must not stay over the screen
            quiet = now - self.last_activity
            timeout = self.settings.idle_timeout_seconds
            if d.state == "ending":
                hold = timeout if self.receipts.status == "error" else ENDING_SECONDS
                if now - self.ending_since >= hold:
                    self._reset_to_idle(keep_receipt=True)
            elif d.state in ("active", "pin_entry") or d.mode != "checkout" or d.notice:
                if quiet >= timeout:
                    log.info("session timed out after %d s", int(quiet))
                    if d.state == "active" and self.settings.receipt == "always":
                        self._end(print_receipt=True)
                    # The student has walked away: their receipt's text goes too, not a tick later.
                    self._reset_to_idle(keep_receipt=False)
                elif d.state == "active" and self.settings.warning_seconds and not d.warning \
                        and quiet >= timeout - self.settings.warning_seconds:
                    self._set(warning=True)
            elif self.receipts.last_text and quiet >= timeout:
                self.receipts.forget()  # the dev panel's copy goes too, after a quiet spell
                self._set()
        finally:
            self._action.release()

    def current_patron(self) -> tuple[str, str] | None:
        """(barcode, language) of the signed-in patron for 'My account', counted as activity."""
        with self._action:
            if self.d.patron is None:
                return None
            self._activity()
            return self.d.patron.barcode, self.d.lang

    def backend_trouble(self, exc) -> None:
        """The backend failed a call made for the screen (e.g. 'My account'): say so, note it."""
        with self._action:
            self._backend_trouble(exc)

    def notify(self, key: str, level: str = "error", **values) -> None:
        """Show a sentence (a translation key, filled with ``values``) on the screen, e.g. an unreadable RFID tag."""
        with self._action:
            self._activity()
            self._set(notice=(key, values, level))

    # ----- internals ----------------------------------------------------------------------
    def _identify(self, *, barcode=None, card_uid=None, pin=None, method="scan") -> None:
        d = self.d
        if method != "typed" and self._double_read(barcode or card_uid):
            return  # the reader saw the same card twice: one sign-in
        if d.state == "active" and d.patron and barcode == d.patron.barcode:
            self._set(notice=("identify.already", {}, "info"))
            return
        self._set(busy=True)
        request = IdentifyRequest(barcode=barcode, card_uid=card_uid, pin=pin, method=method)
        try:
            result = self._ask_identify(request, d.lang)
        except BackendRejected as exc:
            self._set(busy=False)
            self._backend_trouble(exc)
            return
        who = mask_barcode(barcode) if barcode else mask_barcode(card_uid)
        if result.ok:
            log.info("patron identified by %s%s: %s", method, " (offline)" if result.offline else "", who)
            if d.state == "active" and d.patron and result.patron.barcode == d.patron.barcode:
                self._set(busy=False, notice=("identify.already", {}, "info"))  # their card tapped again
                return
            if d.state == "active" and d.patron and not d.lines \
                    and self.clock.monotonic() - d.started_at < CARD_SWITCH_SECONDS:
                log.info("a second card right after a sign-in: the first patron keeps the screen")
                self._set(busy=False, notice=("card.one_at_a_time", {}, "info"))
                return
            if d.state == "active":
                self._reset_to_idle(keep_receipt=False)  # another student: the first one has gone
            self._start(result.patron, offline=result.offline)
            return
        code = result.refusal.code if result.refusal else "patron_unknown"
        log.info("identify refused (%s) by %s: %s", code, method, who)
        if code == "pin_required" and barcode:
            # The keypad's title asks for the PIN; no extra notice on top of it.
            self._set(busy=False, state="pin_entry", pending_id=barcode, pin_tries=0, notice=None)
        elif code == "pin_incorrect" and barcode and d.pin_tries + 1 < MAX_PIN_TRIES:
            self._set(busy=False, state="pin_entry", pending_id=barcode, pin_tries=d.pin_tries + 1,
                      notice=("refusal", {"code": code}, "error"))
        elif code == "pin_incorrect":
            self._reset_to_idle(keep_receipt=True)
            self._set(notice=("pin.too_many", {}, "error"))
        else:
            if d.state == "pin_entry":
                self._set(state="idle", pending_id=None)
            self._set(busy=False, notice=("refusal", {"code": code}, "error"))

    def _ask_identify(self, request: IdentifyRequest, lang: str) -> IdentifyOutcome:
        """The backend's answer within the lookup deadline, else the offline policy's from the caches."""
        if self.reachability is None or self.reachability.online:
            try:
                result = self.lookups.ask(lambda: self.backend.identify(request, lang))
            except (BackendUnavailable, BackendAuthRefused, LookupTimeout) as exc:
                if self.reachability is not None:
                    self.reachability.failed(exc)
            else:
                self._reachable()
                return result
        return self.policy.identify(request, lang)

    def _start(self, patron: Patron, offline: bool = False) -> None:
        d = self.d
        lang = d.lang if d.lang_chosen or patron.language not in self.settings.languages else patron.language
        notice = ("identify.offline", {}, "info") if offline else None
        if not patron.can_checkout:
            notice = ("refusal", {"code": patron.refusal or "patron_blocked"}, "error")
        self.receipts.forget()
        self._replace(SessionData(state="active", mode="checkout" if patron.can_checkout else "checkin", lang=lang,
                                  lang_chosen=d.lang_chosen, patron=patron, notice=notice, reads=dict(d.reads),
                                  started_at=self.clock.monotonic(), reference=uuid.uuid4().hex[:10].upper()))

    def _waits_for_card(self) -> bool:
        """True when a scan now would sign someone in: nobody signed in, and not returning books."""
        d = self.d
        if d.state == "ending":
            return True  # the goodbye screen: the next scan is the next child's
        return d.state in ("idle", "active") and d.patron is None and d.mode != "checkin"

    def _item(self, barcode: str) -> ScanOutcome:
        if self.d.state == "ending":
            self._reset_to_idle(keep_receipt=True)
        if self.d.state == "pin_entry":
            self._set(notice=("pin.first", {}, "info"))
            return ScanOutcome()
        if self.d.state == "idle":
            if self.d.mode != "checkin":
                self._set(notice=("scan.card_first", {}, "info"))
                return ScanOutcome()
            self.receipts.forget()  # the first returned book starts an anonymous return session
            self._replace(SessionData(state="active", mode="checkin", lang=self.d.lang, lang_chosen=self.d.lang_chosen,
                                      reference=uuid.uuid4().hex[:10].upper()))
        d = self.d
        mode = d.mode
        if self._double_read(barcode):
            return self._listed_outcome(barcode, mode)  # the same read twice: one line, one event, no notice
        listed = next((x for x in d.lines if x.item_barcode == barcode and x.type == mode
                       and x.status in ("ok", "pending")), None)
        if listed is not None:
            # A book still waiting for its answer, or scanned again later: never sent twice.
            self._set(notice=("scan.already_listed", {}, "info"))
            return self._listed_outcome(barcode, mode)
        if mode == "checkout" and not d.patron.can_checkout:
            self._add(Line(mode, barcode, "refused", refusal_code=d.patron.refusal or "patron_blocked"))
            return ScanOutcome(mode, False, True)
        self._set(busy=True, notice=None)
        patron = d.patron
        if mode == "checkout":
            request = CheckoutRequest(patron_barcode=patron.barcode, item_barcode=barcode)
        elif mode == "renew":
            request = RenewRequest(patron_barcode=patron.barcode, item_barcode=barcode)
        else:
            request = CheckinRequest(item_barcode=barcode)
        submitted = self.outbox.submit(request, patron=patron, lang=d.lang)
        line = line_for(mode, barcode, submitted, title_of=self._title)
        self._add(line)
        if submitted.event is not None:
            # The sender may have answered before the line was on the list: bring it up to date.
            entry = self.outbox.journal.get(submitted.event.event_id)
            if entry is not None and entry.state != "pending":
                self.settled(entry)
        return ScanOutcome(mode, line.status == "ok", submitted.decided or submitted.state == "offline",
                           submitted.state, submitted.event.event_id if submitted.event else None)

    def _listed_outcome(self, barcode: str, mode: str) -> ScanOutcome:
        """What the book's line on the list says, as a ScanOutcome (for a read that sends nothing)."""
        listed = next((x for x in reversed(self.d.lines) if x.item_barcode == barcode and x.type == mode), None)
        if listed is None:
            return ScanOutcome()
        state = "unanswered" if listed.status == "pending" else \
            "offline" if listed.note == "line.saved_offline" else "acked" if listed.status == "ok" else None
        return ScanOutcome(mode, listed.status == "ok", listed.status in ("ok", "refused"), state, listed.event_id)

    def _double_read(self, code: str | None) -> bool:
        """True when ``code`` was read less than DUPLICATE_SECONDS ago; notes this read either way."""
        if not code:
            return False
        now = self.clock.monotonic()
        with self._view:
            last = self.d.reads.get(code)
            self.d.reads[code] = now
        return last is not None and now - last < DUPLICATE_SECONDS

    def _in_service(self, source: str) -> bool:
        """False while staff have put the kiosk out of order (the read is ignored)."""
        if self.service is not None and self.service.out_of_order:
            log.info("read from %s ignored: the kiosk is out of order", source)
            return False
        return True

    def _command(self, command: str) -> None:
        """An "I'm done" barcode: finish the visit, with a receipt or without."""
        receipt = command == "done_receipt"
        d = self.d
        log.info("command barcode: %s (state %s)", command, d.state)
        if d.state == "active":
            self.finish(receipt)
        elif d.state == "ending":
            if receipt and self.receipts.has_current() and self.receipts.status != "printed" \
                    and self.settings.receipt != "never":
                self._print()
        elif d.state == "pin_entry" or d.mode != "checkout":
            self._reset_to_idle(keep_receipt=True, keep_language=True)
        else:
            self._set(notice=("scan.card_first", {}, "info"))

    def _title(self, barcode: str) -> str:
        cached = self.titles(barcode) if self.titles is not None else None
        if cached or (self.reachability is not None and not self.reachability.online):
            return cached or ""
        try:  # best effort, within the lookup deadline
            item = self.lookups.ask(lambda: self.backend.item(barcode, self.d.lang))
        except (BackendError, LookupTimeout):
            return ""
        return item.title if item else ""

    def _end(self, print_receipt: bool) -> None:
        d = self.d
        self.receipts.prepare(d.patron, [x for x in d.lines if x.status == "ok"], d.lang, d.reference,
                              asked=print_receipt)
        self.ending_since = self.clock.monotonic()
        self._set(state="ending", warning=False, busy=False, notice=None)
        if print_receipt:
            self._print()
        log.info("session ended: %d lines, receipt=%s", len(d.lines), self.receipts.status)

    def _print(self) -> None:
        self._set(busy=True)
        self.receipts.print_current()
        self._set(busy=False)

    def _reset_to_idle(self, keep_receipt: bool, keep_language: bool = False) -> None:
        if not keep_receipt:
            self.receipts.forget()
        self.receipts.drop_current()
        d = self.d
        # A new, empty record: the student is forgotten (their language too, unless they are still here).
        self._replace(SessionData(lang=d.lang if keep_language else self.settings.languages[0],
                                  lang_chosen=d.lang_chosen and keep_language))

    def _backend_trouble(self, exc) -> None:
        if self.reachability is not None and isinstance(exc, (BackendUnavailable, BackendAuthRefused)):
            self.reachability.failed(exc)
        key = "backend.down" if isinstance(exc, BackendUnavailable) else "backend.rejected"
        if isinstance(exc, BackendRejected):
            log.error("backend refused the kiosk: %s %s", exc.code, exc.message)
        self._set(busy=False, notice=(key, {}, "error"))
