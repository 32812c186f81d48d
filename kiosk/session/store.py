"""The session's record, kept thread-safe: short locked updates, a version, change notices, snapshots."""
from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.outbox.outbox import submitted_from
from kiosk.session.data import Line, SessionData, line_for


class SessionStore:
    """Holds the current :class:`SessionData`; every change bumps ``version`` and calls ``on_change``.

    Updates happen under a short lock (``_view``), never around a backend call, so the screen can
    always read the state while a slow request is running.
    """

    def __init__(self, data: SessionData, clock, on_change: Callable[[], None] | None = None, monitor=None):
        self.d = data
        self.clock = clock
        self.reachability = monitor  # kiosk.outbox.monitor.BackendMonitor: every answer or failure is told
        self._on_change = on_change or (lambda: None)
        self._view = threading.Lock()
        self.version = 0
        self.last_activity = clock.monotonic()

    def snapshot(self) -> tuple[int, SessionData, float]:
        """A consistent copy for the view: (version, data with its lines, seconds since the last touch)."""
        with self._view:
            return self.version, self.d.copy(), self.clock.monotonic() - self.last_activity

    def settled(self, entry) -> None:
        """The backend answered an event on the list (a journal entry, from the hub): update its line.

        Only the short lock is taken: the sender may call this while a scan is in progress.
        """
        changed = False
        with self._view:
            for index, line in enumerate(self.d.lines):
                if line.event_id == entry.event_id and (line.status in ("pending", "error")
                                                        or line.note == "line.saved_offline"):
                    updated = line_for(line.type, line.item_barcode, submitted_from(entry))
                    if updated.status == "ok" and not updated.title:
                        updated.title = line.title
                    self.d.lines[index] = updated
                    changed = True
        if changed:
            self._changed()

    def _replace(self, data: SessionData) -> None:
        """Swap in a whole new record (a session starts, or ends and is forgotten)."""
        with self._view:
            self.d = data
        self._changed()

    def _set(self, **changes) -> None:
        with self._view:
            for key, value in changes.items():
                setattr(self.d, key, value)
        self._changed()

    def _add(self, line: Line) -> None:
        with self._view:
            # A retry of a book the library computer did not answer replaces its "not yet" line.
            self.d.lines = [x for x in self.d.lines if not (
                (line.event_id and x.event_id == line.event_id)
                or (x.item_barcode == line.item_barcode and x.type == line.type and x.status in ("pending", "error")))]
            self.d.lines.append(line)
            self.d.busy = False
        self._changed()

    def _changed(self) -> None:
        with self._view:
            self.version += 1
        self._on_change()

    def _activity(self) -> None:
        self.last_activity = self.clock.monotonic()
        if self.d.warning:
            self._set(warning=False)

    def _reachable(self) -> None:
        if self.reachability is not None:
            self.reachability.succeeded()
