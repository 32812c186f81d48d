"""The ``kiosk`` command: run a kiosk, check a config file, or start the whole demo."""
from __future__ import annotations

import sys

import click

from drivers.registry import REGISTRY
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.outbox.journal import JournalError


def _load(path: str) -> KioskConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """Library self-service kiosk."""


@main.command()
@click.option("--config", "config_path", required=True, metavar="FILE", help="The kiosk's TOML config.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, envvar="KIOSK_PORT", default=8700, show_default=True,
              help="Port to listen on ($KIOSK_PORT).")
def run(config_path: str, host: str, port: int) -> None:
    """Run the kiosk (stops cleanly on Ctrl-C or SIGTERM)."""
    from kiosk.server import PortInUse, serve, setup_logging

    setup_logging()
    config = _load(config_path)
    try:
        serve(config, host, port)
    except PortInUse as exc:
        raise click.ClickException(str(exc)) from None
    except JournalError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("check-config")
@click.argument("path", metavar="FILE")
def check_config(path: str) -> None:
    """Validate a config file and print what it sets up."""
    config = _load(path)
    k, b = config.kiosk, config.backend
    click.echo(f"{path} is valid (config_version {config.config_version}).")
    click.echo(f"  kiosk:    {k.id} ({k.name}) for {k.library_name}")
    click.echo(f"            languages {', '.join(k.languages)}; idle timeout {k.idle_timeout_seconds} s; "
               f"receipt {k.receipt}")
    describe = getattr(b.settings, "describe", None)
    click.echo(f"  backend:  {describe() if describe else b.kind}")
    o = config.offline
    click.echo(f"  offline:  sign-in {o.sign_in}, PIN patrons {o.pin_patrons}, at most {o.checkout_limit} "
               f"offline checkouts per patron, answers awaited {o.answer_wait_seconds:g} s")
    click.echo(f"  journal:  {config.journal.path}")
    click.echo(f"  devices:  {len(config.devices) or 'none'}")
    for device in config.devices:
        known = (device.kind, device.driver) in REGISTRY
        note = "" if known else "  <- this driver is not available on this computer"
        if device.problem:
            note = f"  <- {device.problem}"
        saved = " (saved on the staff screen)" if device.origin == "override" else ""
        click.echo(f"    {device.name}: {device.kind}, driver {device.driver}{saved}{note}")
    if config.overrides_problem:
        click.echo(f"  note:     {config.overrides_problem}")
    if config.demo.enabled:
        click.echo("  demo:     enabled (demo token and staff PIN 0000 allowed; never on a real kiosk)")


@main.command()
@click.option("--central-port", type=int, envvar="CENTRAL_PORT", default=8600, show_default=True)
@click.option("--kiosk-port", type=int, envvar="KIOSK_PORT", default=8700, show_default=True)
@click.option("--instance", type=click.Path(file_okay=False), default=None,
              help="Folder for the demo's databases and log (default: instance/ in the repository).")
@click.option("--backend", type=click.Choice(["central", "sip2"]), default="central", show_default=True,
              help="How the kiosk talks to the library system: the central server's API, or SIP2 to its SIP2 server.")
@click.option("--sip2-port", type=int, envvar="CENTRAL_SIP2_PORT", default=6001, show_default=True,
              help="The demo SIP2 server's port (it runs in both modes).")
def demo(central_port: int, kiosk_port: int, instance: str | None, backend: str, sip2_port: int) -> None:
    """Start the central server (SQLite, sample library), its SIP2 server and a kiosk with simulated devices."""
    from pathlib import Path

    from kiosk.demo import DemoError, run_demo

    try:
        run_demo(central_port, kiosk_port, Path(instance) if instance else None, backend=backend, sip2_port=sip2_port)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None


# The staff SIP2 command lives with the SIP2 backend; registered here so `kiosk --help` lists it.
from kiosk.backends.sip2.cli import sip2_command  # noqa: E402

main.add_command(sip2_command)


if __name__ == "__main__":
    sys.exit(main())
