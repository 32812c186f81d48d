"""The typed circulation port: the requests a kiosk makes of a library system and the outcomes it gets.

Both sides speak these types. The kiosk's backends take and return them (the central backend turns
them into REST bodies, the SIP2 backend into SIP2 messages); the kiosk's journal stores a
:class:`CirculationEvent` as ``to_dict()``; ``central`` reads request bodies into the same types.
Nothing here knows HTTP, SQL or SIP2.

Every type has ``to_dict()`` (JSON-safe: dates as ISO-8601 text) and ``from_dict()``, which raises
:class:`WireError` naming the field that is missing or wrong, so a bad stored row or request body
is reported in words instead of as a ``KeyError``. Unknown keys are ignored, so an older reader
accepts a newer writer's records.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Union

from protocol.circulation import Refusal, refusal_message


class WireError(ValueError):
    """A record or body that does not fit the port's types; ``field`` names the culprit."""

    def __init__(self, field_name: str, problem: str):
        super().__init__(f"{field_name}: {problem}")
        self.field, self.problem = field_name, problem


# ----- small readers used by every from_dict -----------------------------------------------------

def _need(d: Any, key: str) -> Any:
    if not isinstance(d, dict):
        raise WireError(key, "expected an object")
    if d.get(key) is None:
        raise WireError(key, "is missing")
    return d[key]


def _text(d: dict, key: str, default: str | None = None) -> str | None:
    value = d.get(key, default) if isinstance(d, dict) else default
    if value is None:
        return default
    if not isinstance(value, str):
        raise WireError(key, "must be text")
    return value


def _req_text(d: dict, key: str) -> str:
    value = _need(d, key)
    if not isinstance(value, str):
        raise WireError(key, "must be text")
    return value


def _int(d: dict, key: str, default: int | None = 0) -> int | None:
    value = d.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireError(key, "must be a whole number")
    return value


def _bool(d: dict, key: str, default: bool = False) -> bool:
    value = d.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise WireError(key, "must be true or false")
    return value


def _date(d: dict, key: str) -> dt.date | None:
    value = d.get(key)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise WireError(key, "must be a date (YYYY-MM-DD)") from None


def _datetime(d: dict, key: str) -> dt.datetime:
    value = _need(d, key)
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise WireError(key, "must be an ISO-8601 date and time") from None
    if moment.tzinfo is None:
        raise WireError(key, "must carry a UTC offset")
    return moment


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _refusal(d: dict, key: str = "refusal") -> Refusal | None:
    value = d.get(key)
    if not value:
        return None
    if isinstance(value, str):  # a bare code
        return Refusal(value, refusal_message(value))
    code = _req_text(value, "code")
    return Refusal(code, _text(value, "message") or refusal_message(code))


def _refusal_dict(refusal: Refusal | None) -> dict | None:
    return refusal.to_json() if refusal else None


# ----- who and what ------------------------------------------------------------------------------

PATRON_TYPES = ("student", "teacher", "staff")


@dataclass(frozen=True)
class Patron:
    """A patron as the library system describes them; the kiosk keeps this in memory only."""

    barcode: str
    display_name: str  # first name and last initial, "Maria G."
    language: str = "en"
    patron_type: str = "student"
    grade: str | None = None
    homeroom: str | None = None
    expires_on: dt.date | None = None
    loans_count: int = 0
    max_items: int = 0  # 0 = not told
    fines_total_cents: int = 0
    can_checkout: bool = True
    refusal: str | None = None  # the refusal CODE of why they cannot check out (card_expired, ...)
    pin_required: bool = False  # the patron has a PIN (asked when the number is typed)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"barcode": self.barcode, "display_name": self.display_name, "language": self.language,
                "patron_type": self.patron_type, "grade": self.grade, "homeroom": self.homeroom,
                "expires_on": _iso(self.expires_on), "loans_count": self.loans_count, "max_items": self.max_items,
                "fines_total_cents": self.fines_total_cents, "can_checkout": self.can_checkout,
                "refusal": self.refusal, "pin_required": self.pin_required}

    @classmethod
    def from_dict(cls, d: dict) -> "Patron":
        """Read the JSON form."""
        return cls(barcode=_req_text(d, "barcode"), display_name=_text(d, "display_name", "") or "",
                   language=_text(d, "language", "en") or "en", patron_type=_text(d, "patron_type", "student"),
                   grade=_text(d, "grade"), homeroom=_text(d, "homeroom"), expires_on=_date(d, "expires_on"),
                   loans_count=_int(d, "loans_count"), max_items=_int(d, "max_items"),
                   fines_total_cents=_int(d, "fines_total_cents"), can_checkout=_bool(d, "can_checkout", True),
                   refusal=_text(d, "refusal"), pin_required=_bool(d, "pin_required"))


