"""The search index: one document per title (title, author, subjects, then series, call numbers, ISBNs).

SQLite keeps it in an FTS5 table ``search_titles`` (rowid = the title's id); PostgreSQL in a table of
the same name with a weighted ``tsvector`` and a GIN index. Both hold words already folded by
``central.search.text``, so both databases find the same titles for the same words.

It is kept up to date in the same transaction as the change: every ORM flush that adds, changes or
removes a title, a subject, an ISBN or a copy's call number refreshes that title's document
(:func:`install`, once per process); writes that bypass the ORM (the importers' bulk inserts) call
:func:`refresh_titles` themselves. Availability is never indexed: it is read from the copies at
search time, so a checkout does not touch the index; only a copy withdrawn, lost, missing or found
again changes which schools have the title on their shelves.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from central.search.text import tokens, tsvector
from central.store.models import Item, Title, TitleIsbn, TitleSubject

TABLE = "search_titles"
CHUNK = 500
_installed = False
_has_table: dict[str, bool] = {}

GONE = ("withdrawn", "lost", "missing")  # copies a school no longer has on its shelves
# The schools with a copy on their shelves are in the index too, so a kiosk's "only what my school has"
# is part of the full-text match instead of a check per title found (thousands for a common word).
SQLITE_DDL = (f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, author, subjects, other, schools, "
              "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")
POSTGRES_DDL = (f"CREATE TABLE {TABLE} (title_id INTEGER PRIMARY KEY REFERENCES titles (id) ON DELETE CASCADE, "
                "document TSVECTOR NOT NULL, schools INTEGER[] NOT NULL DEFAULT '{}')",
                # No index on schools: most titles are at most schools, and with one PostgreSQL would scan the
                # whole school's titles before the words (12 ms instead of 3 for "shark" on 50,000 copies).
                f"CREATE INDEX ix_{TABLE}_document ON {TABLE} USING GIN (document)")


def create(connection: sa.Connection) -> None:
    """Create the index table for this database (the migration calls it)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(SQLITE_DDL)
    else:
        for statement in POSTGRES_DDL:
            connection.exec_driver_sql(statement)
    _has_table.clear()


def drop(connection: sa.Connection) -> None:
    """Drop the index table."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
    _has_table.clear()


def _documents(connection: sa.Connection, ids: list[int]) -> dict[int, dict[str, list[str]]]:
    docs: dict[int, dict[str, list[str]]] = {}
    for row in connection.execute(sa.select(Title.id, Title.title, Title.author, Title.series, Title.isbn)
                                  .where(Title.id.in_(ids))):
        docs[row.id] = {"title": [row.title], "author": [row.author or ""], "subjects": [],
                        "other": [row.series or "", row.isbn or ""], "schools": set()}
    if not docs:
        return docs
    found = list(docs)
    for title_id, subject in connection.execute(sa.select(TitleSubject.title_id, TitleSubject.subject)
                                                .where(TitleSubject.title_id.in_(found))
                                                .order_by(TitleSubject.title_id, TitleSubject.position)):
        docs[title_id]["subjects"].append(subject)
    for title_id, isbn in connection.execute(sa.select(TitleIsbn.title_id, TitleIsbn.isbn)
                                             .where(TitleIsbn.title_id.in_(found))):
        docs[title_id]["other"].append(isbn)
    for title_id, call_number in connection.execute(sa.select(Item.title_id, Item.call_number).distinct()
                                                    .where(Item.title_id.in_(found))):
        docs[title_id]["other"].append(call_number or "")
    for title_id, school_id in connection.execute(sa.select(Item.title_id, Item.school_id).distinct()
                                                  .where(Item.title_id.in_(found), Item.status.not_in(GONE))):
        docs[title_id]["schools"].add(school_id)
    return docs


def school_token(school_id: int) -> str:
    """How a school is written in the SQLite index's schools column."""
    return f"s{school_id}"


