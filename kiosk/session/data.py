"""What a patron session holds: its record, the lines on its list, and how an outcome becomes a line."""
from __future__ import annotations

from dataclasses import dataclass, field

from protocol.wire import Patron

MODES = ("checkout", "checkin", "renew")


@dataclass
class Line:
    """One book on the session's list; texts are rendered in the current language by the view."""

    type: str  # checkout | checkin | renew
    item_barcode: str
    status: str  # ok | refused | pending | error
    title: str = ""
    due_date: object = None  # datetime.date for checkouts and renewals
    refusal_code: str | None = None
    note: str | None = None  # a translation key: line.renewed, line.hold_shelf, line.unanswered, ...
    event_id: str | None = None


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan did, for callers that act on it (the item pad's security bit)."""

    type: str | None = None
    ok: bool = False
    decided: bool = False
    # What the outbox did: "acked" once the backend's yes is committed, "offline" once the kiosk's own
    # yes is (the item pad changes a security bit then, never before); "unanswered" = still waiting.
    state: str | None = None
    event_id: str | None = None


@dataclass
class SessionData:
    """Everything the session knows; replaced wholesale when a session ends (forgetting it all)."""

    state: str = "idle"  # idle | pin_entry | active | ending
    mode: str = "checkout"
    lang: str = "en"
    patron: Patron | None = None
    lines: list[Line] = field(default_factory=list)
    notice: tuple[str, dict, str] | None = None  # (translation key, values, level)
    notice_at: float = 0.0  # monotonic time the notice went up (it goes after a few seconds)
    lang_chosen: bool = False  # the child pressed a language button: their choice beats the patron record
    started_at: float = 0.0  # monotonic time of the sign-in (two cards tapped at once keep the first)
    reads: dict = field(default_factory=dict)  # code -> monotonic time last read (double reads are one event)
    pending_id: str | None = None  # typed number waiting for its PIN
    pin_tries: int = 0
    reference: str = ""  # printed on the receipt as a barcode
    busy: bool = False
    warning: bool = False

    def copy(self) -> "SessionData":
        """A shallow copy with its own list of lines (for the view)."""
        return SessionData(**{**self.__dict__, "lines": list(self.lines), "reads": dict(self.reads)})


def line_for(mode: str, barcode: str, submitted, title_of=lambda barcode: "") -> Line:
    """The list line for what the outbox did (kiosk.outbox.outbox.Submitted); ``title_of`` finds a title."""
    event_id = submitted.event.event_id if submitted.event is not None else None
    if submitted.state == "unanswered":
        return Line(mode, barcode, "pending", title=title_of(barcode), note="line.unanswered", event_id=event_id)
    if submitted.state == "parked":
        return Line(mode, barcode, "error", title=title_of(barcode), note="line.rejected", event_id=event_id)
    result = submitted.outcome
    line = Line(mode, barcode, "ok" if result.ok else "refused", event_id=event_id,
                note="line.saved_offline" if submitted.state == "offline" else None)
    if result.loan:
        line.title, line.due_date = result.loan.title, result.loan.due_date
        if result.renewed and mode == "checkout":
            line.note = "line.renewed"
    if result.checkin:
        line.title = result.checkin.title
        if result.checkin.routing == "hold_shelf" or result.checkin.on_hold:
            line.note = "line.hold_shelf"
        elif result.checkin.routing in ("transit", "sort_bin", "staff"):  # as a SIP2 system routes it
            line.note = f"line.{result.checkin.routing}"
        elif result.checkin.fine_cents:
            line.note = "line.late"
    if not result.ok:
        line.refusal_code = result.refusal.code if result.refusal else "item_unknown"
    if not line.title and (not result.ok or submitted.state == "offline"):
        line.title = title_of(barcode)  # a refused or offline book is easier to find with its title shown
    return line
