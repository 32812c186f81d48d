"""The sync worker: re-sends pending journal events in sequence order, and sends heartbeats.

Pending rows are events the backend did not answer (or a crash interrupted). They are re-sent
with the SAME event_id, so the server's idempotency makes each one happen exactly once. Failed
passes back off exponentially with jitter, capped at ``[sync] max_backoff_seconds``.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import __version__
from kiosk.backends.base import BackendError
from kiosk.outbox.circulator import Circulator

log = logging.getLogger("kiosk.sync")


class Reachability:
    """Whether the backend answered lately: shown on /health, the status bar and the staff page."""

    def __init__(self, clock, on_change: Callable[[], None] | None = None):
        self.clock = clock
        self._on_change = on_change or (lambda: None)
        self._lock = threading.Lock()
        self.reachable: bool | None = None  # None until the first call
        self.last_ok_at: str | None = None
        self.last_error: str | None = None

    def ok(self) -> None:
        """The backend answered."""
        with self._lock:
            changed = self.reachable is not True
            self.reachable, self.last_ok_at = True, self.clock.now().isoformat(timespec="seconds")
        if changed:
            self._on_change()

    def failed(self, detail: str) -> None:
        """The backend did not answer (or refused the kiosk itself)."""
        with self._lock:
            changed = self.reachable is not False
            self.reachable, self.last_error = False, detail
        if changed:
            log.warning("backend unreachable: %s", detail)  # logged once per change, not per try
            self._on_change()

    def snapshot(self) -> dict:
        """The JSON form."""
        with self._lock:
            return {"reachable": self.reachable, "last_ok_at": self.last_ok_at, "last_error": self.last_error}


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failed passes in a row: doubling, capped, jittered to 50-100 %."""
    delay = min(cap, base * (2 ** max(0, failures - 1)))
    return rng.uniform(delay / 2, delay)


@dataclass(frozen=True)
class SyncPass:
    """What one pass over the pending events did."""

    sent: int = 0
    settled: int = 0
    failed: bool = False
    remaining: int = 0


class SyncWorker:
    """A daemon thread that drains the journal's pending events and sends heartbeats."""

    def __init__(self, circulator: Circulator, *, reachability: Reachability | None = None,
                 heartbeat_seconds: float = 30.0, max_backoff_seconds: float = 60.0,
                 base_delay: float = 1.0, poll_seconds: float = 5.0,
                 device_statuses: Callable[[], dict[str, str]] = dict, rng: random.Random | None = None):
        self.circulator = circulator
        self.journal = circulator.journal
        self.reachability = reachability
        self.heartbeat_seconds = heartbeat_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.base_delay = base_delay
        self.poll_seconds = poll_seconds
        self.device_statuses = device_statuses
        self.rng = rng or random.Random()
        self.failures = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread; its first pass re-sends whatever a crash left pending."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it (at most ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Run a pass now instead of waiting out the delay."""
        self._wake.set()

    def run_once(self) -> SyncPass:
        """Re-send pending events oldest first; stop at the first one without an answer."""
        sent = settled = 0
        failed = False
        for event in self.journal.pending():
            if self._stop.is_set():
                break
            outcome = self.circulator.resend(event)
            if outcome is None:  # the screen is sending this one right now; keep the order
                break
            sent += 1
            if not outcome.decided:
                failed = True
                if self.reachability:
                    self.reachability.failed(outcome.error)
                break
            settled += 1
            if self.reachability:
                self.reachability.ok()
        if sent:
            log.info("sync pass: sent=%d settled=%d failed=%s", sent, settled, failed)
        return SyncPass(sent, settled, failed, self.journal.counts()["pending"])

    def heartbeat(self) -> bool:
        """Tell the backend the kiosk is alive; True if it answered."""
        try:
            answer = self.circulator.backend.heartbeat(__version__, self.device_statuses(),
                                                       self.journal.counts()["pending"])
        except BackendError as exc:
            if self.reachability:
                self.reachability.failed(getattr(exc, "detail", "") or str(exc))
            return False
        if self.reachability:
            self.reachability.ok()
        if answer.last_sequence is not None and self.journal.needs_start():
            # A new or replaced journal learns where to number from before its first event.
            self.journal.start_after(answer.last_sequence)
        return True

    def _run(self) -> None:
        next_heartbeat = time.monotonic()
        while not self._stop.is_set():
            try:
                failed = self.run_once().failed
                if time.monotonic() >= next_heartbeat:
                    if self.heartbeat():
                        next_heartbeat = time.monotonic() + self.heartbeat_seconds
                    else:
                        failed = True  # retried on the next pass, paced by the backoff
            except Exception:  # the worker must outlive any single bad pass; log it once per pass
                log.exception("sync pass failed")
                failed = True
            if failed:
                self.failures += 1
                delay = backoff_delay(self.failures, self.base_delay, self.max_backoff_seconds, self.rng)
            else:
                self.failures = 0
                delay = min(self.poll_seconds, max(0.1, next_heartbeat - time.monotonic()))
            self._wake.wait(delay)
            self._wake.clear()
