"""The demo library: deterministic, realistic, valid barcodes, and refused when the database has data."""
from __future__ import annotations

import collections
import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from central.cli import main
from central.clock import FixedClock
from central.demo.seed import SeedRefused, seed_demo
from central.store.db import Database
from central.store.migrate import upgrade
from central.store.models import (ClosedDay, Hold, Item, Kiosk, LibrarySettings, Loan, LoanPolicy, Patron,
                                  PatronCard, Title)
from protocol.identifiers import validate_library_barcode

CLOCK = FixedClock(moment=datetime(2025, 10, 6, 15, 0, tzinfo=timezone.utc), tz=timezone.utc)


def _seeded(path, seed=None) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.writer() as session, session.begin():
        seed_demo(session, CLOCK, **({"seed": seed} if seed is not None else {}))
    return db


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Database:
    """One seeded demo library shared by the read-only tests of this module."""
    db = _seeded(tmp_path_factory.mktemp("seed") / "demo.db")
    yield db
    db.dispose()


def _rows(db: Database, query) -> list:
    with db.reader() as session:
        return list(session.execute(query).all())


def test_seeding_twice_gives_the_same_library(demo, tmp_path):
    """GIVEN two empty databases WHEN both are seeded with the default seed THEN barcodes, titles and patrons match."""
    other = _seeded(tmp_path / "again.db")
    for query in (sa.select(Item.barcode, Item.call_number, Title.title).join(Title).order_by(Item.id),
                  sa.select(Patron.barcode, Patron.first_name, Patron.last_name, Patron.homeroom).order_by(Patron.id),
                  sa.select(Loan.item_id, Loan.patron_id, Loan.due_date).order_by(Loan.id),
                  sa.select(PatronCard.uid, PatronCard.patron_id).order_by(PatronCard.id)):
        assert _rows(demo, query) == _rows(other, query)
    other.dispose()


def test_another_seed_gives_another_library(demo, tmp_path):
    """GIVEN a different seed WHEN seeded THEN the catalog differs (the seed really drives it)."""
    other = _seeded(tmp_path / "other.db", seed=7)
    query = sa.select(Title.title).order_by(Title.id).limit(50)
    assert _rows(demo, query) != _rows(other, query)
    other.dispose()


def test_the_demo_library_is_big_and_realistic(demo):
    """GIVEN the demo library THEN it has >= 1,200 titles, >= 2,000 items, >= 300 K-8 students, ~25 teachers."""
    counts = dict(_rows(demo, sa.select(Patron.patron_type, sa.func.count()).group_by(Patron.patron_type)))
    assert counts["student"] >= 300 and 20 <= counts["teacher"] <= 30 and counts["staff"] >= 3
    assert _rows(demo, sa.select(sa.func.count()).select_from(Title))[0][0] >= 1200
    assert _rows(demo, sa.select(sa.func.count()).select_from(Item))[0][0] >= 2000
    grades = {g for (g,) in _rows(demo, sa.select(Patron.grade).where(Patron.patron_type == "student"))}
    assert grades == {"K", "1", "2", "3", "4", "5", "6", "7", "8"}
    homerooms = [h for (h,) in _rows(demo, sa.select(Patron.homeroom).where(Patron.patron_type == "student"))]
    assert all(h.startswith("Room ") and " - " in h for h in homerooms)
    spanish = _rows(demo, sa.select(sa.func.count()).select_from(Patron).where(Patron.language == "es"))[0][0]
    assert 30 <= spanish <= counts["student"] // 2


def test_every_barcode_is_valid_with_the_right_type_digit(demo):
    """GIVEN the demo library THEN patron barcodes start 21234, items 31234, and every check digit is right."""
    for (code,) in _rows(demo, sa.select(Patron.barcode)):
        assert validate_library_barcode(code) and code.startswith("21234")
    for (code,) in _rows(demo, sa.select(Item.barcode)):
        assert validate_library_barcode(code) and code.startswith("31234")


def test_call_numbers_follow_the_shelf_conventions(demo):
    """GIVEN the catalog THEN picture books are E XXX, fiction FIC XXX, reference REF, nonfiction a Dewey number."""
    by_location = collections.defaultdict(list)
    for location, call_number in _rows(demo, sa.select(Item.location, Item.call_number)):
        by_location[location].append(call_number)
    assert all(c.startswith("E ") for c in by_location["Picture Books"])
    assert all(c.startswith("FIC ") and len(c.split()[1]) == 3 for c in by_location["Fiction"])
    assert all(c.startswith("REF ") for c in by_location["Reference"])
    assert all(c.split()[0].replace(".", "").isdigit() for c in by_location["Nonfiction"])
    assert "REF 031 WOR" in by_location["Reference"]


