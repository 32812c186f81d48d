"""The import pages: upload a catalog, patron CSV or OneRoster zip; map the CSV's columns; watch; read the result.

Every route wears the staff pages' one check, ``@requires(permission)``: ``imports.catalog`` and
``exports.catalog`` for the catalog, ``imports.patrons`` and ``exports.patrons`` (the librarian's) for
patrons (central/staff/roles.py). A run's page is opened with ``imports.catalog`` and then checked
against its kind, so a technician never reads a patron run. A run belongs to its school: another
school's staff get 403. The blueprint is registered in the staff pages' tree (``web.imports``), so
sign-in, CSRF and no-store apply to it.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from central.imports import export
from central.imports.codes import BARCODES_ANY, BARCODES_LIBRARY14
from central.imports.common import Options, RunBy
from central.imports.patrons.csv_read import read_table
from central.imports.jobs import Jobs, Meta
from central.imports.patrons.columns import FIELD_NAMES, check_mapping, guess_mapping
from central.imports.report import ImportStopped, problems_csv
from central.imports.wording import S, tr
from central.staff import roles
from central.store.models import School
from central.web import policy
from central.web.i18n import current_language

bp = Blueprint("imports", __name__, url_prefix="/imports")
MAX_UPLOAD = 200 * 1024 * 1024
KINDS = {"marc": "imports.catalog", "patrons": "imports.patrons", "oneroster": "imports.patrons"}
FORMAT_NAMES = {"marc": "Catalog (MARC)", "patrons": "Patrons (CSV)", "oneroster": "Roster (OneRoster)"}
COUNT_NAMES = {"titles added": "Titles added", "titles updated": "Titles updated", "titles unchanged": "Titles unchanged",
               "copies added": "Copies added", "copies updated": "Copies updated", "copies unchanged": "Copies unchanged",
               "patrons added": "Patrons added", "patrons updated": "Patrons updated",
               "patrons unchanged": "Patrons unchanged"}


@bp.context_processor
def _words() -> dict:
    language = current_language()
    return {"tr": lambda text, **values: tr(text, language, **values), "language": language,
            "field_names": FIELD_NAMES, "format_names": FORMAT_NAMES, "count_names": COUNT_NAMES}


def jobs() -> Jobs:
    """The app's import runs (IMPORTS_FOLDER, default <instance folder>/imports)."""
    folder = current_app.config.get("IMPORTS_FOLDER") or Path(
        current_app.config.get("INSTANCE_FOLDER") or current_app.instance_path) / "imports"
    return Jobs(Path(folder))


def _school() -> School:
    school = policy.working_school()
    if school is None:
        abort(400)
    return school


@bp.get("/")
@policy.requires("imports.catalog")
def page():
    """The upload forms and the export links."""
    return render_template("central/imports/index.html", school=_school(), error=None)


def _upload(kind: str):
    school = _school()
    upload = request.files.get("file")
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not data or len(data) > MAX_UPLOAD:
        sentence = S("Choose a file to import.") if not data else S("The file is larger than 200 MB.")
        return render_template("central/imports/index.html", school=school,
                               error=sentence.say(current_language())), 400
    options = {"barcodes": BARCODES_ANY if request.form.get("any_barcodes") else BARCODES_LIBRARY14}
    name = Path(upload.filename or "upload").name[:120]
    job_id = jobs().create(Meta(kind=kind, school_id=school.id, staff_id=g.staff.id, file_name=name,
                                options=options), data)
    return job_id


@bp.post("/marc")
@policy.requires("imports.catalog")
def upload_marc():
    """Take a MARC file and start importing it."""
    job_id = _upload("marc")
    if not isinstance(job_id, str):
        return job_id
    _start(job_id)
    return redirect(url_for(".run", job_id=job_id), code=303)


@bp.post("/oneroster")
@policy.requires("imports.patrons")
def upload_oneroster():
    """Take a OneRoster zip and start importing it."""
    job_id = _upload("oneroster")
    if not isinstance(job_id, str):
        return job_id
    _start(job_id)
    return redirect(url_for(".run", job_id=job_id), code=303)


@bp.post("/patrons")
@policy.requires("imports.patrons")
def upload_patrons():
    """Take a patron CSV and show the column-mapping step."""
    job_id = _upload("patrons")
    if not isinstance(job_id, str):
        return job_id
    return redirect(url_for(".columns", job_id=job_id), code=303)


def _own(job_id: str, permission: str | None = None) -> Meta:
    try:
        meta = jobs().meta(job_id)
    except KeyError:
        abort(404)
    policy.check_school(meta.school_id)
    if not roles.allowed(g.staff, permission or KINDS.get(meta.kind, "imports.catalog")):
        abort(403)
    return meta


