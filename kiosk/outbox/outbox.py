"""The outbox: where the session hands a checkout, return or renewal, and gets a decision to show at once.

Write-ahead, one way: the event is committed in the journal before anything is sent or shown, and
only the sender sends. Two paths:

- **Live**: the backend is answering and nothing older is waiting. The event is journaled as an
  online event, the sender is woken, and the screen waits for the answer at most
  ``answer_wait_seconds`` (not an HTTP timeout: a frozen server costs the first scan that long,
  and the monitor turns offline so the next scans decide at once). If no answer came in time the
  offline policy decides as for a queued event; the decision is kept with the delivery and the
  event is forwarded as offline from then on (it may have reached the server already: the server
  answers an event id it has with its stored outcome, whatever the offline flag of the re-send).
- **Queued**: the backend is away, or older events are still waiting (sending this one ahead of
  them could undo a return). The offline policy decides at once; a "no" is shown and nothing is
  journaled; a "yes" is journaled with ``offline = true``, the decision and the due date shown,
  and queued behind the others.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from protocol.identifiers import mask_barcode
from protocol.wire import CheckoutRequest, CirculationEvent, CirculationOutcome, Patron

from kiosk.hub import SETTLED, UNANSWERED, Hub
from kiosk.outbox.journal import Entry, Journal
from kiosk.outbox.monitor import BackendMonitor
from kiosk.outbox.policy import OfflinePolicy
from kiosk.outbox.sender import Sender

log = logging.getLogger("kiosk.outbox")


@dataclass(frozen=True)
class Submitted:
    """What became of one request, for the screen.

    ``state``: ``acked`` / ``refused`` (the backend decided in time), ``parked`` (the backend refused
    the request itself; staff will see it), ``offline`` (the kiosk decided; queued), ``unanswered``
    (queued, nothing decided yet), ``declined`` (the offline policy said no; nothing journaled).
    """

    state: str
    outcome: CirculationOutcome | None = None
    event: CirculationEvent | None = None

    @property
    def decided(self) -> bool:
        """True when the backend's answer is committed in the journal."""
        return self.state in ("acked", "refused")


def submitted_from(entry: Entry) -> Submitted:
    """The screen's view of a journal entry."""
    if entry.state == "delivered":
        return Submitted("acked" if entry.outcome.ok else "refused", entry.outcome, entry.event)
    if entry.state == "parked":
        return Submitted("parked", None, entry.event)
    if entry.decision is not None:
        return Submitted("offline", entry.decision, entry.event)
    return Submitted("unanswered", None, entry.event)


class _Waiter:
    def __init__(self):
        self.done = threading.Event()


class Outbox:
    """Journals requests, decides or waits briefly for the backend, and wakes the one sender."""

    def __init__(self, journal: Journal, sender: Sender, monitor: BackendMonitor, policy: OfflinePolicy, hub: Hub,
                 *, answer_wait_seconds: float = 1.5):
        self.journal, self.sender, self.monitor, self.policy, self.hub = journal, sender, monitor, policy, hub
        self.answer_wait_seconds = answer_wait_seconds
        self._waiters: dict[str, _Waiter] = {}
        self._lock = threading.Lock()
        hub.subscribe(SETTLED, lambda entry: self._release([entry.event_id]))
        hub.subscribe(UNANSWERED, self._release)

    def submit(self, request, *, patron: Patron | None = None, lang: str = "en") -> Submitted:
        """Do one checkout, return or renewal for the screen; returns at once or after the short answer wait."""
        if self.monitor.online and self.journal.counts()["pending"] == 0:
            return self._live(request, patron, lang)
        decision = self.policy.decide(request, patron, lang)
        if not decision.ok:
            log.info("%s of %s declined offline: %s", request.TYPE, request.item_barcode, decision.refusal.code)
            return Submitted("declined", decision)
        if isinstance(request, CheckoutRequest) and decision.loan is not None:
            request = replace(request, due_date=decision.loan.due_date)  # the date on the receipt travels along
        event = self.journal.record(request, offline=True, decision=decision)
        self._log(event, "queued offline")
        self.hub.changed("journal")
        self._kick()
        return Submitted("offline", self.journal.get(event.event_id).decision, event)

    def _live(self, request, patron: Patron | None, lang: str) -> Submitted:
        event = self.journal.record(request)
        self.hub.changed("journal")
        waiter = _Waiter()
        with self._lock:
            self._waiters[event.event_id] = waiter
        try:
            if self.sender.running:
                self.sender.wake()
                waiter.done.wait(self.answer_wait_seconds)
            else:
                self.sender.run_pass()  # no sender thread (tests, tools): the pass runs here
        finally:
            with self._lock:
                self._waiters.pop(event.event_id, None)
        entry = self.journal.get(event.event_id)
        if entry.state != "pending":
            self._log(event, entry.state)
            return submitted_from(entry)
        if not waiter.done.is_set():
            # The backend took too long: say so to the monitor now, so the next scans do not wait.
            self.monitor.failed(f"no answer within {self.answer_wait_seconds:g} s")
        # As for any transaction the library system cannot answer now, the offline policy decides. The
        # decision is kept with the delivery, and the event is forwarded as offline from now on, so the
        # server applies it as of when it happened (a return right after it must not come first).
        decision = self.policy.decide(request, patron, lang)
        if decision.ok and self.journal.decide_late(event.event_id, replace(decision, event_id=event.event_id)):
            self._log(event, "unanswered, decided offline")
            return submitted_from(self.journal.get(event.event_id))
        entry = self.journal.get(event.event_id)
        if entry.state != "pending":  # answered just now, after all
            return submitted_from(entry)
        self._log(event, "unanswered")
        return Submitted("unanswered", None, event)

    def _kick(self) -> None:
        # While the backend is away the sender keeps to its backoff: waking it for every scan would only
        # repeat a failing send and compete with the scans for the journal.
        if not self.monitor.online:
            return
        if self.sender.running:
            self.sender.wake()
        else:
            self.sender.run_pass()  # tests and tools: deliver what waits while the backend answers

    def _release(self, event_ids) -> None:
        with self._lock:
            waiters = [self._waiters.get(event_id) for event_id in event_ids]
        for waiter in waiters:
            if waiter is not None:
                waiter.done.set()

    @staticmethod
    def _log(event: CirculationEvent, what: str) -> None:
        patron = getattr(event.request, "patron_barcode", None)
        log.info("%s seq=%d event=%s item=%s patron=%s -> %s", event.type, event.sequence, event.event_id,
                 event.request.item_barcode, mask_barcode(patron) if patron else "-", what)
