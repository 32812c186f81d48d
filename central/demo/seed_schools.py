"""The demo district's second school (Roosevelt Middle), copy prices, and the demo staff accounts."""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import rules, school_calendar
from central.circulation.schools import add_school
from central.clock import SystemClock
from central.demo.seed import DEMO_PIN, add_policies, seed_catalog, seed_patrons
from central.demo.seed_catalog import TitleSpec
from central.demo.seed_circulation import seed_circulation
from central.staff.accounts import create_account
from central.staff.passwords import generate_password
from central.store.models import Item, LibrarySettings, School, SchoolClosedDay, Title

ROOSEVELT_INSTITUTION = 1235
# Middle schoolers read longer books: three weeks, five at a time; teachers and staff keep the district's.
ROOSEVELT_POLICIES = {"student": (("book", True, 21, 5, 2, 5, 200), ("picture_book", True, 14, 3, 1, 5, 100),
                                  ("dvd", True, 3, 1, 0, 25, 300), ("magazine", True, 7, 2, 1, 5, 50),
                                  ("reference", False, 0, 0, 0, 0, 0))}
# Replacement prices in cents by item type (a lost or damaged copy is charged its price).
PRICES = {"picture_book": (1599, 1799, 1999), "book": (899, 1299, 1699, 1899), "reference": (4500, 6900),
          "dvd": (1999, 2499), "magazine": (599,), "audiobook": (2999,)}
DEMO_STAFF = (("librarian", "librarian", "lincoln", "Ms. Rivera"), ("technician", "technician", "lincoln", "Mr. Cho"),
              ("roosevelt", "librarian", "roosevelt", "Mrs. Okafor"), ("district", "district_admin", None,
                                                                        "District library coordinator"))


def seed_roosevelt(session: Session, rng: random.Random, clock: SystemClock, start_year: int,
                   catalog: list[tuple[TitleSpec, Title]], progress: Callable[[str], None]) -> dict:
    """Roosevelt Middle: own settings and student policies, an extra closed day, copies of the older
    titles of the district catalog, grades 6-8, and some circulation."""
    school = add_school(session, "roosevelt", "Roosevelt Middle School", ROOSEVELT_INSTITUTION)
    term_end = school_calendar.term_end(start_year)
    session.add(LibrarySettings(school_id=school.id, library_name="Roosevelt Middle School Library",
                                term_end=term_end, closed_weekdays="5,6", fines_block_cents=1000,
                                hold_pickup_days=5, loan_history_days=30, default_replacement_cents=2500,
                                processing_fee_cents=500))
    work_day = rules.next_open_day(rules.LibraryCalendar(frozenset({5, 6}), frozenset(
        school_calendar.closed_days(start_year)), term_end), date(start_year, 10, 20))
    session.add(SchoolClosedDay(school_id=school.id, day=work_day, reason="Teacher work day"))
    add_policies(session, school.id, ROOSEVELT_POLICIES)
    session.flush()
    older = [(s, t) for s, t in catalog if s.audience in ("fiction", "nonfiction", "biography", "reference")]
    chosen = [(s, t) for s, t in older if rng.random() < 0.55]
    copies = [TitleSpec(s.title, s.author, s.audience, s.item_type, s.call_number, s.location,
                        1 if s.item_type == "reference" else rng.choice((1, 1, 2)), s.dewey, s.series, s.isbn)
              for s, _ in chosen]
    items = seed_catalog(session, school, copies, [t for _, t in chosen])
    progress(f"Roosevelt catalog: {len(copies):,} titles shared with Lincoln, {len(items):,} items")
    patrons = seed_patrons(session, rng, school, date(start_year + 1, 8, 31), start_year, ("6", "7", "8"),
                           sections=3, specialists=("Art", "Band", "Physical Education", "Science Lab"),
                           staff_roles=("Front Office", "Counselor"), first_room=201)
    calendar = rules.LibraryCalendar(frozenset({5, 6}), frozenset({*school_calendar.closed_days(start_year),
                                                                   work_day}), term_end)
    loans = seed_circulation(session, rng, clock, calendar, school, patrons, items)
    progress(f"Roosevelt: {len(patrons):,} patrons, {loans['loans']} loans out, {loans['holds']} holds, "
             f"{loans['fines']} fines (PIN {DEMO_PIN} for those who have one)")
    return {"school": school, "items": len(items), "patrons": len(patrons)}


def seed_prices(session: Session, rng: random.Random) -> None:
    """A replacement price on nine copies in ten, as a catalog imported from a library system has."""
    for item in session.scalars(sa.select(Item).order_by(Item.id)):
        if rng.random() < 0.9:
            item.price_cents = rng.choice(PRICES.get(item.item_type, (1299,)))
    session.flush()


def seed_staff(session: Session, clock: SystemClock, schools: dict[str, School],
               progress: Callable[[str], None]) -> dict[str, str]:
    """The demo staff accounts, each with a new random password; returns username -> password."""
    sign_ins = {}
    for username, role, school_code, display_name in DEMO_STAFF:
        password = generate_password()
        school = schools[school_code] if school_code else None
        create_account(session, username, password, role, school=school, now=clock.now(),
                       display_name=display_name)
        sign_ins[username] = password
        where = school.name if school else "every school"
        progress(f"Staff sign-in: {username} / {password} ({role.replace('_', ' ')}, {where})")
    return sign_ins
