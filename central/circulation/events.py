"""The event store: each kiosk's circulation events applied exactly once, in the kiosk's own order.

A batch of one kiosk's events is applied in ONE transaction, under the kiosk's row lock, each
event answered on its own:

- ``replayed``: the event_id is already stored (a re-send); its stored answer comes back unchanged.
  The event_id is looked at BEFORE the sequence: a kiosk that renumbered a replaced journal re-sends
  events the server may keep under other numbers.
- ``applied``: the next number in the kiosk's sequence, decided by the circulation rules (``ok``
  says yes or no) and stored with its answer.
- ``rejected``: the next number, but the request itself is wrong (a malformed barcode) or its
  event_id was already used for a different transaction (``event_conflict``, HTTP 422). It is
  stored too, so the kiosk's sequence goes on and a re-send gets the same answer: one bad event
  never holds up the ones behind it.
- ``not_applied``: not this event's turn: its number was already used by another event
  (``sequence_conflict``: a restored or cloned kiosk, or a replaced journal to renumber) or an
  earlier number has not arrived (``sequence_gap``, with ``expected_sequence``). Nothing after it in
  the batch is applied (``not_reached``); the kiosk sends them again in order.

Stations that do not number their own events (the desk, SIP2 logins) use
:func:`record_station_event`, which takes the next number for them.
"""
from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from central.circulation import ledger as ledgers, records, service
from central.clock import SystemClock
from central.messages import message
from central.store.db import Database
from central.store.models import CirculationEvent, CirculationException, Kiosk
from protocol import wire
from protocol.identifiers import mask_barcode

log = logging.getLogger("central.circulation")
MAX_ATTEMPTS = 4
# PostgreSQL deadlock and serialization failures: the transaction was rolled back and may be retried.
_RETRYABLE_PGCODES = {"40P01", "40001"}
# An event the kiosk sent live but that reaches the server this much later (by the kiosk's corrected
# clock) was decided by the kiosk without the server's answer (a timeout, then its offline policy):
# it is applied as of when it happened, under the offline rules. Only for a kiosk whose clock offset
# the server has measured, so a kiosk with a wrong clock never has live events taken for late ones.
LATE_AFTER = timedelta(minutes=2)
_PLACEHOLDER = uuid.UUID("6a1f4a52-1d2c-4e7b-9a51-1b0e5c3d7f10")


class EventRefused(ValueError):
    """A station's event the ledger refused as a request (its id was used for another transaction)."""


@dataclass(frozen=True)
class Incoming:
    """One event as a kiosk sent it: its envelope, and its request, or why the request was refused.

    ``sequence`` None is a station's event that does not number itself: it takes the next number in the
    same transaction that applies it (the desk, SIP2 logins).
    """

    event_id: str
    sequence: int | None
    raw: dict
    event: wire.CirculationEvent | None = None
    error: dict | None = None  # {"code": "bad_request", "message": ...} when the request part is wrong


@dataclass
class _Row:
    """An event row to store: written with the batch's other rows in one bulk insert at the end."""

    id: str
    kiosk_id: str
    sequence: int
    type: str
    payload: dict
    result: dict
    ok: bool
    offline: bool
    occurred_at: datetime
    recorded_at: datetime
    status: str
    item_barcode: str | None
    effective_at: datetime | None

    def values(self) -> dict:
        """The column values."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Answer:
    """What became of one event (see the module docstring for the statuses)."""

    event_id: str
    status: str
    outcome: dict | None = None
    error: dict | None = None

    def to_json(self) -> dict:
        """The batch endpoint's per-event answer."""
        return {"event_id": self.event_id, "status": self.status, "outcome": self.outcome, "error": self.error}


