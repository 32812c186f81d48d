"""The `central` command: init-db, seed-demo, run, create-kiosk, unlock-pin, demo-samples."""
from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import time

import click
import sqlalchemy as sa

from central.clock import SystemClock
from central.store.db import Database, DatabaseError, default_database_url, describe_connection_error


def _database(url: str | None) -> Database:
    try:
        db = Database(url or default_database_url())
        db.check()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    return db


def _guard(db: Database, action):
    """Run ``action``, turning database failures into one clear sentence instead of a traceback."""
    try:
        return action()
    except sa.exc.OperationalError as exc:
        raise click.ClickException(describe_connection_error(db.url, exc)) from None


def _require_schema(db: Database) -> None:
    from central.store.migrate import current_revision, head_revision

    if current_revision(db.engine) != head_revision():
        raise click.ClickException("The database is not set up yet (or is out of date): run `central init-db` first.")


@click.group()
@click.option("--database-url", envvar="CENTRAL_DATABASE_URL", default=None,
              help="SQLAlchemy URL (default: env CENTRAL_DATABASE_URL, else instance/central.db).")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """The library's central server."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-plugin INFO lines drown ours
    ctx.obj = {"url": database_url}


@main.command("init-db")
@click.pass_obj
def init_db(obj) -> None:
    """Create or upgrade the database schema to the newest version."""
    from central.store.migrate import current_revision, upgrade

    db = _database(obj["url"])
    _guard(db, lambda: upgrade(db.engine))
    click.echo(f"Database ready at revision {current_revision(db.engine)}: "
               f"{db.engine.url.render_as_string(hide_password=True)}")


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when the library already has data.")
@click.option("--seed", default=None, type=int, help="Random seed (the default gives the standard demo library).")
@click.pass_obj
def seed_demo_cmd(obj, if_empty: bool, seed: int | None) -> None:
    """Fill an empty database with the Lincoln Elementary demo library."""
    from central.demo.seed import DEFAULT_SEED, SeedRefused, existing_counts, seed_demo

    db = _database(obj["url"])
    _require_schema(db)
    started = time.monotonic()

    def run():
        with db.writer() as session, session.begin():
            if if_empty and any(existing_counts(session).values()):
                click.echo("The library already has data; nothing to seed.")
                return None
            return seed_demo(session, SystemClock(), seed=DEFAULT_SEED if seed is None else seed,
                             progress=lambda msg: click.echo(f"  {msg}"))

    try:
        counts = _guard(db, run)
    except SeedRefused as exc:
        raise click.ClickException(f"{exc} Use --if-empty to skip quietly.") from None
    if counts:
        click.echo(f"Seeded the demo library in {time.monotonic() - started:.1f} s.")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("CENTRAL_PORT", 8600)), type=int,
              show_default="$CENTRAL_PORT or 8600")
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def run(obj, host: str, port: int, threads: int) -> None:
    """Serve the API and home page with waitress."""
    import waitress

    from central.app import create_app
    from central.wsgi_log import RequestLog

    db = _database(obj["url"])
    _require_schema(db)
    app = create_app({"DATABASE_URL": db.url}, database=db)
    try:
        server = waitress.create_server(RequestLog(app), host=host, port=port, threads=threads, ident="central")
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc} "
                                   f"(is another server already using that port?)") from None
    # SIGTERM (systemd, `kiosk demo`) stops like Ctrl-C: waitress closes cleanly on SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"Central server on http://{host}:{port}/ (API: http://{host}:{port}/api/v1/openapi.json)")
    server.run()
    db.dispose()
    click.echo("Central server stopped.")


@main.command("create-kiosk")
@click.argument("kiosk_id")
@click.argument("name")
@click.pass_obj
def create_kiosk(obj, kiosk_id: str, name: str) -> None:
    """Register a kiosk and print its new token (shown only this once)."""
    from central.api.routes import token_hash
    from central.store.models import Kiosk

    db = _database(obj["url"])
    _require_schema(db)
    token = secrets.token_urlsafe(24)

    def run():
        with db.writer() as session, session.begin():
            if session.get(Kiosk, kiosk_id) is not None:
                raise click.ClickException(f"A kiosk with the id '{kiosk_id}' already exists.")
            session.add(Kiosk(id=kiosk_id, name=name, token_hash=token_hash(token)))

    _guard(db, run)
    click.echo(f"Kiosk '{kiosk_id}' created. Its token (write it down, it is not shown again):")
    click.echo(token)


@main.command("unlock-pin")
@click.argument("barcode")
@click.pass_obj
def unlock_pin(obj, barcode: str) -> None:
    """Let a patron sign in with their PIN again after too many wrong tries."""
    from central.circulation.pin_lockout import unlock
    from protocol.identifiers import IdentifierError, validate_library_barcode

    try:
        barcode = validate_library_barcode(barcode.strip())
    except IdentifierError as exc:
        raise click.ClickException(str(exc)) from None
    db = _database(obj["url"])
    _require_schema(db)
    clock = SystemClock()
    result = _guard(db, lambda: unlock(db, barcode, clock.now()))
    if result is None:
        raise click.ClickException(f"No patron has the barcode {barcode}.")
    if result.was_locked_until is not None:
        until = result.was_locked_until.astimezone(clock.tz).strftime("%H:%M")
        click.echo(f"PIN sign-in unlocked for patron {barcode} (it was locked until {until}).")
    elif result.failures:
        click.echo(f"Patron {barcode} was not locked; their {result.failures} wrong PIN(s) in a row are forgotten.")
    elif result.lockouts:
        click.echo(f"Patron {barcode} was not locked out; their earlier lockouts are forgotten, so a next one "
                   f"would be the short one again.")
    else:
        click.echo(f"Patron {barcode} was not locked out; nothing to do.")


@main.command("demo-samples")
@click.pass_obj
def demo_samples_cmd(obj) -> None:
    """Print JSON with sample student and book barcodes for trying the kiosk."""
    from central.demo.samples import demo_samples

    db = _database(obj["url"])
    _require_schema(db)

    def run():
        with db.reader() as session:
            return demo_samples(session, SystemClock().today())

    click.echo(json.dumps(_guard(db, run), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
