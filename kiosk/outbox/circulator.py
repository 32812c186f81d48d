"""Write-ahead circulation: commit the event as pending, send it, commit the answer, then tell.

Both the patron session (live scans) and the sync worker (re-sends) go through
:class:`Circulator`, so there is one place where the journal and the backend meet. When the
backend does not answer, an :class:`OfflinePolicy` decides what the student is told; the policy
shipped now decides nothing on its own (the row stays pending and the screen says so).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from kiosk.backends.base import Backend, BackendError, BackendRejected, BackendUnavailable, CirculationResult
from kiosk.hub import SETTLED, Hub
from kiosk.outbox.journal import Journal, JournalEvent
from kiosk.backends.central_numbering import CONFLICT, Numbering
from protocol.identifiers import mask_barcode

log = logging.getLogger("kiosk.circulation")


@dataclass(frozen=True)
class Outcome:
    """What became of one circulation event.

    ``state`` is ``acked`` or ``refused`` (the backend decided; committed), ``unanswered`` (no
    answer: still pending, will be re-sent) or ``rejected`` (the server refused the request
    itself, e.g. a wrong token: still pending, staff must look).
    """

    state: str
    event: JournalEvent
    result: CirculationResult | None = None
    error: str = ""

    @property
    def decided(self) -> bool:
        """True when the backend's answer is committed in the journal."""
        return self.state in ("acked", "refused")


class OfflinePolicy(Protocol):
    """Decides, when the backend does not answer, whether the kiosk may decide on its own."""

    def decide(self, event: JournalEvent, error: BackendError) -> CirculationResult | None:
        """A local decision to show the student, or None to say it was not done yet."""


class NoOfflineDecisions:
    """The policy until offline circulation lands: never decide locally; the row stays pending."""

    def decide(self, event: JournalEvent, error: BackendError) -> CirculationResult | None:
        """Always None: the student is told the library computer did not answer."""
        return None


class Circulator:
    """Records, sends and settles circulation events; safe to call from several threads."""

    def __init__(self, journal: Journal, backend: Backend, policy: OfflinePolicy | None = None, *,
                 hub: Hub | None = None, device_statuses: Callable[[], dict[str, str]] = dict):
        self.journal = journal
        self.backend = backend
        self.policy = policy or NoOfflineDecisions()
        self.hub = hub or Hub()
        self._notify = lambda: self.hub.changed("journal")
        # the heartbeat that asks for the server's last sequence also reports the devices
        self.numbering = Numbering(journal, backend, device_statuses)
        self._locks: dict[str, list] = {}  # event_id -> [lock, holders]
        self._locks_guard = threading.Lock()

    def perform(self, type_: str, *, item_barcode: str, patron_barcode: str | None = None,
                lang: str = "en") -> Outcome:
        """Do one checkout, checkin or renew for the screen, write-ahead."""
        payload = {"item_barcode": item_barcode}
        if type_ != "checkin":
            payload["patron_barcode"] = patron_barcode
        # A retry of something the backend never answered re-uses its event_id, so the server
        # sees one event however many times the student scans the book.
        event = self.journal.find_pending(type_, payload) or self.numbering.record(type_, payload)
        self._notify()
        with self._claim(event.event_id, wait=True):
            return self._send(event.event_id, lang)

    def resend(self, event: JournalEvent, lang: str = "en") -> Outcome | None:
        """Re-send a pending event with its own event_id; None if another thread is sending it now."""
        with self._claim(event.event_id, wait=False) as claimed:
            if not claimed:
                return None
            return self._send(event.event_id, lang)

    @contextmanager
    def _claim(self, event_id: str, wait: bool) -> Iterator[bool]:
        # One lock per event in flight, reference-counted so it is dropped when nobody holds it.
        with self._locks_guard:
            entry = self._locks.setdefault(event_id, [threading.Lock(), 0])
            entry[1] += 1
        claimed = entry[0].acquire(blocking=wait)
        try:
            yield claimed
        finally:
            if claimed:
                entry[0].release()
            with self._locks_guard:
                entry[1] -= 1
                if entry[1] == 0:
                    self._locks.pop(event_id, None)

    def _send(self, event_id: str, lang: str) -> Outcome:
        outcome = self._send_once(event_id, lang)
        if isinstance(outcome, Outcome):
            return outcome
        event, exc = outcome
        # A replaced journal may clash with numbers the server already has: renumbered (when that is
        # allowed), the event goes again at once with its new sequence and its own event_id.
        if exc.code == CONFLICT and self.numbering.repair(event.event_id, event.sequence):
            outcome = self._send_once(event_id, lang)
            if isinstance(outcome, Outcome):
                return outcome
            event, exc = outcome
        return self._failed(event, "rejected", exc, f"{exc.code}: {exc.message}")

    def _send_once(self, event_id: str, lang: str) -> Outcome | tuple[JournalEvent, BackendRejected]:
        # The gate is shared by every send; a renumbering waits until no event is on the wire.
        with self.numbering.gate.sending():
            event = self.journal.get(event_id)
            if event.state != "pending":  # settled by another thread while we waited for the claim
                return Outcome(event.state, event, CirculationResult.from_json(event.result))
            send = {"checkout": self.backend.checkout, "checkin": self.backend.checkin,
                    "renew": self.backend.renew}[event.type]
            unanswered: BackendUnavailable | None = None
            try:
                result = send(event.wire(), lang)
            except BackendUnavailable as exc:
                unanswered = exc
            except BackendRejected as exc:
                return event, exc
            else:
                outcome = self._commit(event, result)
        if unanswered is None:
            # Told outside the gate: a display must never hold up a renumbering. The hub isolates
            # its subscribers (the screen's "not yet" line, a pad's security bit).
            self.hub.publish(SETTLED, outcome)
            return outcome
        return self._failed(event, "unanswered", unanswered, unanswered.detail or str(unanswered))

    def _commit(self, event: JournalEvent, result: CirculationResult) -> Outcome:
        state = "acked" if result.ok else "refused"
        self.journal.settle(event.event_id, state, result.raw)
        self._notify()
        log.info("%s seq=%d event=%s item=%s patron=%s -> %s%s%s", event.type, event.sequence, event.event_id,
                 event.payload["item_barcode"], _masked(event.payload.get("patron_barcode")), state,
                 f" ({result.refusal.code})" if result.refusal else "", " replayed" if result.replayed else "")
        return Outcome(state, self.journal.get(event.event_id), result)

    def _failed(self, event: JournalEvent, state: str, exc: BackendError, detail: str) -> Outcome:
        self.journal.note_failure(event.event_id, detail)
        self._notify()
        log.warning("%s seq=%d event=%s item=%s -> %s: %s", event.type, event.sequence, event.event_id,
                    event.payload["item_barcode"], state, detail)
        decision = self.policy.decide(event, exc)
        if decision is not None:  # an offline policy decided locally; the row is still pending
            return Outcome("offline", self.journal.get(event.event_id), decision, detail)
        return Outcome(state, self.journal.get(event.event_id), None, detail)


def _masked(barcode: str | None) -> str:
    return mask_barcode(barcode) if barcode else "-"
