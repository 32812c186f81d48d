"""``central sip2-server`` and ``central create-sip2-login``: click commands the lead registers in central/cli.py.

They read the database URL from the ``central`` group's ``--database-url`` (``ctx.obj["url"]``), like
the other commands, and say in one sentence what is wrong when the database cannot be used.
"""
from __future__ import annotations

import os
import signal

import click
import sqlalchemy as sa

from central.clock import SystemClock
from central.store.db import Database, DatabaseError, default_database_url, describe_connection_error


def _database(obj) -> Database:
    from central.store.migrate import current_revision, head_revision

    url = (obj or {}).get("url") or default_database_url()
    try:
        db = Database(url)
        db.check()
        if current_revision(db.engine) != head_revision():
            raise click.ClickException("The database is not set up yet (or is out of date): run `central init-db` "
                                       "first.")
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    except sa.exc.OperationalError as exc:
        raise click.ClickException(describe_connection_error(url, exc)) from None
    return db


@click.command("sip2-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=lambda: int(os.environ.get("CENTRAL_SIP2_PORT", 6001)),
              show_default="$CENTRAL_SIP2_PORT or 6001")
@click.option("--max-connections", type=click.IntRange(1, 1000), default=64, show_default=True)
@click.option("--idle-timeout", type=click.FloatRange(5, 86400), default=300, show_default=True,
              help="Seconds a connection may stay silent before it is closed.")
@click.option("--encoding", type=click.Choice(["cp850", "utf-8"]), default="cp850", show_default=True,
              help="The text encoding the self-checks use.")
@click.option("--institution-id", default="CENTRAL", show_default=True, help="The institution id (AO) sent.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Serve TLS with this certificate (PEM).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The certificate's private key, if not in the certificate file.")
@click.pass_obj
def sip2_server_command(obj, host, port, max_connections, idle_timeout, encoding, institution_id, tls_cert,
                        tls_key) -> None:
    """Serve SIP2 to self-checks: the same rules and event store as the REST API."""
    from central.sip2.acs import AcsSettings
    from central.sip2.connection import Limits
    from central.sip2.server import ServerSettings, Sip2Server

    db = _database(obj)
    settings = ServerSettings(host=host, port=port, max_connections=max_connections, encoding=encoding,
                              tls_cert=tls_cert, tls_key=tls_key)
    try:
        server = Sip2Server(db, SystemClock(), settings, acs_settings=AcsSettings(institution_id=institution_id),
                            limits=Limits(idle_seconds=idle_timeout))
        bound = server.start()
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc} "
                                   f"(is another server already using that port?)") from None
    except ValueError as exc:
        raise click.ClickException(f"The TLS certificate cannot be used: {exc}") from None
    signal.signal(signal.SIGTERM, lambda *_: server.stopping.set())
    click.echo(f"SIP2 server on {'sip2+tls' if tls_cert else 'sip2'}://{bound[0]}:{bound[1]} "
               f"({encoding}, up to {max_connections} connections)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # Ctrl-C stops like SIGTERM
    finally:
        server.stop()
        db.dispose()
    click.echo("SIP2 server stopped.")


@click.command("create-sip2-login")
@click.argument("login_user", required=False)
@click.option("--station", "station_id", default=None, help="The station (kiosk id) its transactions belong to; "
                                                             "made when it does not exist.")
@click.option("--school", "school_code", default=None,
              help="The school's code the station belongs to (needed when the district has several schools).")
@click.option("--location", default=None, help="A location code for the station (sent back in the 98).")
@click.option("--password-env", default=None, metavar="VAR",
              help="Take the password from this environment variable instead of generating one.")
@click.option("--demo", is_flag=True, help="Make (or repair) the demo login instead: demo-sip2 / demo-sip2-password.")
@click.pass_obj
def create_sip2_login_command(obj, login_user, station_id, school_code, location, password_env, demo) -> None:
    """Add a SIP2 login for a self-check and print its password (shown only this once)."""
    from central.sip2.logins import LoginError, create_login, ensure_demo_login

    db = _database(obj)
    now = SystemClock().now()
    if demo:
        try:
            made = ensure_demo_login(db, now)
        except LoginError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Demo SIP2 login: user {made.login_user}, password {made.password}, station {made.station_id} "
                   f"at school {made.school}.")
        return
    if not login_user or not station_id:
        raise click.UsageError("Give the login user and --station (or use --demo).")
    password = None
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise click.ClickException(f"The environment variable {password_env} is not set.")
    try:
        made = create_login(db, now, login_user, station_id, password=password, location_code=location,
                            school=school_code)
    except LoginError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"SIP2 login '{made.login_user}' created for station '{made.station_id}' at school {made.school}.")
    if password is None:
        click.echo("Its password (write it down, it is not shown again):")
        click.echo(made.password)
