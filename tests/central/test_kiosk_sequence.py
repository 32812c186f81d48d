"""A kiosk's sequence after a lost journal: the heartbeat's last_sequence, replay before the sequence check,
and the real kiosk journal, sender and central backend against the real server over HTTP (SQLite and PostgreSQL)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from central.api.openapi import openapi_document
from central.store.models import CirculationEvent
from kiosk.clock import ManualClock
from protocol.wire import CheckinRequest, CheckoutRequest
from tests.conftest import free_port
from tests.kiosk.outbox_parts import build


def last_sequence(kiosk) -> int:
    """The heartbeat's answer for this kiosk."""
    response = kiosk.post("/kiosks/heartbeat", {"version": "0.1.0", "devices": {}, "journal_pending": 0})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["last_sequence"]


def stored_events(database, kiosk_id: str = "k1") -> list[tuple[int, str]]:
    """(sequence, event_id) of every event the server keeps for a kiosk, by sequence."""
    with database.reader() as session:
        rows = session.execute(sa.select(CirculationEvent.sequence, CirculationEvent.id)
                               .where(CirculationEvent.kiosk_id == kiosk_id).order_by(CirculationEvent.sequence))
        return [tuple(row) for row in rows]


def test_heartbeat_answers_the_highest_sequence_stored_for_this_kiosk_only(kiosk, other_kiosk, library):
    """GIVEN no events THEN last_sequence is 0; GIVEN kiosk 1 sent sequences 1, 2 and 3 (a refusal too) and
    kiosk 2 sent 1 and 2 WHEN kiosk 1 sends a heartbeat THEN it answers 3, and kiosk 2 hears 2."""
    assert last_sequence(kiosk) == 0
    kiosk.event("checkout", sequence=1, patron_barcode=library.maria, item_barcode=library.sharks)
    kiosk.event("checkout", sequence=2, patron_barcode=library.maria, item_barcode=library.encyclopedia)  # refused
    kiosk.event("checkin", sequence=3, item_barcode=library.sharks)
    other_kiosk.event("checkin", sequence=1, item_barcode=library.bear)
    other_kiosk.event("checkin", sequence=2, item_barcode=library.bear)
    assert last_sequence(kiosk) == 3 and last_sequence(other_kiosk) == 2


def test_a_known_event_id_is_replayed_before_its_sequence_is_checked(kiosk, library, database):
    """GIVEN events A (sequence 1) and B (sequence 2) were applied WHEN A is sent again with B's sequence, or
    with a sequence never used THEN the stored outcome of A comes back (replayed, 200, not 409) and nothing is
    stored; WHEN a NEW event uses sequence 2 THEN it is a 409."""
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    first = kiosk.event("checkout", event_id=a, sequence=1, patron_barcode=library.maria, item_barcode=library.sharks)
    kiosk.event("checkout", event_id=b, sequence=2, patron_barcode=library.maria, item_barcode=library.bear)
    for sequence in (2, 50):
        again = kiosk.event("checkout", event_id=a, sequence=sequence, patron_barcode=library.maria,
                            item_barcode=library.sharks)
        assert again == {**first, "replayed": True}
    assert stored_events(database) == [(1, a), (2, b)] and last_sequence(kiosk) == 2
    clash = kiosk.event_response("checkout", sequence=2, patron_barcode=library.maria, item_barcode=library.dragon)
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "sequence_conflict"


def test_the_openapi_document_describes_last_sequence():
    """GIVEN the OpenAPI document WHEN the heartbeat answer is read THEN last_sequence is a required integer >= 0."""
    schema = openapi_document()["components"]["schemas"]["HeartbeatResponse"]
    assert schema["properties"]["last_sequence"]["type"] == "integer"
    assert schema["properties"]["last_sequence"]["minimum"] == 0 and "last_sequence" in schema["required"]


# ----- the real kiosk parts against the real server on a loopback port ------------------------------------


