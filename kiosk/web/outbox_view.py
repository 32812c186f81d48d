"""Staff mode's outbox: online or not, the queue, the caches' freshness, and parked events to retry or resolve.

Reasons are given in words (en/es): a parked event's code becomes a sentence, a restored journal's
numbering clash says to call support, a refused token says so.
"""
from __future__ import annotations

import logging

from flask import redirect, request, url_for

from kiosk.backends.central_numbering import RESTORED
from kiosk.i18n import t
from kiosk.web.guard import bp, staff_only
from kiosk.web.screen import kiosk

log = logging.getLogger("kiosk.staff")
_REASONS = {"event_conflict": "staff.reason.event_conflict", "bad_request": "staff.reason.bad_request"}


def numbering_problem(k, lang: str) -> str | None:
    """The sentence for staff when the server has this journal's numbers under other events."""
    head = k.journal.pending(limit=1)
    if head:
        entry = k.journal.get(head[0].event_id)
        if (entry.last_error or "").startswith(RESTORED):
            return t("staff.numbering_conflict", lang)
    return None


def overview(k, lang: str) -> dict:
    """The outbox in a few sentences."""
    counts, backend, caches = k.journal.counts(), k.monitor.snapshot(), k.caches.freshness()
    state = backend["state"]
    last = k.journal.last_delivered_at()
    return {
        "state": state,
        "state_text": t(f"staff.outbox.{state}", lang),
        "queue_text": t("staff.outbox.queue", lang, pending=counts["pending"], parked=counts["parked_open"],
                        delivered=counts["delivered"]),
        "last_delivery_text": t("staff.outbox.last_delivery", lang, when=last or t("staff.outbox.never", lang)),
        "caches_text": t("staff.outbox.caches", lang, patrons=caches["patrons"], items=caches["items"],
                         when=caches["patrons_synced_at"] or t("staff.outbox.never", lang)),
        "detail": backend["last_error"] if state != "online" else "",
    }


def reason(entry, lang: str) -> str:
    """Why an event is parked (or held), in words."""
    if entry.state == "pending":
        if (entry.last_error or "").startswith(RESTORED):
            return t("staff.numbering_conflict", lang)
        return entry.last_error or ""
    if entry.state != "parked":
        return ""
    key = _REASONS.get(entry.rejection_code or "", "staff.reason.rejected")
    return t(key, lang, message=entry.rejection_message or entry.rejection_code or "?")


def row(k, entry, lang: str) -> dict:
    """One event as the staff tables list it."""
    event = entry.event
    return {"event_id": entry.event_id, "sequence": event.sequence, "type": event.type,
            "type_text": t(f"staff.type.{event.type}", lang), "item": event.request.item_barcode,
            "state": entry.state, "state_text": t(f"staff.state.{entry.state}", lang), "attempts": entry.attempts,
            "offline": event.offline, "occurred_at": event.occurred_at.isoformat(timespec="seconds"),
            "error": reason(entry, lang), "resolution": entry.resolution, "note": entry.note}


def parked_rows(k, lang: str) -> list[dict]:
    """Parked events waiting for staff, oldest first."""
    return [row(k, entry, lang) for entry in k.journal.parked(limit=100)]


@bp.post("/outbox/<event_id>/retry")
@staff_only
def retry(event_id: str):
    """Send a parked event's request again, as a new event at the end of the queue."""
    k = kiosk()
    new = k.journal.retry(event_id, request.form.get("note", "").strip())
    if new is None:
        return redirect(url_for("staff.home", notice="gone"), code=303)
    log.info("staff retried parked event %s as %s (seq=%d)", event_id, new.event_id, new.sequence)
    k.hub.changed("journal")
    k.sender.wake()
    return redirect(url_for("staff.home", notice="retried"), code=303)


@bp.post("/outbox/<event_id>/resolve")
@staff_only
def resolve(event_id: str):
    """Mark a parked event dealt with; the note is required and kept."""
    k = kiosk()
    note = request.form.get("note", "").strip()
    if not note:
        return redirect(url_for("staff.home", notice="need_note"), code=303)
    if not k.journal.resolve(event_id, note):
        return redirect(url_for("staff.home", notice="gone"), code=303)
    log.info("staff resolved parked event %s", event_id)
    k.hub.changed("journal")
    return redirect(url_for("staff.home", notice="resolved"), code=303)
