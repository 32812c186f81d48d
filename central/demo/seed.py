"""The demo district, built deterministically from one random seed (`central seed-demo`).

Lincoln Elementary is the big library the kiosk demo runs on; Roosevelt Middle is a second, smaller
school sharing the district's catalog (its own copies), with settings and loan policies of its own.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.api.routes import token_hash
from central.circulation import rules, school_calendar
from central.circulation.patrons import hash_pin
from central.circulation.schools import add_school
from central.clock import SystemClock
from central.demo import seed_data as words
from central.demo.seed_catalog import ITEM_INSTITUTION, TitleSpec, build_catalog
from central.demo.seed_circulation import seed_circulation
from central.store.models import (ClosedDay, Item, Kiosk, LibrarySettings, LoanPolicy, Patron, PatronCard, School,
                                  Title)
from protocol.identifiers import make_library_barcode

DEFAULT_SEED = 20240826
DEMO_PIN = "1234"
DEMO_KIOSK_ID, DEMO_KIOSK_TOKEN = "demo-kiosk-1", "demo-kiosk-token"
DISTRICT_NAME = "Maple Valley School District"
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
              progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Fill an EMPTY database with the demo district; raises SeedRefused if it has data already.

    Returns the counts, and under "staff_sign_ins" the demo staff usernames with their new passwords.
    """
    from central.demo import seed_schools  # it builds on this module's helpers

    counts = existing_counts(session)
    if counts["titles"] or counts["patrons"]:
        raise SeedRefused(f"The database already has a library ({counts['titles']:,} titles, "
                          f"{counts['patrons']:,} patrons); seed-demo only fills an empty one.")
    if session.scalar(sa.select(sa.func.count()).select_from(School)):
        raise SeedRefused("The database already has schools; seed-demo only fills an empty one.")
    rng = random.Random(seed)
    # Everything added after Lincoln's library draws from its own generator, so Lincoln stays the same.
    extra = random.Random(seed + 1)
    today = clock.today()
    start_year = school_calendar.school_year_start(today)
    calendar = _seed_district(session, start_year)
    progress(f"District: {DISTRICT_NAME}; school year {start_year}-{start_year + 1}, "
             f"{len(calendar.closed_days)} closed weekdays")
    lincoln = add_school(session, "lincoln", "Lincoln Elementary School", ITEM_INSTITUTION)
    specs = build_catalog(rng)
    items = seed_catalog(session, lincoln, specs)
    progress(f"Lincoln catalog: {len({i.title_id for i in items}):,} titles, {len(items):,} items")
    patrons = seed_patrons(session, rng, lincoln, date(start_year + 1, 8, 31), start_year, GRADES, sections=2,
                           specialists=words.SPECIALISTS, staff_roles=words.STAFF_ROLES)
    progress(f"Lincoln patrons: {len(patrons):,} (students, teachers, staff) with cards and PINs")
    loans = seed_circulation(session, rng, clock, calendar, lincoln, patrons, items)
    progress(f"Lincoln circulation: {loans['loans']} loans out ({loans['overdue']} overdue), "
             f"{loans['holds']} holds, {loans['fines']} fines")
    session.add(Kiosk(id=DEMO_KIOSK_ID, name="Library entrance kiosk", school_id=lincoln.id, kind="kiosk",
                      token_hash=token_hash(DEMO_KIOSK_TOKEN)))
    session.flush()
    progress(f"Kiosk: {DEMO_KIOSK_ID} at Lincoln (token {DEMO_KIOSK_TOKEN})")
    titles = session.scalars(sa.select(Title).order_by(Title.id)).all()  # made in the order of the specs
    second = seed_schools.seed_roosevelt(session, extra, clock, start_year, list(zip(specs, titles)), progress)
    seed_schools.seed_prices(session, extra)
    sign_ins = seed_schools.seed_staff(session, clock, {"lincoln": lincoln, "roosevelt": second["school"]},
                                       progress)
    return {"titles": session.scalar(sa.select(sa.func.count()).select_from(Title)),
            "items": len(items) + second["items"], "patrons": len(patrons) + second["patrons"], **loans,
            "schools": 2, "staff_sign_ins": sign_ins}