@bp.route("/<job_id>/columns", methods=["GET", "POST"])
@policy.requires("imports.patrons")
def columns(job_id: str):
    """The mapping step: which field each column of the CSV holds, guessed first; then the import starts."""
    meta = _own(job_id)
    if meta.kind != "patrons":
        abort(404)
    try:
        data = jobs().upload(job_id)
        table = read_table(data)
    except FileNotFoundError:
        return redirect(url_for(".run", job_id=job_id), code=303)  # already started: a form sent twice
    except ImportStopped as stopped:
        return render_template("central/imports/index.html", school=_school(),
                               error=stopped.sentence.say(current_language())), 400
    mapping, error = guess_mapping(table.header), None
    if request.method == "POST":
        mapping = {}
        for position in range(len(table.header)):
            field = request.form.get(f"column-{position}", "")
            if field in FIELD_NAMES and field not in mapping:
                mapping[field] = position
        try:
            check_mapping(mapping, table.header)
        except ImportStopped as stopped:
            error = stopped.sentence.say(current_language())
        else:
            jobs().update_meta(job_id, mapping=mapping)
            _start(job_id)
            return redirect(url_for(".run", job_id=job_id), code=303)
    chosen = {position: field for field, position in mapping.items()}
    return render_template("central/imports/columns.html", meta=meta, job_id=job_id, table=table, chosen=chosen,
                           preview=table.rows[:5], error=error), 400 if error else 200


def _start(job_id: str) -> None:
    from central.imports.marc.importer import import_marc
    from central.imports.patrons.oneroster import import_oneroster, read_roster_zip
    from central.imports.patrons.importer import import_patrons

    meta = jobs().meta(job_id)
    if jobs().status(job_id).get("state") != "waiting":
        return  # a form sent twice: the run is under way already
    jobs().set_status(job_id, state="running", done=0, total=0)
    central = policy.state()
    school = central.session().get(School, meta.school_id)
    options = Options(school_code=school.code if school else None, barcodes=meta.options.get("barcodes",
                                                                                              BARCODES_LIBRARY14))
    run_by = RunBy(actor=g.staff.username, staff_id=g.staff.id, address=request.remote_addr)
    db, now = central.db, central.clock.now()

    def work(data: bytes, progress):
        if meta.kind == "marc":
            return import_marc(db, data, file_name=meta.file_name, now=now, options=options, run_by=run_by,
                               progress=progress)
        if meta.kind == "oneroster":
            return import_oneroster(db, read_roster_zip(data), file_name=meta.file_name, now=now, options=options,
                                    run_by=run_by, progress=progress)
        mapping = {f: int(p) for f, p in meta.options.get("mapping", {}).items()}
        return import_patrons(db, data, file_name=meta.file_name, now=now, mapping=mapping, options=options,
                              run_by=run_by, progress=progress)

    jobs().start(job_id, work)


@bp.get("/<job_id>")
@policy.requires("imports.catalog")
def run(job_id: str):
    """A run's progress while it goes on (the page polls status.json), then its result with the refused rows."""
    meta = _own(job_id)
    status = jobs().status(job_id)
    stopped = S.from_dict(status["sentence"]).say(current_language()) if status.get("state") == "stopped" else None
    return render_template("central/imports/result.html", meta=meta, job_id=job_id, status=status, stopped=stopped,
                           report=jobs().report(job_id))


@bp.get("/<job_id>/status.json")
@policy.requires("imports.catalog")
def status_json(job_id: str):
    """How far the run is: state, records done, records in all."""
    _own(job_id)
    status = jobs().status(job_id)
    return {"state": status.get("state"), "done": status.get("done", 0), "total": status.get("total", 0)}


@bp.get("/<job_id>/problems.csv")
@policy.requires("imports.catalog")
def problems(job_id: str):
    """The refused rows of a finished run, with their reasons, as CSV in the reader's language."""
    meta = _own(job_id)
    report = jobs().report(job_id)
    if report is None:
        abort(404)
    return _download(problems_csv(report, current_language()).encode("utf-8"), "text/csv",
                     f"refused-{Path(meta.file_name).stem}.csv")


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/export/catalog.mrc")
@policy.requires("exports.catalog")
def export_marc():
    """The school's catalog as MARC 21 (UTF-8), with its copies in 852."""
    school = _school()
    return _download(export.catalog_marc(policy.state().session(), school), "application/marc",
                     f"{school.code}-catalog.mrc")


@bp.get("/export/catalog.xml")
@policy.requires("exports.catalog")
def export_marcxml():
    """The school's catalog as MARCXML, with its copies in 852."""
    school = _school()
    return _download(export.catalog_marcxml(policy.state().session(), school), "application/marcxml+xml",
                     f"{school.code}-catalog.xml")


@bp.get("/export/patrons.csv")
@policy.requires("exports.patrons")
def export_patrons():
    """The school's patrons as CSV (names and card numbers: librarians only, never cached)."""
    school = _school()
    return _download(export.patrons_csv(policy.state().session(), school).encode("utf-8"), "text/csv",
                     f"{school.code}-patrons.csv")
