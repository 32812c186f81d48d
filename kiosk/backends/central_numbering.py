"""The central server's wire numbering of this kiosk's events: the local sequence plus an offset.

The server keeps each (kiosk, sequence) once. The journal numbers its events 1, 2, 3 ... from its
own start; the wire number is ``local + offset``. The offset is kept in the journal file itself
(``backend_state``), so it lives and dies with the journal it describes:

- **A new or replaced journal** (disk swap, reimage, the file deleted) has no offset yet. Before
  its first delivery the backend asks the server for this kiosk's ``last_sequence`` (heartbeat) and
  numbers after it: a kiosk that made 3 checkouts and lost its journal goes on with 4.
- **Confirmed**: once the server has applied one event numbered with the offset, the offset never
  changes again. A ``sequence_conflict`` on a confirmed journal means an old copy of the journal
  came back (or two kiosks share a token): nothing is renumbered, the events stay pending, and staff
  are told in words (``journal_restored``).
- **Not confirmed** (a version 1 journal that started without knowing, or a server that answered no
  ``last_sequence``): the first conflict moves the offset once so the lowest pending event follows
  the server's last sequence. Event ids and order are kept, which is safe because the server answers
  an event id it already has with its stored outcome before it looks at the sequence.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("kiosk.backend.central")

KEY = "central.numbering"
CONFLICT = "sequence_conflict"
RESTORED = "journal_restored"
RESTORED_MESSAGE = ("The library computer already has events numbered like this kiosk's: the journal may have "
                    "been restored from an old copy. Call support; nothing has been lost.")


class WireNumbering:
    """Local sequence <-> wire sequence for one journal, kept in the journal's backend_state."""

    def __init__(self, store, server_last: Callable[[], int | None]):
        self.store = store  # get(key) / set(key, value): the journal's notes for this backend
        self.server_last = server_last  # the server's last sequence for this kiosk, None if not told
        self._lock = threading.Lock()

    def _state(self) -> dict | None:
        return self.store.get(KEY)

    def offset(self) -> int:
        """The offset to number with, asking the server first when the journal has none (raises if it cannot)."""
        with self._lock:
            state = self._state()
            if state is None:
                last = self.server_last()  # BackendUnavailable propagates: nothing is sent unnumbered
                state = {"offset": last or 0, "confirmed": last is not None}
                self.store.set(KEY, state)
                log.info("new journal numbers after the server's last sequence %s", last)
            return int(state["offset"])

    def learn(self, last: int | None) -> None:
        """A heartbeat told the server's last sequence: a journal with no numbering yet starts after it."""
        if last is None:
            return
        with self._lock:
            if self._state() is None:
                self.store.set(KEY, {"offset": last, "confirmed": True})
                log.info("new journal numbers after the server's last sequence %d", last)

    def confirmed(self) -> bool:
        """True once the server has applied an event numbered with the current offset."""
        state = self._state()
        return bool(state and state.get("confirmed"))

    def confirm(self) -> None:
        """The server applied an event with these numbers: the offset is settled for good."""
        with self._lock:
            state = self._state()
            if state is not None and not state.get("confirmed"):
                self.store.set(KEY, {**state, "confirmed": True})

    def repair(self, lowest_pending_local: int) -> bool:
        """After a conflict: move the offset once if allowed; True if the caller may send again."""
        with self._lock:
            state = self._state() or {"offset": 0, "confirmed": False}
            if state.get("confirmed"):
                log.error("sequence conflict on a journal the server already confirmed (an old copy of the journal?)")
                return False
            last = self.server_last()
            if last is None:
                return False
            offset = last - lowest_pending_local + 1
            self.store.set(KEY, {"offset": offset, "confirmed": True})
        log.warning("journal renumbered after the server's last sequence %d: offset %d", last, offset)
        return True
