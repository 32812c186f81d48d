"""The kiosk's backend port: what the kiosk asks of any library system, in protocol.wire's types.

A backend (the central server over HTTP JSON, an ILS over SIP2) implements :class:`Backend`.
Nothing outside a backend's own module knows its wire format: the journal and the outbox hand it
:class:`protocol.wire.CirculationEvent` values and get :class:`protocol.wire.CirculationOutcome`
values back; sequence numbering on the wire, REST bodies and SIP2 messages stay inside.

Business "no"s are outcomes (``ok=False`` with a refusal). Transport trouble is an exception:

- :class:`BackendUnavailable`: nobody answered (refused, reset, timed out, 5xx, 429). The outbox
  keeps the event pending and the monitor marks the backend offline. ``retry_after`` carries a
  server's ``Retry-After`` (seconds) when it sent one.
- :class:`BackendRejected`: the system understood the request and refused it as a request
  (a malformed field, an event id reused with another payload). Not worth re-sending as it is:
  the outbox parks the event for staff. ``transient`` marks refusals that are worth a later try
  (a predecessor not yet arrived, a sequence clash being repaired).
- :class:`BackendAuthRefused`: the system refused this kiosk itself (HTTP 401, SIP2 login 940).
  Staff see "this kiosk's token was refused"; events stay pending, nothing is parked.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from protocol.wire import (
    Account, BackendStatus, CirculationEvent, CirculationOutcome, IdentifyOutcome, IdentifyRequest, Item,
    LoanRules, SearchOutcome, SearchRequest, SyncPage,
)


class BackendError(Exception):
    """Base of backend transport errors; ``detail`` is for logs and staff, never for students."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail or message


class BackendUnavailable(BackendError):
    """Nobody answered: connection refused or reset, timeout, a server error, or 'busy, come back later'."""

    def __init__(self, detail: str = "", retry_after: float | None = None):
        super().__init__("The library computer is not answering.", detail)
        self.retry_after = retry_after


class BackendRejected(BackendError):
    """The system refused the request itself and said why (``code``, ``message`` in words)."""

    def __init__(self, code: str, message: str, *, status: int | None = None, transient: bool = False):
        super().__init__(message, f"{code}: {message}")
        self.code, self.message, self.status, self.transient = code, message, status, transient


class BackendAuthRefused(BackendError):
    """The system does not accept this kiosk's credentials (token, SIP2 login)."""

    def __init__(self, detail: str = ""):
        super().__init__("This kiosk's token was refused by the library computer.", detail)


class NotSupported(BackendError):
    """This backend cannot do that at all (a SIP2 system has no delta sync or catalog search)."""


@dataclass(frozen=True)
class Delivery:
    """The answer to one delivered event: a decided outcome, or a rejection to park."""

    event_id: str
    outcome: CirculationOutcome | None = None
    rejection: BackendRejected | None = None

    def __post_init__(self):
        if (self.outcome is None) == (self.rejection is None):
            raise ValueError("a delivery has exactly one of outcome and rejection")


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond circulation, so the kiosk offers only what works."""

    batch: bool = False          # deliver() sends many events per round trip
    delta_sync: bool = False     # patrons(), items() and loan_rules() feed the offline caches
    search: bool = False         # search() finds books
    offline_forwarding: bool = True  # accepts transactions the kiosk decided offline


@runtime_checkable
class Backend(Protocol):
    """A library system as the kiosk sees it. ``lang`` chooses the language of messages (en, es)."""

    name: str  # "central", "sip2": shown to staff
    capabilities: Capabilities

    def identify(self, request: IdentifyRequest, lang: str = "en") -> IdentifyOutcome:
        """Find the patron for a card barcode or card UID (with a PIN when typed)."""

    def account(self, patron_barcode: str, lang: str = "en") -> Account | None:
        """The patron's loans, holds and fines (None if the patron is unknown)."""

    def item(self, item_barcode: str, lang: str = "en") -> Item | None:
        """One item (None if unknown)."""

    def deliver(self, events: Sequence[CirculationEvent], lang: str = "en") -> list[Delivery]:
        """Send ``events`` in the order given and return a delivery for each one answered, in order.

        The list may be shorter than ``events`` when the system stopped answering part way; the
        rest stay pending. Raises BackendUnavailable (or BackendAuthRefused) when none was answered.
        The same event_id always gets the same outcome (``replayed`` set on a re-send).
        """

    def status(self) -> BackendStatus:
        """A health probe (central heartbeat, SIP2 99/98); raises BackendUnavailable when nobody answers."""

    def search(self, request: SearchRequest, lang: str = "en") -> SearchOutcome:
        """Find books (NotSupported when the system cannot)."""

    def patrons(self, since: str | None) -> SyncPage:
        """Patron cache records changed after cursor ``since`` (NotSupported without delta sync)."""

    def items(self, since: str | None) -> SyncPage:
        """Item cache records changed after cursor ``since`` (NotSupported without delta sync)."""

    def loan_rules(self) -> LoanRules:
        """The loan policies and calendar for offline due dates (NotSupported without delta sync)."""

    def close(self) -> None:
        """Release connections."""
