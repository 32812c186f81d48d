"""The backend monitor: is the library system answering, and when should the sender try again?

Every call to the backend (the sender's deliveries and probes, a sign-in, "My account") reports
here. A connection error, a timeout or a 5xx turns the kiosk offline at once; a successful call or
health probe turns it online again and wakes the sender at once (``on_back``), so a backlog starts
draining the moment the server is back instead of sitting out a backoff. Between failures the
sender waits a doubling delay, jittered to 50-100 % so a school's kiosks do not come back in step,
capped at ``[sync] max_backoff_seconds``; a server's ``Retry-After`` is honoured as the least wait.
A refused token (401) is its own state: staff see "this kiosk's token was refused".
"""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from kiosk.backends.port import BackendAuthRefused, BackendError, BackendUnavailable

log = logging.getLogger("kiosk.monitor")

UNKNOWN, ONLINE, OFFLINE, TOKEN_REFUSED = "unknown", "online", "offline", "token_refused"


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: doubling, capped, jittered to 50-100 %."""
    delay = min(cap, base * (2 ** max(0, failures - 1)))
    return rng.uniform(delay / 2, delay)


class BackendMonitor:
    """Online/offline state, the failure count behind the backoff, and what staff are told."""

    def __init__(self, clock, *, base_delay: float = 0.5, max_backoff: float = 60.0,
                 on_change: Callable[[], None] | None = None, on_back: Callable[[], None] | None = None,
                 rng: random.Random | None = None):
        self.clock = clock
        self.base_delay, self.max_backoff = base_delay, max_backoff
        self._on_change = on_change or (lambda: None)
        self._on_back = on_back or (lambda: None)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.state = UNKNOWN
        self.failures = 0
        self.retry_after: float | None = None
        self.last_ok_at: str | None = None
        self.last_error: str | None = None
        self.changes = 0  # how often the state flipped (staff and tests read it)

    @property
    def online(self) -> bool:
        """True unless the last call failed (an unknown backend is tried, so it counts as online)."""
        return self.state in (UNKNOWN, ONLINE)

    def succeeded(self) -> None:
        """A call was answered (any answer, a refusal too): online, and the sender is woken if it was not."""
        with self._lock:
            was = self.state
            self.state, self.failures, self.retry_after = ONLINE, 0, None
            self.last_ok_at = self.clock.now().isoformat(timespec="seconds")
        if was != ONLINE:
            self._flipped(f"backend answering again (was {was})")
            self._on_back()

    def failed(self, exc: BaseException | str) -> None:
        """A call got no answer (or the token was refused): offline until a call succeeds."""
        detail = getattr(exc, "detail", None) or str(exc)
        state = TOKEN_REFUSED if isinstance(exc, BackendAuthRefused) else OFFLINE
        with self._lock:
            was = self.state
            self.state, self.last_error = state, detail
            self.failures += 1
            self.retry_after = getattr(exc, "retry_after", None) if isinstance(exc, BackendUnavailable) else None
        if was != state:
            self._flipped(f"backend {state}: {detail}")  # logged once per change, not per try

    def report(self, exc: BaseException | None) -> None:
        """Report one call's result: None when answered, else its exception (a refusal still counts as answered)."""
        if isinstance(exc, (BackendUnavailable, BackendAuthRefused)):
            self.failed(exc)
        elif exc is None or isinstance(exc, BackendError):
            self.succeeded()

    def next_delay(self) -> float:
        """How long the sender waits before its next try after the failures so far."""
        with self._lock:
            failures, retry_after = self.failures, self.retry_after
        delay = backoff_delay(failures, self.base_delay, self.max_backoff, self._rng) if failures else 0.0
        if retry_after:
            delay = max(delay, min(retry_after, max(self.max_backoff, retry_after)))
        return delay

    def snapshot(self) -> dict:
        """The JSON form for /health, the status bar and the staff page."""
        with self._lock:
            return {"state": self.state, "reachable": None if self.state == UNKNOWN else self.state == ONLINE,
                    "last_ok_at": self.last_ok_at, "last_error": self.last_error, "failures": self.failures,
                    "retry_after": self.retry_after}

    def _flipped(self, line: str) -> None:
        with self._lock:
            self.changes += 1
        log.warning(line)
        self._on_change()
