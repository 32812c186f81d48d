"""Migrations: the migrated schema matches the models exactly, on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

from central.store.db import Database
from central.store.migrate import current_revision, head_revision, schema_diff, upgrade
from central.store.models import Base


def test_migrated_schema_matches_the_models(database):
    """GIVEN a database upgraded to head WHEN compared with the models THEN alembic finds no difference."""
    assert current_revision(database.engine) == head_revision()
    assert schema_diff(database.engine) == []
    assert set(sa.inspect(database.engine).get_table_names()) >= set(Base.metadata.tables)


def test_upgrading_twice_is_harmless(database):
    """GIVEN a database at head WHEN upgraded again THEN nothing changes and no error occurs."""
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision()


def test_a_second_open_loan_for_one_item_is_refused_by_the_database(database, library):
    """GIVEN Lena's open loan on a book WHEN another open loan row for that item is inserted directly
    THEN the database refuses it (the unique partial index is the last line of defence)."""
    with database.engine.connect() as conn:
        item_id, patron_id = conn.execute(sa.text(
            "SELECT item_id, patron_id FROM loans WHERE returned_at IS NULL LIMIT 1")).one()
    try:
        with database.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO loans (item_id, patron_id, checked_out_at, due_date, renewals) "
                                 "VALUES (:i, :p, CURRENT_TIMESTAMP, CURRENT_DATE, 0)"), {"i": item_id, "p": patron_id})
    except sa.exc.IntegrityError:
        return
    raise AssertionError("the database accepted a second open loan for one item")


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    """GIVEN a SQLite database WHEN a connection is opened THEN WAL, foreign keys and a busy timeout are on."""
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    db.dispose()