ITEM_STATUSES = ("available", "on_loan", "on_hold_shelf", "reference", "lost", "missing", "withdrawn",
                 "in_transit", "unknown")


@dataclass(frozen=True)
class Item:
    """One copy, with where it lives and whether it is in."""

    barcode: str
    title: str
    status: str = "available"  # one of ITEM_STATUSES
    author: str = ""
    call_number: str = ""
    item_type: str = ""
    location: str = ""  # shelf location in the library's own words ("Picture books, shelf E")
    due_date: dt.date | None = None

    def to_dict(self) -> dict:
        """JSON form."""
        return {"barcode": self.barcode, "title": self.title, "status": self.status, "author": self.author,
                "call_number": self.call_number, "item_type": self.item_type, "location": self.location,
                "due_date": _iso(self.due_date)}

    @classmethod
    def from_dict(cls, d: dict) -> "Item":
        """Read the JSON form."""
        return cls(barcode=_req_text(d, "barcode"), title=_text(d, "title", "") or "",
                   status=_text(d, "status", "available") or "available", author=_text(d, "author", "") or "",
                   call_number=_text(d, "call_number", "") or "", item_type=_text(d, "item_type", "") or "",
                   location=_text(d, "location", "") or "", due_date=_date(d, "due_date"))


@dataclass(frozen=True)
class Loan:
    """An item on loan to a patron."""

    item_barcode: str
    title: str = ""
    due_date: dt.date | None = None
    author: str = ""
    call_number: str = ""
    renewals_left: int | None = None
    overdue: bool = False

    def to_dict(self) -> dict:
        """JSON form."""
        return {"item_barcode": self.item_barcode, "title": self.title, "due_date": _iso(self.due_date),
                "author": self.author, "call_number": self.call_number, "renewals_left": self.renewals_left,
                "overdue": self.overdue}

    @classmethod
    def from_dict(cls, d: dict) -> "Loan":
        """Read the JSON form."""
        return cls(item_barcode=_req_text(d, "item_barcode"), title=_text(d, "title", "") or "",
                   due_date=_date(d, "due_date"), author=_text(d, "author", "") or "",
                   call_number=_text(d, "call_number", "") or "", renewals_left=_int(d, "renewals_left", None),
                   overdue=_bool(d, "overdue"))


@dataclass(frozen=True)
class Hold:
    """A hold the patron placed."""

    title: str
    status: str = "waiting"  # waiting | ready
    author: str = ""
    pickup_by: dt.date | None = None
    queue_position: int | None = None
    item_barcode: str | None = None  # the copy set aside, when ready and the system says

    def to_dict(self) -> dict:
        """JSON form."""
        return {"title": self.title, "status": self.status, "author": self.author,
                "pickup_by": _iso(self.pickup_by), "queue_position": self.queue_position,
                "item_barcode": self.item_barcode}

    @classmethod
    def from_dict(cls, d: dict) -> "Hold":
        """Read the JSON form."""
        return cls(title=_text(d, "title", "") or "", status=_text(d, "status", "waiting") or "waiting",
                   author=_text(d, "author", "") or "", pickup_by=_date(d, "pickup_by"),
                   queue_position=_int(d, "queue_position", None), item_barcode=_text(d, "item_barcode"))


