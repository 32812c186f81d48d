"""The `central` command: init-db, seed-demo, run, create-school, create-kiosk, create-staff, set-password,
unlock-pin, demo-samples, import marc|patrons|oneroster, export marc|patrons."""
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


def open_database(url: str | None) -> Database:
    """The database at ``url`` (or the default), checked; a ClickException in one sentence when unusable."""
    try:
        db = Database(url or default_database_url())
        db.check()
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    return db


def guard(db: Database, action):
    """Run ``action``, turning database failures into one clear sentence instead of a traceback."""
    try:
        return action()
    except sa.exc.OperationalError as exc:
        raise click.ClickException(describe_connection_error(db.url, exc)) from None


def require_schema(db: Database) -> None:
    """Refuse to go on (in words) when the database was never set up or is out of date."""
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
    from central.search import index

    index.install()  # every command's catalog writes (seed-demo, the imports) keep the search current
    ctx.obj = {"url": database_url}


@main.command("init-db")
@click.pass_obj
def init_db(obj) -> None:
    """Create or upgrade the database schema to the newest version."""
    from central.store.migrate import current_revision, upgrade

    db = open_database(obj["url"])
    guard(db, lambda: upgrade(db.engine))
    click.echo(f"Database ready at revision {current_revision(db.engine)}: "
               f"{db.engine.url.render_as_string(hide_password=True)}")


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when the library already has data.")
@click.option("--seed", default=None, type=int, help="Random seed (the default gives the standard demo library).")
@click.option("--sign-ins-to", "sign_ins_to", default=None, type=click.Path(dir_okay=False),
              help="Also write the demo staff sign-ins to this file (readable by its owner only), so a demo "
                   "started again on the same database can show them.")
@click.pass_obj
def seed_demo_cmd(obj, if_empty: bool, seed: int | None, sign_ins_to: str | None) -> None:
    """Fill an empty database with the demo district: Lincoln Elementary, Roosevelt Middle and their staff."""
    from central.demo.seed import DEFAULT_SEED, SeedRefused, existing_counts, seed_demo

    db = open_database(obj["url"])
    require_schema(db)
    started = time.monotonic()

    def run():
        with db.writer() as session, session.begin():
            if if_empty and any(existing_counts(session).values()):
                click.echo("The library already has data; nothing to seed.")
                return None
            return seed_demo(session, SystemClock(), seed=DEFAULT_SEED if seed is None else seed,
                             progress=lambda msg: click.echo(f"  {msg}"))

    try:
        counts = guard(db, run)
    except SeedRefused as exc:
        raise click.ClickException(f"{exc} Use --if-empty to skip quietly.") from None
    if counts:
        click.echo(f"Seeded the demo library in {time.monotonic() - started:.1f} s.")
        if sign_ins_to:
            _write_sign_ins(sign_ins_to, counts["staff_sign_ins"])


def _write_sign_ins(path: str, sign_ins: dict[str, str]) -> None:
    """The demo's usernames and passwords, one "username password" line each, in a file only its owner reads."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have been made with wider permissions
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(f"{username} {password}\n" for username, password in sign_ins.items())


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

    db = open_database(obj["url"])
    require_schema(db)
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


def school_named(session, code: str | None):
    """The school named by --school, or the only one when the district has one; a clear error otherwise."""
    from central.store.models import School

    schools = session.scalars(sa.select(School).order_by(School.code)).all()
    if code:
        found = [s for s in schools if s.code == code.strip().lower()]
        if not found:
            known = ", ".join(s.code for s in schools) or "none yet"
            raise click.ClickException(f"There is no school '{code}' (schools: {known}).")
        return found[0]
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise click.ClickException("There is no school yet: add one with `central create-school CODE NAME`.")
    raise click.ClickException(f"This district has {len(schools)} schools ({', '.join(s.code for s in schools)}): "
                               f"say which with --school.")


@main.command("create-kiosk")
@click.argument("kiosk_id")
@click.argument("name")
@click.option("--school", "school_code", default=None, help="The school's code (needed when there are several).")
@click.pass_obj
def create_kiosk(obj, kiosk_id: str, name: str, school_code: str | None) -> None:
    """Register a kiosk and print its new token (shown only this once)."""
    from central.api.routes import token_hash
    from central.store.models import Kiosk

    db = open_database(obj["url"])
    require_schema(db)
    token = secrets.token_urlsafe(24)

    def run():
        with db.writer() as session, session.begin():
            if session.get(Kiosk, kiosk_id) is not None:
                raise click.ClickException(f"A kiosk with the id '{kiosk_id}' already exists.")
            school = school_named(session, school_code)
            session.add(Kiosk(id=kiosk_id, name=name, school_id=school.id, kind="kiosk", token_hash=token_hash(token)))

    guard(db, run)
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
    db = open_database(obj["url"])
    require_schema(db)
    clock = SystemClock()
    result = guard(db, lambda: unlock(db, barcode, clock.now()))
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

    db = open_database(obj["url"])
    require_schema(db)

    def run():
        with db.reader() as session:
            return demo_samples(session, SystemClock().today())

    click.echo(json.dumps(guard(db, run), indent=2, ensure_ascii=False))


# Staff, school and SIP2 commands live with their rooms; registered here so `central --help` lists them.
from central.staff import commands as _staff_commands  # noqa: E402

from central.sip2 import cli as _sip2_commands  # noqa: E402

# Import and export commands live with the imports room (central/imports/cli.py).
from central.imports import cli as _imports_cli  # noqa: E402

for _command in (_staff_commands.create_school, _staff_commands.create_staff, _staff_commands.set_password_cmd,
                 _sip2_commands.sip2_server_command, _sip2_commands.create_sip2_login_command,
                 _imports_cli.import_group, _imports_cli.export_group):
    main.add_command(_command)


if __name__ == "__main__":
    sys.exit(main())
