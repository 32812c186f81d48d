"""A small but real fake of the central server (protocol/API.md) on a loopback port, in a thread.

It has behaviour: a few patrons and items in dicts, loans, stored outcomes by event_id (so a
replay returns the same answer with ``replayed: true``, checked BEFORE the sequence, as the real server
does), sequence conflicts (409), the heartbeat's ``last_sequence``, a bearer token,
Accept-Language, and switchable trouble: ``down`` (the port really closes: connection
refused), ``slow`` (answers after ``delay`` seconds, having done nothing yet), ``lost`` (does
the work, then answers late: a lost response), ``500`` (a server error, nothing done), ``busy``
(503 with ``Retry-After``).

The batch endpoint (``POST /circulation/events``) follows the contract the real server implements:
events of one kiosk applied strictly in sequence order, one result per event (``applied``,
``replayed``, ``rejected`` stored so the sequence goes on, ``not_applied`` with ``sequence_gap`` or
``sequence_conflict``), the whole batch under one lock. The delta-sync endpoints page patrons (hashed
card numbers) and items by an opaque cursor. ``batch = False`` makes it a server from before the
batch endpoint (404).
"""
from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import Counter

from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from protocol.circulation import refusal_message
from protocol.identifiers import IdentifierError, make_library_barcode, validate_library_barcode
from protocol.wire import identifier_digest, seal_barcode

HASH_KEY = "6b696f736b2d746573742d68617368"  # the fake library's cache key (hex)

TOKEN = "test-kiosk-token"
MARIA = make_library_barcode("2", 1234, 2345)
SAM = make_library_barcode("2", 1234, 7)
BLOCKED = make_library_barcode("2", 1234, 99)
SAM_CARD = "04A1B2C3D4E5F6"
SAM_PIN = "1234"
BOOKS = {make_library_barcode("3", 1234, n): title for n, title in enumerate(
    ["Charlotte's Web", "Frog and Toad Are Friends", "Where the Wild Things Are", "Matilda", "Holes"], 1)}
BOOK1, BOOK2, BOOK3, BOOK4, BOOK5 = BOOKS
REFERENCE = make_library_barcode("3", 1234, 90)
UNKNOWN_BOOK = make_library_barcode("3", 1234, 555)


class _QuietHandler(WSGIRequestHandler):
    """No access log: tests and the benchmark read ``requests`` instead."""

    def log_request(self, *args, **kwargs):
        pass


