"""Delta sync feeds for the kiosks' offline caches: patrons, items, and the loan rules with the calendar.

A page holds the records changed after a cursor, oldest change first; the kiosk asks again with the
page's cursor while ``more`` is true. The last page's cursor points :data:`OVERLAP` before the newest
change, so the next poll sends the last minute of changes again: a transaction that committed a
little after its change time (``central.store.changes``) is never missed, and a kiosk upserting a
record twice changes nothing. A cursor is opaque, URL-safe text (``v1~<microseconds>~<id>``).

Patron records hold no card number in the clear: barcodes and card UIDs are keyed hashes
(``protocol.wire.identifier_digest``) and each card seals the patron's barcode
(``protocol.wire.seal_barcode``), with a key the server makes once (:func:`cache_key`).
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import records, rules
from central.store.models import Fine, Item, Loan, LoanPolicy, Patron, PatronCard, ServerSecret, Title, UTCDateTime
from protocol import wire

OVERLAP = timedelta(seconds=60)
DEFAULT_LIMIT, MAX_LIMIT = 500, 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
CACHE_KEY_NAME = "patron_cache_key"
# Item statuses a kiosk should not offer for checkout offline.
_GONE = ("withdrawn",)


class CursorError(ValueError):
    """A cursor this server did not make."""


def parse_cursor(text: str | None) -> tuple[datetime, int]:
    """(change time, id) after which a page starts; the very beginning when ``text`` is empty."""
    if not text:
        return _EPOCH, 0
    try:
        version, micros, ident = text.split("~")
        if version != "v1" or not micros.lstrip("-").isdigit() or not ident.isdigit():
            raise ValueError(text)
        return _EPOCH + timedelta(microseconds=int(micros)), int(ident)
    except (ValueError, OverflowError):
        raise CursorError(text) from None


def _cursor(when: datetime, ident: int) -> str:
    micros = (when.astimezone(timezone.utc) - _EPOCH) // timedelta(microseconds=1)
    return f"v1~{micros}~{ident}"


def cache_key(session: Session, now: datetime) -> bytes:
    """The patron cache's identifier key, made on first use and kept in the database."""
    row = session.get(ServerSecret, CACHE_KEY_NAME)
    if row is None:
        row = ServerSecret(name=CACHE_KEY_NAME, value=secrets.token_hex(32), created_at=now)
        session.add(row)
        try:
            session.flush()
        except sa.exc.IntegrityError:  # another request made it first
            session.rollback()
            row = session.get(ServerSecret, CACHE_KEY_NAME)
    return bytes.fromhex(row.value)


def _page(session: Session, model, since: str | None, limit: int):
    """The rows of ``model`` changed after the cursor, oldest change first, and the next cursor."""
    when, ident = parse_cursor(since)
    # Typed literals, so SQLite compares stored UTC text with UTC text (central.store.models.UTCDateTime).
    changed = sa.func.coalesce(model.updated_at, sa.literal(_EPOCH, UTCDateTime()), type_=UTCDateTime())
    after = sa.literal(when, UTCDateTime())
    rows = session.scalars(sa.select(model).where(sa.or_(changed > after, sa.and_(changed == after, model.id > ident)))
                           .order_by(changed, model.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if more:
        last = rows[-1]
        cursor = _cursor(last.updated_at or _EPOCH, last.id)
    elif rows:
        cursor = _cursor(max(r.updated_at or _EPOCH for r in rows) - OVERLAP, 0)
    else:
        cursor = since or _cursor(_EPOCH, 0)
    return rows, cursor, more


def patrons_page(session: Session, *, since: str | None, limit: int, today: date, now: datetime,
                 with_pin_hash: bool = False) -> wire.SyncPage:
    """Patron cache records changed after ``since``."""
    key = cache_key(session, now)
    rows, cursor, more = _page(session, Patron, since, limit)
    ids = [p.id for p in rows]
    loans = dict(session.execute(sa.select(Loan.patron_id, sa.func.count()).where(
        Loan.patron_id.in_(ids), Loan.returned_at.is_(None)).group_by(Loan.patron_id)).all()) if ids else {}
    fines = dict(session.execute(sa.select(Fine.patron_id, sa.func.sum(Fine.amount_cents)).where(
        Fine.patron_id.in_(ids), Fine.paid.is_(False)).group_by(Fine.patron_id)).all()) if ids else {}
    cards: dict[int, list[str]] = {}
    if ids:
        for patron_id, uid in session.execute(sa.select(PatronCard.patron_id, PatronCard.uid)
                                              .where(PatronCard.patron_id.in_(ids)).order_by(PatronCard.id)):
            cards.setdefault(patron_id, []).append(uid)
    settings = records.load_settings(session)
    out = []
    for patron in rows:
        facts = rules.PatronFacts(patron.id, patron.expires_on, patron.block_reason, int(fines.get(patron.id) or 0),
                                  int(loans.get(patron.id) or 0))
        uids = cards.get(patron.id, [])
        out.append(wire.CachedPatron(
            patron_key=str(patron.id), barcode_digest=wire.identifier_digest(key, "barcode", patron.barcode),
            card_digests=tuple(wire.identifier_digest(key, "card_uid", uid) for uid in uids),
            card_barcodes=tuple(wire.seal_barcode(key, uid, patron.barcode) for uid in uids),
            display_name=patron.display_name, patron_type=patron.patron_type, language=patron.language,
            expires_on=patron.expires_on, blocked=bool(patron.block_reason),
            refusal=rules.patron_refusal(facts, today, settings.fines_block_cents),
            pin_required=bool(patron.pin_hash), pin_hash=patron.pin_hash if with_pin_hash else None,
            loans_count=facts.loans_count))
    return wire.SyncPage(tuple(out), cursor, more, hash_key=key.hex())


def items_page(session: Session, *, since: str | None, limit: int) -> wire.SyncPage:
    """Item cache records changed after ``since``."""
    rows, cursor, more = _page(session, Item, since, limit)
    titles = {t.id: t for t in session.scalars(sa.select(Title).where(
        Title.id.in_({i.title_id for i in rows})))} if rows else {}
    out = tuple(wire.CachedItem(barcode=i.barcode, title=titles[i.title_id].title, author=titles[i.title_id].author,
                                call_number=i.call_number, item_type=i.item_type, location=i.location,
                                status=i.status, deleted=i.status in _GONE) for i in rows)
    return wire.SyncPage(out, cursor, more)


def loan_rules(session: Session, today: date) -> wire.LoanRules:
    """Every loan policy with the calendar (closed days from today for a year and a half)."""
    settings = records.load_settings(session)
    calendar = settings.calendar
    horizon = today + timedelta(days=550)
    policies = session.scalars(sa.select(LoanPolicy).order_by(LoanPolicy.patron_type, LoanPolicy.item_type))
    return wire.LoanRules(
        rules=tuple(wire.LoanRule(p.patron_type, p.item_type, p.loanable, p.loan_days, p.max_items) for p in policies),
        closed_weekdays=frozenset(calendar.closed_weekdays),
        closed_days=frozenset(d for d in calendar.closed_days if today <= d <= horizon),
        term_end=calendar.term_end)


def page_json(page: wire.SyncPage) -> dict:
    """The JSON answer of a feed."""
    body = {"records": [r.to_dict() for r in page.records], "cursor": page.cursor, "more": page.more}
    if page.hash_key is not None:
        body["hash_key"] = page.hash_key
    return body
