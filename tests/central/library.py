"""A small, fully known library for the central server's tests (the big demo seed is tested apart).

Monday 2025-10-06 is "today". Closed: weekends, Monday 2025-10-13, 2025-11-26..28; term ends
Friday 2026-06-12. Students borrow books for 14 days (max 3, 1 renewal, 10c/day up to $1.00),
DVDs for 3 days (max 1); reference books stay in the library. Fines block above $5.00.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from central.api.routes import token_hash
from central.circulation.patrons import hash_pin
from central.circulation.schools import add_school
from central.store.models import (ClosedDay, Fine, Hold, Item, Kiosk, LibrarySettings, Loan, LoanPolicy, Patron,
                                  PatronCard, Title)
from protocol.identifiers import make_library_barcode

CARD_UID = "04A1B2C3D4E5F6"
PIN = "4321"


def patron_barcode(n: int) -> str:
    """Patron barcode number n (type digit 2, institution 1234)."""
    return make_library_barcode("2", 1234, n)


def item_barcode(n: int) -> str:
    """Item barcode number n (type digit 3, institution 1234)."""
    return make_library_barcode("3", 1234, n)


@dataclass
class SmallLibrary:
    """Barcodes of the small library, named by what each is for."""

    maria: str = patron_barcode(1)        # student, Spanish, no PIN
    sam: str = patron_barcode(2)          # student with PIN 4321 and an NFC card
    expired: str = patron_barcode(3)      # card expired last June
    blocked: str = patron_barcode(4)      # manual block
    owes: str = patron_barcode(5)         # $6.00 unpaid fines
    teacher: str = patron_barcode(6)
    lena: str = patron_barcode(7)         # student with 3 books out already
    sharks: str = item_barcode(1)         # "All About Sharks", copy 1
    sharks2: str = item_barcode(2)        # "All About Sharks", copy 2
    bear: str = item_barcode(3)           # picture book
    dragon: str = item_barcode(4)         # novel
    dvd: str = item_barcode(5)            # DVD
    encyclopedia: str = item_barcode(6)   # reference
    held: str = item_barcode(7)           # on the hold shelf for Sam
    lenas: tuple = (item_barcode(8), item_barcode(9), item_barcode(10))  # on loan to Lena
    unknown_item: str = item_barcode(99)
    unknown_patron: str = patron_barcode(99)
    school_id: int = 0                    # the one school, "test"


def build_small_library(session, clock) -> SmallLibrary:
    """Create the small library (one school, "test", on the district's settings) and return its barcodes."""
    lib = SmallLibrary()
    school = add_school(session, "test", "Test School", 1234)
    lib.school_id = school.id
    session.add(LibrarySettings(library_name="Test School Library", term_end=date(2026, 6, 12),
                                closed_weekdays="5,6", fines_block_cents=500, hold_pickup_days=7))
    session.add_all([ClosedDay(day=date(2025, 10, 13), reason="Indigenous Peoples' Day")]
                    + [ClosedDay(day=date(2025, 11, d), reason="Thanksgiving break") for d in (26, 27, 28)])
    for patron_type, item_type, loanable, days, most, renewals, per_day, cap in (
            ("student", "book", True, 14, 3, 1, 10, 100), ("student", "picture_book", True, 14, 3, 1, 10, 100),
            ("student", "dvd", True, 3, 1, 0, 25, 300), ("student", "reference", False, 0, 0, 0, 0, 0),
            ("teacher", "book", True, 28, 10, 2, 0, 0), ("teacher", "reference", True, 7, 2, 0, 0, 0)):
        session.add(LoanPolicy(patron_type=patron_type, item_type=item_type, loanable=loanable, loan_days=days,
                               max_items=most, max_renewals=renewals, fine_cents_per_day=per_day,
                               max_fine_cents=cap))
    good = date(2026, 8, 31)
    people = [
        (lib.maria, "Maria", "Garcia", "student", "3", "es", None, good, None),
        (lib.sam, "Sam", "Okafor", "student", "5", "en", hash_pin(PIN), good, None),
        (lib.expired, "Leo", "Smith", "student", "4", "en", None, date(2025, 6, 30), None),
        (lib.blocked, "Ava", "Jones", "student", "2", "en", None, good, "Parent asked to pause borrowing."),
        (lib.owes, "Omar", "Ali", "student", "6", "en", None, good, None),
        (lib.teacher, "Grace", "Patel", "teacher", None, "en", None, good, None),
        (lib.lena, "Lena", "Kim", "student", "4", "en", None, good, None),
    ]
    patrons = {}
    for barcode, first, last, kind, grade, lang, pin_hash, expires, block in people:
        patrons[barcode] = Patron(barcode=barcode, first_name=first, last_name=last, patron_type=kind, grade=grade,
                                  homeroom="Room 12 - Ms. Patel" if kind == "student" else "Room 12",
                                  school_id=school.id,
                                  language=lang, pin_hash=pin_hash, expires_on=expires, block_reason=block)
    session.add_all(patrons.values())
    titles = {name: Title(title=name, author=author, audience=audience, dewey=dewey) for name, author, audience, dewey in (
        ("All About Sharks", "Gail Gibbs", "nonfiction", "597.3"), ("The Sleepy Bear", "Ann Rowan", "picture_book", None),
        ("Dragon Academy #1: First Flight", "Ben Park", "fiction", None), ("Planet Oceans", "Various", "media", None),
        ("World Book Encyclopedia, Volume 1", "World Book", "reference", "031"),
        ("Owl Diaries #1", "Rosa Bauer", "fiction", None), ("Lena's Book A", "A. Author", "fiction", None),
        ("Lena's Book B", "B. Author", "fiction", None), ("Lena's Book C", "C. Author", "fiction", None))}
    session.add_all(titles.values())
    session.flush()
    items = {}
    for barcode, title, call_number, item_type, status in (
            (lib.sharks, "All About Sharks", "597.3 GIB", "book", "available"),
            (lib.sharks2, "All About Sharks", "597.3 GIB", "book", "available"),
            (lib.bear, "The Sleepy Bear", "E ROW", "picture_book", "available"),
            (lib.dragon, "Dragon Academy #1: First Flight", "FIC PAR", "book", "available"),
            (lib.dvd, "Planet Oceans", "DVD PLA", "dvd", "available"),
            (lib.encyclopedia, "World Book Encyclopedia, Volume 1", "REF 031 WOR", "reference", "available"),
            (lib.held, "Owl Diaries #1", "FIC BAU", "book", "on_hold_shelf"),
            (lib.lenas[0], "Lena's Book A", "FIC AUT", "book", "on_loan"),
            (lib.lenas[1], "Lena's Book B", "FIC AUT", "book", "on_loan"),
            (lib.lenas[2], "Lena's Book C", "FIC AUT", "book", "on_loan")):
        items[barcode] = Item(barcode=barcode, title_id=titles[title].id, school_id=school.id,
                              call_number=call_number,
                              location="Nonfiction" if call_number[0].isdigit() else "Shelves", item_type=item_type,
                              status=status)
    session.add_all(items.values())
    session.flush()
    session.add(PatronCard(uid=CARD_UID, patron_id=patrons[lib.sam].id))
    session.add(Fine(patron_id=patrons[lib.owes].id, item_id=items[lib.dragon].id, school_id=school.id,
                     amount_cents=600, reason="lost item", assessed_on=date(2025, 9, 15), paid=False))
    session.add(Hold(title_id=titles["Owl Diaries #1"].id, item_id=items[lib.held].id,
                     patron_id=patrons[lib.sam].id, school_id=school.id, status="ready",
                     placed_at=datetime(2025, 9, 20, tzinfo=timezone.utc), pickup_by=date(2025, 10, 10)))
    for n, barcode in enumerate(lib.lenas):
        session.add(Loan(item_id=items[barcode].id, patron_id=patrons[lib.lena].id,
                         checked_out_at=datetime(2025, 9, 29, 15, n, tzinfo=timezone.utc),
                         due_date=date(2025, 10, 13 + n + 1), renewals=0))
    session.add_all([Kiosk(id="k1", name="Entrance", school_id=school.id, token_hash=token_hash("token-one")),
                     Kiosk(id="k2", name="Back room", school_id=school.id, token_hash=token_hash("token-two"))])
    session.flush()
    return lib
