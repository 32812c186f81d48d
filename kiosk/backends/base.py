"""The Backend protocol every library system adapter speaks, with typed results and errors.

A backend answers in the library's terms (patron, item, loan). Business "no"s are results
(``ok=False`` with a :class:`protocol.circulation.Refusal`); transport trouble is an exception:
:class:`BackendUnavailable` when nobody answered (down, timeout, 5xx), :class:`BackendRejected`
when the server refused the request itself (4xx: wrong token, malformed field, sequence conflict).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from protocol.circulation import Refusal


class BackendError(Exception):
    """Base of backend transport errors."""


class BackendUnavailable(BackendError):
    """Nobody answered: connection refused, timeout, or a server error (5xx)."""

    def __init__(self, detail: str = ""):
        super().__init__("The library computer is not answering.")
        self.detail = detail  # for logs and the staff screen, not for students


class BackendRejected(BackendError):
    """The server refused the request itself (4xx) and said why."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _refusal(data: dict | None) -> Refusal | None:
    return Refusal(data["code"], data.get("message", "")) if data else None


@dataclass(frozen=True)
class Patron:
    """A patron as the backend describes them (the kiosk keeps this in memory only)."""

    barcode: str
    display_name: str
    language: str = "en"
    patron_type: str = "student"
    grade: str | None = None
    homeroom: str | None = None
    expires_on: dt.date | None = None
    loans_count: int = 0
    max_items: int = 0
    fines_total_cents: int = 0
    can_checkout: bool = True
    refusal: str | None = None  # why the patron cannot check out (a refusal code)

    @classmethod
    def from_json(cls, d: dict) -> "Patron":
        """Build from the API's patron object."""
        return cls(barcode=d["barcode"], display_name=d.get("display_name") or "", language=d.get("language") or "en",
                   patron_type=d.get("patron_type") or "student", grade=d.get("grade"), homeroom=d.get("homeroom"),
                   expires_on=_date(d.get("expires_on")), loans_count=d.get("loans_count") or 0,
                   max_items=d.get("max_items") or 0, fines_total_cents=d.get("fines_total_cents") or 0,
                   can_checkout=bool(d.get("can_checkout", True)), refusal=d.get("refusal"))


@dataclass(frozen=True)
class IdentifyResult:
    """Who the card or number belongs to, or why nobody was identified."""

    ok: bool
    patron: Patron | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Loan:
    """An item on loan to a patron."""

    item_barcode: str
    title: str
    due_date: dt.date | None
    author: str = ""
    call_number: str = ""
    renewals_left: int | None = None
    overdue: bool = False

    @classmethod
    def from_json(cls, d: dict) -> "Loan":
        """Build from the API's loan object."""
        return cls(item_barcode=d["item_barcode"], title=d.get("title") or "", due_date=_date(d.get("due_date")),
                   author=d.get("author") or "", call_number=d.get("call_number") or "",
                   renewals_left=d.get("renewals_left"), overdue=bool(d.get("overdue")))


@dataclass(frozen=True)
class Hold:
    """A hold the patron placed."""

    title: str
    status: str  # waiting | ready
    author: str = ""
    pickup_by: dt.date | None = None
    queue_position: int | None = None


@dataclass(frozen=True)
class Fine:
    """Money the patron owes."""

    amount_cents: int
    reason: str
    title: str = ""
    assessed_on: dt.date | None = None


@dataclass(frozen=True)
class Account:
    """What the patron has out, on hold and owes."""

    patron: Patron
    loans: tuple[Loan, ...]
    holds: tuple[Hold, ...]
    fines: tuple[Fine, ...]
    fines_total_cents: int

    @classmethod
    def from_json(cls, d: dict) -> "Account":
        """Build from the API's account answer."""
        return cls(
            patron=Patron.from_json(d["patron"]),
            loans=tuple(Loan.from_json(x) for x in d.get("loans", [])),
            holds=tuple(Hold(title=h.get("title") or "", status=h.get("status") or "waiting",
                             author=h.get("author") or "", pickup_by=_date(h.get("pickup_by")),
                             queue_position=h.get("queue_position")) for h in d.get("holds", [])),
            fines=tuple(Fine(amount_cents=f.get("amount_cents") or 0, reason=f.get("reason") or "",
                             title=f.get("title") or "", assessed_on=_date(f.get("assessed_on")))
                        for f in d.get("fines", [])),
            fines_total_cents=d.get("fines_total_cents") or 0)