@dataclass(frozen=True)
class Fine:
    """Money the patron owes."""

    amount_cents: int
    reason: str = "overdue"  # overdue | lost | damaged | other (or the system's own word)
    title: str = ""
    assessed_on: dt.date | None = None

    def to_dict(self) -> dict:
        """JSON form."""
        return {"amount_cents": self.amount_cents, "reason": self.reason, "title": self.title,
                "assessed_on": _iso(self.assessed_on)}

    @classmethod
    def from_dict(cls, d: dict) -> "Fine":
        """Read the JSON form."""
        return cls(amount_cents=_int(d, "amount_cents"), reason=_text(d, "reason", "other") or "other",
                   title=_text(d, "title", "") or "", assessed_on=_date(d, "assessed_on"))


@dataclass(frozen=True)
class Account:
    """What the patron has out, on hold and owes."""

    patron: Patron
    loans: tuple[Loan, ...] = ()
    holds: tuple[Hold, ...] = ()
    fines: tuple[Fine, ...] = ()
    fines_total_cents: int = 0

    def to_dict(self) -> dict:
        """JSON form."""
        return {"patron": self.patron.to_dict(), "loans": [x.to_dict() for x in self.loans],
                "holds": [x.to_dict() for x in self.holds], "fines": [x.to_dict() for x in self.fines],
                "fines_total_cents": self.fines_total_cents}

    @classmethod
    def from_dict(cls, d: dict) -> "Account":
        """Read the JSON form."""
        return cls(patron=Patron.from_dict(_need(d, "patron")),
                   loans=tuple(Loan.from_dict(x) for x in d.get("loans") or ()),
                   holds=tuple(Hold.from_dict(x) for x in d.get("holds") or ()),
                   fines=tuple(Fine.from_dict(x) for x in d.get("fines") or ()),
                   fines_total_cents=_int(d, "fines_total_cents"))


# ----- requests ------------------------------------------------------------------------------------

IDENTIFY_METHODS = ("scan", "tap", "typed")


@dataclass(frozen=True)
class IdentifyRequest:
    """Who is this card or number? Exactly one of ``barcode`` and ``card_uid``; a PIN when typed."""

    barcode: str | None = None
    card_uid: str | None = None
    pin: str | None = None
    method: str = "scan"  # scan | tap | typed

    def __post_init__(self):
        if (self.barcode is None) == (self.card_uid is None):
            raise WireError("barcode", "give exactly one of barcode and card_uid")
        if self.method not in IDENTIFY_METHODS:
            raise WireError("method", f"must be one of {', '.join(IDENTIFY_METHODS)}")

    def __repr__(self) -> str:  # a PIN never reaches a log line through repr()
        return (f"IdentifyRequest(barcode={self.barcode!r}, card_uid={self.card_uid!r}, "
                f"pin={'***' if self.pin else None}, method={self.method!r})")


@dataclass(frozen=True)
class IdentifyOutcome:
    """The patron, or why nobody was identified (patron_unknown, pin_required, pin_incorrect, pin_locked)."""

    ok: bool
    patron: Patron | None = None
    refusal: Refusal | None = None
    offline: bool = False  # decided by the kiosk from its patron cache

    def to_dict(self) -> dict:
        """JSON form."""
        return {"ok": self.ok, "patron": self.patron.to_dict() if self.patron else None,
                "refusal": _refusal_dict(self.refusal), "offline": self.offline}

    @classmethod
    def from_dict(cls, d: dict) -> "IdentifyOutcome":
        """Read the JSON form."""
        patron = d.get("patron")
        return cls(ok=_bool(d, "ok"), patron=Patron.from_dict(patron) if patron else None,
                   refusal=_refusal(d), offline=_bool(d, "offline"))


