"""RFID item pads: what is on the pad becomes scans, and security bits follow COMMITTED loans only.

* Each complete item newly on the pad acts like a scan of its barcode (once while it stays).
* A multi-part item (book + CD) with parts missing is not scanned: the student is asked to put
  every part on the pad ("This set has 2 of 3 parts ...").
* A security bit changes only after a yes is committed in the journal: the backend's answer, or
  the offline policy's decision journaled with the event (the student was told it is theirs):
  cleared after a checkout, set after a checkin. When nothing was decided yet (a live send not
  answered in time, with no offline decision), the change waits for the sender's answer; if the item
  has left the pad by then, staff are told ("item X left with its security still on").
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from drivers.events import TagsChanged
from kiosk.hub import DEVICE_RESTARTED, INPUT, SETTLED
from kiosk.i18n import t

log = logging.getLogger("kiosk.devices")

SECURED_AFTER = {"checkout": False, "checkin": True}
COMMITTED_STATES = ("acked", "offline")  # a yes is in the journal
PENDING_STATES = ("unanswered",)


class PadRouter:
    """Turns TagsChanged into scans and keeps security bits in step with the journal."""

    def __init__(self, clock, *, hub, session, journal, pad_of: Callable[[str], object | None], scan_log,
                 lang: str = "en"):
        self.clock = clock
        self.session = session
        self.hub = hub
        self.pad_of = pad_of  # pad name -> the running pad device (it may have been restarted)
        self.scan_log = scan_log
        self.lang = lang  # the staff screen's language, for the notes
        self.journal = journal  # a row may be acked while we were still looking
        self._lock = threading.Lock()
        self._seen: dict[str, set[str]] = {}  # pad -> tag uids on it at the last change
        self._acted: dict[str, set[str]] = {}  # pad -> item ids scanned while they stayed on it
        self._waiting: dict[str, tuple[str, str, bool]] = {}  # event_id -> (pad, item id, secured after)
        self._notes: deque[dict] = deque(maxlen=20)
        hub.subscribe(INPUT, self._input)
        hub.subscribe(SETTLED, self.settled)
        hub.subscribe(DEVICE_RESTARTED, self.forget)

    def _input(self, event) -> None:
        if isinstance(event, TagsChanged):
            self.tags_changed(event, self.session)
            self.hub.changed("scans")

    def forget(self, pad: str) -> None:
        """The pad was restarted: whatever is on it counts as new."""
        with self._lock:
            self._seen.pop(pad, None)
            self._acted.pop(pad, None)

    def notes(self) -> list[dict]:
        """Security problems for staff, newest first: {at, text}."""
        with self._lock:
            return list(self._notes)

    def tags_changed(self, event: TagsChanged, session) -> None:
        """Scan each new complete item; ask for missing parts; report unreadable tags."""
        source = event.source
        incomplete = {s.item_id: s for s in event.incomplete_sets()}
        unreadable, asks, todo = [], [], []
        with self._lock:
            seen = self._seen.setdefault(source, set())
            new = {tag.uid for tag in event.tags} - seen
            seen.clear()
            seen.update(tag.uid for tag in event.tags)
            acted = self._acted.setdefault(source, set())
            acted.intersection_update({tag.item_id for tag in event.tags if tag.item_id})  # gone = forgotten
            for tag in event.tags:
                if not tag.item_id:
                    if tag.uid in new:
                        unreadable.append(tag)
                elif tag.item_id in incomplete:
                    if tag.uid in new and incomplete[tag.item_id] not in asks:
                        asks.append(incomplete[tag.item_id])
                elif tag.item_id not in acted and tag.item_id not in todo:
                    todo.append(tag.item_id)
        for tag in unreadable:
            log.info("unreadable tag on %s: %s", source, tag.error or "no item id")
            self.scan_log.add(source, "", "item", "RFID", tag.error or t("tag.unreadable", self.lang))
            session.notify("tag.unreadable")
        for missing in asks:
            values = {"present": len(missing.present), "parts": missing.parts}
            self.scan_log.add(source, missing.item_id, "item", "RFID", t("tag.incomplete_set", self.lang, **values))
            session.notify("tag.incomplete_set", "info", **values)
        for item_id in todo:
            self.scan_log.add(source, item_id, "item", "RFID")
            outcome = session.scan(item_id, source=source)
            if outcome.type is not None:  # the session took it as a checkout/checkin/renew attempt
                with self._lock:
                    self._acted.setdefault(source, set()).add(item_id)
            self._after_scan(source, item_id, outcome, [tag.uid for tag in event.tags if tag.item_id == item_id])

    def _after_scan(self, source: str, item_id: str, outcome, uids: list[str]) -> None:
        secured = SECURED_AFTER.get(outcome.type)
        if secured is None:
            return
        if outcome.state in COMMITTED_STATES:
            self._set_security(source, item_id, uids, secured)
        elif outcome.state in PENDING_STATES and outcome.event_id:
            with self._lock:
                self._waiting[outcome.event_id] = (source, item_id, secured)
            # The sender may have settled the row between the scan's answer and this line.
            row = self.journal.get(outcome.event_id) if self.journal is not None else None
            if row is not None and row.state != "pending":
                self.settled(row)

    def settled(self, entry) -> None:
        """The backend's answer to a journal entry was committed (published on the hub): finish a waiting change."""
        acked = entry.state == "delivered" and entry.outcome is not None and entry.outcome.ok
        self.settled_event(entry.event_id, "acked" if acked else entry.state)

    def settled_event(self, event_id: str, state: str) -> None:
        """The journal row ``event_id`` is now ``state``; if a pad item was waiting for it, act."""
        with self._lock:
            waiting = self._waiting.pop(event_id, None)
        if waiting is None or state != "acked":
            return  # refused: the item was not checked out (or in), so its bit stays as it is
        source, item_id, secured = waiting
        pad = self.pad_of(source)
        uids = [tag.uid for tag in pad.tags() if tag.item_id == item_id] if pad is not None else []
        if not uids:
            key = "security.left_secured" if not secured else "security.left_unsecured"
            self._note(key, item=item_id)
            log.warning("item %s left pad %s before its security could follow the ack", item_id, source)
            return
        self._set_security(source, item_id, uids, secured)

    def _set_security(self, source: str, item_id: str, uids: list[str], secured: bool) -> None:
        pad = self.pad_of(source)
        if pad is None:
            self._note("security.failed", item=item_id, problem=t("security.no_pad", self.lang))
            return
        for uid in uids:
            try:
                pad.set_security(uid, secured)
            except Exception as exc:  # TagError, DeviceUnavailable: tell staff, keep the loan
                log.error("could not set the security bit of tag ...%s on %s: %s", uid[-4:], source, exc)
                self._note("security.failed", item=item_id, problem=str(exc))

    def _note(self, key: str, **values) -> None:
        with self._lock:
            self._notes.appendleft({"at": self.clock.now().isoformat(timespec="seconds"),
                                    "text": t(key, self.lang, **values)})