def test_circulation_state_has_something_of_everything(demo):
    """GIVEN the demo library THEN there are loans (some overdue), waiting and ready holds, expired cards,
    a block, fines, NFC cards, PINs, a policy for each patron type and item type, a calendar and the kiosk."""
    loans = _rows(demo, sa.select(Loan.due_date).where(Loan.returned_at.is_(None)))
    assert len(loans) > 100 and any(d < CLOCK.today() for (d,) in loans)
    statuses = {s for (s,) in _rows(demo, sa.select(Hold.status))}
    assert statuses == {"waiting", "ready"}
    assert _rows(demo, sa.select(sa.func.count()).select_from(Patron).where(Patron.expires_on < CLOCK.today()))[0][0]
    assert _rows(demo, sa.select(sa.func.count()).select_from(Patron).where(Patron.block_reason.is_not(None)))[0][0]
    assert _rows(demo, sa.select(sa.func.count()).select_from(Patron).where(Patron.pin_hash.is_not(None)))[0][0]
    assert len(_rows(demo, sa.select(PatronCard.uid))) >= 10
    assert len(_rows(demo, sa.select(LoanPolicy.id))) == 3 * 5
    assert _rows(demo, sa.select(Kiosk.id)) == [("demo-kiosk-1",)]
    assert _rows(demo, sa.select(LibrarySettings.library_name)) == [("Lincoln Elementary School Library",)]


def test_the_calendar_has_this_school_years_holidays(demo):
    """GIVEN a seed on 6 Oct 2025 THEN Thanksgiving 2025, winter and spring break 2026 are closed; term ends in June."""
    closed = dict(_rows(demo, sa.select(ClosedDay.day, ClosedDay.reason)))
    assert closed[date(2025, 11, 27)] == "Thanksgiving break"
    assert closed[date(2025, 12, 24)] == "Winter break" and closed[date(2026, 1, 2)] == "Winter break"
    assert "Spring break" in closed.values()
    assert all(day.weekday() < 5 for day in closed)
    (term_end,) = _rows(demo, sa.select(LibrarySettings.term_end))[0]
    assert term_end.month == 6 and term_end.year == 2026 and term_end.weekday() == 4


def test_seeding_a_seeded_database_is_refused(demo):
    """GIVEN the seeded demo library WHEN seeded again THEN SeedRefused says it already has a library."""
    with demo.writer() as session, session.begin():
        with pytest.raises(SeedRefused, match="already has a library"):
            seed_demo(session, CLOCK)


def test_cli_init_seed_samples_and_kiosk(tmp_path):
    """GIVEN an empty SQLite path WHEN init-db, seed-demo (twice), demo-samples and create-kiosk run
    THEN each says what it did, a second seed is refused unless --if-empty, and samples are usable."""
    runner = CliRunner()
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    before = runner.invoke(main, [*url, "seed-demo"])
    assert before.exit_code == 1 and "run `central init-db` first" in before.output
    assert runner.invoke(main, [*url, "init-db"]).exit_code == 0
    seeded = runner.invoke(main, [*url, "seed-demo"])
    assert seeded.exit_code == 0 and "Catalog:" in seeded.output and "Seeded the demo library" in seeded.output
    again = runner.invoke(main, [*url, "seed-demo"])
    assert again.exit_code == 1 and "--if-empty" in again.output and "Traceback" not in again.output
    assert runner.invoke(main, [*url, "seed-demo", "--if-empty"]).exit_code == 0
    samples = json.loads(runner.invoke(main, [*url, "demo-samples"]).output)
    assert len(samples["students"]) >= 3 and len(samples["items"]) == 10
    assert any("pin" in s for s in samples["students"]) and any("card_uid" in s for s in samples["students"])
    assert samples["blocked_student"]["barcode"] and samples["reference_item"]["barcode"]
    created = runner.invoke(main, [*url, "create-kiosk", "desk-2", "Front desk"])
    assert created.exit_code == 0 and len(created.output.strip().splitlines()[-1]) >= 24
    duplicate = runner.invoke(main, [*url, "create-kiosk", "desk-2", "Front desk"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output


def test_cli_reports_an_unreachable_database_in_one_sentence(tmp_path):
    """GIVEN a PostgreSQL URL where nothing listens / an uncreatable SQLite folder THEN one clear line, no traceback."""
    runner = CliRunner()
    result = runner.invoke(main, ["--database-url", "postgresql://nobody@127.0.0.1:9/none", "init-db"])
    assert result.exit_code == 1 and "Cannot reach the database" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "file").write_text("not a folder")
    result = runner.invoke(main, ["--database-url", f"sqlite:///{tmp_path / 'file' / 'sub' / 'x.db'}", "init-db"])
    assert result.exit_code == 1 and "Cannot create the folder" in result.output