@dataclass(frozen=True)
class CheckoutRequest:
    """Lend ``item_barcode`` to ``patron_barcode``.

    ``due_date`` is set only on an offline checkout: the date the kiosk printed on the receipt,
    so the library system can honour it (SIP2 11 carries it as the "nb due date").
    """

    TYPE: ClassVar[str] = "checkout"
    patron_barcode: str
    item_barcode: str
    due_date: dt.date | None = None

    def to_dict(self) -> dict:
        """JSON form (with its ``type``)."""
        return {"type": self.TYPE, "patron_barcode": self.patron_barcode, "item_barcode": self.item_barcode,
                "due_date": _iso(self.due_date)}

    @classmethod
    def from_dict(cls, d: dict) -> "CheckoutRequest":
        """Read the JSON form."""
        return cls(patron_barcode=_req_text(d, "patron_barcode"), item_barcode=_req_text(d, "item_barcode"),
                   due_date=_date(d, "due_date"))


@dataclass(frozen=True)
class CheckinRequest:
    """Return ``item_barcode`` (no patron needed)."""

    TYPE: ClassVar[str] = "checkin"
    item_barcode: str

    def to_dict(self) -> dict:
        """JSON form (with its ``type``)."""
        return {"type": self.TYPE, "item_barcode": self.item_barcode}

    @classmethod
    def from_dict(cls, d: dict) -> "CheckinRequest":
        """Read the JSON form."""
        return cls(item_barcode=_req_text(d, "item_barcode"))


@dataclass(frozen=True)
class RenewRequest:
    """Renew ``patron_barcode``'s loan of ``item_barcode``."""

    TYPE: ClassVar[str] = "renew"
    patron_barcode: str
    item_barcode: str

    def to_dict(self) -> dict:
        """JSON form (with its ``type``)."""
        return {"type": self.TYPE, "patron_barcode": self.patron_barcode, "item_barcode": self.item_barcode}

    @classmethod
    def from_dict(cls, d: dict) -> "RenewRequest":
        """Read the JSON form."""
        return cls(patron_barcode=_req_text(d, "patron_barcode"), item_barcode=_req_text(d, "item_barcode"))


CirculationRequest = Union[CheckoutRequest, CheckinRequest, RenewRequest]
REQUEST_TYPES: dict[str, type] = {cls.TYPE: cls for cls in (CheckoutRequest, CheckinRequest, RenewRequest)}
EVENT_TYPES = tuple(REQUEST_TYPES)


def request_from_dict(d: dict) -> CirculationRequest:
    """Read any circulation request by its ``type``."""
    kind = _req_text(d, "type")
    try:
        cls = REQUEST_TYPES[kind]
    except KeyError:
        raise WireError("type", f"must be one of {', '.join(EVENT_TYPES)}") from None
    return cls.from_dict(d)


@dataclass(frozen=True)
class RenewAllRequest:
    """Renew everything the patron has out (one renew per loan; SIP2 65 where the system has it)."""

    patron_barcode: str


@dataclass(frozen=True)
class SearchRequest:
    """Find a book: words from the title, author, subject or call number."""

    query: str
    limit: int = 20
    offset: int = 0


