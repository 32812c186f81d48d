"""The central server backend: the JSON API of protocol/API.md over HTTP with requests."""
from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import quote

import requests

from kiosk.backends.base import (
    Account, BackendRejected, BackendUnavailable, CirculationResult, Heartbeat, IdentifyResult, Item, Patron,
    _refusal,
)
from protocol.identifiers import mask_barcode

log = logging.getLogger("kiosk.backend.central")


class CentralBackend:
    """Talks to ``/api/v1`` of the central server with the kiosk's bearer token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 5.0, connect_timeout: float = 2.0):
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.timeout = (connect_timeout, timeout)
        self._token = token
        # requests.Session is not documented as thread-safe; device threads, request handlers and
        # the sync worker all call in, so each thread gets its own session (its own keep-alive pool).
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Authorization": f"Bearer {self._token}", "Accept": "application/json",
                                    "User-Agent": "library-kiosk"})
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

    def _call(self, method: str, path: str, lang: str = "en", body: dict | None = None,
              missing_ok: bool = False, shown_path: str | None = None) -> dict[str, Any] | None:
        # Error messages reach the log, /health and the staff page: they name ``shown_path``
        # (a patron's barcode masked) instead of the real path.
        url = self.base_url + (shown_path or path)
        try:
            response = self._session().request(method, self.base_url + path, json=body, timeout=self.timeout,
                                               headers={"Accept-Language": lang})
        except requests.Timeout as exc:
            raise BackendUnavailable(f"no answer from {url} within {self.timeout[1]:g} s") from exc
        except requests.ConnectionError as exc:
            raise BackendUnavailable(f"cannot connect to {self.base_url}: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise BackendUnavailable(f"request to {url} failed: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise BackendUnavailable(f"{url} answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 404 and missing_ok and _error_code(data) == "not_found":
            return None
        if response.status_code >= 400:
            error = data.get("error") if isinstance(data, dict) else None
            error = error if isinstance(error, dict) else {}
            raise BackendRejected(response.status_code, error.get("code") or f"http_{response.status_code}",
                                  error.get("message") or f"The server answered HTTP {response.status_code}.")
        if not isinstance(data, dict):
            raise BackendUnavailable(f"{url} answered something that is not JSON")
        return data

    def identify(self, *, barcode: str | None = None, card_uid: str | None = None, pin: str | None = None,
                 method: str = "scan", lang: str = "en") -> IdentifyResult:
        """POST /patrons/identify with a barcode or a card UID."""
        body: dict[str, Any] = {"method": method}
        if barcode is not None:
            body["barcode"] = barcode
        if card_uid is not None:
            body["card_uid"] = card_uid
        if pin is not None:
            body["pin"] = pin
        data = self._call("POST", "/patrons/identify", lang, body)
        if data.get("ok"):
            return IdentifyResult(True, patron=Patron.from_json(data["patron"]))
        return IdentifyResult(False, refusal=_refusal(data.get("refusal")))

    def account(self, patron_barcode: str, lang: str = "en") -> Account | None:
        """GET /patrons/<barcode>/account."""
        data = self._call("GET", f"/patrons/{quote(patron_barcode, safe='')}/account", lang, missing_ok=True,
                          shown_path=f"/patrons/{mask_barcode(patron_barcode)}/account")
        return Account.from_json(data) if data is not None else None

    def item(self, item_barcode: str, lang: str = "en") -> Item | None:
        """GET /items/<barcode>."""
        data = self._call("GET", f"/items/{quote(item_barcode, safe='')}", lang, missing_ok=True)
        return Item.from_json(data["item"]) if data is not None else None

    def _circulate(self, kind: str, event: dict[str, Any], lang: str) -> CirculationResult:
        data = self._call("POST", f"/circulation/{kind}", lang, event)
        if data.get("event_id") != event["event_id"]:
            raise BackendUnavailable(f"the server answered {kind} for a different event")
        return CirculationResult.from_json(data)

    def checkout(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """POST /circulation/checkout."""
        return self._circulate("checkout", event, lang)

    def checkin(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """POST /circulation/checkin."""
        return self._circulate("checkin", event, lang)

    def renew(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """POST /circulation/renew."""
        return self._circulate("renew", event, lang)

    def heartbeat(self, version: str, devices: dict[str, str], journal_pending: int) -> Heartbeat:
        """POST /kiosks/heartbeat."""
        data = self._call("POST", "/kiosks/heartbeat", "en",
                          {"version": version, "devices": devices, "journal_pending": journal_pending})
        last = data.get("last_sequence")
        # An older server does not send it: None, so the kiosk treats its numbering as not known.
        last = last if isinstance(last, int) and not isinstance(last, bool) and last >= 0 else None
        return Heartbeat(ok=bool(data.get("ok")), kiosk_id=data.get("kiosk_id") or "",
                         server_time=data.get("server_time") or "", last_sequence=last)


def _error_code(data: Any) -> str | None:
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"].get("code")
    return None
