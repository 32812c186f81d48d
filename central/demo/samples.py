"""Sample barcodes for a demo: students who can borrow, books on the shelf, and two refusals to show."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from central.circulation import records, rules
from central.demo.seed import DEMO_PIN
from central.store.models import Hold, Item, Loan, Patron, PatronCard, Title


def demo_samples(session: Session, today: date, *, students: int = 4, items: int = 10) -> dict:
    """Students with no blocks who can check out (one with a PIN, one with a card), shelf books, refusals."""
    settings = records.load_settings(session)
    candidates = session.scalars(sa.select(Patron).where(Patron.patron_type == "student",
                                                         Patron.block_reason.is_(None),
                                                         Patron.expires_on >= today).order_by(Patron.id)).all()
    with_card = {patron_id: uid for patron_id, uid in session.execute(sa.select(PatronCard.patron_id,
                                                                                PatronCard.uid))}
    chosen: list[dict] = []
    wanted = {"plain": students - 2, "pin": 1, "card": 1}
    for patron in candidates:
        facts = records.patron_facts(session, patron)
        if rules.patron_refusal(facts, today, settings.fines_block_cents) or facts.loans_count:
            continue
        kind = "card" if patron.id in with_card else "pin" if patron.pin_hash else "plain"
        if wanted[kind] <= 0:
            continue
        wanted[kind] -= 1
        entry = {"barcode": patron.barcode, "display_name": patron.display_name, "grade": patron.grade,
                 "language": patron.language}
        if patron.pin_hash:
            entry["pin"] = DEMO_PIN
        if kind == "card":
            entry["card_uid"] = with_card[patron.id]
        chosen.append(entry)
        if not any(wanted.values()):
            break
    out_or_held = sa.select(Loan.item_id).where(Loan.returned_at.is_(None)).union(
        sa.select(Hold.item_id).where(Hold.status == "ready", Hold.item_id.is_not(None)))
    shelf_rows = session.execute(sa.select(Item.barcode, Title.title, Item.call_number).join(Title)
                                 .where(Item.item_type.in_(("book", "picture_book")), Item.status == "available",
                                        Item.id.not_in(out_or_held)).order_by(Item.id)).all()
    # Evenly spaced through the shelves, so the samples show picture books, novels and nonfiction.
    step = max(len(shelf_rows) // max(items, 1), 1)
    shelf = shelf_rows[::step][:items]
    blocked = session.scalars(sa.select(Patron).where(Patron.block_reason.is_not(None))
                              .order_by(Patron.id).limit(1)).first()
    reference = session.execute(sa.select(Item.barcode, Title.title).join(Title)
                                .where(Item.item_type == "reference").order_by(Item.id).limit(1)).first()
    return {
        "students": chosen,
        "items": [{"barcode": b, "title": t, "call_number": c} for b, t, c in shelf],
        "blocked_student": ({"barcode": blocked.barcode, "display_name": blocked.display_name,
                             "refusal": "patron_blocked"} if blocked else None),
        "reference_item": ({"barcode": reference[0], "title": reference[1], "refusal": "item_reference"}
                           if reference else None),
    }
