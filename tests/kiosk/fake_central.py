"""A small but real fake of the central server (protocol/API.md) on a loopback port, in a thread.

It has behaviour: a few patrons and items in dicts, loans, stored outcomes by event_id (so a
replay returns the same answer with ``replayed: true``, checked BEFORE the sequence, as the real server
does), sequence conflicts (409), the heartbeat's ``last_sequence``, a bearer token,
Accept-Language, and switchable trouble: ``down`` (the port really closes: connection
refused), ``slow`` (answers after ``delay`` seconds, having done nothing yet), ``lost`` (does
the work, then answers late: a lost response), ``500`` (a server error, nothing done).
"""
from __future__ import annotations

import copy
import datetime as dt
import threading
from collections import Counter

from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from protocol.circulation import refusal_message
from protocol.identifiers import make_library_barcode

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
        if pin:
            self.pins[barcode] = pin
        if card_uid:
            self.cards[card_uid] = barcode

    def add_item(self, barcode, title, status="available"):
        """Add an item."""
        self.items[barcode] = {"barcode": barcode, "title": title, "author": "A. Author", "call_number": "E AUT",
                               "item_type": "book", "location": "Picture books", "status": status}

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
        if len(self.loans_of(patron)) >= info["max_items"]:
            return _refusal("too_many_items", lang)
        self.loans[item] = {"patron": patron, "due_date": self.today + dt.timedelta(days=14), "renewals_left": 2}
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


def _lang() -> str:
    return "es" if request.headers.get("Accept-Language", "en").startswith("es") else "en"


def _refusal(code: str, lang: str) -> dict:
    return {"ok": False, "loan": None, "refusal": {"code": code, "message": refusal_message(code, lang)}}


def _refused(code: str, lang: str):
    return jsonify({"ok": False, "refusal": {"code": code, "message": refusal_message(code, lang)}})
