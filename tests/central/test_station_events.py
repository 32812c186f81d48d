"""Stations that do not number their own events (the desk, SIP2 logins) get the next sequence from the server."""
from __future__ import annotations

import sqlalchemy as sa

from central.circulation.events import record_station_event
from central.store.models import CirculationEvent
from protocol.wire import CheckinRequest, CheckoutRequest


def test_station_events_are_numbered_in_order_and_replay_by_event_id(app, database, clock, library):
    """GIVEN a station WHEN it checks a book out and back in THEN its events are sequence 1 and 2, and the same
    event id sent again gets the stored outcome back, replayed, with nothing applied twice."""
    out = record_station_event(database, clock, "k1", CheckoutRequest(library.maria, library.sharks), "en",
                               event_id="6f1c2d1e-0000-4000-8000-000000000001")
    back = record_station_event(database, clock, "k1", CheckinRequest(library.sharks), "en")
    again = record_station_event(database, clock, "k1", CheckoutRequest(library.maria, library.sharks), "en",
                                 event_id="6f1c2d1e-0000-4000-8000-000000000001")
    assert out["ok"] and back["ok"] and back["checkin"]["was_on_loan"]
    assert again == {**out, "replayed": True}
    with database.reader() as session:
        rows = session.execute(sa.select(CirculationEvent.sequence, CirculationEvent.type)
                               .where(CirculationEvent.kiosk_id == "k1").order_by(CirculationEvent.sequence)).all()
    assert [tuple(r) for r in rows] == [(1, "checkout"), (2, "checkin")]
