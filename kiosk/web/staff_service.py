"""Staff mode's service controls: the library system in use (and for SIP2 its connection), "Out of order" /
"Back in service", sound cues, and the printed "I'm done" command barcodes.

The backend check asks the library system for its status (central heartbeat, SIP2 99/98) with the
kiosk's look-up deadline and says the answer in words. The SIP2 backend describes its connection
with ``connection_info()`` (state, server, last exchange already masked); other backends need none.
"""
from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, url_for

from kiosk.backends.port import BackendError
from kiosk.i18n import t
from kiosk.session.classify import COMMANDS
from kiosk.session.lookups import LookupTimeout
from kiosk.session.receipts import KioskReceipt
from kiosk.web.barcode_svg import code128_svg
from kiosk.web.guard import _lang, bp, staff_only
from kiosk.web.screen import kiosk

log = logging.getLogger("kiosk.staff")
NOTICES = ("out_of_order", "in_service", "sounds_on", "sounds_off", "commands_printed", "commands_failed")
COMMAND_WORDS = {"done_receipt": "staff.commands.receipt", "done_no_receipt": "staff.commands.no_receipt"}


def notice(key: str | None, lang: str) -> str | None:
    """The sentence after one of this module's actions (from the redirect's ``notice``)."""
    return t(f"staff.notice.{key}", lang) if key in NOTICES else None


def backend_panel(k, lang: str) -> dict:
    """Which library system the kiosk uses, how it is reached, and (SIP2) the connection's state."""
    name = getattr(k.backend, "name", k.config.backend.kind)
    settings = k.config.backend.settings
    panel = {"name": name, "name_text": t(f"staff.backend.kind.{name}", lang) if name in ("central", "sip2") else name,
             "where": settings.describe() if hasattr(settings, "describe") else "",
             "check": current_app.extensions.get("kiosk_backend_check"), "connection": None}
    describe = getattr(k.backend, "connection_info", None)
    if callable(describe):
        info = describe()
        state = info.get("state", "disconnected")
        panel["connection"] = {**info, "state_text": t(f"staff.sip2.state.{state}", lang)
                               if state in ("connected", "disconnected", "login_refused", "unreachable") else state}
    return panel


def check_words(status, lang: str) -> str:
    """A BackendStatus in one sentence for staff."""
    allowed = [t(f"staff.backend.allows.{key}", lang) for key in ("checkout", "checkin", "renewal", "offline")
               if getattr(status, f"{key}_allowed")]
    return t("staff.backend.answered", lang, library=status.institution or "-",
             allowed=", ".join(allowed) or t("staff.none", lang))


@bp.post("/backend/check")
@staff_only
def backend_check():
    """Ask the library system whether it answers, and remember the answer for the page."""
    k, lang = kiosk(), _lang()
    at = k.clock.now().strftime("%H:%M:%S")
    try:
        status = k.lookups.ask(k.backend.status)
    except (BackendError, LookupTimeout) as exc:
        k.monitor.failed(exc)
        log.warning("staff connection check: no answer (%s)", getattr(exc, "detail", exc))
        result = {"ok": False, "at": at, "text": t("staff.backend.no_answer", lang,
                                                   detail=getattr(exc, "detail", "") or str(exc))}
    else:
        k.monitor.succeeded()
        result = {"ok": bool(status.online), "at": at, "text": check_words(status, lang)}
    current_app.extensions["kiosk_backend_check"] = result
    return redirect(url_for("staff.home") + "#backend", code=303)


@bp.post("/service")
@staff_only
def service():
    """"Out of order" (``out_of_order=1``) or "Back in service" (``0``); a session on screen ends."""
    k = kiosk()
    out = request.form.get("out_of_order") == "1"
    if out:
        k.session.reset("out of order")
    k.screen.set(out_of_order=out)
    log.info("kiosk %s by staff", "out of order" if out else "back in service")
    return redirect(url_for("staff.home", notice="out_of_order" if out else "in_service") + "#service", code=303)


@bp.post("/sounds")
@staff_only
def sounds():
    """Sound cues on (``sounds=1``) or off (``0``)."""
    on = request.form.get("sounds") == "1"
    kiosk().screen.set(sounds=on)
    return redirect(url_for("staff.home", notice="sounds_on" if on else "sounds_off") + "#service", code=303)


def _commands(lang: str) -> list[dict]:
    return [{"code": code, "command": command, "words": t(COMMAND_WORDS[command], lang),
             "svg": code128_svg(code)} for code, command in COMMANDS.items()]


@bp.get("/commands")
@staff_only
def commands_page():
    """The "I'm done" barcodes to print and put beside the kiosk (both languages under each)."""
    k, lang = kiosk(), _lang()
    return render_template("kiosk/staff_commands.html", lang=lang, config=k.config, current="commands",
                           data={"lock_after": k.config.staff.lock_after_seconds},
                           commands=_commands(lang), languages=k.config.kiosk.languages,
                           has_printer=k.devices.printer() is not None, notice=notice(request.args.get("notice"), lang))


@bp.post("/commands/print")
@staff_only
def commands_print():
    """Print both command barcodes on the receipt printer, one slip each, in every language of the kiosk."""
    k, lang = kiosk(), _lang()
    printer = k.devices.printer()
    ok = printer is not None
    for code, command in COMMANDS.items() if ok else ():
        words = [t(COMMAND_WORDS[command], other) for other in k.config.kiosk.languages]
        slip = KioskReceipt(library_name=k.config.kiosk.library_name, heading=words[0],
                            patron_label=k.config.kiosk.name, lines=(), printed_at=k.clock.now(),
                            footer=" / ".join(words[1:] + [t("staff.commands.slip_footer", lang)]),
                            due_label=t("receipt.due", lang), code=code, language=lang)
        try:
            printer.print_receipt(slip)
        except Exception as exc:  # any printer trouble is said in words; the page stays usable
            log.warning("command barcodes not printed: %s", exc)
            ok = False
            break
    return redirect(url_for("staff.commands_page", notice="commands_printed" if ok else "commands_failed"), code=303)
