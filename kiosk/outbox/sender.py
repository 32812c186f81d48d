"""The one sender: delivers the journal's pending events strictly in sequence order, in batches.

Only this class calls ``Backend.deliver``. A pass takes the lowest pending events (up to
``batch_size``), hands them to the backend in order, and commits every answer in one journal
transaction before anyone is told: outcomes become ``delivered``, refusals of the request itself are
``parked`` for staff and never block the events behind them; a transient refusal (a predecessor
not arrived, numbering being repaired) stays pending. Then the next batch, until the queue is
empty or the backend stops answering. Once the backend has answered every event of a batch with
no transient refusal, the next batch is sent while a helper thread commits those answers (a
backlog drains at the backend's pace, not the backend's plus the journal's); the answers are
committed and published in sequence order all the same, and a crash between the two only makes
the backend answer a re-send from what it stored.

The thread sleeps until woken (a new event, the backend back) or until the monitor's backoff has
passed; when the queue is empty it probes the backend every ``heartbeat_seconds`` (the central
backend's probe is its heartbeat). Without the thread (tests, tools) :meth:`Sender.run_pass` is
called by the outbox on the caller's thread; a lock keeps passes one at a time either way.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from kiosk.backends.port import Backend, BackendAuthRefused, BackendError, BackendUnavailable
from kiosk.hub import BACKEND_BACK, SETTLED, UNANSWERED, Hub
from kiosk.outbox.journal import Journal
from kiosk.outbox.monitor import ONLINE, BackendMonitor, backoff_delay

log = logging.getLogger("kiosk.sender")


@dataclass(frozen=True)
class Pass:
    """What one pass did."""

    sent: int = 0
    delivered: int = 0
    parked: int = 0
    failed: bool = False  # the backend stopped answering, or a transient refusal holds the queue
    remaining: int = 0


def _count(entries, delivered: int, parked: int) -> tuple[int, int]:
    return (delivered + sum(e.state == "delivered" for e in entries),
            parked + sum(e.state == "parked" for e in entries))


class Sender:
    """Delivers pending events in order through the backend port; one pass at a time."""

    def __init__(self, journal: Journal, backend: Backend, monitor: BackendMonitor, hub: Hub, *,
                 batch_size: int = 500, heartbeat_seconds: float = 30.0, idle_seconds: float = 5.0,
                 lang: str = "en", rng: random.Random | None = None):
        self.journal, self.backend, self.monitor, self.hub = journal, backend, monitor, hub
        self.batch_size, self.heartbeat_seconds, self.idle_seconds = batch_size, heartbeat_seconds, idle_seconds
        self.lang = lang
        self._rng = rng or random.Random()
        self._pass_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._held = 0  # passes in a row held up by a transient refusal (the backend is answering)
        self.last_probe_ok: bool | None = None
        hub.subscribe(BACKEND_BACK, lambda _: self.wake())  # a backlog drains the moment the backend is back

    @property
    def running(self) -> bool:
        """True while the sender's thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread; its first pass sends whatever a crash or an outage left pending."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it (at most ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Send now instead of waiting out the delay (a new event, the backend back)."""
        self._wake.set()

    def run_pass(self) -> Pass:
        """Deliver pending events oldest first, batch after batch, until none are left or the backend stops."""
        with self._pass_lock:
            return self._pass()

    def _pass(self) -> Pass:
        sent = delivered = parked = 0
        failed = False
        settling: Future | None = None  # the last batch's answers being committed while the next one is sent
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-settle") as settler:
            batch = self.journal.pending(self.batch_size) if not self._stop.is_set() else []
            while batch:
                sent += len(batch)
                try:
                    answers = self.backend.deliver(batch, self.lang)
                except BackendError as exc:
                    if settling is not None:  # the batch before is told first, as in sequence order
                        delivered, parked = _count(settling.result(), delivered, parked)
                        settling = None
                    # NotSupported or a backend bug: the same as no answer.
                    self._unanswered(batch, exc if isinstance(exc, (BackendUnavailable, BackendAuthRefused))
                                     else BackendUnavailable(str(exc)))
                    failed = True
                    break
                self.monitor.succeeded()
                held = any(a.rejection is not None and a.rejection.transient for a in answers)
                complete = len(answers) == len(batch)
                # The backend has applied this whole batch: the next one may go while its answers are
                # committed (read first, so it waits for no journal lock). Held or cut short: nothing goes.
                following = self.journal.pending(self.batch_size, after=batch[-1].sequence) \
                    if complete and not held and not self._stop.is_set() else []
                entries = []
                if settling is not None:
                    delivered, parked = _count(settling.result(), delivered, parked)  # committed in sequence order
                    settling = None
                if following:
                    settling = settler.submit(self._settle, batch, answers)
                else:
                    entries = self._settle(batch, answers)
                    delivered, parked = _count(entries, delivered, parked)
                if not complete:
                    # The system stopped answering part way: the rest stays pending, in order.
                    self._unanswered(batch[len(answers):], BackendUnavailable("stopped answering part way"))
                    failed = True
                    break
                if held:
                    self._held += 1
                    failed = True
                    self.hub.publish(UNANSWERED, [e.event_id for e in batch if e.event_id not in
                                                  {x.event_id for x in entries}])
                    break
                self._held = 0
                batch = following
            if settling is not None:
                delivered, parked = _count(settling.result(), delivered, parked)
        remaining = self.journal.counts()["pending"]
        if sent:
            log.info("sender pass: sent=%d delivered=%d parked=%d failed=%s remaining=%d",
                     sent, delivered, parked, failed, remaining)
        return Pass(sent, delivered, parked, failed, remaining)

    def _settle(self, batch, answers) -> list:
        """Commit one batch's answers and tell everyone; the entries that changed state."""
        entries = self.journal.settle(answers, batch)
        for entry in entries:
            if entry.state == "parked":
                log.warning("event seq=%d %s parked: %s", entry.event.sequence, entry.event.type,
                            entry.rejection_code)
            self.hub.publish(SETTLED, entry)
        self.hub.changed("journal")
        return entries

    def _unanswered(self, batch, exc: BackendError) -> None:
        self.monitor.failed(exc)
        self.journal.note_attempt([batch[0].event_id], getattr(exc, "detail", "") or str(exc))
        self.hub.publish(UNANSWERED, [e.event_id for e in batch])
        self.hub.changed("journal")

    def probe(self) -> bool:
        """Ask the backend whether it is there (the central heartbeat); True if it answered."""
        try:
            self.backend.status()
        except BackendError as exc:
            self.monitor.failed(exc if isinstance(exc, (BackendUnavailable, BackendAuthRefused))
                                else BackendUnavailable(str(exc)))
            self.last_probe_ok = False
            return False
        self.monitor.succeeded()
        self.last_probe_ok = True
        return True

    def _delay(self, result: Pass | None, next_probe: float) -> float:
        if self.monitor.state != ONLINE or (result is not None and result.failed and not self._held):
            return max(0.05, self.monitor.next_delay())
        if self._held:  # answering, but the queue is held: back off without calling the backend down
            return backoff_delay(self._held, self.monitor.base_delay, self.monitor.max_backoff, self._rng)
        return max(0.05, min(self.idle_seconds, next_probe - time.monotonic()))

    def _run(self) -> None:
        next_probe = time.monotonic()
        while not self._stop.is_set():
            result = None
            try:
                if self.journal.counts()["pending"]:
                    result = self.run_pass()  # a delivery is also the best probe
                if (result is None or result.sent == 0) and time.monotonic() >= next_probe:
                    if self.probe():
                        next_probe = time.monotonic() + self.heartbeat_seconds
                    elif self.journal.counts()["pending"] == 0:
                        next_probe = time.monotonic()  # keep probing, paced by the backoff
            except Exception:  # the sender must outlive any single bad pass; logged once per pass
                log.exception("sender pass failed")
                self.monitor.failed(BackendUnavailable("the sender met an unexpected error"))
            self._wake.wait(self._delay(result, next_probe))
            self._wake.clear()