class FakeCentral:
    """The fake server: start() it, change ``mode``, look at ``loans``, ``received`` and ``requests``."""

    def __init__(self, token: str = TOKEN, today: dt.date = dt.date(2025, 12, 1)):
        self.token = token
        self.today = today
        self.mode = "up"
        self.delay = 3.0
        self.lock = threading.RLock()
        self.patrons: dict[str, dict] = {}
        self.cards: dict[str, str] = {}
        self.pins: dict[str, str] = {}
        self.items: dict[str, dict] = {}
        self.loans: dict[str, dict] = {}  # item barcode -> {patron, due_date, renewals_left}
        self.outcomes: dict[str, dict] = {}  # event_id -> stored answer
        self.sequences: dict[int, str] = {}  # sequence -> event_id
        self.received: Counter = Counter()  # event_id -> how many times it arrived
        self.requests: list[tuple[str, str, dict | None, dict]] = []  # method, path, body, headers
        self.heartbeats: list[dict] = []
        self.tells_last_sequence = True  # False: answers heartbeats like a server from before last_sequence
        self.on_circulation = None  # called with (kind, body) when an event arrives, before it is decided
        self.batch = True  # False: a server from before POST /circulation/events (404)
        self.batches: list[int] = []  # the size of every batch received
        self.applied: list[str] = []  # event ids in the order they were applied (each once)
        self.stored: dict[str, dict] = {}  # event_id -> {"key": payload key, "result": batch result}
        self.retry_after = 1
        self.versions: dict[str, int] = {}  # "patron:BARCODE" / "item:BARCODE" -> change counter
        self.version = 0
        self._release = threading.Event()
        self._server = None
        self._thread = None
        self.port = 0
        self.app = self._make_app()
        self.seed()

    # ----- data ---------------------------------------------------------------------------
    def seed(self) -> None:
        """A tiny school library: Maria (Spanish), Sam (PIN and card), a blocked student, five books."""
        self.add_patron(MARIA, "Maria G.", language="es")
        self.add_patron(SAM, "Sam T.", language="en", pin=SAM_PIN, card_uid=SAM_CARD)
        self.add_patron(BLOCKED, "Blake B.", can_checkout=False, refusal="patron_blocked")
        for barcode, title in BOOKS.items():
            self.add_item(barcode, title)
        self.add_item(REFERENCE, "Children's Atlas of the World", status="reference")

    def add_patron(self, barcode, name, *, language="en", pin=None, card_uid=None, can_checkout=True,
                   refusal=None, max_items=5):
        """Add a patron."""
        self.patrons[barcode] = {"barcode": barcode, "display_name": name, "patron_type": "student", "grade": "3",
                                 "homeroom": "3B", "language": language, "expires_on": "2026-06-30",
                                 "max_items": max_items, "fines_total_cents": 0, "can_checkout": can_checkout,
                                 "refusal": refusal}
        self._changed(f"patron:{barcode}")
        if pin:
            self.pins[barcode] = pin
        if card_uid:
            self.cards[card_uid] = barcode

    def add_item(self, barcode, title, status="available"):
        """Add an item."""
        self.items[barcode] = {"barcode": barcode, "title": title, "author": "A. Author", "call_number": "E AUT",
                               "item_type": "book", "location": "Picture books", "status": status}
        self._changed(f"item:{barcode}")

    def _changed(self, key: str) -> None:
        self.version += 1
        self.versions[key] = self.version

    def events_sent(self, kind: str | None = None) -> list[dict]:
        """Every event body that arrived (batched or one per request), in arrival order; of ``kind`` if given."""
        with self.lock:
            found = []
            for _method, path, body, _headers in self.requests:
                if path.endswith("/circulation/events") and isinstance(body, dict):
                    found.extend(e for e in body.get("events") or () if isinstance(e, dict))
                elif "/circulation/" in path and isinstance(body, dict):
                    found.append({**body, "type": body.get("type") or path.rsplit("/", 1)[-1]})
        return [e for e in found if kind is None or e.get("type") == kind]

    def loans_of(self, patron: str) -> list[str]:
        """Item barcodes on loan to a patron."""
        with self.lock:
            return sorted(item for item, loan in self.loans.items() if loan["patron"] == patron)

    # ----- lifecycle ----------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (the same port again after go_down) and return the base URL."""
        self._server = make_server("127.0.0.1", port or self.port, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._release.clear()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="fake-central")
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        """The base URL (without /api/v1)."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Close the port (connection refused from now on) and free any slow handler."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def go_down(self) -> None:
        """Really stop listening: the kiosk gets connection refused."""
        self.stop()

    def come_up(self) -> None:
        """Listen again on the same port."""
        self.start(self.port)

    # ----- the API ------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("fake_central")
        fake = self

        @app.before_request
        def trouble():
            body = request.get_json(silent=True)
            with fake.lock:
                fake.requests.append((request.method, request.path, body, dict(request.headers)))
            if request.path.endswith(("/health", "/openapi.json")):
                return None
            if fake.mode == "500":
                return jsonify({"error": {"code": "internal", "message": "Something broke."}}), 500
            if fake.mode == "busy":
                response = jsonify({"error": {"code": "busy", "message": "Busy, come back later."}})
                response.status_code, response.headers["Retry-After"] = 503, str(fake.retry_after)
                return response
            if fake.mode == "slow":
                fake._release.wait(fake.delay)
            if request.headers.get("Authorization") != f"Bearer {fake.token}":
                return jsonify({"error": {"code": "unauthorized", "message": "This kiosk's token is not valid."}}), 401
            return None

        @app.after_request
        def lost_response(response):
            if fake.mode == "lost" and request.method == "POST":
                fake._release.wait(fake.delay)  # the work is done and stored; the answer is late
            return response

        @app.get("/api/v1/health")
        def health():
            return jsonify({"ok": True, "server_time": dt.datetime.now(dt.timezone.utc).isoformat()})

        @app.post("/api/v1/patrons/identify")
        def identify():
            body, lang = request.get_json(silent=True) or {}, _lang()
            with fake.lock:
                barcode = body.get("barcode") or fake.cards.get(body.get("card_uid") or "")
                patron = fake.patrons.get(barcode or "")
                if patron is None:
                    return _refused("patron_unknown", lang)
                pin = fake.pins.get(barcode)
                if pin and body.get("method") == "typed":
                    if not body.get("pin"):
                        return _refused("pin_required", lang)
                    if body["pin"] != pin:
                        return _refused("pin_incorrect", lang)
                return jsonify({"ok": True, "patron": fake._patron_json(barcode)})

        @app.get("/api/v1/patrons/<barcode>/account")
        def account(barcode):
            with fake.lock:
                if barcode not in fake.patrons:
                    return jsonify({"error": {"code": "not_found", "message": "No such patron."}}), 404
                loans = [fake._loan_json(item) for item in fake.loans_of(barcode)]
                holds = [{"title": "Matilda", "author": "R. Dahl", "status": "ready",
                          "pickup_by": (fake.today + dt.timedelta(days=5)).isoformat(), "queue_position": None}]
                return jsonify({"patron": fake._patron_json(barcode), "loans": loans, "holds": holds,
                                "fines": [], "fines_total_cents": 0})

        @app.get("/api/v1/items/<barcode>")
        def item(barcode):
            with fake.lock:
                if barcode not in fake.items:
                    return jsonify({"error": {"code": "not_found", "message": "No such item."}}), 404
                return jsonify({"item": {**fake.items[barcode], "due_date": None}})

        @app.post("/api/v1/circulation/<kind>")
        def circulate(kind):
            body = request.get_json(silent=True) or {}
            for name in ("event_id", "sequence", "occurred_at", "item_barcode"):
                if name not in body:
                    return jsonify({"error": {"code": "bad_request", "message": f"{name} is missing"}}), 400
            problem = _event_problem({**body, "type": kind})
            if problem is not None:  # as the real server: a malformed barcode is a 400 naming the field
                return jsonify({"error": {"code": "bad_request", "message": problem}}), 400
            if fake.on_circulation is not None:
                fake.on_circulation(kind, body)
            with fake.lock:
                fake.received[body["event_id"]] += 1
                stored = fake.outcomes.get(body["event_id"])
                if stored is not None:
                    return jsonify({**copy.deepcopy(stored), "replayed": True})
                if fake.sequences.get(body["sequence"], body["event_id"]) != body["event_id"]:
                    return jsonify({"error": {"code": "sequence_conflict", "message": "Sequence already used."}}), 409
                fake.sequences[body["sequence"]] = body["event_id"]
                answer = {"checkout": fake._checkout, "checkin": fake._checkin, "renew": fake._renew}[kind](body)
                answer = {"event_id": body["event_id"], "replayed": False, **answer}
                fake.outcomes[body["event_id"]] = copy.deepcopy(answer)
                return jsonify(answer)

        @app.post("/api/v1/circulation/events")
        def batch():
            if not fake.batch:
                return jsonify({"error": {"code": "not_found", "message": "No such page."}}), 404
            body = request.get_json(silent=True)
            events = body.get("events") if isinstance(body, dict) else None
            if not isinstance(events, list) or not 1 <= len(events) <= 500:
                return jsonify({"error": {"code": "bad_request", "message": "events must be a list of 1 to 500"}}), 400
            lang = _lang()
            with fake.lock:
                fake.batches.append(len(events))
                results, stopped = [], None
                for event in events:
                    results.append(fake._batch_one(event, lang, stopped))
                    if results[-1]["status"] == "not_applied" and stopped is None:
                        stopped = results[-1]
                return jsonify({"results": results, "last_sequence": max(fake.sequences, default=0)})

        @app.get("/api/v1/sync/patrons")
        def sync_patrons():
            with fake.lock:
                page, cursor, more = fake._page("patron", request.args)
                pins = request.args.get("with_pin_hash") == "1"
                return jsonify({"records": [fake._cached_patron(b, pins) for b in page], "cursor": cursor,
                                "more": more, "hash_key": HASH_KEY})

        @app.get("/api/v1/sync/items")
        def sync_items():
            with fake.lock:
                page, cursor, more = fake._page("item", request.args)
                return jsonify({"records": [{**fake.items[b], "deleted": False} for b in page], "cursor": cursor,
                                "more": more})

        @app.get("/api/v1/sync/loan-rules")
        def sync_rules():
            return jsonify({"rules": [{"patron_type": "student", "item_type": "book", "loanable": True,
                                       "loan_days": 14, "max_items": 5}],
                            "closed_weekdays": [5, 6], "closed_days": [], "term_end": None})

        @app.post("/api/v1/kiosks/heartbeat")
        def heartbeat():
            with fake.lock:
                fake.heartbeats.append(request.get_json(silent=True) or {})
                last_sequence = max(fake.sequences, default=0)  # like the real server: highest stored, 0 if none
            answer = {"ok": True, "kiosk_id": "test-kiosk", "server_time": dt.datetime.now().isoformat()}
            if fake.tells_last_sequence:
                answer["last_sequence"] = last_sequence
            return jsonify(answer)

        return app

    # ----- the batch contract and delta sync -----------------------------------------------
    def _batch_one(self, event: dict, lang: str, stopped: dict | None) -> dict:
        event_id = event.get("event_id") if isinstance(event, dict) else None
        result = {"event_id": event_id, "status": "rejected", "outcome": None, "error": None}
        problem = _event_problem(event)
        if problem is not None:
            result["error"] = {"code": "bad_request", "message": problem}
            if not isinstance(event_id, str) or not isinstance(event.get("sequence"), int):
                return result  # not even numbered: nothing to keep
        key = _event_key(event)
        self.received[event_id] += 1
        stored = self.stored.get(event_id)
        if stored is not None:  # the event id first, before the sequence: replays and renumbered re-sends
            if stored["key"] != key:
                return {**result, "error": {"code": "event_conflict", "message": "event_id reused"}}
            answer = copy.deepcopy(stored["result"])
            if answer["status"] == "applied":
                answer["status"] = "replayed"
                answer["outcome"] = {**answer["outcome"], "replayed": True}
            return answer
        if stopped is not None:
            return {**result, "status": "not_applied", "error": {
                "code": "sequence_gap", "message": "an earlier event was not applied",
                "expected_sequence": stopped["error"].get("expected_sequence")}}
        sequence, expected = event["sequence"], max(self.sequences, default=0) + 1
        if sequence in self.sequences:
            return {**result, "status": "not_applied", "error": {
                "code": "sequence_conflict", "message": "Sequence already used.", "expected_sequence": expected}}
        if sequence > expected:
            return {**result, "status": "not_applied", "error": {
                "code": "sequence_gap", "message": "a predecessor has not arrived", "expected_sequence": expected}}
        self.sequences[sequence] = event_id
        if problem is None:
            if self.on_circulation is not None:
                self.on_circulation(event["type"], event)
            answer = {"checkout": self._checkout, "checkin": self._checkin, "renew": self._renew}[event["type"]](event)
            outcome = {"event_id": event_id, "replayed": False, "renewed": False, "offline": bool(event.get("offline")),
                       "loan": None, "checkin": None, "refusal": None, "exceptions": [], **answer}
            if outcome["checkin"]:
                outcome["checkin"] = {**outcome["checkin"], "on_hold": bool(outcome["checkin"].get("hold_for"))}
            result = {**result, "status": "applied", "outcome": outcome}
            self.outcomes[event_id] = copy.deepcopy(outcome)
            self.applied.append(event_id)
        self.stored[event_id] = {"key": key, "result": copy.deepcopy(result)}
        return result

    def _page(self, kind: str, args) -> tuple[list[str], str, bool]:
        since = int(args.get("since") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        changed = sorted((v, k.split(":", 1)[1]) for k, v in self.versions.items() if k.startswith(kind + ":")
                         and v > since)
        page = changed[:limit]
        cursor = str(page[-1][0]) if page else str(since)
        return [barcode for _, barcode in page], cursor, len(changed) > limit

    def _cached_patron(self, barcode: str, with_pin: bool) -> dict:
        from werkzeug.security import generate_password_hash

        key = bytes.fromhex(HASH_KEY)
        info = self.patrons[barcode]
        uids = [uid for uid, owner in self.cards.items() if owner == barcode]
        cards = [identifier_digest(key, "card_uid", uid) for uid in uids]
        pin = self.pins.get(barcode)
        return {"patron_key": f"p{barcode[-6:]}", "barcode_digest": identifier_digest(key, "barcode", barcode),
                "card_digests": cards, "card_barcodes": [seal_barcode(key, uid, barcode) for uid in uids],
                "display_name": info["display_name"], "patron_type": info["patron_type"],
                "language": info["language"], "expires_on": info["expires_on"], "blocked": not info["can_checkout"],
                "refusal": info["refusal"], "pin_required": pin is not None,
                "pin_hash": generate_password_hash(pin) if pin and with_pin else None,
                "loans_count": len(self.loans_of(barcode)), "deleted": False}

    # ----- circulation rules --------------------------------------------------------------
    def _checkout(self, body: dict) -> dict:
        lang, item, patron = _lang(), body["item_barcode"], body.get("patron_barcode")
        if item not in self.items:
            return _refusal("item_unknown", lang)
        if self.items[item]["status"] == "reference":
            return _refusal("item_reference", lang)
        loan = self.loans.get(item)
        if loan and loan["patron"] != patron:
            return _refusal("item_on_loan", lang)
        info = self.patrons.get(patron or "")
        if info is None:
            return _refusal("patron_unknown", lang)
        if not info["can_checkout"]:
            return _refusal(info["refusal"], lang)
        if loan:  # already on loan to this patron: a checkout renews it
            return {**self._renew(body), "renewed": True}
        if len(self.loans_of(patron)) >= info["max_items"] and not body.get("offline"):
            return _refusal("too_many_items", lang)
        due = dt.date.fromisoformat(body["due_date"]) if body.get("offline") and body.get("due_date") else \
            self.today + dt.timedelta(days=14)  # an offline checkout keeps the date on the student's receipt
        self.loans[item] = {"patron": patron, "due_date": due, "renewals_left": 2}
        return {"ok": True, "loan": self._loan_json(item), "refusal": None}

    def _checkin(self, body: dict) -> dict:
        item = body["item_barcode"]
        if item not in self.items:
            return {**_refusal("item_unknown", _lang()), "checkin": None}
        loan = self.loans.pop(item, None)
        return {"ok": True, "refusal": None, "checkin": {
            "item_barcode": item, "title": self.items[item]["title"], "author": "A. Author", "call_number": "E AUT",
            "was_on_loan": loan is not None, "overdue_days": 0, "fine_cents": 0, "routing": "shelf",
            "hold_for": None, "patron_barcode": loan["patron"] if loan else None}}

    def _renew(self, body: dict) -> dict:
        lang, item = _lang(), body["item_barcode"]
        loan = self.loans.get(item)
        if item not in self.items:
            return _refusal("item_unknown", lang)
        if loan is None or loan["patron"] != body.get("patron_barcode"):
            return _refusal("not_on_loan_to_patron", lang)
        if loan["renewals_left"] <= 0:
            return _refusal("no_renewals_left", lang)
        loan["renewals_left"] -= 1
        loan["due_date"] += dt.timedelta(days=14)
        return {"ok": True, "loan": self._loan_json(item), "refusal": None}

    def _loan_json(self, item: str) -> dict:
        loan = self.loans[item]
        return {"item_barcode": item, "title": self.items[item]["title"], "author": "A. Author",
                "call_number": "E AUT", "due_date": loan["due_date"].isoformat(),
                "renewals_left": loan["renewals_left"], "overdue": loan["due_date"] < self.today}

    def _patron_json(self, barcode: str) -> dict:
        return {**self.patrons[barcode], "loans_count": len(self.loans_of(barcode))}


def _event_problem(event) -> str | None:
    """Why an event of a batch cannot be taken as a request (None when it can)."""
    if not isinstance(event, dict):
        return "an event must be an object"
    for name in ("event_id", "sequence", "occurred_at", "type", "item_barcode"):
        if event.get(name) is None:
            return f"{name} is missing"
    if event["type"] not in ("checkout", "checkin", "renew"):
        return "type must be checkout, checkin or renew"
    names = ("item_barcode",) if event["type"] == "checkin" else ("item_barcode", "patron_barcode")
    for name in names:
        try:
            validate_library_barcode(str(event.get(name) or ""))
        except IdentifierError as exc:
            return f"{name}: {exc}"
    return None


def _event_key(event: dict) -> tuple:
    """What makes two sends the same event: the request and when it happened. A re-send may carry another
    sequence (a renumbering) and ``offline: true`` where the first try said false (its answer never came)."""
    return tuple(event.get(k) for k in ("type", "patron_barcode", "item_barcode", "occurred_at"))


def _lang() -> str:
    return "es" if request.headers.get("Accept-Language", "en").startswith("es") else "en"


def _refusal(code: str, lang: str) -> dict:
    return {"ok": False, "loan": None, "refusal": {"code": code, "message": refusal_message(code, lang)}}


def _refused(code: str, lang: str):
    return jsonify({"ok": False, "refusal": {"code": code, "message": refusal_message(code, lang)}})
