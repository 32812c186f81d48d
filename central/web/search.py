"""Search for the staff pages: the catalog through the catalog search (central/search/), patrons by name or number.

Both functions are the only place the staff pages search. The staff see the whole union catalog
(titles with no copy at their school too), with copies counted at the schools they see; patrons
only of those schools.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.search.catalog import MAX_LIMIT, search
from central.store.models import Patron, PatronCard, Title


@dataclass(frozen=True)
class TitleHit:
    """A title found, with how many copies the visible schools have, how many are on the shelf, and where."""

    title: Title
    copies: int
    available: int
    call_number: str = ""
    location: str = ""


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def catalog(session: Session, query: str, *, school_ids: list[int] | None, limit: int = 50,
            language: str = "en") -> list[TitleHit]:
    """Titles matching ``query`` best first (title, author, subject, series, call number; accents ignored), or the
    title with that ISBN or copy barcode; copies (withdrawn, lost and missing ones not counted) at ``school_ids``."""
    results = search(session, query or "", school_ids=school_ids, limit=min(limit, MAX_LIMIT), language=language)
    if not results.hits:
        return []
    titles = {t.id: t for t in session.scalars(sa.select(Title).where(Title.id.in_([h.title_id for h in results.hits])))}
    return [TitleHit(titles[hit.title_id], hit.copies, hit.available, hit.call_number, hit.location)
            for hit in results.hits if hit.title_id in titles]


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
