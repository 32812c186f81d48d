"""PIN lockout for staff and upgrades: `central unlock-pin`, and migration 0002 on existing databases."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from central.app import create_app
from central.cli import main
from central.clock import FixedClock
from central.store.db import Database
from central.store.migrate import current_revision, downgrade, head_revision, schema_diff, upgrade
from central.store.models import Patron
from tests.central.conftest import SCHOOL_TZ, Kiosk
from tests.central.library import PIN


@pytest.fixture
def clock_now() -> FixedClock:
    """A clock standing at the real current time (the CLI uses the real clock)."""
    return FixedClock(tz=SCHOOL_TZ, moment=datetime.now(timezone.utc))


@pytest.fixture
def kiosk_now(database, library, clock_now):
    """A kiosk on an app whose clock is ``clock_now``."""
    app = create_app({"DATABASE_URL": database.url, "TESTING": True}, clock=clock_now, database=database)
    return Kiosk(app.test_client(), "token-one")


def _identify(kiosk, barcode: str, pin: str) -> dict:
    return kiosk.post("/patrons/identify", {"barcode": barcode, "method": "typed", "pin": pin}).get_json()


def _unlock(database, barcode: str):
    return CliRunner().invoke(main, ["--database-url", database.url, "unlock-pin", barcode])


def test_staff_unlock_lets_a_locked_patron_use_their_pin_again(kiosk_now, library, database):
    """GIVEN Sam is locked out after five wrong PINs WHEN staff run `central unlock-pin` with his barcode THEN it
    says the lock is cleared and his right PIN works at once."""
    for _ in range(5):
        _identify(kiosk_now, library.sam, "0000")
    assert _identify(kiosk_now, library.sam, PIN)["refusal"]["code"] == "pin_locked"
    result = _unlock(database, library.sam)
    assert result.exit_code == 0, result.output
    assert f"PIN sign-in unlocked for patron {library.sam} (it was locked until" in result.output
    assert _identify(kiosk_now, library.sam, PIN)["ok"] is True


def test_staff_unlock_brings_the_next_lock_back_to_the_base_length(kiosk_now, clock_now, library, database):
    """GIVEN Sam was locked (15 minutes, so the next would last 30) WHEN staff unlock him and five more wrong PINs
    lock him again THEN that lock lasts 15 minutes: staff clear the growth too."""
    for _ in range(5):
        _identify(kiosk_now, library.sam, "0000")
    assert _unlock(database, library.sam).exit_code == 0
    for _ in range(5):
        _identify(kiosk_now, library.sam, "0000")
    with database.reader() as session:
        patron = session.scalars(sa.select(Patron).where(Patron.barcode == library.sam)).one()
        assert patron.pin_lockouts == 1
        assert patron.pin_locked_until - clock_now.now() == timedelta(minutes=15)


def test_staff_unlock_after_a_lock_ran_out_forgets_the_growth_and_says_so(kiosk_now, clock_now, library,
                                                                          database):
    """GIVEN Sam was locked out an hour ago and the lock ran out on its own WHEN staff unlock him THEN it says his
    earlier lockouts are forgotten, and the count of lockouts is back to 0."""
    clock_now.advance(hours=-1)
    for _ in range(5):
        _identify(kiosk_now, library.sam, "0000")
    result = _unlock(database, library.sam)
    assert result.exit_code == 0 and "earlier lockouts are forgotten" in result.output, result.output
    with database.reader() as session:
        assert session.scalar(sa.select(Patron.pin_lockouts).where(Patron.barcode == library.sam)) == 0


def test_staff_unlock_of_a_patron_with_some_wrong_tries_forgets_them(kiosk_now, library, database):
    """GIVEN Sam typed three wrong PINs WHEN staff unlock him THEN the count is forgotten: five more tries to lock."""
    for _ in range(3):
        _identify(kiosk_now, library.sam, "0000")
    result = _unlock(database, library.sam)
    assert result.exit_code == 0 and "was not locked; their 3 wrong PIN(s) in a row are forgotten" in result.output
    codes = [_identify(kiosk_now, library.sam, "0000")["refusal"]["code"] for _ in range(5)]
    assert codes == ["pin_incorrect"] * 4 + ["pin_locked"]


def test_staff_unlock_of_a_patron_who_is_not_locked_says_so(library, database):
    """GIVEN Maria never typed a wrong PIN WHEN staff unlock her THEN it says there was nothing to do."""
    result = _unlock(database, library.maria)
    assert result.exit_code == 0 and "was not locked out; nothing to do" in result.output


def test_staff_unlock_of_an_unknown_or_misread_barcode_is_one_clear_sentence(library, database):
    """GIVEN a barcode nobody has, or one with a wrong check digit WHEN unlocked THEN exit 1 with a clear sentence."""
    unknown = _unlock(database, library.unknown_patron)
    assert unknown.exit_code == 1 and f"No patron has the barcode {library.unknown_patron}." in unknown.output
    misread = _unlock(database, library.sam[:-1] + str((int(library.sam[-1]) + 1) % 10))
    assert misread.exit_code == 1 and "does not match the others" in misread.output
    assert "Traceback" not in unknown.output + misread.output


def test_unlock_pin_on_a_database_not_yet_upgraded_asks_for_init_db(database_url):
    """GIVEN a database still at the first release's schema WHEN unlock-pin runs THEN it asks for init-db first."""
    db = Database(database_url)
    upgrade(db.engine, "0001")
    result = CliRunner().invoke(main, ["--database-url", database_url, "unlock-pin", "21234000000018"])
    db.dispose()
    assert result.exit_code == 1 and "run `central init-db` first" in result.output


