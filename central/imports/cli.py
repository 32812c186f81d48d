"""The `central import ...` and `central export ...` commands (registered on the `central` group by central/cli.py).

An import shows a progress bar on a terminal and one line per thousand records otherwise (a cron job's
log), then the summary, what the librarian should know, and the refused rows (all of them with
``--refused-csv FILE``). A file that cannot be imported at all exits with status 1 and one sentence.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa

from central.clock import SystemClock
from central.imports.codes import BARCODES_ANY, BARCODES_LIBRARY14
from central.imports.common import Options, RunBy, resolve_school
from central.imports.report import ImportReport, ImportStopped, problems_csv

SHOWN_PROBLEMS = 20
_SCHOOL = click.option("--school", "school_code", default=None, help="The school's code (needed when there are several).")
_ANY = click.option("--any-barcodes", is_flag=True,
                    help="This school's labels are not 14-digit library barcodes: accept any code a scanner reads.")
_REFUSED = click.option("--refused-csv", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
                        help="Write every refused row, with its reason, to this CSV file.")


def _db(obj):
    from central.cli import open_database, require_schema  # here: central.cli imports this module to register it

    db = open_database(obj["url"])
    require_schema(db)
    return db


class _Progress:
    """A progress bar on a terminal; a line per thousand records when the output is a log."""

    def __init__(self, label: str):
        self.label, self.bar, self.shown = label, None, 0

    def __call__(self, done: int, total: int) -> None:
        if sys.stdout.isatty():
            if self.bar is None:
                self.bar = click.progressbar(length=total, label=self.label)
                self.bar.__enter__()
            self.bar.update(done - self.shown)
        elif done // 1000 > self.shown // 1000 or done == total:
            click.echo(f"  {done} of {total} records")
        self.shown = done

    def close(self) -> None:
        """End the bar's line."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _run(label: str, action) -> ImportReport:
    progress = _Progress(label)
    try:
        report = action(progress)
    except ImportStopped as stopped:
        raise click.ClickException(f"Nothing was imported: {stopped.sentence.say('en')}") from None
    finally:
        progress.close()
    return report


def _show(report: ImportReport, refused_csv: Path | None) -> None:
    click.echo(f"{report.file_name}: {report.summary('en')}")
    for note in report.notes:
        click.echo(f"  {note.say('en')}")
    for problem in report.problems[:SHOWN_PROBLEMS]:
        what = "refused" if problem.outcome == "refused" else "imported without a value"
        click.echo(f"  record/line {problem.number} {problem.key}: {what}: {problem.reason.say('en')}")
    if len(report.problems) > SHOWN_PROBLEMS and refused_csv is None:
        click.echo(f"  ... and {len(report.problems) - SHOWN_PROBLEMS} more: use --refused-csv FILE to get all.")
    if refused_csv is not None:
        refused_csv.write_text(problems_csv(report, "en"), encoding="utf-8")
        click.echo(f"  {len(report.problems)} problem rows written to {refused_csv}.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror or exc}.") from None


@click.group("import")
def import_group() -> None:
    """Bring a school's catalog or patrons in from another system."""


@import_group.command("marc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_SCHOOL
@_ANY
@_REFUSED
@click.pass_obj
def import_marc_cmd(obj, file: Path, school_code: str | None, any_barcodes: bool, refused_csv: Path | None) -> None:
    """Import a catalog file: MARC 21 (.mrc, MARC-8 or UTF-8) or MARCXML, with copies from 852, 952 or 949."""
    from central.imports.marc.importer import import_marc

    db = _db(obj)
    data = _read(file)
    options = Options(school_code=school_code, barcodes=BARCODES_ANY if any_barcodes else BARCODES_LIBRARY14)
    report = _run("Importing records", lambda progress: import_marc(
        db, data, file_name=file.name, now=SystemClock().now(), options=options, run_by=RunBy("cli"),
        progress=progress))
    _show(report, refused_csv)


@import_group.command("patrons")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Which field a column holds (repeatable); FIELD '-' ignores the column. Fields: student_id, "
                   "first_name, last_name, last_first, grade, homeroom, patron_type, barcode, card_uid, language, "
                   "school, expires_on.")
