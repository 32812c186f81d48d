"""Catalog pages: search, a title with its copies, add a title by hand or by ISBN, edit it, add a copy."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from central.catalog import copies, titles
from central.circulation.schools import next_barcode
from central.messages import Refused
from central.staff import roles
from central.store.models import AUDIENCES, ITEM_TYPES, Item, Loan, Title
from central.web import forms, policy
from central.web import search as finder
from central.web.i18n import current_language, t, translate

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


def may_edit_title(title: Title) -> bool:
    """A title is shared by the district: a school's staff edit it only while no other school has copies."""
    if roles.sees_every_school(g.staff):
        return True
    schools = set(policy.state().session().scalars(sa.select(Item.school_id).where(Item.title_id == title.id)))
    return schools <= {g.staff.school_id}


def _title_or_404(title_id: int) -> Title:
    title = policy.state().session().get(Title, title_id)
    if title is None:
        abort(404)
    return title


def _fields_from_form() -> titles.TitleFields:
    lines = lambda name: [line for line in (request.form.get(name) or "").splitlines() if line.strip()]  # noqa: E731
    return titles.TitleFields(
        title=forms.field("title", limit=300), author=forms.field("author"), audience=request.form.get("audience", ""),
        isbns=lines("isbns"), publisher=forms.field("publisher"), publication_year=forms.field("publication_year"),
        edition=forms.field("edition", limit=100), dewey=forms.field("dewey", limit=20), series=forms.field("series"),
        subjects=lines("subjects"))


@bp.get("")
@policy.requires("catalog.view")
def search():
    """Search the catalog by title, author, subject, series, ISBN, call number or a copy's barcode."""
    query = request.args.get("q", "").strip()[:200]
    hits = finder.catalog(policy.state().session(), query, school_ids=policy.visible_school_ids(),
                          language=current_language()) if query else []
    return render_template("central/catalog_search.html", query=query, hits=hits)


@bp.get("/titles/<int:title_id>")
@policy.requires("catalog.view")
def title_page(title_id: int):
    """A title's record and the copies of the schools the staff member sees, with the add-copy form."""
    session = policy.state().session()
    title = _title_or_404(title_id)
    query = sa.select(Item).where(Item.title_id == title.id).order_by(Item.school_id, Item.barcode)
    school_ids = policy.visible_school_ids()
    if school_ids is not None:
        query = query.where(Item.school_id.in_(school_ids))
    items = session.scalars(query).all()
    loans = {loan.item_id: loan for loan in session.scalars(sa.select(Loan).where(
        Loan.item_id.in_([i.id for i in items]), Loan.returned_at.is_(None)))}
    school = policy.working_school()
    model = items[0] if items else None
    return render_template("central/title.html", title=title, items=items, loans=loans, school=school,
                           next_barcode=next_barcode(session, school) if school else "",
                           model=model, item_types=ITEM_TYPES, item_type_names=copies.ITEM_TYPE_NAMES,
                           audience_names=titles.AUDIENCE_NAMES, may_edit=may_edit_title(title),
                           form_id=forms.new_form_id())


@bp.get("/new")
@policy.requires("catalog.edit")
def new_title():
    """The add-title form, empty or filled in from an ISBN (a title that already has it is opened instead)."""
    typed = request.args.get("isbn", "").strip()
    fields = titles.TitleFields(title="")
    if typed:
        try:
            isbn = titles.isbn13(typed)
        except Refused as refused:
            flash(refused.sentence(translate), "error")
            return redirect(url_for("web.catalog.new_title"))
        found = titles.find_by_isbn(policy.state().session(), isbn)
        if found is not None:
            flash(t("The ISBN {isbn} is already in the catalog: here is its title. Add a copy below.", isbn=isbn),
                  "info")
            return redirect(url_for("web.catalog.title_page", title_id=found.id))
        fields.isbns = [isbn]
        flash(t("No title has the ISBN {isbn} yet: type in its record below.", isbn=isbn), "info")
    return _title_form(fields, None)


def _title_form(fields: titles.TitleFields, title: Title | None):
    return render_template("central/title_form.html", fields=fields, title=title, audiences=AUDIENCES,
                           audience_names=titles.AUDIENCE_NAMES, form_id=forms.new_form_id())