# ----- the journal's event ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CirculationEvent:
    """One circulation request as the kiosk journaled it: made once, never changed, sent until answered.

    ``event_id`` is the kiosk's UUID, the server's permanent key; ``sequence`` is the kiosk's own
    gapless order (a backend may number it differently on its wire); ``occurred_at`` is when the
    student did it; ``offline`` is true when the kiosk decided it from its policy and caches.
    """

    event_id: str
    sequence: int
    occurred_at: dt.datetime
    request: CirculationRequest
    offline: bool = False

    @property
    def type(self) -> str:
        """checkout | checkin | renew."""
        return self.request.TYPE

    @staticmethod
    def new_id() -> str:
        """A fresh event id."""
        return str(uuid.uuid4())

    def to_dict(self) -> dict:
        """JSON form: the request's fields beside the envelope's."""
        return {"event_id": self.event_id, "sequence": self.sequence, "occurred_at": self.occurred_at.isoformat(),
                "offline": self.offline, **self.request.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "CirculationEvent":
        """Read the JSON form (an event id that is not a UUID is refused)."""
        raw_id = _req_text(d, "event_id")
        try:
            event_id = str(uuid.UUID(raw_id))
        except ValueError:
            raise WireError("event_id", "must be a UUID") from None
        sequence = _int(d, "sequence", None)
        if sequence is None:
            raise WireError("sequence", "is missing")
        return cls(event_id=event_id, sequence=sequence, occurred_at=_datetime(d, "occurred_at"),
                   request=request_from_dict(d), offline=_bool(d, "offline"))


# ----- outcomes ----------------------------------------------------------------------------------------

ROUTINGS = ("shelf", "hold_shelf", "sort_bin", "transit", "staff")


@dataclass(frozen=True)
class Checkin:
    """What happened to a returned item and where it goes next."""

    item_barcode: str
    title: str = ""
    was_on_loan: bool = True
    overdue_days: int = 0
    fine_cents: int = 0
    routing: str = "shelf"  # one of ROUTINGS
    destination: str = ""  # the system's words: a sort bin, a branch to send it to
    on_hold: bool = False  # someone is waiting for it (their name stays on the server's side)

    def to_dict(self) -> dict:
        """JSON form."""
        return {"item_barcode": self.item_barcode, "title": self.title, "was_on_loan": self.was_on_loan,
                "overdue_days": self.overdue_days, "fine_cents": self.fine_cents, "routing": self.routing,
                "destination": self.destination, "on_hold": self.on_hold}

    @classmethod
    def from_dict(cls, d: dict) -> "Checkin":
        """Read the JSON form."""
        routing = _text(d, "routing", "shelf") or "shelf"
        if routing not in ROUTINGS:
            raise WireError("routing", f"must be one of {', '.join(ROUTINGS)}")
        return cls(item_barcode=_req_text(d, "item_barcode"), title=_text(d, "title", "") or "",
                   was_on_loan=_bool(d, "was_on_loan", True), overdue_days=_int(d, "overdue_days"),
                   fine_cents=_int(d, "fine_cents"), routing=routing,
                   destination=_text(d, "destination", "") or "", on_hold=_bool(d, "on_hold"))


@dataclass(frozen=True)
class CirculationOutcome:
    """The decided outcome of one checkout, checkin or renew, by the library system or the offline policy.

    ``ok`` False carries a ``refusal``. ``replayed`` says the system had already decided this
    event (a re-send). ``exceptions`` lists the rules an offline event broke, recorded for staff
    (codes of ``protocol.circulation`` or of the conflict table in ``protocol/API.md``).
    ``offline`` marks a decision the kiosk took on its own, still to be confirmed.
    """

    event_id: str
    ok: bool
    renewed: bool = False
    replayed: bool = False
    offline: bool = False
    loan: Loan | None = None
    checkin: Checkin | None = None
    refusal: Refusal | None = None
    exceptions: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON form."""
        return {"event_id": self.event_id, "ok": self.ok, "renewed": self.renewed, "replayed": self.replayed,
                "offline": self.offline, "loan": self.loan.to_dict() if self.loan else None,
                "checkin": self.checkin.to_dict() if self.checkin else None,
                "refusal": _refusal_dict(self.refusal), "exceptions": list(self.exceptions)}

    @classmethod
    def from_dict(cls, d: dict) -> "CirculationOutcome":
        """Read the JSON form."""
        loan, checkin = d.get("loan"), d.get("checkin")
        exceptions = d.get("exceptions") or ()
        if not isinstance(exceptions, (list, tuple)) or not all(isinstance(x, str) for x in exceptions):
            raise WireError("exceptions", "must be a list of codes")
        return cls(event_id=_req_text(d, "event_id"), ok=_bool(d, "ok"), renewed=_bool(d, "renewed"),
                   replayed=_bool(d, "replayed"), offline=_bool(d, "offline"),
                   loan=Loan.from_dict(loan) if loan else None, checkin=Checkin.from_dict(checkin) if checkin else None,
                   refusal=_refusal(d), exceptions=tuple(exceptions))

    def as_replayed(self) -> "CirculationOutcome":
        """The same outcome, marked as an answer to a re-send."""
        return replace(self, replayed=True)


@dataclass(frozen=True)
class RenewAllOutcome:
    """What renewing everything did, item by item."""

    renewed: tuple[Loan, ...] = ()
    refused: tuple[tuple[str, Refusal], ...] = ()  # (item barcode, why)


@dataclass(frozen=True)
class SearchHit:
    """One title found by a search, with where to find it and whether a copy is in."""

    title: str
    author: str = ""
    call_number: str = ""
    location: str = ""
    copies: int = 0
    available: int = 0
    isbn: str | None = None
    subjects: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The JSON form (``GET /api/v1/search``'s hits)."""
        return {"title": self.title, "author": self.author, "call_number": self.call_number,
                "location": self.location, "copies": self.copies, "available": self.available, "isbn": self.isbn,
                "subjects": list(self.subjects)}

    @classmethod
    def from_dict(cls, d: dict) -> "SearchHit":
        """Read the JSON form."""
        subjects = d.get("subjects") or []
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise WireError("subjects", "must be a list of text")
        copies, available = _int(d, "copies", 0), _int(d, "available", 0)
        if copies < 0 or available < 0:
            raise WireError("copies", "cannot be negative")
        return cls(title=_req_text(d, "title"), author=_text(d, "author", "") or "",
                   call_number=_text(d, "call_number", "") or "", location=_text(d, "location", "") or "",
                   copies=copies, available=available, isbn=_text(d, "isbn"), subjects=tuple(subjects))


@dataclass(frozen=True)
class SearchOutcome:
    """A page of search hits, best first."""

    query: str
    hits: tuple[SearchHit, ...] = ()
    total: int = 0
    message: str = ""  # the library system's sentence when nothing was found or nothing could be searched

    def to_dict(self) -> dict:
        """The JSON form (``GET /api/v1/search``)."""
        answer = {"query": self.query, "total": self.total, "hits": [h.to_dict() for h in self.hits]}
        return {**answer, "message": self.message} if self.message else answer

    @classmethod
    def from_dict(cls, d: dict) -> "SearchOutcome":
        """Read the JSON form; a hit that cannot be read is a WireError naming it."""
        hits = d.get("hits") if isinstance(d, dict) else None
        if not isinstance(hits, list):
            raise WireError("hits", "must be a list")
        read = []
        for n, raw in enumerate(hits):
            if not isinstance(raw, dict):
                raise WireError(f"hits[{n}]", "expected an object")
            read.append(SearchHit.from_dict(raw))
        total = _int(d, "total", len(read))
        if total < len(read):
            raise WireError("total", "is smaller than the hits given")
        return cls(query=_text(d, "query", "") or "", hits=tuple(read), total=total,
                   message=_text(d, "message", "") or "")


@dataclass(frozen=True)
class BackendStatus:
    """What the system of record says about itself (central heartbeat, SIP2 98)."""

    online: bool
    server_time: dt.datetime | None = None
    offline_allowed: bool = True  # the system accepts transactions the kiosk decided offline
    checkin_allowed: bool = True
    checkout_allowed: bool = True
    renewal_allowed: bool = True
    institution: str = ""
    screen_message: str = ""


# ----- caches for offline decisions (delta sync) -----------------------------------------------------------

def identifier_digest(key: bytes, kind: str, value: str) -> str:
    """The keyed hash a patron cache stores for a card barcode (``kind`` "barcode") or card UID ("card_uid").

    HMAC-SHA256 with the library's cache key: a copied cache does not list card numbers, and a
    kiosk can still look a scanned card up in one hash.
    """
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _pad(key: bytes, card_uid: str, length: int) -> bytes:
    # HMAC-SHA256 as a pseudo-random function keyed by the library's key and the card: one pad per card,
    # used for one value only (that card's patron barcode), so the XOR below is a one-time pad.
    if length > 32:
        raise ValueError("a sealed barcode holds at most 32 characters")
    return hmac.new(key, f"seal:{card_uid}".encode(), hashlib.sha256).digest()[:length]


def seal_barcode(key: bytes, card_uid: str, barcode: str) -> str:
    """The patron's barcode sealed under one of their card UIDs (hex): only a tap of that card opens it.

    A patron who taps a card offline must still be named by barcode when the checkout is forwarded;
    the cache keeps the barcode this way instead of in the clear.
    """
    data = barcode.encode("ascii")
    return bytes(a ^ b for a, b in zip(data, _pad(key, card_uid, len(data)))).hex()


def unseal_barcode(key: bytes, card_uid: str, sealed: str) -> str:
    """The barcode :func:`seal_barcode` sealed under ``card_uid``."""
    data = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(data, _pad(key, card_uid, len(data)))).decode("ascii")


