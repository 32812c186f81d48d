"""Delta sync feeds: what a kiosk downloads to sign patrons in and lend books while the server is away."""
from __future__ import annotations

import json

from protocol import wire
from tests.central.library import CARD_UID, PIN
from tests.central.test_sync_batch import ev, send


def all_pages(kiosk, path: str, limit: int = 500, cursor: str | None = None) -> tuple[list[dict], str, dict]:
    """Follow a feed until ``more`` is false; records, the last cursor and the last page."""
    records = []
    while True:
        query = f"?limit={limit}" + (f"&since={cursor}" if cursor else "")
        response = kiosk.get(path + query)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        records += page["records"]
        cursor = page["cursor"]
        if not page["more"]:
            return records, cursor, page


def test_the_patron_feed_holds_no_card_number_and_a_tap_opens_its_barcode(kiosk, library):
    """GIVEN the small library WHEN a kiosk reads the patron feed THEN every patron is there once, found by the keyed
    hash of their barcode, no barcode or card UID appears in the clear, Sam's card seals his barcode, and a blocked or
    expired student carries the refusal code."""
    records, _, page = all_pages(kiosk, "/sync/patrons", limit=2)
    text = json.dumps(records)
    assert library.maria not in text and CARD_UID not in text and "Garcia" not in text
    key = bytes.fromhex(page["hash_key"])
    by_digest = {r["barcode_digest"]: wire.CachedPatron.from_dict(r) for r in records}
    assert len(by_digest) == len(records) == 7
    sam = by_digest[wire.identifier_digest(key, "barcode", library.sam)]
    assert sam.display_name == "Sam O." and sam.pin_required and sam.pin_hash is None
    assert sam.card_digests == (wire.identifier_digest(key, "card_uid", CARD_UID),)
    assert wire.unseal_barcode(key, CARD_UID, sam.card_barcodes[0]) == library.sam
    assert by_digest[wire.identifier_digest(key, "barcode", library.blocked)].refusal == "patron_blocked"
    assert by_digest[wire.identifier_digest(key, "barcode", library.expired)].refusal == "card_expired"
    assert by_digest[wire.identifier_digest(key, "barcode", library.lena)].loans_count == 3


def test_a_checkout_reaches_the_next_poll_of_both_feeds(kiosk, library):
    """GIVEN a kiosk that read both feeds WHEN Maria checks a book out and the kiosk polls with its cursors THEN her
    record comes back with one more loan and the book's with status on_loan."""
    _, patron_cursor, page = all_pages(kiosk, "/sync/patrons")
    _, item_cursor, _ = all_pages(kiosk, "/sync/items")
    send(kiosk, [ev(1, "checkout", offline=False, patron_barcode=library.maria, item_barcode=library.sharks)])
    key = bytes.fromhex(page["hash_key"])
    patrons, _, _ = all_pages(kiosk, "/sync/patrons", cursor=patron_cursor)
    maria = [r for r in patrons if r["barcode_digest"] == wire.identifier_digest(key, "barcode", library.maria)]
    assert maria and maria[-1]["loans_count"] == 1
    items, _, _ = all_pages(kiosk, "/sync/items", cursor=item_cursor)
    assert [r["status"] for r in items if r["barcode"] == library.sharks] == ["on_loan"]


def test_the_pin_hash_is_sent_only_when_asked_and_checks_the_pin(kiosk, library):
    """GIVEN with_pin_hash=1 WHEN the patron feed is read THEN Sam's record carries a hash the PIN matches."""
    from werkzeug.security import check_password_hash

    records = kiosk.get("/sync/patrons?with_pin_hash=1").get_json()["records"]
    hashes = [r["pin_hash"] for r in records if r["pin_hash"]]
    assert len(hashes) == 1 and check_password_hash(hashes[0], PIN) and not check_password_hash(hashes[0], "0000")


def test_items_and_loan_rules_feeds(kiosk, library):
    """GIVEN the small library WHEN the item feed and the loan rules are read THEN every item with its title, and the
    student book rule, the closed weekdays and days and the term end."""
    items, _, _ = all_pages(kiosk, "/sync/items", limit=3)
    by_barcode = {r["barcode"]: wire.CachedItem.from_dict(r) for r in items}
    assert len(by_barcode) == 10 and by_barcode[library.bear].title == "The Sleepy Bear"
    rules = wire.LoanRules.from_dict(kiosk.get("/sync/loan-rules").get_json())
    assert wire.LoanRule("student", "book", True, 14, 3) in rules.rules
    assert rules.closed_weekdays == frozenset({5, 6}) and rules.term_end.isoformat() == "2026-06-12"
    assert {d.isoformat() for d in rules.closed_days} == {"2025-10-13", "2025-11-26", "2025-11-27", "2025-11-28"}


def test_bad_feed_arguments_are_refused(kiosk):
    """GIVEN a cursor this server did not make, or a limit of 0 WHEN asked THEN 400 saying so."""
    assert kiosk.get("/sync/patrons?since=garbage").status_code == 400
    assert kiosk.get("/sync/items?limit=0").status_code == 400
    assert kiosk.get("/sync/items?limit=99999").status_code == 400
