"""The kiosk page and its JSON API: what the browser on the kiosk calls."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from kiosk.backends.port import BackendError, BackendUnavailable
from kiosk.i18n import t
from kiosk.session.lookups import LookupTimeout
from kiosk.web.view import account_view, state_view

bp = Blueprint("kiosk", __name__)


def kiosk():
    """The running kiosk of this app."""
    return current_app.extensions["kiosk"]


def status_bar(k, lang: str) -> dict:
    """Devices, the journal backlog and the backend, in a few words for the bottom of the screen."""
    devices = k.devices.statuses()
    problems = [name for name, info in devices.items() if info["status"] in ("error", "disconnected")]
    counts = k.journal.counts()  # kept counters: one indexed read, however long the journal is
    pending = counts["pending"]
    backend = k.monitor.snapshot()
    reachable = backend["reachable"]
    words = []
    if backend["state"] == "token_refused":
        words.append(t("status.token_refused", lang))
    elif reachable is False:
        words.append(t("status.offline", lang))
    if pending:
        words.append(t("status.pending", lang, count=pending))
    for name in problems:
        words.append(t("status.device_problem", lang, name=name))
    return {"ok": not words, "text": " · ".join(words) if words else t("status.ready", lang),
            "pending": pending, "backend_reachable": reachable, "offline": reachable is False,
            "parked": counts["parked_open"],
            "devices": [{"name": name, "kind": info["kind"], "status": info["status"],
                         "status_text": t(f"device.status.{info['status']}", lang)} for name, info in devices.items()]}


def full_state() -> dict:
    """Everything the kiosk page renders."""
    k = kiosk()
    state = state_view(k.session, k.clock.now().date())
    state["status"] = status_bar(k, state["language"])
    state["has_printer"] = k.devices.printer() is not None
    state["dev"] = None
    if k.devices.has_simulated:
        state["dev"] = {"sample_patrons": list(k.config.demo.sample_patrons),
                        "sample_items": list(k.config.demo.sample_items),
                        "last_receipt": k.receipts.last_text}
    return state


def bad_request(key: str, status: int = 400, **values):
    """An error the page can show, in the screen's language."""
    lang = kiosk().session.d.lang
    return jsonify({"error": {"code": key.split(".")[-1], "message": t(key, lang, **values)}}), status


def body() -> dict:
    """The JSON body as a dict ({} when missing or not an object)."""
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def text_field(data: dict, name: str, required: bool = True) -> str | None:
    """A text field of the body, stripped; None when absent and optional."""
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        return None
    return str(value).strip()


@bp.get("/")
def index():
    """The kiosk page (everything else is drawn by static/kiosk.js from /api/state)."""
    k = kiosk()
    return render_template("kiosk/index.html", lang=k.session.d.lang, library_name=k.config.kiosk.library_name,
                           dev=k.devices.has_simulated)


@bp.get("/api/state")
def api_state():
    """What the screen shows now."""
    return jsonify(full_state())


@bp.get("/events")
def events():
    """Server-Sent Events: one message per change; the page then re-reads /api/state."""
    stream = kiosk().broker.stream(keepalive=current_app.config.get("SSE_KEEPALIVE", 15.0),
                                   max_age=current_app.config.get("SSE_MAX_AGE", 300.0))
    return Response(stream, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.post("/api/identify")
def api_identify():
    """The keypad: {id, pin?}; during PIN entry {pin} alone is enough."""
    data = body()
    number, pin = text_field(data, "id", required=False), text_field(data, "pin", required=False)
    if number is None and pin is None:
        return bad_request("error.missing_id")
    if pin is not None and not pin.isdigit():
        return bad_request("error.pin_digits")
    kiosk().session.identify_typed(number, pin)
    return jsonify(full_state())


@bp.post("/api/scan")
def api_scan():
    """A book's barcode typed on the screen: {code}."""
    code = text_field(body(), "code")
    if code is None:
        return bad_request("error.missing_code")
    kiosk().session.scan(code, source="screen", allow_patron=False)
    return jsonify(full_state())


@bp.post("/api/mode")
def api_mode():
    """Switch mode: {mode: checkout | checkin | renew}."""
    mode = text_field(body(), "mode")
    try:
        kiosk().session.set_mode(mode or "")
    except ValueError:
        return bad_request("error.bad_mode")
    return jsonify(full_state())


@bp.post("/api/language")
def api_language():
    """Switch language: {language: en | es}."""
    language = text_field(body(), "language")
    try:
        kiosk().session.set_language(language or "")
    except ValueError:
        return bad_request("error.bad_language")
    return jsonify(full_state())


@bp.post("/api/finish")
def api_finish():
    """Done: {receipt: true | false | "auto"} ("auto" follows the [kiosk] receipt setting)."""
    receipt = body().get("receipt", "auto")
    if receipt not in (True, False, "auto"):
        return bad_request("error.bad_receipt")
    kiosk().session.finish(None if receipt == "auto" else receipt)
    return jsonify(full_state())


@bp.post("/api/receipt/reprint")
def api_reprint():
    """Print the session's receipt again."""
    kiosk().session.reprint()
    return jsonify(full_state())


@bp.post("/api/touch")
def api_touch():
    """"Yes, I'm still here."""
    kiosk().session.touch()
    return jsonify(full_state())


@bp.get("/api/account")
def api_account():
    """The signed-in patron's loans, holds and fines."""
    k = kiosk()
    current = k.session.current_patron()
    if current is None:
        return bad_request("error.no_patron", 409)
    barcode, lang = current
    if not k.monitor.online:
        return bad_request("backend.down", 503)  # the account lives on the library computer
    try:
        account = k.lookups.ask(lambda: k.backend.account(barcode, lang))
    except LookupTimeout as exc:
        k.monitor.failed(exc)
        return bad_request("backend.down", 503)
    except BackendError as exc:
        k.session.backend_trouble(exc)
        return bad_request("backend.down" if isinstance(exc, BackendUnavailable) else "backend.rejected", 503)
    k.monitor.succeeded()
    _version, now_on, _quiet = k.session.snapshot()
    if account is None or now_on.patron is None or now_on.patron.barcode != barcode:
        # The session ended (or another student signed in) while the server answered: this
        # account belongs to someone who is no longer at the screen.
        return bad_request("error.no_patron", 409)
    return jsonify(account_view(account, lang, k.clock.now().date()))


@bp.get("/health")
def health():
    """For monitoring: journal counts, devices, and whether the backend answered lately."""
    k = kiosk()
    try:
        counts = k.journal.counts()
    except Exception as exc:  # a broken journal is the one thing that makes the kiosk unhealthy
        return jsonify({"ok": False, "kiosk_id": k.config.kiosk.id, "error": str(exc)}), 503
    return jsonify({"ok": True, "kiosk_id": k.config.kiosk.id, "devices": k.devices.statuses(),
                    "journal": counts, "backend": k.monitor.snapshot(), "caches": k.caches.freshness(),
                    "background_threads": k.threads_started})