@dataclass(frozen=True)
class CachedPatron:
    """The least a kiosk keeps to sign a patron in offline: no card number in the clear, no last name.

    A scanned or typed card is looked up by ``barcode_digest``; a tapped card by ``card_digests``,
    and ``card_barcodes[i]`` is the patron's barcode sealed under card ``i``'s UID
    (:func:`seal_barcode`), so an offline checkout by tap can still name the borrower. ``pin_hash``
    is sent only when the library's policy lets PIN patrons sign in offline by typed number.
    """

    patron_key: str  # the server's stable id for the record (deletes and updates refer to it)
    barcode_digest: str
    card_digests: tuple[str, ...] = ()
    card_barcodes: tuple[str, ...] = ()
    display_name: str = ""
    patron_type: str = "student"
    language: str = "en"
    expires_on: dt.date | None = None
    blocked: bool = False
    refusal: str | None = None  # why they may not borrow right now (card_expired, patron_blocked, ...)
    pin_required: bool = False
    pin_hash: str | None = None
    loans_count: int = 0
    deleted: bool = False

    def to_dict(self) -> dict:
        """JSON form."""
        return {"patron_key": self.patron_key, "barcode_digest": self.barcode_digest,
                "card_digests": list(self.card_digests), "card_barcodes": list(self.card_barcodes),
                "display_name": self.display_name,
                "patron_type": self.patron_type, "language": self.language, "expires_on": _iso(self.expires_on),
                "blocked": self.blocked, "refusal": self.refusal, "pin_required": self.pin_required,
                "pin_hash": self.pin_hash, "loans_count": self.loans_count, "deleted": self.deleted}

    @classmethod
    def from_dict(cls, d: dict) -> "CachedPatron":
        """Read the JSON form."""
        cards, sealed = d.get("card_digests") or (), d.get("card_barcodes") or ()
        if not isinstance(cards, (list, tuple)):
            raise WireError("card_digests", "must be a list")
        if not isinstance(sealed, (list, tuple)) or (sealed and len(sealed) != len(cards)):
            raise WireError("card_barcodes", "must be a list as long as card_digests")
        return cls(patron_key=_req_text(d, "patron_key"), barcode_digest=_text(d, "barcode_digest", "") or "",
                   card_digests=tuple(cards), card_barcodes=tuple(sealed),
                   display_name=_text(d, "display_name", "") or "",
                   patron_type=_text(d, "patron_type", "student") or "student",
                   language=_text(d, "language", "en") or "en", expires_on=_date(d, "expires_on"),
                   blocked=_bool(d, "blocked"), refusal=_text(d, "refusal"), pin_required=_bool(d, "pin_required"),
                   pin_hash=_text(d, "pin_hash"), loans_count=_int(d, "loans_count"), deleted=_bool(d, "deleted"))


