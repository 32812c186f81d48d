"""Where a kiosk's sequence numbers start, and their repair when a replaced journal clashes with the server.

The server keeps (kiosk, sequence) unique. A journal that is lost or replaced (disk swap, reimage,
a deleted file) would start again at 1 and meet ``sequence_conflict`` on every event, so:

1. before a journal's first event is numbered, the kiosk asks the server (a heartbeat) for its
   ``last_sequence`` and numbers after it, kept in the journal with that first event;
2. if the server cannot be asked then, the journal numbers from 1 and remembers it did not know;
   the first ``sequence_conflict`` renumbers its pending events after the server's last sequence
   (event_ids and order kept) and they are sent again. That is safe because the server answers
   an event_id it already has with the stored outcome before it looks at the sequence.

A journal whose numbering the server confirmed is never renumbered: a conflict there means an old
copy of the journal came back, and staff are told to call support (kiosk/staff.py).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kiosk import __version__
from kiosk.backends.base import Backend, BackendError
from kiosk.outbox.journal import Journal, JournalEvent

log = logging.getLogger("kiosk.numbering")
CONFLICT = "sequence_conflict"


class SendGate:
    """Sends share the gate; a renumbering takes it alone, so no event is on the wire while numbers change."""

    def __init__(self):
        self._cond = threading.Condition()
        self._sending = 0
        self._exclusive = False

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Hold the gate (shared) while one event is read and sent."""
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._sending += 1
        try:
            yield
        finally:
            with self._cond:
                self._sending -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the gate alone: waits for the sends in flight (bounded by the backend's timeouts)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._exclusive)
            self._exclusive = True  # set first, so new sends wait instead of starving the renumbering
            self._cond.wait_for(lambda: self._sending == 0)
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class Numbering:
    """Starts a new journal's numbering after the server's, and repairs it after a conflict when allowed."""

    def __init__(self, journal: Journal, backend: Backend,
                 device_statuses: Callable[[], dict[str, str]] = dict):
        self.journal = journal
        self.backend = backend
        self.device_statuses = device_statuses  # the heartbeat also tells the server about the devices
        self.gate = SendGate()

    def server_last(self) -> int | None:
        """The server's last sequence for this kiosk (a heartbeat), or None if it cannot be asked now."""
        try:
            answer = self.backend.heartbeat(__version__, self.device_statuses(), self.journal.counts()["pending"])
        except BackendError as exc:
            log.warning("could not ask the server for its last sequence: %s", getattr(exc, "detail", "") or exc)
            return None
        return answer.last_sequence

    def record(self, type_: str, payload: dict[str, Any]) -> JournalEvent:
        """Record an event; a new or replaced journal first asks where the server's numbering ends."""
        server_last = self.server_last() if self.journal.needs_start() else None
        event = self.journal.record(type_, payload, server_last=server_last)
        if event.sequence == 1 and server_last is None:
            log.warning("new journal started without the server's last sequence: numbering from 1,"
                        " renumbered if the server already has these numbers")
        elif server_last and event.sequence == server_last + 1:
            log.info("new journal continues after the server's last sequence %d", server_last)
        return event

    def repair(self, event_id: str, sent_sequence: int) -> bool:
        """After a sequence_conflict: True if the event now has another number (or an answer) to retry with."""
        with self.gate.exclusive():
            event = self.journal.get(event_id)
            if event.state != "pending" or event.sequence != sent_sequence:
                return True  # another thread renumbered or settled it meanwhile
            if not self.journal.renumberable():
                log.error("sequence conflict on a journal the server already confirmed: seq=%d event=%s"
                          " (an old copy of the journal?)", sent_sequence, event_id)
                return False
            server_last = self.server_last()
            if server_last is None:
                return False  # stays pending; the sync worker's next try asks again
            moves = self.journal.renumber_after(server_last)
        if moves:
            log.warning("journal renumbered after the server's last sequence %d: %d pending events now %d..%d",
                        server_last, len(moves), moves[0][2], moves[-1][2])
        return bool(moves)