def apply_events(db: Database, clock: SystemClock, kiosk_id: str, incoming: Sequence[Incoming],
                 language: str) -> tuple[list[Answer], int]:
    """Apply one kiosk's events in order, in one transaction; answers in order and the kiosk's last sequence."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            answers, last = _apply_once(db, clock, kiosk_id, incoming, language)
        except IntegrityError:
            # A concurrent twin committed first (same event_id or sequence); the next try sees it.
            if attempt == MAX_ATTEMPTS:
                raise
            continue
        except OperationalError as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
            time.sleep(0.01 * attempt)
            continue
        for inc, answer in zip(incoming, answers):
            _log(kiosk_id, inc, answer)
        return answers, last
    raise AssertionError("unreachable")


def _retryable(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _RETRYABLE_PGCODES or "database is locked" in str(exc.orig)


def _apply_once(db: Database, clock: SystemClock, kiosk_id: str, incoming: Sequence[Incoming],
                language: str) -> tuple[list[Answer], int]:
    now = clock.now()
    with db.writer() as session, session.begin():
        records.start_memo(session)
        kiosk = session.scalars(sa.select(Kiosk).where(Kiosk.id == kiosk_id).with_for_update(key_share=True)).one()
        last = int(session.scalar(sa.select(sa.func.coalesce(sa.func.max(CirculationEvent.sequence), 0))
                                  .where(CirculationEvent.kiosk_id == kiosk_id)))
        ids = [inc.event_id for inc in incoming]
        stored = {row.id: row for row in session.scalars(sa.select(CirculationEvent)
                                                         .where(CirculationEvent.id.in_(ids)))}
        _open_ledger(session, kiosk, [inc.event for inc in incoming if inc.event is not None and inc.event_id not in stored])
        answers: list[Answer] = []
        rows: list[_Row] = []
        found: list[dict] = []  # exceptions for staff
        stop: dict | None = None
        for inc in incoming:
            if stop is not None:
                answers.append(Answer(inc.event_id, "not_applied", error=stop))
                continue
            row = stored.get(inc.event_id)
            if inc.sequence is None and row is None:  # a station's event: the next number is its own
                inc = _numbered(inc, last + 1)
            if row is not None:
                if row.kiosk_id == kiosk_id and _same_request(row, inc.raw):
                    answers.append(_replay(row))
                    continue
                error = {"code": "event_conflict", "message": message("event_conflict", language,
                                                                       event_id=inc.event_id)}
                _alert(session, now, kiosk_id, inc, "event_id_reused", {"stored_kiosk": row.kiosk_id})
                if inc.sequence == last + 1:
                    # The number is kept with the refusal, so the kiosk's later events are not stuck behind it.
                    last += 1
                    rows.append(_rejected_row(kiosk_id, inc, now, error,
                                              event_id=str(uuid.uuid5(_PLACEHOLDER, f"{kiosk_id}:{inc.sequence}"))))
                answers.append(Answer(inc.event_id, "rejected", error=error))
                continue
            if inc.sequence <= last:
                _alert(session, now, kiosk_id, inc, "sequence_reused", {"last_sequence": last})
                answers.append(Answer(inc.event_id, "not_applied", error={
                    "code": "sequence_conflict", "message": message("sequence_conflict", language, kiosk=kiosk_id,
                                                                    sequence=inc.sequence)}))
                stop = {"code": "not_reached", "message": message("not_reached", language)}
                continue
            if inc.sequence != last + 1:
                answers.append(Answer(inc.event_id, "not_applied", error={
                    "code": "sequence_gap", "expected_sequence": last + 1,
                    "message": message("sequence_gap", language, kiosk=kiosk_id, sequence=inc.sequence,
                                       expected=last + 1)}))
                stop = {"code": "not_reached", "message": message("not_reached", language)}
                continue
            last += 1
            if inc.error is not None:
                row = _rejected_row(kiosk_id, inc, now, inc.error)
                answers.append(Answer(inc.event_id, "rejected", error=inc.error))
            else:
                row, outcome = _decide(session, clock, kiosk, inc.event, inc.raw, now, language, found)
                answers.append(Answer(inc.event_id, "applied", outcome=outcome))
            rows.append(row)
            stored[inc.event_id] = row  # the same event twice in one batch: the second is a replay
        session.flush()  # the whole batch in one flush (updates before inserts, so a loan closes first)
        ledgers.close(session)
        # Core inserts of plain rows: the ORM's bulk path costs more than the INSERT itself at 500 rows.
        connection = session.connection()
        if rows:
            connection.execute(CirculationEvent.__table__.insert(), [row.values() for row in rows])
        if found:
            connection.execute(CirculationException.__table__.insert(), found)
    return answers, last


def _numbered(inc: Incoming, sequence: int) -> Incoming:
    event = dataclasses.replace(inc.event, sequence=sequence) if inc.event is not None else None
    return dataclasses.replace(inc, sequence=sequence, raw={**inc.raw, "sequence": sequence}, event=event)


def _open_ledger(session, kiosk: Kiosk, batch: list[wire.CirculationEvent]) -> None:
    """Load what the batch's events will read, in a few queries (central.circulation.ledger)."""
    items = {e.request.item_barcode for e in batch}
    patrons = {e.request.patron_barcode for e in batch if getattr(e.request, "patron_barcode", None)}
    offline_times = [e.occurred_at + timedelta(seconds=kiosk.clock_offset_seconds or 0)
                     for e in batch if e.offline or kiosk.clock_offset_seconds is not None]
    ledgers.open_for(session, items, patrons, min(offline_times) if offline_times else None)


