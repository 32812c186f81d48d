"""Titles: add one by hand or from an ISBN, edit one; ISBNs validated and never on two titles."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from central.messages import Refused
from central.store.models import AUDIENCES, Title, TitleIsbn, TitleSubject

AUDIENCE_NAMES = {"picture_book": "Picture book", "easy_reader": "Easy reader", "fiction": "Fiction",
                  "nonfiction": "Nonfiction", "biography": "Biography", "reference": "Reference", "media": "Media"}


@dataclass
class TitleFields:
    """What a person types for a title; ``isbns`` and ``subjects`` one per line."""

    title: str
    author: str = ""
    audience: str = "fiction"
    isbns: list[str] = field(default_factory=list)
    publisher: str = ""
    publication_year: str = ""
    edition: str = ""
    dewey: str = ""
    series: str = ""
    subjects: list[str] = field(default_factory=list)


def isbn13(text: str) -> str:
    """An ISBN-10 or ISBN-13 as typed or scanned ("0-440-41480-1") as 13 digits; Refused when it is not one."""
    compact = stdnum_isbn.compact(text or "")
    try:
        stdnum_isbn.validate(compact)
    except ValidationError:
        raise Refused("'{text}' is not a valid ISBN: check the digits (10 or 13, the last may be X).",
                      text=(text or "")[:20]) from None
    return stdnum_isbn.to_isbn13(compact)


def find_by_isbn(session: Session, isbn: str) -> Title | None:
    """The title carrying this ISBN (13 digits) in its list, or as its main ISBN."""
    found = session.scalar(sa.select(Title).join(TitleIsbn).where(TitleIsbn.isbn == isbn))
    return found or session.scalar(sa.select(Title).where(Title.isbn == isbn))


def _clean(fields: TitleFields, session: Session, title_id: int | None) -> dict:
    name = fields.title.strip()
    if not name:
        raise Refused("A title needs its title.")
    if fields.audience not in AUDIENCES:
        raise Refused("Choose who the title is for (picture book, fiction, nonfiction, ...).")
    year = fields.publication_year.strip()
    if year and (not year.isdigit() or not 1400 <= int(year) <= 2100):
        raise Refused("The year of publication is four digits, like 2019.")
    isbns: list[str] = []
    for text in fields.isbns:
        if text.strip():
            value = isbn13(text)
            if value not in isbns:
                isbns.append(value)
    for value in isbns:
        other = find_by_isbn(session, value)
        if other is not None and other.id != title_id:
            raise Refused("The ISBN {isbn} is already on the title '{title}': add copies to that title instead.",
                          isbn=value, title=other.title)
    dewey = fields.dewey.strip()
    if dewey and not all(ch.isdigit() or ch == "." for ch in dewey):
        raise Refused("A Dewey number is digits with one dot, like 597.3.")
    return {"title": name[:300], "author": fields.author.strip()[:200], "audience": fields.audience,
            "publisher": fields.publisher.strip()[:200] or None, "publication_year": int(year) if year else None,
            "edition": fields.edition.strip()[:100] or None, "dewey": dewey[:20] or None,
            "series": fields.series.strip()[:200] or None, "isbns": isbns,
            "subjects": [s.strip()[:300] for s in fields.subjects if s.strip()]}


def add_title(session: Session, fields: TitleFields) -> Title:
    """A new title in the catalog; Refused says what is wrong and nothing is added."""
    values = _clean(fields, session, None)
    isbns, subjects = values.pop("isbns"), values.pop("subjects")
    title = Title(**values, isbn=isbns[0] if isbns else None)
    title.isbns = [TitleIsbn(isbn=value, position=n) for n, value in enumerate(isbns)]
    title.subjects = [TitleSubject(subject=text, position=n) for n, text in enumerate(subjects)]
    session.add(title)
    session.flush()
    return title


def edit_title(session: Session, title: Title, fields: TitleFields) -> list[str]:
    """Change a title's record; returns the names of the fields that changed (for the audit log)."""
    values = _clean(fields, session, title.id)
    isbns, subjects = values.pop("isbns"), values.pop("subjects")
    changed = [name for name, value in values.items() if getattr(title, name) != value]
    for name in changed:
        setattr(title, name, values[name])
    if [i.isbn for i in title.isbns] != isbns:
        changed.append("isbns")
        title.isbns.clear()
        session.flush()  # the old ISBN rows go first, or a kept ISBN would meet itself in the unique index
        title.isbns = [TitleIsbn(isbn=value, position=n) for n, value in enumerate(isbns)]
        title.isbn = isbns[0] if isbns else None
    if [s.subject for s in title.subjects] != subjects:
        changed.append("subjects")
        title.subjects = [TitleSubject(subject=text, position=n) for n, text in enumerate(subjects)]
    session.flush()
    return changed


def fields_of(title: Title) -> TitleFields:
    """The editable fields of a title, as the edit form shows them."""
    return TitleFields(title=title.title, author=title.author, audience=title.audience,
                       isbns=[i.isbn for i in title.isbns] or ([title.isbn] if title.isbn else []),
                       publisher=title.publisher or "", publication_year=str(title.publication_year or ""),
                       edition=title.edition or "", dewey=title.dewey or "", series=title.series or "",
                       subjects=[s.subject for s in title.subjects])