@dataclass(frozen=True)
class CachedItem:
    """What a kiosk keeps about an item: enough for a title on the screen and an offline due date."""

    barcode: str
    title: str = ""
    author: str = ""
    call_number: str = ""
    item_type: str = "book"
    location: str = ""
    status: str = "available"
    deleted: bool = False

    def to_dict(self) -> dict:
        """JSON form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> "CachedItem":
        """Read the JSON form."""
        return cls(barcode=_req_text(d, "barcode"), title=_text(d, "title", "") or "",
                   author=_text(d, "author", "") or "", call_number=_text(d, "call_number", "") or "",
                   item_type=_text(d, "item_type", "book") or "book", location=_text(d, "location", "") or "",
                   status=_text(d, "status", "available") or "available", deleted=_bool(d, "deleted"))


@dataclass(frozen=True)
class LoanRule:
    """How one patron type may borrow one item type (a local copy for offline due dates)."""

    patron_type: str
    item_type: str
    loanable: bool = True
    loan_days: int = 14
    max_items: int = 2

    def to_dict(self) -> dict:
        """JSON form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> "LoanRule":
        """Read the JSON form."""
        return cls(patron_type=_req_text(d, "patron_type"), item_type=_req_text(d, "item_type"),
                   loanable=_bool(d, "loanable", True), loan_days=_int(d, "loan_days", 14),
                   max_items=_int(d, "max_items", 2))


