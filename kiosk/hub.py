"""The kiosk's event hub: parts publish what happened, the parts that care subscribe when they are built.

A scan travels one way: a driver thread reads it, the device manager ``post``s it on the hub, the
hub's own thread hands it to the session (and the item pads), the session asks the outbox, the
outbox's sender talks to the backend, and every change is ``publish``ed for the screens (SSE).

Two ways in, because they have different costs:

- :meth:`Hub.post` queues an input event (a scan, a tap, tags on a pad) for the hub's dispatcher
  thread, so a device thread only publishes and never runs session code or waits on anything.
  Before :meth:`start` (tests, tools) a post is delivered at once on the caller's thread, so a
  kiosk built without threads behaves the same, only synchronously.
- :meth:`Hub.publish` delivers at once on the caller's thread: change notices ("session",
  "journal", "devices", ...) and settled outcomes, whose subscribers only take short locks.

A subscriber that raises is logged and the others still get the event: one broken part must not
silence the rest.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger("kiosk.hub")

INPUT = "input"  # drivers.events Scan, CardTap, TagsChanged: posted by the device manager
CHANGED = "changed"  # payload: a topic name for the screens ("session", "journal", "devices", ...)
SETTLED = "settled"  # payload: a settled outbox outcome (the backend's answer is committed)
DEVICE_RESTARTED = "device_restarted"  # payload: the device's name
BACKEND_BACK = "backend_back"  # payload: None; the backend answers again (the sender and cache sync wake)
UNANSWERED = "unanswered"  # payload: event ids a delivery pass could not get answered (yet)

_STOP = object()


class Hub:
    """Topics to subscribers; inputs through one dispatcher thread, notices delivered at once."""

    def __init__(self, queue_size: int = 256):
        self._subscribers: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(queue_size)
        self._thread: threading.Thread | None = None
        self.dropped = 0  # inputs thrown away because the queue was full (a stuck session)

    def subscribe(self, topic: str, handler: Callable[[Any], None]) -> None:
        """Call ``handler(payload)`` for every event on ``topic``, in subscription order."""
        with self._lock:
            self._subscribers[topic].append(handler)

    def publish(self, topic: str, payload: Any = None) -> None:
        """Deliver now, on this thread, to every subscriber of ``topic``."""
        with self._lock:
            handlers = list(self._subscribers.get(topic, ()))
        for handler in handlers:
            try:
                handler(payload)
            except Exception:  # one broken subscriber must not silence the others
                log.exception("a %s subscriber failed", topic)

    def changed(self, what: str) -> None:
        """Tell the screens that ``what`` changed ("session", "journal", "devices", "scans", ...)."""
        self.publish(CHANGED, what)

    def post(self, topic: str, payload: Any) -> None:
        """Queue an input for the dispatcher thread (delivered at once when the hub is not started)."""
        if self._thread is None:
            self.publish(topic, payload)
            return
        try:
            self._queue.put_nowait((topic, payload))
        except queue.Full:
            # The session is stuck: dropping a read is better than blocking a driver thread, and
            # the student simply scans again.
            self.dropped += 1
            log.error("hub queue full: %s dropped (%d so far)", type(payload).__name__, self.dropped)

    def start(self) -> None:
        """Start the dispatcher thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="kiosk-hub", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the dispatcher after the inputs already queued."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._thread = None

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every queued input was handled (tests and benchmarks); False on timeout."""
        done = threading.Event()
        if self._thread is None:
            return True
        self._queue.put((None, done))
        return done.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            topic, payload = item
            if topic is None:  # a drain marker
                payload.set()
                continue
            self.publish(topic, payload)