def _same_request(row, raw: dict) -> bool:
    """True when a re-sent event asks for the same transaction as the stored one (kind, patron, item).

    Only what the transaction is counts: the time and offline flag of a re-send are the kiosk's, and a
    re-send of the same event is answered from the store whatever they say.
    """
    return (row.type == raw.get("type") and row.payload.get("patron_barcode") == raw.get("patron_barcode")
            and row.payload.get("item_barcode") == raw.get("item_barcode"))


def _replay(row) -> Answer:
    if row.status == "rejected":
        return Answer(row.id, "rejected", error=(row.result or {}).get("error"))
    return Answer(row.id, "replayed", outcome={**row.result, "replayed": True})


def _decide(session, clock: SystemClock, kiosk: Kiosk, event: wire.CirculationEvent, raw: dict, now: datetime,
            language: str, found: list[dict]) -> tuple[_Row, dict]:
    """Apply one event with the circulation rules; the row to store and the answer (exceptions into ``found``)."""
    effective = event.occurred_at + timedelta(seconds=kiosk.clock_offset_seconds or 0)
    offline = event.offline or (kiosk.clock_offset_seconds is not None and now - effective > LATE_AFTER)
    if offline:
        when = service.Moment(at=effective.astimezone(clock.tz), day=clock.local_date(effective), offline=True)
    else:
        when = service.Moment(at=now, day=clock.today())
    outcome = _apply(session, event.request, when, language)
    # The port's names beside the older ones (protocol.wire.CirculationOutcome reads "exceptions").
    outcome["exceptions"] = list(outcome.get("offline_exceptions", []))
    result = {"event_id": event.event_id, **outcome, "replayed": False}
    row = _Row(id=event.event_id, kiosk_id=kiosk.id, sequence=event.sequence, type=event.type, payload=raw,
               result=result, ok=bool(outcome["ok"]), offline=event.offline, occurred_at=event.occurred_at,
               recorded_at=now, status="applied", item_barcode=event.request.item_barcode, effective_at=when.at)
    ledger = ledgers.of(session)
    if ledger is not None and row.type == "checkin":
        ledger.returns[row.item_barcode].append(row)  # a later offline checkout in this batch may meet it
    for rule in outcome["exceptions"]:
        found.append(dict(
            kiosk_id=kiosk.id, event_id=event.event_id, rule=rule, item_barcode=event.request.item_barcode,
            patron_barcode=getattr(event.request, "patron_barcode", None), created_at=now,
            detail={"type": event.type, "sequence": event.sequence, "occurred_at": event.occurred_at.isoformat(),
                    "effective_at": when.at.isoformat(), "offline": event.offline, **outcome.get("conflict", {})},
            resolved_at=None, resolved_by=None, resolution_note=None))
    return row, result


def _apply(session, request: wire.CirculationRequest, when: service.Moment, language: str) -> dict:
    if isinstance(request, wire.CheckoutRequest):
        return service.checkout(session, request.patron_barcode, request.item_barcode, when, language)
    if isinstance(request, wire.RenewRequest):
        return service.renew(session, request.patron_barcode, request.item_barcode, when, language)
    return service.checkin(session, request.item_barcode, when, language)


