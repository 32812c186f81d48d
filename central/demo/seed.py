"""The demo school library, built deterministically from one random seed (`central seed-demo`)."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.api.routes import token_hash
from central.circulation import rules, school_calendar
from central.circulation.patrons import hash_pin
from central.clock import SystemClock
from central.demo import seed_data as words
from central.demo.seed_catalog import ITEM_INSTITUTION, build_catalog
from central.store.models import (ClosedDay, Fine, Hold, Item, Kiosk, LibrarySettings, Loan, LoanPolicy, Patron,
                                  PatronCard, Title)
from protocol.identifiers import make_library_barcode

DEFAULT_SEED = 20240826
DEMO_PIN = "1234"
DEMO_KIOSK_ID, DEMO_KIOSK_TOKEN = "demo-kiosk-1", "demo-kiosk-token"
GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8")
# (item_type, loanable, loan_days, max_items, max_renewals, fine_cents_per_day, max_fine_cents) by patron type
POLICIES = {
    "student": (("book", True, 14, 3, 2, 5, 100), ("picture_book", True, 14, 3, 2, 5, 100),
                ("dvd", True, 3, 1, 0, 25, 300), ("magazine", True, 7, 2, 1, 5, 50),
                ("reference", False, 0, 0, 0, 0, 0)),
    "teacher": (("book", True, 28, 25, 3, 0, 0), ("picture_book", True, 28, 25, 3, 0, 0),
                ("dvd", True, 7, 5, 1, 0, 0), ("magazine", True, 14, 10, 2, 0, 0),
                ("reference", True, 7, 5, 0, 0, 0)),
    "staff": (("book", True, 21, 10, 2, 0, 0), ("picture_book", True, 21, 10, 2, 0, 0),
              ("dvd", True, 7, 3, 1, 0, 0), ("magazine", True, 14, 5, 1, 0, 0),
              ("reference", False, 0, 0, 0, 0, 0)),
}


class SeedRefused(RuntimeError):
    """The database already holds library data; the message says so in one sentence."""


def existing_counts(session: Session) -> dict[str, int]:
    """How many titles and patrons the database already has."""
    return {"titles": session.scalar(sa.select(sa.func.count()).select_from(Title)) or 0,
            "patrons": session.scalar(sa.select(sa.func.count()).select_from(Patron)) or 0}


def seed_demo(session: Session, clock: SystemClock, *, seed: int = DEFAULT_SEED,
              progress: Callable[[str], None] = lambda _msg: None) -> dict[str, int]:
    """Fill an EMPTY database with the demo library; raises SeedRefused if it has data already."""
    counts = existing_counts(session)
    if counts["titles"] or counts["patrons"]:
        raise SeedRefused(f"The database already has a library ({counts['titles']:,} titles, "
                          f"{counts['patrons']:,} patrons); seed-demo only fills an empty one.")
    rng = random.Random(seed)
    today = clock.today()
    start_year = school_calendar.school_year_start(today)
    calendar = _seed_settings(session, start_year)
    progress(f"Calendar: school year {start_year}-{start_year + 1}, {len(calendar.closed_days)} closed weekdays")
    items = _seed_catalog(session, rng)
    progress(f"Catalog: {len({i.title_id for i in items}):,} titles, {len(items):,} items")
    patrons = _seed_patrons(session, rng, date(start_year + 1, 8, 31), start_year)
    progress(f"Patrons: {len(patrons):,} (students, teachers, staff) with cards and PINs")
    loans = _seed_circulation(session, rng, clock, calendar, patrons, items)
    progress(f"Circulation: {loans['loans']} loans out ({loans['overdue']} overdue), {loans['holds']} holds, "
             f"{loans['fines']} fines")
    session.add(Kiosk(id=DEMO_KIOSK_ID, name="Library entrance kiosk", token_hash=token_hash(DEMO_KIOSK_TOKEN)))
    session.flush()
    progress(f"Kiosk: {DEMO_KIOSK_ID} (token {DEMO_KIOSK_TOKEN})")
    return {"titles": len({i.title_id for i in items}), "items": len(items), "patrons": len(patrons), **loans}


def _seed_settings(session: Session, start_year: int) -> rules.LibraryCalendar:
    term_end = school_calendar.term_end(start_year)
    closed = school_calendar.closed_days(start_year)
    session.add(LibrarySettings(library_name=words.LIBRARY_NAME, term_end=term_end, closed_weekdays="5,6",
                                fines_block_cents=500, hold_pickup_days=7))
    session.add_all(ClosedDay(day=day, reason=reason) for day, reason in closed.items())
    for patron_type, rows in POLICIES.items():
        session.add_all(LoanPolicy(patron_type=patron_type, item_type=t, loanable=ok, loan_days=days,
                                   max_items=most, max_renewals=ren, fine_cents_per_day=per_day,
                                   max_fine_cents=cap) for t, ok, days, most, ren, per_day, cap in rows)
    return rules.LibraryCalendar(frozenset({5, 6}), frozenset(closed), term_end)


def _seed_catalog(session: Session, rng: random.Random) -> list[Item]:
    specs = build_catalog(rng)
    titles = [Title(title=s.title, author=s.author, isbn=s.isbn, dewey=s.dewey, audience=s.audience,
                    series=s.series) for s in specs]
    session.add_all(titles)
    session.flush()
    items, sequence = [], 0
    for spec, title in zip(specs, titles):
        for _ in range(spec.copies):
            sequence += 1
            items.append(Item(barcode=make_library_barcode("3", ITEM_INSTITUTION, sequence), title_id=title.id,
                              call_number=spec.call_number, location=spec.location, item_type=spec.item_type,
                              status="available"))
    session.add_all(items)
    session.flush()
    return items


def _name(rng: random.Random, spanish: bool) -> tuple[str, str]:
    if spanish:
        return rng.choice(words.FIRST_ES), rng.choice(words.LAST_ES)
    return rng.choice(words.FIRST_EN), rng.choice(words.LAST_EN)


def _seed_patrons(session: Session, rng: random.Random, expires: date, start_year: int) -> list[Patron]:
    patrons: list[Patron] = []
    pin_hash = hash_pin(DEMO_PIN)  # one hash for every demo PIN: hashing hundreds would slow seeding
    last_june = date(start_year, 6, 30)

    def add(first, last, patron_type, grade=None, homeroom=None, language="en", pin=False, expires_on=expires):
        patrons.append(Patron(barcode=make_library_barcode("2", ITEM_INSTITUTION, len(patrons) + 1),
                              first_name=first, last_name=last, patron_type=patron_type, grade=grade,
                              homeroom=homeroom, language=language, pin_hash=pin_hash if pin else None,
                              expires_on=expires_on))

    rooms = []
    for grade_index, grade in enumerate(GRADES):
        for section in range(2):
            first, last = _name(rng, rng.random() < 0.2)
            title = rng.choice(words.TEACHER_TITLES)
            room = f"Room {101 + grade_index * 10 + section if grade_index else 1 + section} - {title} {last}"
            rooms.append((grade, room))
            add(first, last, "teacher", homeroom=room, pin=True)
    for subject in words.SPECIALISTS:
        first, last = _name(rng, rng.random() < 0.2)
        add(first, last, "teacher", homeroom=subject, pin=True)
    for role in words.STAFF_ROLES:
        first, last = _name(rng, rng.random() < 0.25)
        add(first, last, "staff", homeroom=role, pin=True)
    for grade, room in rooms:
        for _ in range(rng.randint(17, 20)):
            spanish = rng.random() < 0.28
            first, last = _name(rng, spanish)
            # Older students type their number more often, so more of them have a PIN.
            pin = rng.random() < (0.05 if grade in ("K", "1", "2") else 0.18)
            add(first, last, "student", grade=grade, homeroom=room,
                language="es" if spanish and rng.random() < 0.6 else "en", pin=pin)
    students = [p for p in patrons if p.patron_type == "student"]
    for patron in rng.sample(students, 6):
        patron.expires_on = last_june  # moved away and came back, or never renewed
    for patron, reason in zip(rng.sample(students, len(words.BLOCK_REASONS)), words.BLOCK_REASONS):
        patron.block_reason = reason
    session.add_all(patrons)
    session.flush()
    for patron in rng.sample(patrons, 24):
        uid = "04" + "".join(f"{rng.randrange(256):02X}" for _ in range(6))  # 7-byte NXP-style UIDs
        session.add(PatronCard(uid=uid, patron_id=patron.id))
    session.flush()
    return patrons


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(13, 21), rng.randrange(60)), tzinfo=timezone.utc)


def _school_days_back(calendar: rules.LibraryCalendar, today: date, count: int) -> date:
    day = today
    while count > 0:
        day -= timedelta(days=1)
        if calendar.is_open(day):
            count -= 1
    return day


def _seed_circulation(session: Session, rng: random.Random, clock: SystemClock, calendar: rules.LibraryCalendar,
                      patrons: list[Patron], items: list[Item]) -> dict[str, int]:
    today = clock.today()
    lendable = [i for i in items if i.item_type in ("book", "picture_book")]
    rng.shuffle(lendable)
    students = [p for p in patrons if p.patron_type == "student" and p.expires_on >= today]
    borrowers = rng.sample(students, len(students) * 2 // 5) + rng.sample(
        [p for p in patrons if p.patron_type == "teacher"], 8)
    loans, overdue = [], 0
    for patron in borrowers:
        for _ in range(rng.choice((1, 1, 2, 3)) if patron.patron_type == "student" else rng.randint(2, 6)):
            item = lendable.pop()
            late = rng.random() < 0.18
            out_on = _school_days_back(calendar, today, rng.randint(12, 25) if late else rng.randint(0, 9))
            due = rules.due_date(calendar, out_on, 14 if patron.patron_type == "student" else 28)
            overdue += due < today
            loans.append(Loan(item_id=item.id, patron_id=patron.id, checked_out_at=_at(out_on, rng), due_date=due,
                              renewals=rng.choice((0, 0, 0, 1))))
            item.status = "on_loan"
    session.add_all(loans)
    for item in rng.sample(lendable, 4):
        item.status = rng.choice(("lost", "missing"))
    lendable = [i for i in lendable if i.status == "available"]
    titles_out = sorted({i.title_id for i in items if i.status == "on_loan"})
    holds = _seed_holds(session, rng, today, students, titles_out, lendable, calendar)
    fines = _seed_fines(session, rng, today, students, items)
    session.flush()
    return {"loans": len(loans), "overdue": overdue, "holds": holds, "fines": fines}


def _seed_holds(session: Session, rng: random.Random, today: date, students: list[Patron],
                titles_out: list[int], shelf_items: list[Item], calendar: rules.LibraryCalendar) -> int:
    """Waiting holds on titles that are checked out, and a few copies already set aside (ready)."""
    count = 0
    for title_id in rng.sample(titles_out, 20):
        for patron in rng.sample(students, rng.randint(1, 3)):
            session.add(Hold(title_id=title_id, patron_id=patron.id, status="waiting",
                             placed_at=_at(today - timedelta(days=rng.randint(1, 20)), rng)))
            count += 1
    for item in rng.sample(shelf_items, 6):
        session.add(Hold(title_id=item.title_id, item_id=item.id, patron_id=rng.choice(students).id,
                         status="ready", placed_at=_at(today - timedelta(days=rng.randint(5, 25)), rng),
                         pickup_by=rules.next_open_day(calendar, today + timedelta(days=rng.randint(1, 6)))))
        item.status = "on_hold_shelf"
        count += 1
    return count


def _seed_fines(session, rng, today, students, items) -> int:
    count = 0
    for patron in rng.sample(students, 18):
        item = rng.choice(items)
        session.add(Fine(patron_id=patron.id, item_id=item.id, amount_cents=rng.choice((15, 25, 40, 60, 100)),
                         reason="overdue", assessed_on=today - timedelta(days=rng.randint(3, 60)),
                         paid=rng.random() < 0.3))
        count += 1
    for patron in rng.sample([s for s in students if not s.block_reason], 3):
        item = rng.choice(items)  # a lost book's replacement cost puts them over the block limit
        session.add(Fine(patron_id=patron.id, item_id=item.id, amount_cents=rng.choice((1299, 1599, 1899)),
                         reason="lost item", assessed_on=today - timedelta(days=rng.randint(10, 90)), paid=False))
        count += 1
    return count
