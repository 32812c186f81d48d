"""The catalog search: words to ranked titles, each with its call number, its place in words and copies in.

Ranking: a word in the title counts most, then the author, then a subject, then the series, a call
number or an ISBN (FTS5's bm25 with column weights; PostgreSQL's ts_rank over the same weights);
ties go alphabetically. Every word typed must match. A query that is an ISBN or a copy's barcode
finds that title first, as a librarian at the desk expects.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.orm import Session
from stdnum import isbn as stdnum_isbn

from central.search import index
from central.search.shelves import shelf_words
from central.search.text import fts5_query, parse_query, tsquery
from central.store.models import Item, Title, TitleIsbn, TitleSubject

GONE = index.GONE  # not counted as copies the library has
MAX_LIMIT, MAX_OFFSET = 50, 10_000
SUBJECTS_SHOWN = 5


@dataclass(frozen=True)
class Hit:
    """One title found: what a child or a librarian needs to walk to the shelf."""

    title_id: int
    title: str
    author: str
    call_number: str
    location: str
    copies: int
    available: int
    isbn: str | None
    subjects: tuple[str, ...]

    def to_dict(self) -> dict:
        """The API's hit (protocol.wire.SearchHit's fields)."""
        return {"title": self.title, "author": self.author, "call_number": self.call_number,
                "location": self.location, "copies": self.copies, "available": self.available, "isbn": self.isbn,
                "subjects": list(self.subjects)}


@dataclass(frozen=True)
class Results:
    """A page of hits, best first; ``query`` is what was searched (cut to size); ``searchable`` is False when
    nothing in the query could be searched (empty, or only punctuation)."""

    query: str
    total: int
    hits: tuple[Hit, ...] = field(default_factory=tuple)
    searchable: bool = True


def search(session: Session, text: str, *, school_ids: list[int] | None, limit: int = 20, offset: int = 0,
           language: str = "en", with_copies_only: bool = False) -> Results:
    """Titles matching ``text``; copies counted at ``school_ids`` (None: the whole district).

    ``with_copies_only`` (the kiosk) leaves out titles none of those schools has a copy of.
    """
    limit, offset = max(1, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))
    shown, terms = parse_query(text)
    exact = _exact_titles(session, shown)
    if not terms and not exact:
        return Results(query=shown, total=0, searchable=False)
    shelves = school_ids if with_copies_only else None  # a kiosk: only what these schools' shelves hold
    if with_copies_only and school_ids is None:
        shelves = []  # every school: any title with a copy somewhere
    if exact and shelves is not None:
        held = sa.select(Item.title_id).where(Item.title_id.in_(exact), Item.status.not_in(GONE))
        if shelves:
            held = held.where((Item.school_id + 0).in_(shelves))
        kept = set(session.scalars(held))
        exact = [t for t in exact if t in kept]
    if exact:
        ranked, total = exact[offset:offset + limit], len(exact)
    else:
        ranked, total = _ranked(session, terms, shelves, limit, offset)
    return Results(query=shown, total=total, hits=tuple(_hits(session, ranked, school_ids, language)))


def _exact_titles(session: Session, text: str) -> list[int]:
    compact = text.replace("-", "").replace(" ", "").upper()
    if len(compact) in (10, 13) and stdnum_isbn.is_valid(compact):
        number = stdnum_isbn.to_isbn13(compact)
        return list(session.scalars(sa.select(Title.id).where(sa.or_(
            Title.isbn == number, Title.id.in_(sa.select(TitleIsbn.title_id).where(TitleIsbn.isbn == number))))
            .order_by(Title.title, Title.id)))
    if compact.isdigit() and 6 <= len(compact) <= 32:
        return list(session.scalars(sa.select(Item.title_id).where(Item.barcode == compact)))
    return []


_DOCUMENTS = sa.table(index.TABLE, sa.column("rowid"), sa.column("title_id"), sa.column("document"),
                      sa.column("schools"))


def _ranked(session: Session, terms, shelves: list[int] | None, limit: int, offset: int) -> tuple[list[int], int]:
    """One page of title ids, best first, and how many match in all; ``shelves``: schools a copy must be at
    ([] any school, None: titles with no copy too)."""
    if session.get_bind().dialect.name == "sqlite":
        return _ranked_fts5(session, terms, shelves, limit, offset)
    return _ranked_postgres(session, terms, shelves, limit, offset)


def _ranked_fts5(session: Session, terms, shelves, limit: int, offset: int) -> tuple[list[int], int]:
    key = _DOCUMENTS.c.rowid
    words = f"{{title author subjects other}} : ({fts5_query(terms)})"
    if shelves:
        words += " AND schools : (" + " OR ".join(f'"{index.school_token(s)}"' for s in shelves) + ")"
    elif shelves is not None:
        words += " AND schools : (s*)"
    match = sa.literal_column(index.TABLE).op("MATCH")(sa.literal(words))
    best_first = sa.literal_column(f"bm25({index.TABLE}, 10.0, 4.0, 2.0, 1.0, 0.0)").asc()  # lower is better
    page = sa.select(key).select_from(_DOCUMENTS).where(match).order_by(best_first, key).limit(limit).offset(offset)
    # Two index queries: counting the matches alone takes a fraction of a millisecond.
    total = session.scalar(sa.select(sa.func.count()).select_from(_DOCUMENTS).where(match))
    return list(session.scalars(page)), int(total or 0)


def _ranked_postgres(session: Session, terms, shelves, limit: int, offset: int) -> tuple[list[int], int]:
    wanted = sa.cast(sa.literal(tsquery(terms)), TSQUERY)
    where = [_DOCUMENTS.c.document.op("@@")(wanted)]
    if shelves:
        where.append(_DOCUMENTS.c.schools.op("&&")(sa.cast(sa.literal(list(shelves)), ARRAY(sa.Integer))))
    elif shelves is not None:
        where.append(_DOCUMENTS.c.schools != sa.text("'{}'"))
    best_first = sa.func.ts_rank(_DOCUMENTS.c.document, wanted).desc()
    # One scan: every match is ranked for the sort anyway, so the window counts them on the way.
    page = (sa.select(_DOCUMENTS.c.title_id, sa.func.count().over()).where(*where)
            .order_by(best_first, _DOCUMENTS.c.title_id).limit(limit).offset(offset))
    rows = session.execute(page).all()
    if rows or offset == 0:
        return [r[0] for r in rows], int(rows[0][1]) if rows else 0
    return [], int(session.scalar(sa.select(sa.func.count()).select_from(_DOCUMENTS).where(*where)) or 0)


def _hits(session: Session, title_ids: list[int], school_ids: list[int] | None, language: str) -> list[Hit]:
    if not title_ids:
        return []
    titles = {t.id: t for t in session.execute(sa.select(Title.id, Title.title, Title.author, Title.isbn)
                                               .where(Title.id.in_(title_ids)))}
    subjects: dict[int, list[str]] = {}
    for title_id, subject in session.execute(sa.select(TitleSubject.title_id, TitleSubject.subject)
                                             .where(TitleSubject.title_id.in_(title_ids))
                                             .order_by(TitleSubject.title_id, TitleSubject.position)):
        subjects.setdefault(title_id, []).append(subject)
    copies = sa.select(Item.title_id, Item.status, Item.call_number, Item.location, Item.item_type) \
        .where(Item.title_id.in_(title_ids), Item.status.not_in(GONE))
    if school_ids is not None:
        # "+ 0": SQLite would otherwise read the school's every copy through its index, not these titles' copies.
        copies = copies.where((Item.school_id + 0).in_(school_ids))
    by_title: dict[int, list] = {}
    for row in session.execute(copies):
        by_title.setdefault(row.title_id, []).append(row)
    out = []
    for title_id in title_ids:
        title = titles.get(title_id)
        if title is None:
            continue  # removed since it was indexed
        rows = by_title.get(title_id, [])
        available = [r for r in rows if r.status == "available"]
        # The place of a copy that is in, else of the most common call number: where to look first.
        shelf = available[0] if available else (_most_common(rows) if rows else None)
        out.append(Hit(title_id=title_id, title=title.title, author=title.author or "",
                       call_number=shelf.call_number if shelf else "",
                       location=shelf_words(shelf.call_number, shelf.item_type, shelf.location, language)
                       if shelf else "",
                       copies=len(rows), available=len(available), isbn=title.isbn,
                       subjects=tuple(subjects.get(title_id, [])[:SUBJECTS_SHOWN])))
    return out


def _most_common(rows):
    common = Counter(r.call_number for r in rows).most_common(1)[0][0]
    return next(r for r in rows if r.call_number == common)
