"""``kiosk sip2``: staff test a SIP2 connection before switching a kiosk over (as Koha ships sip_cli_emulator.pl).

It logs in, sends one message, and prints the decoded answer as JSON (UTF-8, every field with the
name and value the library system sent). The exit status says what happened: 0 the system said
yes, 1 it refused (the sentence says what), 2 the connection or the answer failed, 3 the login was
refused. The lead registers :data:`sip2_command` in ``kiosk/cli.py``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys

import click

from kiosk.backends.sip2.items import is_unknown
from kiosk.backends.sip2.link import LinkError, LoginRefused, Sip2Link
from kiosk.backends.sip2.settings import ENCODINGS, Sip2Settings
from kiosk.backends.sip2.values import screen_text
from kiosk.backends.sip2.wireformat import FormatNotSupported, WireFormat
from protocol.sip2 import (
    ACSStatus, Checkin, Checkout, ItemInformation, ItemInformationResponse, Message, PatronInformation,
    PatronInformationResponse, Renew, SCStatus, sip_now,
)
from protocol.sip2.base import describe
from protocol.sip2.flags import summary_text

EXIT_REFUSED, EXIT_FAILED, EXIT_LOGIN = 1, 2, 3


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def as_json(message: Message) -> dict:
    """Every field of a decoded message by its attribute name, plus the fields the codec does not know."""
    fields = {f.name: _plain(getattr(message, f.name)) for f in dataclasses.fields(message)
              if f.name not in ("extra_fields", "sequence_number")}
    return {"message": describe(type(message)), "fields": fields,
            "extra_fields": [[code, value] for code, value in message.extra_fields],
            "sequence_number": message.sequence_number}


def refusal_of(answer: Message, pin_given: bool) -> str | None:
    """The sentence saying what the library system refused, or None when it said yes."""
    words = screen_text(answer)
    said = f" It said: {words}" if words else ""
    if isinstance(answer, ACSStatus):
        return None if answer.online_status else f"The library system says it is offline.{said}"
    if isinstance(answer, PatronInformationResponse):
        if answer.valid_patron is False:
            return f"The library system does not know that patron.{said}"
        if pin_given and answer.valid_patron_password is False:
            return f"The library system says that PIN is wrong.{said}"
        return None
    if isinstance(answer, ItemInformationResponse):
        return f"The library system does not know that item.{said}" if is_unknown(answer) else None
    if getattr(answer, "ok", True) is False:
        return f"The library system refused the {answer.NAME.removesuffix(' Response').lower()}.{said}"
    return None


@click.group("sip2")
@click.option("--host", required=True, help="The library system's SIP2 server.")
@click.option("--port", type=click.IntRange(1, 65535), default=6001, show_default=True)
@click.option("--user", required=True, help="The SIP2 login user (CN).")
@click.option("--password", envvar="KIOSK_SIP2_PASSWORD", required=True, show_envvar=True,
              help="The SIP2 login password (CO); better from the environment than the command line.")
@click.option("--location", default="", help="The location code (CP) sent with the login.")
@click.option("--institution", default="", help="The institution id (AO) sent with each message.")
@click.option("--tls", is_flag=True, help="Connect with TLS.")
@click.option("--ca-file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Trust this certificate file for TLS (a self-signed server's certificate).")
@click.option("--no-checksum", is_flag=True, help="Send no sequence number or checksum (AY/AZ).")
@click.option("--encoding", default="cp850", show_default=True, help=f"One of {', '.join(ENCODINGS)}.")
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=10.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.pass_context
def sip2_command(ctx, host, port, user, password, location, institution, tls, ca_file, no_checksum, encoding,
                 timeout) -> None:
    """Test a SIP2 connection: log in, send one message, print the answer as JSON.

    Exit status: 0 the system said yes, 1 it refused, 2 the connection or the answer failed,
    3 the login was refused.
    """
    settings = Sip2Settings(host=host, port=port, login_user=user, password=password, location_code=location,
                            institution_id=institution, encoding=encoding, checksum=not no_checksum,
                            sequence=not no_checksum, tls=tls, tls_ca_file=ca_file, timeout_seconds=timeout,
                            connect_timeout_seconds=min(timeout, 10.0), strict=False)
    try:
        wire = WireFormat.build(encoding=encoding, checksum=not no_checksum, sequence=not no_checksum, strict=False)
    except FormatNotSupported as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.setting}") from None
    ctx.obj = (settings, wire)


def _run(ctx: click.Context, message: Message, pin_given: bool = False) -> None:
    settings, wire = ctx.obj
    link = Sip2Link(settings, wire)
    try:
        answer = link.exchange(message)
    except LoginRefused as exc:
        click.echo(f"The SIP2 login was refused: {exc.detail}.", err=True)
        sys.exit(EXIT_LOGIN)
    except LinkError as exc:
        click.echo(f"SIP2 failed: {exc.detail}.", err=True)
        sys.exit(EXIT_FAILED)
    finally:
        link.close()
    click.echo(json.dumps(as_json(answer), ensure_ascii=False, indent=2))
    refusal = refusal_of(answer, pin_given)
    if refusal:
        click.echo(refusal, err=True)
        sys.exit(EXIT_REFUSED)


@sip2_command.command("status")
@click.pass_context
def status(ctx) -> None:
    """Ask the system's status (99/98): online, what it allows, supported messages."""
    _run(ctx, SCStatus())


@sip2_command.command("patron")
@click.argument("barcode")
@click.option("--pin", default=None, help="The patron's PIN, to check it too.")
@click.pass_context
def patron(ctx, barcode, pin) -> None:
    """Look a patron up (63/64), with the charged items listed."""
    settings, _ = ctx.obj
    _run(ctx, PatronInformation(summary=summary_text("charged_items"), institution_id=settings.institution_id,
                                patron_identifier=barcode, patron_password=pin if pin is not None else ""),
         pin_given=pin is not None)


@sip2_command.command("item")
@click.argument("barcode")
@click.pass_context
def item(ctx, barcode) -> None:
    """Look an item up (17/18)."""
    _run(ctx, ItemInformation(institution_id=ctx.obj[0].institution_id, item_identifier=barcode))


@sip2_command.command("checkout")
@click.argument("patron_barcode", metavar="PATRON")
@click.argument("item_barcode", metavar="ITEM")
@click.pass_context
def checkout(ctx, patron_barcode, item_barcode) -> None:
    """Check an item out to a patron (11/12): a real loan on the library system."""
    _run(ctx, Checkout(transaction_date=sip_now(), institution_id=ctx.obj[0].institution_id,
                       patron_identifier=patron_barcode, item_identifier=item_barcode))


@sip2_command.command("checkin")
@click.argument("item_barcode", metavar="ITEM")
@click.pass_context
def checkin(ctx, item_barcode) -> None:
    """Return an item (09/10)."""
    settings = ctx.obj[0]
    now = sip_now()
    _run(ctx, Checkin(transaction_date=now, return_date=now, current_location=settings.location_code,
                      institution_id=settings.institution_id, item_identifier=item_barcode))


@sip2_command.command("renew")
@click.argument("patron_barcode", metavar="PATRON")
@click.argument("item_barcode", metavar="ITEM")
@click.pass_context
def renew(ctx, patron_barcode, item_barcode) -> None:
    """Renew a patron's loan (29/30)."""
    _run(ctx, Renew(transaction_date=sip_now(), institution_id=ctx.obj[0].institution_id,
                    patron_identifier=patron_barcode, item_identifier=item_barcode))
