"""A small publish/subscribe hub for Server-Sent Events: changes go out as version numbers.

A message says what changed (topic and version). A stream opened with a ``render`` function (the
student screen's) also carries the state to draw, computed once for all the changes queued by then,
so the screen paints a scan without another request; other screens re-read what they need.
Each subscriber has a bounded queue: a slow browser drops old messages, never memory. Streams send a keep-alive comment every ``keepalive`` seconds (which is also how
a closed browser tab is noticed) and end after ``max_age`` seconds so a waitress thread is never
held forever; EventSource reconnects by itself.
"""
from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator

_CLOSE = object()


class Broker:
    """Fan-out of change notices to SSE subscribers."""

    def __init__(self, max_subscribers: int = 6, queue_size: int = 16, hub=None):
        self.max_subscribers = max_subscribers
        self.queue_size = queue_size
        self.version = 0
        self._lock = threading.Lock()
        self._subscribers: list[queue.Queue] = []
        self._closed = False
        if hub is not None:  # every change notice on the kiosk's hub goes out to the screens
            from kiosk.hub import CHANGED

            hub.subscribe(CHANGED, self.publish)

    def publish(self, topic: str) -> int:
        """Tell every subscriber that ``topic`` changed; returns the new version."""
        with self._lock:
            self.version += 1
            message = {"topic": topic, "version": self.version}
            subscribers = list(self._subscribers)
        for q in subscribers:
            _put_dropping_oldest(q, message)
        return message["version"]

    def subscribe(self) -> queue.Queue:
        """A new subscriber queue; the oldest subscriber is closed when there are too many."""
        q: queue.Queue = queue.Queue(self.queue_size)
        with self._lock:
            if self._closed:
                q.put(_CLOSE)
                return q
            self._subscribers.append(q)
            evicted = self._subscribers[:-self.max_subscribers] if len(self._subscribers) > self.max_subscribers else []
            del self._subscribers[:len(evicted)]
        for old in evicted:
            _put_dropping_oldest(old, _CLOSE)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        """Forget a subscriber."""
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def subscriber_count(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._subscribers)

    def close(self) -> None:
        """End every stream now (shutdown), so server threads are free to stop."""
        with self._lock:
            self._closed = True
            subscribers, self._subscribers = self._subscribers, []
        for q in subscribers:
            _put_dropping_oldest(q, _CLOSE)

    def stream(self, keepalive: float = 15.0, max_age: float = 300.0,
               render: Callable[[set[str]], dict | None] | None = None) -> Iterator[str]:
        """The text/event-stream body for one browser.

        ``render(topics)`` returns the state to send with a message about ``topics`` (None: the
        message goes alone); messages already queued behind one are folded into it.
        """
        q = self.subscribe()
        ends = time.monotonic() + max_age
        try:
            # First message at once: the page renders the current state without waiting for a change.
            hello = {"topic": "hello", "version": self.version}
            if render is not None:
                hello["state"] = render({"hello"})
            yield f"retry: 2000\ndata: {json.dumps(hello)}\n\n"
            while True:
                left = ends - time.monotonic()
                if left <= 0:
                    return
                try:
                    message = q.get(timeout=min(keepalive, left))
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if message is _CLOSE:
                    return
                if render is not None:
                    message, closed = _fold(q, message)
                    state = render(message.pop("topics"))
                    if state is not None:
                        message["state"] = state
                    yield f"data: {json.dumps(message)}\n\n"
                    if closed:
                        return
                    continue
                yield f"data: {json.dumps(message)}\n\n"
        finally:
            self.unsubscribe(q)


def _fold(q: queue.Queue, message: dict) -> tuple[dict, bool]:
    """``message`` and every message queued behind it as one (the last version, all topics); True if the stream
    was closed meanwhile."""
    topics, closed = {message["topic"]}, False
    while True:
        try:
            more = q.get_nowait()
        except queue.Empty:
            break
        if more is _CLOSE:
            closed = True
            break
        topics.add(more["topic"])
        message = more
    return {**message, "topics": topics}, closed


def _put_dropping_oldest(q: queue.Queue, item) -> None:
    while True:
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            try:
                q.get_nowait()
            except queue.Empty:
                pass
