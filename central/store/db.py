"""Database access: engines for SQLite (WAL, foreign keys, busy timeout) and PostgreSQL, and sessions.

SQLite allows one writer at a time. A circulation call reads then writes, so two of them could both
read "item available" before either writes; opening write transactions with BEGIN IMMEDIATE takes
the write lock up front, so they queue instead. On PostgreSQL the service locks rows instead
(SELECT ... FOR NO KEY UPDATE), and reads never wait.
"""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parents[2]
SQLITE_BUSY_TIMEOUT_MS = 15_000


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is one sentence for a person."""


def default_database_url() -> str:
    """CENTRAL_DATABASE_URL from the environment, else a SQLite file in <repo>/instance/."""
    return os.environ.get("CENTRAL_DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / 'central.db'}"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``, configured for safe concurrent use.

    hide_parameters: a database error's text would otherwise carry the statement's values (a
    patron's barcode or name) into the traceback that the server logs.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"The database address '{url}' is not a valid database URL.") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                hide_parameters=True)
    raise DatabaseError(f"The central server supports SQLite and PostgreSQL, not '{parsed.get_backend_name()}'.")


def _sqlite_engine(url: sa.engine.URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:":
        folder = Path(database).resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"Cannot create the folder {folder} for the database: {exc.strerror}.") from exc
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                 "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" hook below decide how transactions start (pysqlite's own
        # implicit BEGIN is deferred and cannot be made IMMEDIATE per transaction).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """An engine plus two session factories: plain reads, and writes that lock up front on SQLite."""

    def __init__(self, url: str):
        from central.store import changes

        changes.install()  # delta-sync change times on every patron and item a session touches
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self.reader = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = sessionmaker(writer, expire_on_commit=False)

    def check(self) -> None:
        """Connect once, raising DatabaseError with a clear sentence if the database is unreachable."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            raise DatabaseError(describe_connection_error(self.url, exc)) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def describe_connection_error(url: str, exc: Exception) -> str:
    """One sentence saying why the database at ``url`` could not be used."""
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "unable to open database file" in text or "readonly" in text or "read-only" in text:
        return f"Cannot open or write the database file for {shown}: check the path and its permissions."
    return f"Cannot reach the database at {shown}: {text}"

