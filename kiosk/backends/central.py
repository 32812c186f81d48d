"""The central server backend: the typed port spoken as protocol/API.md's JSON over HTTP.

The only module that knows REST bodies. ``deliver`` sends up to 500 events per
``POST /circulation/events`` in the journal's order with their wire sequence (the local sequence
plus the offset of kiosk/backends/central_numbering.py) and reads one result per event; a server
without the batch endpoint (404) is sent one event per request instead, in the same order.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import requests

from kiosk import __version__
from kiosk.backends.central_numbering import CONFLICT, RESTORED, RESTORED_MESSAGE, WireNumbering
from kiosk.backends.central_sync import CentralSync
from kiosk.backends.port import (
    BackendAuthRefused, BackendRejected, BackendUnavailable, Capabilities, Delivery, NotSupported,
)
from protocol.identifiers import mask_barcode
from protocol.wire import (
    Account, BackendStatus, CirculationEvent, CirculationOutcome, IdentifyOutcome, IdentifyRequest, Item,
    SearchOutcome, SearchRequest, WireError,
)

log = logging.getLogger("kiosk.backend.central")
GAP = "sequence_gap"


class _Store:
    """The journal's backend_state seen as get/set (a dict when the backend runs without a journal)."""

    def __init__(self, journal=None):
        self.journal, self.memory = journal, {}

    def get(self, key):
        return self.journal.state_get(key) if self.journal is not None else self.memory.get(key)

    def set(self, key, value) -> None:
        if self.journal is not None:
            self.journal.state_set(key, value)
        else:
            self.memory[key] = value


