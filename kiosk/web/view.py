"""What the screen shows, as JSON: the session rendered in its language (GET /api/state)."""
from __future__ import annotations

import datetime as dt

from protocol.wire import Account
from kiosk.i18n import DEFAULT_LANGUAGE, format_date, format_money, labels, language_name, t
from kiosk.outbox.policy import kiosk_refusal

_DONE_KEY = {"checkout": "line.checked_out", "checkin": "line.returned", "renew": "line.renewed_ok"}
# The reasons the central server writes on fines (central/circulation.py, the sample library).
_FINE_REASONS = {"overdue": "account.fine.overdue", "lost item": "account.fine.lost", "lost": "account.fine.lost"}


def notice_text(notice, lang: str) -> str:
    """The sentence of a (key, values, level) notice in ``lang``."""
    key, values, _level = notice
    if key == "refusal":
        return refusal_text(values["code"], lang)
    if key == "identifier_problem":  # protocol.identifiers words it in every language the kiosk speaks
        return values["error"].message(lang)
    if key == "driver_problem":
        # A driver's own sentence ("the last digit does not match ...") is English; a screen in
        # another language shows its general "could not read" sentence instead of mixing languages.
        return values["problem"] if lang == DEFAULT_LANGUAGE else t(values["fallback"], lang)
    return t(key, lang, **values)


def refusal_text(code: str, lang: str) -> str:
    """A refusal's sentence: the kiosk's own offline refusals, else the shared vocabulary's."""
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
        "message": message,
    }


def state_view(session, today: dt.date) -> dict:
    """The whole screen for /api/state (the app adds device and journal status)."""
    version, d, quiet = session.snapshot()
    lines = d.lines
    lang = d.lang
    settings = session.settings
    patron = None
    if d.patron is not None:
        first = (d.patron.display_name.split() or [""])[0]
        greeting = t("active.greeting", lang, name=first) if first else t("active.greeting_no_name", lang)
        patron = {"name": d.patron.display_name, "greeting": greeting,
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
        "counts": {"ok": sum(x.status == "ok" for x in lines), "problems": sum(x.status != "ok" for x in lines)},
        "notice": {"text": notice_text(d.notice, lang), "level": d.notice[2]} if d.notice else None,
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
                   "overdue": loan.overdue,
                   "message": t("account.overdue", lang) if loan.overdue else ""} for loan in account.loans],
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
