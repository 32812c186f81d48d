"""The typed port (protocol/wire.py): every type round-trips through its JSON form, bad records name the field."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import wire
from protocol.circulation import Refusal
from protocol.identifiers import make_library_barcode

PATRON = make_library_barcode("2", 1234, 5)
BOOK = make_library_barcode("3", 1234, 6)
WHEN = dt.datetime(2025, 10, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-6)))

barcodes = st.text(alphabet="0123456789", min_size=1, max_size=20)
requests = st.one_of(
    st.builds(wire.CheckoutRequest, barcodes, barcodes, st.one_of(st.none(), st.dates())),
    st.builds(wire.CheckinRequest, barcodes),
    st.builds(wire.RenewRequest, barcodes, barcodes),
)


@given(request=requests, sequence=st.integers(1, 2**31 - 1), offline=st.booleans())
def test_event_round_trips_through_json_text(request, sequence, offline):
    """GIVEN any circulation request in an event WHEN written as JSON text and read back THEN it is equal."""
    event = wire.CirculationEvent(wire.CirculationEvent.new_id(), sequence, WHEN, request, offline)
    again = wire.CirculationEvent.from_dict(json.loads(json.dumps(event.to_dict())))
    assert again == event
    assert again.type == request.TYPE


def test_outcome_round_trips_with_loan_checkin_refusal_and_exceptions():
    """GIVEN a full outcome WHEN written and read back THEN nothing is lost."""
    outcome = wire.CirculationOutcome(
        event_id="e1", ok=True, renewed=False, offline=True,
        loan=wire.Loan(BOOK, "Matilda", dt.date(2025, 10, 20), "Roald Dahl", "FIC DAH", 1, False),
        checkin=wire.Checkin(BOOK, "Matilda", True, 2, 20, "sort_bin", "Bin 3", True),
        refusal=Refusal.of("item_on_hold", "es"), exceptions=("item_on_hold",))
    assert wire.CirculationOutcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome
    assert wire.CirculationOutcome.from_dict(outcome.to_dict()).as_replayed().replayed


def test_account_round_trips():
    """GIVEN an account with loans, holds and fines WHEN written and read back THEN it is equal."""
    account = wire.Account(
        patron=wire.Patron(PATRON, "Maria G.", "es", expires_on=dt.date(2026, 6, 30), loans_count=1,
                           max_items=3, can_checkout=False, refusal="fines_over_limit", pin_required=True),
        loans=(wire.Loan(BOOK, "Holes", dt.date(2025, 10, 1), overdue=True),),
        holds=(wire.Hold("Frindle", "ready", pickup_by=dt.date(2025, 10, 9)),),
        fines=(wire.Fine(600, "overdue", "Holes", dt.date(2025, 10, 3)),), fines_total_cents=600)
    assert wire.Account.from_dict(json.loads(json.dumps(account.to_dict()))) == account


@pytest.mark.parametrize("body, field", [
    ({"sequence": 1, "occurred_at": WHEN.isoformat(), "type": "checkin", "item_barcode": BOOK}, "event_id"),
    ({"event_id": "not-a-uuid", "sequence": 1, "occurred_at": WHEN.isoformat(), "type": "checkin",
      "item_barcode": BOOK}, "event_id"),
    ({"event_id": wire.CirculationEvent.new_id(), "occurred_at": WHEN.isoformat(), "type": "checkin",
      "item_barcode": BOOK}, "sequence"),
    ({"event_id": wire.CirculationEvent.new_id(), "sequence": 1, "occurred_at": "2025-10-06T09:30:00",
      "type": "checkin", "item_barcode": BOOK}, "occurred_at"),
    ({"event_id": wire.CirculationEvent.new_id(), "sequence": 1, "occurred_at": WHEN.isoformat(),
      "type": "lend", "item_barcode": BOOK}, "type"),
    ({"event_id": wire.CirculationEvent.new_id(), "sequence": 1, "occurred_at": WHEN.isoformat(),
      "type": "checkout", "item_barcode": BOOK}, "patron_barcode"),
    ({"event_id": wire.CirculationEvent.new_id(), "sequence": True, "occurred_at": WHEN.isoformat(),
      "type": "checkin", "item_barcode": BOOK}, "sequence"),
])
def test_bad_event_names_the_field(body, field):
    """GIVEN an event record with one field missing or wrong WHEN read THEN WireError names that field."""
    with pytest.raises(wire.WireError) as caught:
        wire.CirculationEvent.from_dict(body)
    assert caught.value.field == field


def test_identify_request_needs_exactly_one_identifier_and_hides_the_pin():
    """GIVEN identify requests WHEN built with none or both identifiers THEN refused; repr never shows a PIN."""
    with pytest.raises(wire.WireError):
        wire.IdentifyRequest()
    with pytest.raises(wire.WireError):
        wire.IdentifyRequest(barcode=PATRON, card_uid="04A1B2C3")
    request = wire.IdentifyRequest(barcode=PATRON, pin="4321", method="typed")
    assert "4321" not in repr(request)


def test_identifier_digest_is_keyed_and_kind_separated():
    """GIVEN the same number WHEN hashed with two keys or as two kinds THEN the digests differ."""
    a = wire.identifier_digest(b"k1", "barcode", PATRON)
    assert a == wire.identifier_digest(b"k1", "barcode", PATRON)
    assert a != wire.identifier_digest(b"k2", "barcode", PATRON)
    assert a != wire.identifier_digest(b"k1", "card_uid", PATRON)
    assert PATRON not in a


def test_cache_records_and_loan_rules_round_trip():
    """GIVEN cache records and loan rules WHEN written and read back THEN they are equal; bad weekdays refused."""
    patron = wire.CachedPatron("p1", "d" * 64, ("c" * 64,), ("ab12",), "Sam T.", "student", "en",
                               dt.date(2026, 6, 30), pin_required=True, loans_count=2)
    item = wire.CachedItem(BOOK, "Holes", "Louis Sachar", "FIC SAC", "book", "Fiction, shelf S")
    rules = wire.LoanRules((wire.LoanRule("student", "book", True, 14, 3),), frozenset({5, 6}),
                           frozenset({dt.date(2025, 11, 27)}), dt.date(2026, 6, 12))
    assert wire.CachedPatron.from_dict(json.loads(json.dumps(patron.to_dict()))) == patron
    assert wire.CachedItem.from_dict(json.loads(json.dumps(item.to_dict()))) == item
    assert wire.LoanRules.from_dict(json.loads(json.dumps(rules.to_dict()))) == rules
    with pytest.raises(wire.WireError) as caught:
        wire.LoanRules.from_dict({"closed_weekdays": [7]})
    assert caught.value.field == "closed_weekdays"


def test_checkin_routing_must_be_known():
    """GIVEN a checkin record with an unknown routing WHEN read THEN WireError names routing."""
    with pytest.raises(wire.WireError) as caught:
        wire.Checkin.from_dict({"item_barcode": BOOK, "routing": "the moon"})
    assert caught.value.field == "routing"


def test_a_sealed_barcode_opens_only_with_its_card():
    """GIVEN a barcode sealed under card A WHEN opened with card A THEN the barcode; with card B THEN not it."""
    sealed = wire.seal_barcode(b"key", "04A1B2C3", PATRON)
    assert PATRON not in sealed and len(sealed) == 2 * len(PATRON)
    assert wire.unseal_barcode(b"key", "04A1B2C3", sealed) == PATRON
    try:
        other = wire.unseal_barcode(b"key", "04FFFFFF", sealed)
    except UnicodeDecodeError:
        other = None
    assert other != PATRON


def test_a_search_page_round_trips_through_json_text():
    """GIVEN a page of search hits with a sentence WHEN written as JSON text and read back THEN it is the same page."""
    page = wire.SearchOutcome(query="niño", total=7, message="", hits=(
        wire.SearchHit(title="El niño y el mar", author="Ada Ruiz", call_number="E RUI", location="Picture books, shelf R",
                       copies=2, available=1, isbn="9780000000002", subjects=("Mar", "Niños")),
        wire.SearchHit(title="Untitled"),))
    assert wire.SearchOutcome.from_dict(json.loads(json.dumps(page.to_dict()))) == page
    empty = wire.SearchOutcome(query="%", message="No books found.")
    assert wire.SearchOutcome.from_dict(json.loads(json.dumps(empty.to_dict()))) == empty


@pytest.mark.parametrize("body, field", [
    ({"query": "x"}, "hits"),
    ({"query": "x", "hits": [{"author": "no title"}]}, "title"),
    ({"query": "x", "hits": ["a string"]}, "hits[0]"),
    ({"query": "x", "hits": [{"title": "T", "copies": -1}]}, "copies"),
    ({"query": "x", "hits": [{"title": "T", "subjects": "Sea"}]}, "subjects"),
    ({"query": "x", "total": 0, "hits": [{"title": "T"}]}, "total"),
])
def test_an_unreadable_search_page_names_the_field(body, field):
    """GIVEN a search answer with a wrong part WHEN read THEN the WireError names that part."""
    with pytest.raises(wire.WireError) as raised:
        wire.SearchOutcome.from_dict(body)
    assert field in str(raised.value)