def refresh_titles(connection: sa.Connection, title_ids: Iterable[int]) -> int:
    """Rewrite the documents of ``title_ids`` (removing those of titles that are gone); returns how many."""
    ids = sorted({int(i) for i in title_ids if i is not None})
    table = sa.table(TABLE, sa.column("rowid"), sa.column("title_id"))
    sqlite = connection.dialect.name == "sqlite"
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        key = table.c.rowid if sqlite else table.c.title_id
        connection.execute(sa.delete(table).where(key.in_(chunk)))
        docs = _documents(connection, chunk)
        if not docs:
            continue
        if sqlite:
            rows = [{"id": i, "title": _joined(d["title"]), "author": _joined(d["author"]),
                     "subjects": _joined(d["subjects"]), "other": _joined(d["other"]),
                     "schools": " ".join(school_token(s) for s in sorted(d["schools"]))} for i, d in docs.items()]
            connection.execute(sa.text(f"INSERT INTO {TABLE} (rowid, title, author, subjects, other, schools) "
                                       "VALUES (:id, :title, :author, :subjects, :other, :schools)"), rows)
        else:
            rows = [{"id": i, "doc": tsvector([("A", d["title"]), ("B", d["author"]), ("C", d["subjects"]),
                                               ("D", d["other"])]), "schools": sorted(d["schools"])}
                    for i, d in docs.items()]
            connection.execute(sa.text(f"INSERT INTO {TABLE} (title_id, document, schools) "
                                       "VALUES (:id, CAST(:doc AS tsvector), :schools)"), rows)
        written += len(docs)
    return written


def _joined(texts: list[str]) -> str:
    return " ".join(" ".join(tokens(t)) for t in texts if t)


def rebuild(connection: sa.Connection, progress=None) -> int:
    """Index every title again from scratch; returns how many documents were written."""
    ids = list(connection.scalars(sa.select(Title.id).order_by(Title.id)))
    total = 0
    for start in range(0, len(ids), CHUNK * 4):
        total += refresh_titles(connection, ids[start:start + CHUNK * 4])
        if progress:
            progress(total, len(ids))
    return total


def has_index(connection: sa.Connection) -> bool:
    """True when this database has the index table (it was migrated to 0007_search or later)."""
    url = connection.engine.url.render_as_string(hide_password=False)
    if url not in _has_table:
        _has_table[url] = sa.inspect(connection).has_table(TABLE)
    return _has_table[url]


def _touched_titles(session: Session) -> set[int]:
    touched: set[int] = set()
    dirty = list(session.dirty)  # session.dirty builds a new set on every call: once per flush
    dirty_ids = {id(obj) for obj in dirty}
    for obj in (*session.new, *dirty, *session.deleted):
        if isinstance(obj, Title):
            touched.add(obj.id)
        elif isinstance(obj, (TitleSubject, TitleIsbn)):
            touched.add(obj.title_id)
        elif isinstance(obj, Item):
            attrs = sa.inspect(obj).attrs  # builds a namespace of every attribute: once per item
            status = attrs.status.history
            gone_changed = status.has_changes() and any(
                (s in GONE) != (obj.status in GONE) for s in (status.deleted or ()))
            title_id = attrs.title_id.history
            if id(obj) in dirty_ids and not (attrs.call_number.history.has_changes() or title_id.has_changes()
                                             or attrs.school_id.history.has_changes() or gone_changed):
                continue  # a checkout changes the status only: nothing the index holds
            touched.add(obj.title_id)
            for old in title_id.deleted or ():
                touched.add(old)  # a copy moved to another title: the old one loses its call number
    return {t for t in touched if t is not None}


def _after_flush(session: Session, _context) -> None:
    touched = _touched_titles(session)
    if touched:
        connection = session.connection()
        if has_index(connection):
            refresh_titles(connection, touched)


def install() -> None:
    """Keep the index current on every ORM session of this process (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
