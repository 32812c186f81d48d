"""Search for the staff pages: a plain query until the catalog search room (central/search/) lands.

Both functions are the only place the staff pages search, so the search module replaces their
bodies and nothing else changes. Results are limited to the schools the staff member sees.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.store.models import Item, Patron, PatronCard, Title, TitleIsbn


@dataclass(frozen=True)
class TitleHit:
    """A title found, with how many copies the visible schools have and how many are on the shelf."""

    title: Title
    copies: int
    available: int


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def catalog(session: Session, query: str, *, school_ids: list[int] | None, limit: int = 50) -> list[TitleHit]:
    """Titles whose title, author or series contains ``query``, or with that ISBN, item barcode or call number."""
    text = (query or "").strip()
    if not text:
        return []
    digits = text.replace("-", "").replace(" ", "").upper()
    pattern = _like(text)
    matches = sa.or_(sa.func.lower(Title.title).like(pattern, escape="\\"),
                     sa.func.lower(Title.author).like(pattern, escape="\\"),
                     sa.func.lower(sa.func.coalesce(Title.series, "")).like(pattern, escape="\\"),
                     Title.isbn == digits,
                     Title.id.in_(sa.select(TitleIsbn.title_id).where(TitleIsbn.isbn == digits)),
                     Title.id.in_(sa.select(Item.title_id).where(sa.or_(
                         Item.barcode == digits, sa.func.lower(Item.call_number).like(pattern, escape="\\")))))
    titles = session.scalars(sa.select(Title).where(matches).order_by(Title.title, Title.id).limit(limit)).all()
    return [TitleHit(title, *_copy_counts(session, title.id, school_ids)) for title in titles]


def _copy_counts(session: Session, title_id: int, school_ids: list[int] | None) -> tuple[int, int]:
    query = sa.select(sa.func.count(), sa.func.sum(sa.case((Item.status == "available", 1), else_=0))) \
        .where(Item.title_id == title_id)
    if school_ids is not None:
        query = query.where(Item.school_id.in_(school_ids))
    copies, available = session.execute(query).one()
    return int(copies or 0), int(available or 0)


def patrons(session: Session, query: str, *, school_ids: list[int] | None, limit: int = 50) -> list[Patron]:
    """Patrons whose name, homeroom or student id contains ``query``, or with that barcode or card UID."""
    text = (query or "").strip()
    if not text:
        return []
    pattern = _like(text)
    full_name = sa.func.lower(Patron.first_name + " " + Patron.last_name)
    matches = sa.or_(full_name.like(pattern, escape="\\"),
                     sa.func.lower(Patron.last_name + ", " + Patron.first_name).like(pattern, escape="\\"),
                     sa.func.lower(sa.func.coalesce(Patron.homeroom, "")).like(pattern, escape="\\"),
                     Patron.student_id == text, Patron.barcode == text,
                     Patron.id.in_(sa.select(PatronCard.patron_id).where(PatronCard.uid == text.upper())))
    found = sa.select(Patron).where(matches)
    if school_ids is not None:
        found = found.where(Patron.school_id.in_(school_ids))
    return list(session.scalars(found.order_by(Patron.last_name, Patron.first_name, Patron.id).limit(limit)))
