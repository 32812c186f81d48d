"""What the screen shows, as JSON: the session rendered in its language (GET /api/state)."""
from __future__ import annotations

import datetime as dt

from protocol.wire import Account
from kiosk.i18n import DEFAULT_LANGUAGE, format_date, format_money, labels, language_name, t
from kiosk.outbox.policy import kiosk_refusal

_DONE_KEY = {"checkout": "line.checked_out", "checkin": "line.returned", "renew": "line.renewed_ok"}
# A scan that could not be used, in words for a child: the exact reason (protocol.identifiers) is for
# the logs and the staff device screen's scan list, never the student's screen.
_SCAN_PROBLEMS = {"prefix_unused": "scan.not_ours", "isbn_check": "scan.cover_barcode",
                  "card_not_hex": "card.unreadable", "card_length": "card.unreadable"}
# Refusals whose shared sentence does not say what to do next get the kiosk's own, longer one
# (the same text is proposed for protocol/circulation.py; the kiosk keeps it until it lands there).
KIOSK_WORDED = ("item_reference", "not_on_loan_to_patron", "item_not_on_loan", "item_give_to_librarian")
# The reasons the central server writes on fines (central/circulation.py, the sample library).
_FINE_REASONS = {"overdue": "account.fine.overdue", "lost item": "account.fine.lost", "lost": "account.fine.lost"}


def notice_text(notice, lang: str) -> str:
    """The sentence of a (key, values, level) notice in ``lang``."""
    key, values, _level = notice
    if key == "refusal":
        return refusal_text(values["code"], lang)
    if key == "identifier_problem":
        return t(_SCAN_PROBLEMS.get(values["error"].code, "scan.unreadable"), lang)
    if key == "driver_problem":
        # A driver's own sentence ("the last digit does not match ...") is for staff: the child gets the
        # friendly "could not read, try again" in their language.
        return t(values["fallback"], lang)
    return t(key, lang, **values)


def refusal_text(code: str, lang: str) -> str:
    """A refusal's sentence: the kiosk's own (offline, or with a next step), else the shared vocabulary's."""
    if code in KIOSK_WORDED:
        return t(f"refusal.{code}", lang)
    return kiosk_refusal(code, lang).message


def fine_reason(reason: str, lang: str) -> str:
    """A fine's reason in ``lang``; one typed by staff is English, so other screens say "Library fine"."""
    key = _FINE_REASONS.get(reason.strip().lower())
    if key:
        return t(key, lang)
    return reason if reason and lang == DEFAULT_LANGUAGE else t("account.fine.other", lang)


def line_view(line, lang: str, today: dt.date) -> dict:
    """One book on the list: title, due date and what happened, in words."""
    if line.status == "ok":
        message = t(line.note, lang) if line.note else t(_DONE_KEY[line.type], lang)
    elif line.status == "refused":
        message = refusal_text(line.refusal_code or "item_unknown", lang)
    else:
        message = t(line.note or "line.rejected", lang)
    return {
        "type": line.type,
        "barcode": line.item_barcode,
        "event_id": line.event_id,  # the journal's id: staff and tests can follow one line to the server
        "title": line.title or t("line.unknown_title", lang),
        "status": line.status,
        "due_date": line.due_date.isoformat() if line.due_date else None,
        "due_text": t("line.due", lang, date=format_date(line.due_date, lang, today))
        if line.due_date and line.status == "ok" else "",
        "overdue": bool(line.due_date and line.status == "ok" and line.due_date < today),
        "message": message,
    }


def state_view(session, today: dt.date) -> dict:
    """The whole screen for /api/state (the app adds device and journal status)."""
    version, d, quiet = session.snapshot()
    service = session.service
    lines = d.lines
    lang = d.lang
    settings = session.settings
    patron = None
    if d.patron is not None:
        first = (d.patron.display_name.split() or [""])[0]
        greeting = t("active.greeting", lang, name=first) if first else t("active.greeting_no_name", lang)
        patron = {"name": d.patron.display_name, "greeting": greeting, "first_name": first,
                  "can_checkout": d.patron.can_checkout}
    receipts = session.receipts
    seconds_left = max(0, int(settings.idle_timeout_seconds - quiet))
    return {
        "version": version,
        "state": d.state,
        "mode": d.mode,
        "language": lang,
        "languages": [{"code": code, "name": language_name(code)} for code in settings.languages],
        "patron": patron,
        "lines": [line_view(x, lang, today) for x in reversed(lines)],  # newest first, on top
        "counts": {"ok": sum(x.status == "ok" for x in lines), "problems": sum(x.status != "ok" for x in lines),
                   "text": t("active.count", lang, count=len(lines)) if len(lines) != 1 else t("active.count_one", lang)},
        # ``id`` tells one notice from the next with the same words, so the page can dismiss it once.
        "notice": {"text": notice_text(d.notice, lang), "level": d.notice[2], "id": round(d.notice_at * 1000)}
        if d.notice else None,
        "out_of_order": bool(service and service.out_of_order),
        "sounds": bool(service is None or service.sounds),
        "busy": d.busy,
        "warning": d.warning,
        "seconds_left": seconds_left,
        "pin_entry": d.state == "pin_entry",
        "receipt": {"status": receipts.status, "can_reprint": receipts.has_current(),
                    "message": t(f"receipt.status.{receipts.status}", lang) if receipts.status != "none" else ""},
        "receipt_policy": settings.receipt,
        "library_name": settings.library_name,
        "labels": labels(lang),
    }


def account_view(account: Account, lang: str, today: dt.date) -> dict:
    """'My account': loans with due dates, holds and fines, in words."""
    return {
        "loans": [{"title": loan.title, "author": loan.author, "barcode": loan.item_barcode,
                   "due_text": t("line.due", lang, date=format_date(loan.due_date, lang, today)),
                   "overdue": _overdue(loan, today),
                   "message": t("account.overdue", lang) if _overdue(loan, today) else ""} for loan in account.loans],
        "holds": [{"title": hold.title, "author": hold.author,
                   "message": t("account.hold_ready", lang, date=format_date(hold.pickup_by, lang, today))
                   if hold.status == "ready" and hold.pickup_by else
                   t("account.hold_ready_now", lang) if hold.status == "ready" else
                   t("account.hold_waiting", lang, position=hold.queue_position or "?")} for hold in account.holds],
        "fines": [{"title": fine.title, "reason": fine_reason(fine.reason, lang),
                   "amount": format_money(fine.amount_cents, lang)}
                  for fine in account.fines],
        "fines_total": format_money(account.fines_total_cents, lang) if account.fines_total_cents else "",
        "empty": not (account.loans or account.holds or account.fines),
    }


def _overdue(loan, today: dt.date) -> bool:
    """Overdue by the library system's word, or by its due date being past."""
    return loan.overdue or bool(loan.due_date and loan.due_date < today)
