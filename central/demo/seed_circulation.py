"""The demo library's circulation: loans out (some overdue), waiting and ready holds, fines."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from central.circulation import rules
from central.clock import SystemClock
from central.store.models import Fine, Hold, Item, Loan, Patron, School


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(13, 21), rng.randrange(60)), tzinfo=timezone.utc)


def _school_days_back(calendar: rules.LibraryCalendar, today: date, count: int) -> date:
    day = today
    while count > 0:
        day -= timedelta(days=1)
        if calendar.is_open(day):
            count -= 1
    return day


def seed_circulation(session: Session, rng: random.Random, clock: SystemClock, calendar: rules.LibraryCalendar,
                     school: School, patrons: list[Patron], items: list[Item]) -> dict[str, int]:
    """Loans, holds and fines at ``school`` among its own patrons and items; returns how many of each."""
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
    holds = _seed_holds(session, rng, today, school, students, titles_out, lendable, calendar)
    fines = _seed_fines(session, rng, today, school, students, items)
    session.flush()
    return {"loans": len(loans), "overdue": overdue, "holds": holds, "fines": fines}


def _seed_holds(session: Session, rng: random.Random, today: date, school: School, students: list[Patron],
                titles_out: list[int], shelf_items: list[Item], calendar: rules.LibraryCalendar) -> int:
    """Waiting holds on titles that are checked out, and a few copies already set aside (ready)."""
    count = 0
    for title_id in rng.sample(titles_out, 20):
        for patron in rng.sample(students, rng.randint(1, 3)):
            session.add(Hold(title_id=title_id, patron_id=patron.id, school_id=school.id, status="waiting",
                             placed_at=_at(today - timedelta(days=rng.randint(1, 20)), rng)))
            count += 1
    for item in rng.sample(shelf_items, 6):
        session.add(Hold(title_id=item.title_id, item_id=item.id, patron_id=rng.choice(students).id,
                         school_id=school.id, status="ready",
                         placed_at=_at(today - timedelta(days=rng.randint(5, 25)), rng),
                         pickup_by=rules.next_open_day(calendar, today + timedelta(days=rng.randint(1, 6)))))
        item.status = "on_hold_shelf"
        count += 1
    return count


def _seed_fines(session, rng, today, school, students, items) -> int:
    count = 0
    for patron in rng.sample(students, 18):
        item = rng.choice(items)
        session.add(Fine(patron_id=patron.id, item_id=item.id, school_id=school.id,
                         amount_cents=rng.choice((15, 25, 40, 60, 100)),
                         reason="overdue", assessed_on=today - timedelta(days=rng.randint(3, 60)),
                         paid=rng.random() < 0.3))
        count += 1
    for patron in rng.sample([s for s in students if not s.block_reason], 3):
        item = rng.choice(items)  # a lost book's replacement cost puts them over the block limit
        session.add(Fine(patron_id=patron.id, item_id=item.id, school_id=school.id,
                         amount_cents=rng.choice((1299, 1599, 1899)),
                         reason="lost item", assessed_on=today - timedelta(days=rng.randint(10, 90)), paid=False))
        count += 1
    return count