def test_migration_0002_upgrades_an_existing_library_with_sensible_defaults(database_url):
    """GIVEN a database at revision 0001 with a settings row and a patron WHEN upgraded to 0002 THEN the patron has
    no wrong PINs and no lock, and the library gets 5 tries and 15 minutes; WHEN downgraded to 0001 and upgraded
    to head THEN the columns go and come back cleanly and the schema matches the models."""
    db = Database(database_url)
    upgrade(db.engine, "0001")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO library_settings (library_name, closed_weekdays, fines_block_cents, "
                             "hold_pickup_days) VALUES ('Old Library', '5,6', 500, 7)"))
        conn.execute(sa.text("INSERT INTO patrons (barcode, first_name, last_name, patron_type, expires_on, "
                             "language) VALUES ('21234000000018', 'Ana', 'Ruiz', 'student', :d, 'es')"),
                     {"d": date(2026, 8, 31)})
    upgrade(db.engine, "0002")
    assert current_revision(db.engine) == "0002"
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pin_failures, pin_locked_until FROM patrons")).one() == (0, None)
        assert conn.execute(sa.text("SELECT pin_max_failures, pin_lockout_minutes FROM library_settings")
                            ).one() == (5, 15)
    downgrade(db.engine, "0001")
    assert current_revision(db.engine) == "0001"
    assert "pin_failures" not in {c["name"] for c in sa.inspect(db.engine).get_columns("patrons")}
    upgrade(db.engine)
    assert schema_diff(db.engine) == []
    db.dispose()


def test_migration_0003_gives_existing_patrons_a_clean_lockout_record(database_url):
    """GIVEN a database at revision 0002 with a patron locked out right now WHEN upgraded to head THEN the patron
    keeps the lock and has 0 lockouts in a row (the next lock is the base length), and the schema matches the
    models; WHEN downgraded to 0002 THEN the column goes, the lock stays, and upgrading again is clean."""
    db = Database(database_url)
    upgrade(db.engine, "0002")
    until = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO patrons (barcode, first_name, last_name, patron_type, expires_on, "
                             "language, pin_failures, pin_locked_until) VALUES ('21234000000018', 'Ana', 'Ruiz', "
                             "'student', :d, 'es', 0, :until)"),
                     {"d": date(2026, 8, 31), "until": until if not db.is_sqlite else until.replace(tzinfo=None)})
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    with db.reader() as session:
        patron = session.scalars(sa.select(Patron)).one()
        assert (patron.pin_lockouts, patron.pin_locked_until) == (0, until)
    assert schema_diff(db.engine) == []
    downgrade(db.engine, "0002")
    assert "pin_lockouts" not in {c["name"] for c in sa.inspect(db.engine).get_columns("patrons")}
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM patrons WHERE pin_locked_until IS NOT NULL")).scalar() == 1
    upgrade(db.engine)
    assert schema_diff(db.engine) == []
    db.dispose()