@pytest.fixture
def kiosk_parts(server, tmp_path):
    """Opens the kiosk's outbox parts on one journal path with the real CentralBackend (token-one = k1)."""
    opened = []

    def open_kiosk(url: str = server.removesuffix("/api/v1")):
        parts = build(tmp_path / "journal.db", url, ManualClock(), token="token-one", timeout=10)
        opened.append(parts)
        return parts

    yield open_kiosk
    for parts in opened:
        parts.close()


def delete_journal(parts) -> None:
    """Close the journal and delete its files, as a reimage would."""
    parts.close()
    path = parts.journal.path
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def checkouts(parts, patron, books) -> list:
    events = [parts.journal.record(CheckoutRequest(patron, book)) for book in books]
    parts.sender.run_pass()
    return events


def three_checkouts(open_kiosk, library):
    parts = open_kiosk()
    for event in checkouts(parts, library.maria, (library.sharks, library.bear, library.dragon)):
        entry = parts.journal.get(event.event_id)
        assert entry.state == "delivered" and entry.outcome.ok, entry
    return parts


def test_e2e_a_kiosk_whose_journal_was_deleted_continues_with_sequence_4(kiosk_parts, library, database):
    """GIVEN a kiosk made 3 checkouts through the real server WHEN its journal file is deleted and a new one
    starts THEN its next checkout goes out numbered 4 and goes through, and the server keeps 1..4."""
    delete_journal(three_checkouts(kiosk_parts, library))
    parts = kiosk_parts()
    (event,) = checkouts(parts, library.sam, (library.sharks2,))
    entry = parts.journal.get(event.event_id)
    assert entry.state == "delivered" and entry.outcome.loan.due_date
    assert [seq for seq, _ in stored_events(database)] == [1, 2, 3, 4]
    assert stored_events(database)[-1] == (4, event.event_id)


def test_e2e_returns_recorded_while_unreachable_are_numbered_after_the_server_and_applied_once(
        kiosk_parts, library, database):
    """GIVEN a kiosk made 3 checkouts, its journal was deleted, and the new journal's first two returns were
    recorded while the server could not be reached WHEN the sender delivers them to the real server THEN they go
    out as 4 and 5 in order with their event_ids, each stored exactly once."""
    delete_journal(three_checkouts(kiosk_parts, library))
    offline = kiosk_parts(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    returns = [offline.journal.record(CheckinRequest(book), offline=True) for book in library.lenas[:2]]
    assert offline.sender.run_pass().failed
    offline.close()

    parts = kiosk_parts()
    result = parts.sender.run_pass()
    assert result.delivered == 2 and result.remaining == 0
    assert stored_events(database)[3:] == [(4, returns[0].event_id), (5, returns[1].event_id)]
    assert all(parts.journal.get(e.event_id).outcome.replayed is False for e in returns)  # applied, once


def test_e2e_a_journal_restored_from_an_old_copy_is_not_renumbered(kiosk_parts, library, database, tmp_path):
    """GIVEN a kiosk made 3 checkouts and its journal was put back from a copy taken after the first WHEN the
    next checkout goes out as 2 THEN the real server answers sequence_conflict, the event stays pending (never
    renumbered, never parked), and the server still keeps only the 3 first events."""
    import shutil

    parts = kiosk_parts()
    checkouts(parts, library.maria, (library.sharks,))
    parts.close()
    shutil.copy(parts.journal.path, tmp_path / "old-copy.db")
    parts = kiosk_parts()
    checkouts(parts, library.maria, (library.bear, library.dragon))
    delete_journal(parts)
    shutil.copy(tmp_path / "old-copy.db", parts.journal.path)

    parts = kiosk_parts()
    (event,) = checkouts(parts, library.sam, (library.sharks2,))
    entry = parts.journal.get(event.event_id)
    assert entry.state == "pending" and entry.last_error.startswith("journal_restored")
    assert parts.sender.run_pass().failed and parts.journal.counts()["parked"] == 0
    assert [seq for seq, _ in stored_events(database)] == [1, 2, 3]