@dataclass(frozen=True)
class Item:
    """A catalogued item."""

    barcode: str
    title: str
    status: str
    author: str = ""
    call_number: str = ""
    item_type: str = ""
    location: str = ""
    due_date: dt.date | None = None

    @classmethod
    def from_json(cls, d: dict) -> "Item":
        """Build from the API's item object."""
        return cls(barcode=d["barcode"], title=d.get("title") or "", status=d.get("status") or "",
                   author=d.get("author") or "", call_number=d.get("call_number") or "",
                   item_type=d.get("item_type") or "", location=d.get("location") or "",
                   due_date=_date(d.get("due_date")))


@dataclass(frozen=True)
class Checkin:
    """What happened to a returned item."""

    item_barcode: str
    title: str
    was_on_loan: bool = True
    overdue_days: int = 0
    fine_cents: int = 0
    routing: str = "shelf"  # shelf | hold_shelf
    on_hold: bool = False  # someone is waiting for it (the name stays on the server's side)

    @classmethod
    def from_json(cls, d: dict) -> "Checkin":
        """Build from the API's checkin object (the hold patron's name is not kept)."""
        return cls(item_barcode=d["item_barcode"], title=d.get("title") or "", was_on_loan=bool(d.get("was_on_loan")),
                   overdue_days=d.get("overdue_days") or 0, fine_cents=d.get("fine_cents") or 0,
                   routing=d.get("routing") or "shelf", on_hold=bool(d.get("hold_for")))


@dataclass(frozen=True)
class CirculationResult:
    """The decided outcome of one checkout, checkin or renew."""

    event_id: str
    ok: bool
    replayed: bool = False
    renewed: bool = False
    loan: Loan | None = None
    checkin: Checkin | None = None
    refusal: Refusal | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the answer as sent, for the journal

    @classmethod
    def from_json(cls, d: dict) -> "CirculationResult":
        """Build from the API's circulation answer."""
        return cls(event_id=d["event_id"], ok=bool(d["ok"]), replayed=bool(d.get("replayed")),
                   renewed=bool(d.get("renewed")), loan=Loan.from_json(d["loan"]) if d.get("loan") else None,
                   checkin=Checkin.from_json(d["checkin"]) if d.get("checkin") else None,
                   refusal=_refusal(d.get("refusal")), raw=d)


@dataclass(frozen=True)
class Heartbeat:
    """The server's answer to a heartbeat."""

    ok: bool
    kiosk_id: str
    server_time: str
    last_sequence: int | None = None  # the highest sequence the server has for this kiosk; None if not told


class Backend(Protocol):
    """What the kiosk needs from a library system; ``lang`` chooses the language of messages."""

    def identify(self, *, barcode: str | None = None, card_uid: str | None = None, pin: str | None = None,
                 method: str = "scan", lang: str = "en") -> IdentifyResult:
        """Find the patron for a card barcode or card UID (with a PIN when typed)."""

    def account(self, patron_barcode: str, lang: str = "en") -> Account | None:
        """The patron's loans, holds and fines (None if the patron is unknown)."""

    def item(self, item_barcode: str, lang: str = "en") -> Item | None:
        """One item (None if unknown)."""

    def checkout(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """Send a checkout event (journal wire form); the same event_id gives the same answer."""

    def checkin(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """Send a checkin event."""

    def renew(self, event: dict[str, Any], lang: str = "en") -> CirculationResult:
        """Send a renew event."""

    def heartbeat(self, version: str, devices: dict[str, str], journal_pending: int) -> Heartbeat:
        """Tell the server the kiosk is alive, with device statuses and the journal backlog."""

    def close(self) -> None:
        """Release connections."""