def _rejected_row(kiosk_id: str, inc: Incoming, now: datetime, error: dict, event_id: str | None = None) -> _Row:
    raw = inc.raw
    kind = raw.get("type") if isinstance(raw.get("type"), str) and len(raw["type"]) <= 20 else "unknown"
    item = raw.get("item_barcode") if isinstance(raw.get("item_barcode"), str) else None
    return _Row(
        id=event_id or inc.event_id, kiosk_id=kiosk_id, sequence=inc.sequence, type=kind, payload=raw,
        result={"event_id": inc.event_id, "ok": False, "error": error, "replayed": False}, ok=False,
        offline=raw.get("offline") is True, occurred_at=inc.event.occurred_at if inc.event else now, recorded_at=now,
        status="rejected", item_barcode=item[:64] if item else None, effective_at=None)


def _alert(session, now: datetime, kiosk_id: str, inc: Incoming, rule: str, detail: dict) -> None:
    """Record a kiosk alert for staff once (a kiosk re-sending the same event does not add more)."""
    known = session.scalar(sa.select(CirculationException.id).where(
        CirculationException.kiosk_id == kiosk_id, CirculationException.event_id == inc.event_id,
        CirculationException.rule == rule, CirculationException.resolved_at.is_(None)).limit(1))
    if known is None:
        item = inc.raw.get("item_barcode")
        session.add(CirculationException(
            kiosk_id=kiosk_id, event_id=inc.event_id, rule=rule, created_at=now,
            item_barcode=item if isinstance(item, str) else None,
            detail={"sequence": inc.sequence, "type": inc.raw.get("type"), **detail}))


def _log(kiosk_id: str, inc: Incoming, answer: Answer) -> None:
    raw = inc.raw
    patron, item = raw.get("patron_barcode"), raw.get("item_barcode")
    outcome = answer.outcome or {}
    code = (outcome.get("refusal") or {}).get("code") or (answer.error or {}).get("code") or "-"
    log.info("%s event=%s kiosk=%s seq=%s patron=%s item=%s status=%s ok=%s code=%s offline=%s",
             raw.get("type"), inc.event_id, kiosk_id, inc.sequence,
             mask_barcode(patron) if isinstance(patron, str) else "-",
             mask_barcode(item) if isinstance(item, str) else "-", answer.status, outcome.get("ok", False), code,
             raw.get("offline"))


def record_event(db: Database, clock: SystemClock, kiosk_id: str, incoming: Incoming, language: str) -> Answer:
    """Apply one event (a batch of one) and return its answer."""
    answers, _ = apply_events(db, clock, kiosk_id, [incoming], language)
    return answers[0]


def record_station_event(db: Database, clock: SystemClock, station_id: str, request: wire.CirculationRequest,
                         language: str, *, event_id: str | None = None, occurred_at: datetime | None = None,
                         offline: bool = False) -> dict:
    """Apply one circulation request from a station that does not number its own events; its outcome.

    The circulation desk's pages and the SIP2 server (each SIP2 login is a station) call this:
    ``request`` is a ``protocol.wire`` CheckoutRequest, CheckinRequest or RenewRequest; the station's
    next sequence is taken in the same transaction that applies it, under its row lock, so its events
    keep a gapless order like a kiosk's. ``event_id`` makes a repeat exactly-once (the stored outcome
    comes back with ``replayed: true``); a fresh one is made when it is None. ``station_id`` must be a
    row of the kiosks table.
    """
    event_id = event_id or str(uuid.uuid4())
    event = wire.CirculationEvent(event_id, 0, occurred_at or clock.now(), request, offline)
    answer = record_event(db, clock, station_id, Incoming(event_id, None, {**event.to_dict(), "sequence": None},
                                                          event), language)
    if answer.status in ("applied", "replayed"):
        return answer.outcome
    raise EventRefused((answer.error or {}).get("message", "the event was not applied"))
