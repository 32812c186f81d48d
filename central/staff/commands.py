"""`central create-school`, `create-staff` and `set-password`: passwords are asked for, never given as arguments."""
from __future__ import annotations

import click

from central.clock import SystemClock


def _cli():
    # central.cli imports this module to register the commands; its helpers are looked up when a command runs.
    from central import cli

    return cli


@click.command("create-school")
@click.argument("code")
@click.argument("name")
@click.option("--institution", type=int, required=True, help="The 4-digit institution number in its barcodes.")
@click.pass_obj
def create_school(obj, code: str, name: str, institution: int) -> None:
    """Add a school (site) to the district, with its circulation desk."""
    from central.circulation.schools import SchoolRefused, add_school
    from central.staff import audit

    db = _cli().open_database(obj["url"])
    _cli().require_schema(db)

    def run():
        with db.writer() as session, session.begin():
            school = add_school(session, code, name, institution)
            audit.record(session, now=SystemClock().now(), action="school.create", actor="cli",
                         school_id=school.id, target_type="school", target_id=school.code,
                         summary="Added the school {name} ({code}) from the command line.",
                         values={"name": school.name, "code": school.code})
            return school.code

    try:
        added = _cli().guard(db, run)
    except SchoolRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"School '{added}' added, with its circulation desk desk-{added}.")


@click.command("create-staff")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["librarian", "technician", "read_only", "district_admin"]))
@click.option("--school", "school_code", default=None, help="The school's code (not for a district_admin).")
@click.option("--name", "display_name", default=None, help="The name the staff pages show.")
@click.pass_obj
def create_staff(obj, username: str, role: str, school_code: str | None, display_name: str | None) -> None:
    """Add a staff account; the password is asked for twice (never given on the command line)."""
    from central.staff import audit
    from central.staff.accounts import AccountRefused, create_account, normalize_username
    from central.staff.passwords import PasswordRefused

    db = _cli().open_database(obj["url"])
    _cli().require_schema(db)
    try:
        name = normalize_username(username)
    except AccountRefused as exc:
        raise click.ClickException(str(exc)) from None
    password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)

    def run():
        with db.writer() as session, session.begin():
            school = None if role == "district_admin" else _cli().school_named(session, school_code)
            account = create_account(session, name, password, role, school=school, now=SystemClock().now(),
                                     display_name=display_name)
            audit.record(session, now=SystemClock().now(), action="staff.create", actor="cli",
                         school_id=account.school_id, target_type="staff", target_id=account.username,
                         summary="Added the staff account {username} ({role}) from the command line.",
                         values={"username": account.username, "role": role})
            return school.name if school else "every school"

    try:
        where = _cli().guard(db, run)
    except (AccountRefused, PasswordRefused) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Staff account '{name}' added: {role.replace('_', ' ')}, {where}.")


@click.command("set-password")
@click.argument("username")
@click.pass_obj
def set_password_cmd(obj, username: str) -> None:
    """Give a staff account a new password (asked for twice) and lift a sign-in lock."""
    from central.staff import audit
    from central.staff.accounts import find_account, set_password
    from central.staff.passwords import PasswordRefused

    db = _cli().open_database(obj["url"])
    _cli().require_schema(db)
    password = click.prompt(f"New password for {username.strip().lower()}", hide_input=True,
                            confirmation_prompt=True)

    def run():
        with db.writer() as session, session.begin():
            account = find_account(session, username)
            if account is None:
                raise click.ClickException(f"There is no staff account called '{username}'.")
            set_password(account, password, SystemClock().now())
            audit.record(session, now=SystemClock().now(), action="staff.password", actor="cli",
                         school_id=account.school_id, target_type="staff", target_id=account.username,
                         summary="Set a new password for {username} from the command line.",
                         values={"username": account.username})

    try:
        _cli().guard(db, run)
    except PasswordRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"New password set for '{username.strip().lower()}'.")