@_SCHOOL
@_ANY
@_REFUSED
@click.pass_obj
def import_patrons_cmd(obj, file: Path, maps: tuple[str, ...], school_code: str | None, any_barcodes: bool,
                       refused_csv: Path | None) -> None:
    """Import patrons from a CSV export (Destiny, PowerSchool, Infinite Campus or any with a header line)."""
    from central.imports.patrons.importer import import_patrons

    db = _db(obj)
    data = _read(file)
    options = Options(school_code=school_code, barcodes=BARCODES_ANY if any_barcodes else BARCODES_LIBRARY14)
    report = _run("Importing patrons", lambda progress: import_patrons(
        db, data, file_name=file.name, now=SystemClock().now(), map_options=list(maps), options=options,
        run_by=RunBy("cli"), progress=progress))
    _show(report, refused_csv)


@import_group.command("oneroster")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@_ANY
@_REFUSED
@click.pass_obj
def import_oneroster_cmd(obj, source: Path, any_barcodes: bool, refused_csv: Path | None) -> None:
    """Import students and teachers from a OneRoster 1.1 CSV roster: a folder or a zip file."""
    from central.imports.patrons.oneroster import import_oneroster, read_roster

    db = _db(obj)
    options = Options(barcodes=BARCODES_ANY if any_barcodes else BARCODES_LIBRARY14)

    def action(progress):
        return import_oneroster(db, read_roster(source), file_name=source.name, now=SystemClock().now(),
                                options=options, run_by=RunBy("cli"), progress=progress)

    _show(_run("Importing the roster", action), refused_csv)


@click.group("export")
def export_group() -> None:
    """Write a school's catalog or patrons to a file another system can import."""


def _school(db, code: str | None):
    with db.reader() as session:
        try:
            school = resolve_school(session, code)
        except ImportStopped as stopped:
            raise click.ClickException(stopped.sentence.say("en")) from None
        session.expunge(school)
        return school


def _write(out: Path, data: bytes, what: str) -> None:
    if str(out) == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {out}: {exc.strerror or exc}.") from None
    click.echo(f"{what} written to {out}.", err=True)


@export_group.command("marc")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_SCHOOL
@click.option("--format", "form", type=click.Choice(["marc", "xml"]), default=None,
              help="MARC 21 binary or MARCXML (default: from the file name, .xml for MARCXML).")
@click.pass_obj
def export_marc_cmd(obj, out: Path, school_code: str | None, form: str | None) -> None:
    """Export the school's catalog with its copies (852 holdings); '-' writes to standard output."""
    from central.imports.export import catalog_marc, catalog_marcxml

    db = _db(obj)
    school = _school(db, school_code)
    form = form or ("xml" if out.suffix.lower() == ".xml" else "marc")
    with db.reader() as session:
        school = session.get(type(school), school.id)
        data = catalog_marcxml(session, school) if form == "xml" else catalog_marc(session, school)
        titles = session.scalar(sa.select(sa.func.count()).select_from(sa.text("titles")))
    _write(out, data, f"The catalog of {school.name} ({'MARCXML' if form == 'xml' else 'MARC 21'}, of {titles} "
                      f"titles in the district)")


@export_group.command("patrons")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_SCHOOL
@click.pass_obj
def export_patrons_cmd(obj, out: Path, school_code: str | None) -> None:
    """Export the school's patrons as CSV (no PINs); '-' writes to standard output."""
    from central.imports.export import patrons_csv

    db = _db(obj)
    school = _school(db, school_code)
    with db.reader() as session:
        school = session.get(type(school), school.id)
        data = patrons_csv(session, school).encode("utf-8")
    _write(out, data, f"The patrons of {school.name}")
