"""A copy marked lost, missing or withdrawn scanned at a checkout: refused with "give it to the librarian", and found."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from central.circulation.found import GIVE_TO_LIBRARIAN
from central.store.models import AuditEntry, Item
from tests.central.conftest import MONDAY


def set_status(database, barcode: str, status: str) -> None:
    with database.writer() as session, session.begin():
        session.scalars(sa.select(Item).where(Item.barcode == barcode)).one().status = status


def found_entries(database, barcode: str) -> list[AuditEntry]:
    with database.reader() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "item.found_at_checkout",
                                                                AuditEntry.target_id == barcode)))


@pytest.mark.parametrize("status", ["lost", "missing", "withdrawn"])
def test_given_a_copy_marked_gone_when_a_student_checks_it_out_then_it_goes_to_the_librarian_and_is_found(
        kiosk, library, database, status):
    """GIVEN a copy marked lost, missing or withdrawn WHEN Maria scans it at the kiosk THEN the checkout is refused
    with item_give_to_librarian and a sentence in her language, nothing is lent, and the audit log records that the
    copy was found (its status is left for the librarian to change)."""
    set_status(database, library.sharks, status)
    body = kiosk.event("checkout", "es", patron_barcode=library.maria, item_barcode=library.sharks)
    assert body["ok"] is False and body["loan"] is None
    assert body["refusal"]["code"] == GIVE_TO_LIBRARIAN and "bibliotecario" in body["refusal"]["message"]
    entries = found_entries(database, library.sharks)
    assert len(entries) == 1 and status in entries[0].summary and entries[0].school_id is not None
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == status
    assert kiosk.get(f"/patrons/{library.maria}/account").get_json()["loans"] == []


def test_given_a_blocked_student_and_a_lost_copy_when_checked_out_then_the_block_is_the_reason(kiosk, library,
                                                                                          database):
    """GIVEN a blocked student WHEN they scan a lost copy THEN the block is said first (as a librarian checks)."""
    set_status(database, library.sharks, "lost")
    body = kiosk.event("checkout", patron_barcode=library.blocked, item_barcode=library.sharks)
    assert body["refusal"]["code"] == "patron_blocked"


def test_given_a_lost_copy_when_an_offline_checkout_of_it_arrives_then_it_is_lent_and_staff_are_told(kiosk, library,
                                                                                                  database):
    """GIVEN a lost copy WHEN an offline checkout of it arrives (the book left with the student) THEN the loan is
    recorded, the copy is on loan again, the audit log says it was found and the exception is listed for staff."""
    set_status(database, library.sharks, "lost")
    body = kiosk.event("checkout", offline=True, occurred_at=MONDAY - timedelta(hours=1),
                       patron_barcode=library.maria, item_barcode=library.sharks)
    assert body["ok"] is True and body["loan"]["item_barcode"] == library.sharks
    assert GIVE_TO_LIBRARIAN in body.get("offline_exceptions", body.get("exceptions", []))
    assert len(found_entries(database, library.sharks)) == 1
    assert kiosk.get(f"/items/{library.sharks}").get_json()["item"]["status"] == "on_loan"
