"""Schema migrations with Alembic, configured in code (no alembic.ini): upgrade, downgrade, current, diff."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from central.store.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at central/store/migrations and the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; URLs with escaped passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine``'s database up to ``revision``."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Take the schema of ``engine``'s database back to ``revision`` (undoing a release's migrations)."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: sa.Engine, step, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a column by rebuilding its table (Alembic's batch mode); with foreign keys
            # on, dropping the old copy would check or refuse every row pointing at it. SQLite's own
            # procedure: keys off outside the transaction, foreign_key_check before the commit. The
            # raw connection is used because SQLAlchemy would open the transaction first.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"The migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def schema_diff(engine: sa.Engine) -> list:
    """Differences between the migrated schema and the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": False,
                                                               "include_name": _not_search_index})
        return compare_metadata(context, Base.metadata)


def _not_search_index(name: str | None, type_: str, _parents) -> bool:
    # The catalog search index (central/search/index.py) is database-specific DDL and no model: an FTS5
    # table with its shadow tables on SQLite, a tsvector table on PostgreSQL.
    return not (type_ == "table" and (name or "").startswith("search_titles"))