@dataclass(frozen=True)
class LoanRules:
    """The loan policies and the library calendar, as a kiosk keeps them for offline due dates."""

    rules: tuple[LoanRule, ...] = ()
    closed_weekdays: frozenset[int] = frozenset({5, 6})  # Monday = 0
    closed_days: frozenset[dt.date] = frozenset()
    term_end: dt.date | None = None

    def to_dict(self) -> dict:
        """JSON form."""
        return {"rules": [r.to_dict() for r in self.rules], "closed_weekdays": sorted(self.closed_weekdays),
                "closed_days": sorted(d.isoformat() for d in self.closed_days), "term_end": _iso(self.term_end)}

    @classmethod
    def from_dict(cls, d: dict) -> "LoanRules":
        """Read the JSON form."""
        weekdays = d.get("closed_weekdays", [5, 6])
        if not isinstance(weekdays, list) or not all(isinstance(x, int) and 0 <= x <= 6 for x in weekdays):
            raise WireError("closed_weekdays", "must be a list of weekday numbers 0-6")
        days = set()
        for text in d.get("closed_days") or ():
            try:
                days.add(dt.date.fromisoformat(text))
            except (TypeError, ValueError):
                raise WireError("closed_days", f"{text!r} is not a date") from None
        return cls(rules=tuple(LoanRule.from_dict(x) for x in d.get("rules") or ()),
                   closed_weekdays=frozenset(weekdays), closed_days=frozenset(days), term_end=_date(d, "term_end"))


@dataclass(frozen=True)
class SyncPage:
    """One page of a delta sync: records changed after ``since``; ask again with ``cursor`` while ``more``."""

    records: tuple[Any, ...]
    cursor: str
    more: bool = False
    hash_key: str | None = None  # patron pages: the hex key of identifier_digest, so the kiosk can look up


def outcome_fields(outcome: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict (for logging and tests), without converting nested values."""
    return {f.name: getattr(outcome, f.name) for f in fields(outcome)}


__all__ = [name for name in dir() if not name.startswith("_") and name not in (
    "annotations", "dt", "hashlib", "hmac", "uuid", "dataclass", "field", "fields", "replace", "Any", "ClassVar",
    "Union")]