class CentralBackend(CentralSync):
    """Talks to ``/api/v1`` of the central server with the kiosk's bearer token."""

    name = "central"
    capabilities = Capabilities(batch=True, delta_sync=True, search=True, offline_forwarding=True)

    def __init__(self, base_url: str, token: str, *, timeout: float = 5.0, connect_timeout: float = 2.0,
                 journal=None, report: Callable[[], dict] | None = None, batch_size: int = 500,
                 with_pin_hash: bool = False):
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.timeout = (connect_timeout, timeout)
        self._token = token
        self.report = report or (lambda: {"devices": {}, "journal_pending": 0})
        self.batch_size = batch_size
        self.with_pin_hash = with_pin_hash
        self.numbering = WireNumbering(_Store(journal), self._server_last)
        self._batch: bool | None = None  # None until the server showed whether it has the batch endpoint
        # requests.Session is not documented as thread-safe: each thread gets its own (its own pool).
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    # ----- HTTP ------------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Authorization": f"Bearer {self._token}", "Accept": "application/json",
                                    "User-Agent": f"library-kiosk/{__version__}"})
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every pooled connection."""
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()

    def _call(self, method: str, path: str, lang: str = "en", body: Any = None, *, params: dict | None = None,
              shown_path: str | None = None) -> tuple[int, Any]:
        """(status, JSON) for answers below 500 except 401/429; raises for no answer, 401, 429 and 5xx.

        Messages reach the log and the staff page: they name ``shown_path`` (a barcode masked).
        """
        url = self.base_url + (shown_path or path)
        try:
            response = self._session().request(method, self.base_url + path, json=body, params=params,
                                               timeout=self.timeout, headers={"Accept-Language": lang})
        except requests.Timeout as exc:
            raise BackendUnavailable(f"no answer from {url} within {self.timeout[1]:g} s") from exc
        except requests.ConnectionError as exc:
            raise BackendUnavailable(f"cannot connect to {self.base_url}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise BackendUnavailable(f"request to {url} failed: {type(exc).__name__}") from exc
        status = response.status_code
        if status == 401:
            raise BackendAuthRefused(f"{url} answered HTTP 401")
        if status in (429, 503) or status >= 500:
            raise BackendUnavailable(f"{url} answered HTTP {status}", retry_after=_retry_after(response))
        try:
            data = response.json()
        except ValueError:
            raise BackendUnavailable(f"{url} answered HTTP {status} with something that is not JSON") from None
        return status, data

    def _ok(self, status: int, data: Any, missing_ok: bool = False) -> Any:
        if status == 404 and missing_ok and _error(data)[0] == "not_found":
            return None
        if status >= 400:
            code, message = _error(data)
            raise BackendRejected(code or f"http_{status}", message or f"The server answered HTTP {status}.",
                                  status=status)
        if not isinstance(data, dict):
            raise BackendUnavailable("the server answered something that is not a JSON object")
        return data

    # ----- look-ups ---------------------------------------------------------------------------------
    def identify(self, request: IdentifyRequest, lang: str = "en") -> IdentifyOutcome:
        """POST /patrons/identify with a barcode or a card UID (and the PIN when typed)."""
        body: dict[str, Any] = {"method": request.method}
        for key in ("barcode", "card_uid", "pin"):
            if getattr(request, key) is not None:
                body[key] = getattr(request, key)
        data = self._ok(*self._call("POST", "/patrons/identify", lang, body))
        try:
            return IdentifyOutcome.from_dict(data)
        except WireError as exc:
            raise BackendUnavailable(f"the server's sign-in answer is unreadable: {exc}") from None

    def account(self, patron_barcode: str, lang: str = "en") -> Account | None:
        """GET /patrons/<barcode>/account."""
        shown = f"/patrons/{mask_barcode(patron_barcode)}/account"
        data = self._ok(*self._call("GET", f"/patrons/{quote(patron_barcode, safe='')}/account", lang,
                                    shown_path=shown), missing_ok=True)
        return Account.from_dict(data) if data is not None else None

    def item(self, item_barcode: str, lang: str = "en") -> Item | None:
        """GET /items/<barcode>."""
        data = self._ok(*self._call("GET", f"/items/{quote(item_barcode, safe='')}", lang), missing_ok=True)
        return Item.from_dict(data["item"]) if data is not None else None

    def search(self, request: SearchRequest, lang: str = "en") -> SearchOutcome:
        """GET /search?q=&limit=&offset=: this kiosk's school's shelves, best first.

        A server from before the search endpoint answers 404: NotSupported (the screen hides Find a book).
        """
        status, data = self._call("GET", "/search", lang,
                                  params={"q": request.query, "limit": request.limit, "offset": request.offset})
        if status == 404 and _error(data)[0] in (None, "not_found"):
            raise NotSupported("The library computer has no catalog search for kiosks.")
        data = self._ok(status, data)
        try:
            return SearchOutcome.from_dict(data)
        except WireError as exc:
            raise BackendUnavailable(f"the server's search answer is unreadable: {exc}") from None

    def status(self) -> BackendStatus:
        """POST /kiosks/heartbeat: the health probe, with device statuses and the journal backlog.

        A new journal learns where its wire numbering starts from the first heartbeat, so its first
        delivery does not have to ask.
        """
        _status, data = self._heartbeat()
        self.numbering.learn(_last_sequence(data))
        return BackendStatus(online=True)

    def _heartbeat(self) -> tuple[int, dict]:
        report = self.report()
        # kiosk_time: the server keeps this kiosk's clock offset and corrects its offline events' times by it.
        body = {"version": __version__, "devices": report.get("devices", {}),
                "journal_pending": report.get("journal_pending", 0),
                "kiosk_time": datetime.datetime.now().astimezone().isoformat()}
        data = self._ok(*self._call("POST", "/kiosks/heartbeat", "en", body))
        return 200, data

    def _server_last(self) -> int | None:
        _status, data = self._heartbeat()
        return _last_sequence(data)

    # ----- delivery ----------------------------------------------------------------------------------
    def deliver(self, events: Sequence[CirculationEvent], lang: str = "en") -> list[Delivery]:
        """Send ``events`` in order; one Delivery per event answered (see Backend.deliver)."""
        if not events:
            return []
        offset = self.numbering.offset()
        if self._batch is not False:
            answers = self._deliver_batch(events[:self.batch_size], offset, lang)
            if answers is not None:
                return answers
        return self._deliver_singly(events, offset, lang)

    def _wire(self, event: CirculationEvent, offset: int) -> dict:
        return dataclasses.replace(event, sequence=event.sequence + offset).to_dict()

    def _deliver_batch(self, events, offset: int, lang: str) -> list[Delivery] | None:
        status, data = self._call("POST", "/circulation/events", lang,
                                  {"events": [self._wire(e, offset) for e in events]})
        if status == 404 or (status == 405 and self._batch is None):
            self._batch = False  # a server from before the batch endpoint: one event per request
            log.info("the central server has no batch endpoint; sending one event per request")
            return None
        if status in (400, 413):
            # The batch as a whole was refused: one by one, so one bad event is parked alone.
            log.warning("batch refused (HTTP %d: %s); sending these events one by one", status, _error(data)[1])
            return None
        data = self._ok(status, data)
        self._batch = True
        results = data.get("results")
        if not isinstance(results, list) or len(results) > len(events):
            raise BackendUnavailable("the server's batch answer has no readable results")
        answers = []
        confirmed = False
        for event, result in zip(events, results):
            if not isinstance(result, dict) or result.get("event_id") != event.event_id:
                raise BackendUnavailable("the server answered a batch for different events")
            if not confirmed and result.get("status") in ("applied", "replayed"):
                self.numbering.confirm()  # once a batch: the later ones would find it confirmed already
                confirmed = True
            answers.append(self._result(event, result, lang))
        return answers

    def _result(self, event: CirculationEvent, result: dict, lang: str) -> Delivery:
        kind = result.get("status")
        code, message = _error(result)
        if kind in ("applied", "replayed"):
            outcome = _outcome(result.get("outcome"), event.event_id)
            return Delivery(event.event_id, outcome=outcome.as_replayed() if kind == "replayed" else outcome)
        if kind == "rejected":
            return Delivery(event.event_id, rejection=BackendRejected(code or "rejected", message or "refused",
                                                                      status=400))
        if kind == "not_applied" and code == CONFLICT:
            return Delivery(event.event_id, rejection=self._conflict(event))
        if kind == "not_applied":
            return Delivery(event.event_id, rejection=BackendRejected(code or "not_applied", message or "later",
                                                                      transient=True))
        raise BackendUnavailable(f"the server answered an unknown status {kind!r}")

    def _conflict(self, event: CirculationEvent) -> BackendRejected:
        if self.numbering.repair(event.sequence):
            return BackendRejected(CONFLICT, "renumbered after the server's last sequence; sent again", transient=True)
        return BackendRejected(RESTORED, RESTORED_MESSAGE, status=409, transient=True)

    def _deliver_singly(self, events, offset: int, lang: str) -> list[Delivery]:
        answers: list[Delivery] = []
        for event in events:
            try:
                status, data = self._call("POST", f"/circulation/{event.type}", lang, self._wire(event, offset))
            except BackendUnavailable:
                if answers:
                    return answers  # the rest stays pending, in order
                raise
            code, message = _error(data)
            if status == 200:
                self.numbering.confirm()
                answers.append(Delivery(event.event_id, outcome=_outcome(data, event.event_id)))
            elif status == 409 and code in (CONFLICT, GAP) and event.event_id not in (message or ""):
                answers.append(Delivery(event.event_id, rejection=self._conflict(event) if code == CONFLICT else
                                        BackendRejected(GAP, message or "an earlier event has not arrived",
                                                        transient=True)))
                # Everything behind it carries numbers after it: it waits too.
                answers.extend(Delivery(e.event_id, rejection=BackendRejected(code, "waiting", transient=True))
                               for e in events[len(answers):])
                return answers
            elif 400 <= status < 500:
                answers.append(Delivery(event.event_id, rejection=BackendRejected(
                    code or f"http_{status}", message or f"HTTP {status}", status=status)))
            else:
                raise BackendUnavailable(f"the server answered HTTP {status}")
        return answers

def _outcome(data: Any, event_id: str) -> CirculationOutcome:
    """The server's outcome object (today's single-event answer or the batch's) as a CirculationOutcome."""
    if not isinstance(data, dict):
        raise BackendUnavailable("the server's outcome is not readable")
    checkin = data.get("checkin")
    if isinstance(checkin, dict):  # the hold patron's name stays on the server's side
        checkin = {k: v for k, v in checkin.items() if k not in ("hold_for", "patron_barcode")} | {
            "on_hold": bool(checkin.get("on_hold") or checkin.get("hold_for"))}
    try:
        outcome = CirculationOutcome.from_dict({**data, "event_id": data.get("event_id") or event_id,
                                                "checkin": checkin,
                                                "exceptions": data.get("exceptions") or data.get("offline_exceptions")})
    except WireError as exc:
        raise BackendUnavailable(f"the server's outcome is not readable: {exc}") from None
    if outcome.event_id != event_id:
        raise BackendUnavailable("the server answered for a different event")
    return outcome


def _last_sequence(data: dict) -> int | None:
    last = data.get("last_sequence")
    # An older server does not send it: None, so the numbering is not confirmed.
    return last if isinstance(last, int) and not isinstance(last, bool) and last >= 0 else None


def _error(data: Any) -> tuple[str | None, str | None]:
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("code"), error.get("message")
    return None, None


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from our server; the backoff applies