@bp.post("/new")
@policy.requires("catalog.edit")
def create_title():
    """Add the title typed into the form."""
    def change(session, form_id):
        title = titles.add_title(session, _fields_from_form())
        forms.note(session, action="title.add", summary="Added the title '{title}'.", values={"title": title.title},
                   form_id=form_id, school_id=g.staff.school_id, target_type="title", target_id=title.id)
        return title.id

    title_id = forms.carry_out(change, done="The title is in the catalog. Now add its copies.")
    if title_id is None and g.get("already_done") is not None:
        title_id = int(g.already_done.target_id)
    if title_id is None:
        return _title_form(_safe_fields(), None), 400
    return redirect(url_for("web.catalog.title_page", title_id=title_id))


def _safe_fields() -> titles.TitleFields:
    # The form as typed, to show it again with the error (never lose what the librarian typed).
    form = request.form
    return titles.TitleFields(title=form.get("title", "")[:300], author=form.get("author", "")[:200],
                              audience=form.get("audience", ""), isbns=form.get("isbns", "").splitlines()[:20],
                              publisher=form.get("publisher", "")[:200],
                              publication_year=form.get("publication_year", "")[:4],
                              edition=form.get("edition", "")[:100], dewey=form.get("dewey", "")[:20],
                              series=form.get("series", "")[:200], subjects=form.get("subjects", "").splitlines()[:50])


@bp.get("/titles/<int:title_id>/edit")
@policy.requires("catalog.edit")
def edit_title(title_id: int):
    """The edit form of a title."""
    title = _title_or_404(title_id)
    if not may_edit_title(title):
        abort(403)
    return _title_form(titles.fields_of(title), title)


@bp.post("/titles/<int:title_id>/edit")
@policy.requires("catalog.edit")
def save_title(title_id: int):
    """Save the edited title."""
    title = _title_or_404(title_id)
    if not may_edit_title(title):
        abort(403)

    def change(session, form_id):
        record = session.get(Title, title_id)
        changed = titles.edit_title(session, record, _fields_from_form())
        forms.note(session, action="title.edit", summary="Edited the title '{title}': {fields}.",
                   values={"title": record.title, "fields": ", ".join(changed) or "-"}, form_id=form_id,
                   school_id=g.staff.school_id, target_type="title", target_id=record.id)
        return changed

    changed = forms.carry_out(change, done="The title is saved.")
    if changed is None:
        return _title_form(_safe_fields(), title), 400
    return redirect(url_for("web.catalog.title_page", title_id=title_id))


@bp.post("/titles/<int:title_id>/copies")
@policy.requires("catalog.edit")
def add_copy(title_id: int):
    """Add a copy of the title at the working school, with the barcode typed or offered."""
    title = _title_or_404(title_id)
    school = policy.working_school()
    if school is None:
        abort(400)

    def change(session, form_id):
        price = request.form.get("price", "").strip()
        item = copies.add_copy(session, session.get(Title, title.id), school,
                               barcode=forms.field("barcode", required="Scan or type the copy's barcode.", limit=32),
                               call_number=forms.field("call_number", limit=60),
                               location=forms.field("location", limit=80),
                               item_type=request.form.get("item_type", ""),
                               price_cents=forms.cents(price) if price else None,
                               acquired_on=policy.state().clock.today())
        forms.note(session, action="item.add", summary="Added copy {barcode} of '{title}'.",
                   values={"barcode": item.barcode, "title": title.title}, form_id=form_id, school_id=school.id,
                   target_type="item", target_id=item.id)
        return item.id

    item_id = forms.carry_out(change, done="The copy is added. Print its labels from its page.")
    if item_id is None and g.get("already_done") is not None:
        item_id = int(g.already_done.target_id)
    if item_id is None:
        return redirect(url_for("web.catalog.title_page", title_id=title_id))
    return redirect(url_for("web.copies.item_page", item_id=item_id))


@bp.get("/barcode")
@policy.requires("catalog.view")
def by_barcode():
    """Open the copy with a scanned barcode (the search box accepts one too)."""
    code = request.args.get("barcode", "").strip()
    item = policy.state().session().scalar(sa.select(Item).where(Item.barcode == code)) if code else None
    if item is None or not roles.may_see_school(g.staff, item.school_id):
        flash(t("No copy at your school has the barcode {barcode}.", barcode=code[:32]), "error")
        return redirect(url_for("web.catalog.search"))
    return redirect(url_for("web.copies.item_page", item_id=item.id))
