"""Idempotent circulation events: each kiosk event is applied once and its outcome kept forever.

The event row and every change it makes are committed in ONE transaction, so an event is either
fully applied and remembered or not at all. A resent event finds its row and gets the stored
outcome back with ``replayed: true``. The kiosk's row is locked first, so one kiosk's events are
applied one at a time and a resend racing its original waits and then replays.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from central.circulation import service
from central.clock import SystemClock
from central.store.db import Database
from central.store.models import CirculationEvent, Kiosk
from protocol.identifiers import mask_barcode

log = logging.getLogger("central.circulation")
MAX_ATTEMPTS = 4
# PostgreSQL deadlock and serialization failures: the transaction was rolled back and may be retried.
_RETRYABLE_PGCODES = {"40P01", "40001"}


@dataclass(frozen=True)
class EventRequest:
    """A validated circulation call from a kiosk."""

    kiosk_id: str
    event_id: str
    sequence: int
    type: str  # checkout | checkin | renew
    occurred_at: datetime
    offline: bool
    item_barcode: str
    patron_barcode: str | None = None
    payload: dict = field(default_factory=dict)


class SequenceConflict(Exception):
    """This kiosk already used the sequence number for a different event."""


class EventConflict(Exception):
    """The event_id is already stored for another kiosk or another type of event."""


def record_event(db: Database, clock: SystemClock, request: EventRequest, language: str) -> dict:
    """Apply ``request`` exactly once and return its outcome (the stored one when it is a resend)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            result = _record_once(db, clock, request, language)
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
        _log(request, result)
        return result
    raise AssertionError("unreachable")


def _retryable(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _RETRYABLE_PGCODES or "database is locked" in str(exc.orig)


def _record_once(db: Database, clock: SystemClock, request: EventRequest, language: str) -> dict:
    with db.writer() as session, session.begin():
        session.scalars(sa.select(Kiosk).where(Kiosk.id == request.kiosk_id)
                        .with_for_update(key_share=True)).one()
        # The event_id BEFORE the sequence: a kiosk that renumbered a replaced journal re-sends an event
        # the server may already keep under another sequence, and must get its stored outcome, not a 409.
        stored = session.get(CirculationEvent, request.event_id)
        if stored is not None:
            if stored.kiosk_id != request.kiosk_id or stored.type != request.type:
                raise EventConflict(request.event_id)
            return {**stored.result, "replayed": True}
        clash = session.scalar(sa.select(CirculationEvent.id).where(
            CirculationEvent.kiosk_id == request.kiosk_id, CirculationEvent.sequence == request.sequence))
        if clash is not None:
            raise SequenceConflict(request.sequence)
        now = clock.now()
        when = service.Moment(at=request.occurred_at, day=clock.local_date(request.occurred_at),
                                  offline=True) if request.offline else \
            service.Moment(at=now, day=clock.today())
        outcome = _apply(session, request, when, language)
        result = {"event_id": request.event_id, **outcome, "replayed": False}
        session.add(CirculationEvent(
            id=request.event_id, kiosk_id=request.kiosk_id, sequence=request.sequence, type=request.type,
            payload=request.payload, result=result, ok=bool(outcome["ok"]), offline=request.offline,
            occurred_at=request.occurred_at, recorded_at=now))
    return result


def _apply(session, request: EventRequest, when: service.Moment, language: str) -> dict:
    if request.type == "checkout":
        return service.checkout(session, request.patron_barcode, request.item_barcode, when, language)
    if request.type == "renew":
        return service.renew(session, request.patron_barcode, request.item_barcode, when, language)
    if request.type == "checkin":
        return service.checkin(session, request.item_barcode, when, language)
    raise ValueError(f"unknown event type {request.type!r}")


def _log(request: EventRequest, result: dict) -> None:
    refusal = (result.get("refusal") or {}).get("code", "-")
    patron = mask_barcode(request.patron_barcode) if request.patron_barcode else "-"
    log.info("%s event=%s kiosk=%s seq=%d patron=%s item=%s ok=%s refusal=%s offline=%s replayed=%s",
             request.type, request.event_id, request.kiosk_id, request.sequence, patron,
             mask_barcode(request.item_barcode), result["ok"], refusal, request.offline, result["replayed"])


def record_station_event(db: Database, clock: SystemClock, station_id: str, request, language: str, *,
                         event_id: str | None = None, occurred_at: datetime | None = None,
                         offline: bool = False) -> dict:
    """Apply one circulation request from a station that does not number its own events.

    The circulation desk's pages and the SIP2 server (each SIP2 login is a station) call this:
    ``request`` is a ``protocol.wire`` CheckoutRequest, CheckinRequest or RenewRequest, and the
    station's next sequence is taken under its row lock, so its events keep a gapless order like a
    kiosk's. ``event_id`` makes a repeat exactly-once (the stored outcome comes back with
    ``replayed: true``); a fresh one is made when it is None. ``station_id`` must be a Kiosk row.
    """
    import uuid

    event_id = event_id or str(uuid.uuid4())
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with db.reader() as session:
            stored = session.get(CirculationEvent, event_id)
            if stored is not None:
                return {**stored.result, "replayed": True}
            last = session.scalar(sa.select(sa.func.coalesce(sa.func.max(CirculationEvent.sequence), 0))
                                  .where(CirculationEvent.kiosk_id == station_id))
        payload = request.to_dict()
        event = EventRequest(kiosk_id=station_id, event_id=event_id, sequence=int(last) + 1, type=request.TYPE,
                             occurred_at=occurred_at or clock.now(), offline=offline,
                             item_barcode=request.item_barcode,
                             patron_barcode=getattr(request, "patron_barcode", None), payload=payload)
        try:
            return record_event(db, clock, event, language)
        except SequenceConflict:
            # Another request from the same station took that number first; number again.
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
