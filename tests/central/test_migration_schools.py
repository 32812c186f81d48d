"""Migration 0004: a one-library database becomes a district with one school, and back, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from central.api.routes import token_hash
from central.app import create_app
from central.circulation import records
from central.clock import FixedClock
from central.store.db import Database
from central.store.migrate import current_revision, downgrade, head_revision, schema_diff, upgrade
from central.store.models import School
from tests.central.conftest import MONDAY, SCHOOL_TZ, Kiosk

ITEM, PATRON = "31234000000016", "21234000000018"
TOKEN_HASH = "8b1c1a7d4d0b9f3cb4f1e0a7f5b3f9b1d5e3c7a9f1b3d5e7a9c1e3f5a7b9d1f3"
TABLES = ("titles", "items", "patrons", "loans", "holds", "fines", "kiosks", "loan_policies", "closed_days",
          "library_settings", "circulation_events")


def _old_library(db: Database) -> None:
    """A library as release 0003 kept it: settings, a policy, a closed day, a title with a copy, a patron with
    a loan, a hold and a fine, and a kiosk (whose token is 'old-token')."""
    with db.engine.begin() as conn:
        run = lambda sql, **values: conn.execute(sa.text(sql), values)  # noqa: E731
        run("INSERT INTO library_settings (library_name, closed_weekdays, fines_block_cents, hold_pickup_days, "
            "pin_max_failures, pin_lockout_minutes) VALUES ('Old Library', '5,6', 500, 7, 5, 15)")
        run("INSERT INTO loan_policies (patron_type, item_type, loanable, loan_days, max_items, max_renewals, "
            "fine_cents_per_day, max_fine_cents) VALUES ('student', 'book', :t, 14, 3, 1, 10, 100)", t=True)
        run("INSERT INTO closed_days (day, reason) VALUES (:d, 'Holiday')", d=date(2025, 10, 13))
        run("INSERT INTO titles (id, title, author, isbn, audience) VALUES (1, 'Holes', 'Louis Sachar', "
            "'9780440414803', 'fiction')")
        run("INSERT INTO titles (id, title, author, audience) VALUES (2, 'Wonder', 'R. J. Palacio', 'fiction')")
        run("INSERT INTO items (id, barcode, title_id, call_number, location, item_type, status) VALUES "
            "(1, :b, 1, 'FIC SAC', 'Fiction', 'book', 'available')", b=ITEM)
        run("INSERT INTO items (id, barcode, title_id, call_number, location, item_type, status) VALUES "
            "(2, '31234000000024', 2, 'FIC PAL', 'Fiction', 'book', 'on_loan')")
        run("INSERT INTO patrons (id, barcode, first_name, last_name, patron_type, grade, expires_on, language, "
            "pin_failures, pin_lockouts) VALUES (1, :b, 'Ana', 'Ruiz', 'student', '4', :d, 'es', 0, 0)",
            b=PATRON, d=date(2026, 8, 31))
        run("INSERT INTO loans (item_id, patron_id, checked_out_at, due_date, renewals) VALUES "
            "(2, 1, :at, :due, 0)", at=MONDAY, due=date(2025, 10, 20))
        run("INSERT INTO holds (title_id, patron_id, placed_at, status) VALUES (1, 1, :at, 'waiting')", at=MONDAY)
        run("INSERT INTO fines (patron_id, item_id, amount_cents, reason, assessed_on, paid) VALUES "
            "(1, 2, 40, 'overdue', :d, :p)", d=date(2025, 9, 30), p=False)
        run("INSERT INTO kiosks (id, name, token_hash) VALUES ('k1', 'Entrance', :h)", h=TOKEN_HASH)


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}


def test_an_existing_library_becomes_the_first_school_and_lends_as_before(database_url):
    """GIVEN a database at 0003 with a library WHEN upgraded to head THEN one school 'main' named after the
    library, with the barcodes' institution 1234, owns every item, patron, hold, fine and kiosk; the settings
    and policies are the district's; the ISBN is in the title's list; and a checkout uses the old policy."""
    db = Database(database_url)
    upgrade(db.engine, "0003")
    _old_library(db)
    before = _counts(db)
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision() and schema_diff(db.engine) == []
    assert _counts(db) == before
    with db.engine.connect() as conn:
        schools = conn.execute(sa.text("SELECT id, code, name, institution FROM schools")).all()
        assert [tuple(s)[1:] for s in schools] == [("main", "Old Library", 1234)]
        for table in ("items", "patrons", "holds", "fines", "kiosks"):
            assert conn.execute(sa.text(f"SELECT DISTINCT school_id FROM {table}")).scalars().all() == [schools[0].id]
        assert conn.execute(sa.text("SELECT school_id FROM loan_policies")).scalars().all() == [None]
        assert conn.execute(sa.text("SELECT isbn FROM title_isbns WHERE title_id = 1")).scalars().all() == [
            "9780440414803"]
        assert conn.execute(sa.text("SELECT kind FROM kiosks")).scalars().all() == ["kiosk"]
    with db.reader() as session:
        assert records.load_settings(session, schools[0].id).library_name == "Old Library"
    clock = FixedClock(tz=SCHOOL_TZ, moment=MONDAY)
    app = create_app({"DATABASE_URL": db.url, "TESTING": True}, clock=clock, database=db)
    with db.writer() as session, session.begin():
        session.execute(sa.text("UPDATE kiosks SET token_hash = :h"), {"h": token_hash("old-token")})
    body = Kiosk(app.test_client(), "old-token").event("checkout", patron_barcode=PATRON, item_barcode=ITEM)
    assert body["ok"] is True and body["loan"]["due_date"] == "2025-10-20"  # the old policy: 14 days
    db.dispose()


def test_an_empty_database_gets_no_school_and_the_round_trip_is_clean(database_url):
    """GIVEN an empty database WHEN upgraded THEN it has no school; WHEN a library at head with a school, a
    desk and a school policy is downgraded to 0003 THEN the data stays, the school's own rows go, the desk
    gets an unusable token, and upgrading again matches the models."""
    db = Database(database_url)
    upgrade(db.engine)
    with db.reader() as session:
        assert session.scalars(sa.select(School)).all() == []
    downgrade(db.engine, "0003")
    _old_library(db)
    before = _counts(db)
    upgrade(db.engine)
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO kiosks (id, name, school_id, kind) SELECT 'desk-main', 'Desk', id, 'desk' "
                             "FROM schools"))
        conn.execute(sa.text("INSERT INTO loan_policies (school_id, patron_type, item_type, loanable, loan_days, "
                             "max_items, max_renewals, fine_cents_per_day, max_fine_cents) SELECT id, 'student', "
                             "'book', :t, 21, 5, 2, 0, 0 FROM schools"), {"t": True})
    downgrade(db.engine, "0003")
    assert current_revision(db.engine) == "0003"
    after = _counts(db)
    assert after == {**before, "kiosks": before["kiosks"] + 1}
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT token_hash FROM kiosks WHERE id = 'desk-main'")).scalar() == \
            "no-token:desk-main"
        assert "school_id" not in {c["name"] for c in sa.inspect(conn).get_columns("items")}
    upgrade(db.engine)
    assert schema_diff(db.engine) == []
    db.dispose()