def _seed_district(session: Session, start_year: int) -> rules.LibraryCalendar:
    """The district's default settings, closed days and loan policies (every school starts with them)."""
    term_end = school_calendar.term_end(start_year)
    closed = school_calendar.closed_days(start_year)
    session.add(LibrarySettings(school_id=None, library_name=DISTRICT_NAME, term_end=term_end,
                                closed_weekdays="5,6", fines_block_cents=500, hold_pickup_days=7,
                                loan_history_days=0, default_replacement_cents=2000, processing_fee_cents=0))
    session.add_all(ClosedDay(day=day, reason=reason) for day, reason in closed.items())
    add_policies(session, None, POLICIES)
    return rules.LibraryCalendar(frozenset({5, 6}), frozenset(closed), term_end)


def add_policies(session: Session, school_id: int | None, table: dict) -> None:
    """Loan policy rows from a table like POLICIES, for the district (None) or one school."""
    for patron_type, rows in table.items():
        session.add_all(LoanPolicy(school_id=school_id, patron_type=patron_type, item_type=t, loanable=ok,
                                   loan_days=days, max_items=most, max_renewals=ren, fine_cents_per_day=per_day,
                                   max_fine_cents=cap) for t, ok, days, most, ren, per_day, cap in rows)


def seed_catalog(session: Session, school: School, specs: list[TitleSpec],
                 titles: list[Title] | None = None) -> list[Item]:
    """Copies of ``specs`` at ``school`` (creating the titles unless ``titles`` already holds them)."""
    if titles is None:
        titles = [Title(title=s.title, author=s.author, isbn=s.isbn, dewey=s.dewey, audience=s.audience,
                        series=s.series) for s in specs]
        session.add_all(titles)
        session.flush()
    items, sequence = [], 0
    for spec, title in zip(specs, titles):
        for _ in range(spec.copies):
            sequence += 1
            items.append(Item(barcode=make_item_barcode(school, sequence), title_id=title.id, school_id=school.id,
                              call_number=spec.call_number, location=spec.location, item_type=spec.item_type,
                              status="available"))
    session.add_all(items)
    session.flush()
    return items


def make_item_barcode(school: School, sequence: int) -> str:
    """Item barcode number ``sequence`` in the school's range."""
    return make_library_barcode("3", school.institution, sequence)


def _name(rng: random.Random, spanish: bool) -> tuple[str, str]:
    if spanish:
        return rng.choice(words.FIRST_ES), rng.choice(words.LAST_ES)
    return rng.choice(words.FIRST_EN), rng.choice(words.LAST_EN)


def seed_patrons(session: Session, rng: random.Random, school: School, expires: date, start_year: int,
                 grades: tuple[str, ...], *, sections: int, specialists: tuple[str, ...],
                 staff_roles: tuple[str, ...], first_room: int = 101) -> list[Patron]:
    """Teachers (one per homeroom), specialists, staff and 17-20 students per homeroom at ``school``."""
    patrons: list[Patron] = []
    pin_hash = hash_pin(DEMO_PIN)  # one hash for every demo PIN: hashing hundreds would slow seeding
    last_june = date(start_year, 6, 30)

    def add(first, last, patron_type, grade=None, homeroom=None, language="en", pin=False, expires_on=expires):
        number = len(patrons) + 1
        patrons.append(Patron(barcode=make_library_barcode("2", school.institution, number), school_id=school.id,
                              student_id=f"{school.institution}{number:05d}" if patron_type == "student" else None,
                              first_name=first, last_name=last, patron_type=patron_type, grade=grade,
                              homeroom=homeroom, language=language, pin_hash=pin_hash if pin else None,
                              expires_on=expires_on))

    rooms = []
    for grade_index, grade in enumerate(grades):
        for section in range(sections):
            first, last = _name(rng, rng.random() < 0.2)
            title = rng.choice(words.TEACHER_TITLES)
            number = first_room + grade_index * 10 + section if grade_index or first_room != 101 else 1 + section
            room = f"Room {number} - {title} {last}"
            rooms.append((grade, room))
            add(first, last, "teacher", homeroom=room, pin=True)
    for subject in specialists:
        first, last = _name(rng, rng.random() < 0.2)
        add(first, last, "teacher", homeroom=subject, pin=True)
    for role in staff_roles:
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
