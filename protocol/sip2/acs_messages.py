"""The SIP2 2.00 messages the library system (ACS) sends back to a self-check (SC).

Besides the spec's fields, the 3M extensions that real systems send (Koha, Evergreen, Symphony)
are typed where they belong: collection code CR, call number CS, destination location CT, alert
type CV, hold patron id CY and name DA (Checkin and Item Information responses), and the
Envisionware patron fields PA, PB, PC, PI (Patron Information response).

Screen messages (AF) and print lines (AG) may come several times; so may the item lists of a
Patron Information Response (AS, AT, AU, AV, BU, CD) and the renewed / unrenewed items of a
Renew All Response (BM, BN): those attributes are lists, in the order received.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocol.sip2.base import Message, register
from protocol.sip2.codes import CirculationStatus, FeeType, SecurityMarker
from protocol.sip2.dates import sip_now
from protocol.sip2.fields import COUNT, DATE, FLAG, MAYBE, NUMBER2, OK, STORED, coded, fixed, text, var


@register
@dataclass(kw_only=True)
class LoginResponse(Message):
    """94: whether the SC's login was accepted."""

    COMMAND, NAME = "94", "Login Response"
    ok: bool = fixed(OK, default=False)


@register
@dataclass(kw_only=True)
class ACSStatus(Message):
    """98: what the ACS allows this SC to do, and which messages it supports (BX)."""

    COMMAND, NAME = "98", "ACS Status"
    online_status: bool = fixed(FLAG, default=True)
    checkin_ok: bool = fixed(FLAG, default=True)
    checkout_ok: bool = fixed(FLAG, default=True)
    acs_renewal_policy: bool = fixed(FLAG, default=True)
    status_update_ok: bool = fixed(FLAG, default=False)
    offline_ok: bool = fixed(FLAG, default=False)
    timeout_period: str = fixed(text(3), default="999")  # tenths of a second; 999 = unknown
    retries_allowed: str = fixed(text(3), default="999")
    date_time_sync: datetime | None = fixed(DATE, default_factory=sip_now)
    protocol_version: str = fixed(text(4), default="2.00")
    institution_id: str = var("AO", required=True, default="")
    library_name: str | None = var("AM")
    supported_messages: str = var("BX", required=True, default="")  # build with flags.supported_messages_text()
    terminal_location: str | None = var("AN")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class PatronStatusResponse(Message):
    """24: the patron's status flags (14 positions, see flags.PATRON_STATUS_FLAGS) and validity."""

    COMMAND, NAME = "24", "Patron Status Response"
    patron_status: str = fixed(text(14), default=" " * 14)
    language: str = fixed(text(3), default="000")
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    personal_name: str = var("AE", required=True, default="")
    valid_patron: bool | None = var("BL", FLAG)
    valid_patron_password: bool | None = var("CQ", FLAG)
    currency_type: str | None = var("BH")
    fee_amount: str | None = var("BV")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class PatronInformationResponse(Message):
    """64: status, counts, limits, contact details and the item list asked for by the summary."""

    COMMAND, NAME = "64", "Patron Information Response"
    patron_status: str = fixed(text(14), default=" " * 14)
    language: str = fixed(text(3), default="000")
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    hold_items_count: int | None = fixed(COUNT, default=None)
    overdue_items_count: int | None = fixed(COUNT, default=None)
    charged_items_count: int | None = fixed(COUNT, default=None)
    fine_items_count: int | None = fixed(COUNT, default=None)
    recall_items_count: int | None = fixed(COUNT, default=None)
    unavailable_holds_count: int | None = fixed(COUNT, default=None)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    personal_name: str = var("AE", required=True, default="")
    hold_items_limit: int | None = var("BZ", COUNT)
    overdue_items_limit: int | None = var("CA", COUNT)
    charged_items_limit: int | None = var("CB", COUNT)
    valid_patron: bool | None = var("BL", FLAG)
    valid_patron_password: bool | None = var("CQ", FLAG)
    currency_type: str | None = var("BH")
    fee_amount: str | None = var("BV")
    fee_limit: str | None = var("CC")
    hold_items: list[str] = var("AS", repeat=True)
    overdue_items: list[str] = var("AT", repeat=True)
    charged_items: list[str] = var("AU", repeat=True)
    fine_items: list[str] = var("AV", repeat=True)
    recall_items: list[str] = var("BU", repeat=True)
    unavailable_hold_items: list[str] = var("CD", repeat=True)
    home_address: str | None = var("BD")
    email_address: str | None = var("BE")
    home_phone_number: str | None = var("BF")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)
    pac_access_type: str | None = var("PA")  # extension: branch-specific self-service blocks
    birth_date: str | None = var("PB")  # Envisionware extension, free format
    patron_class: str | None = var("PC")  # Envisionware extension: the patron type/category code
    internet_profile: str | None = var("PI")  # extension: internet privileges


@dataclass(kw_only=True)
class _LoanResponse(Message):
    """The shared layout of the Checkout (12) and Renew (30) responses."""

    ok: bool = fixed(OK, default=False)
    renewal_ok: bool = fixed(FLAG, default=False)  # Y: the patron already had it, so it was renewed
    magnetic_media: bool | None = fixed(MAYBE, default=None)  # None = U, unknown
    desensitize: bool | None = fixed(MAYBE, default=None)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    item_identifier: str = var("AB", required=True)
    title_identifier: str = var("AJ", required=True, default="")
    due_date: str = var("AH", required=True, default="")  # free format: the ACS may send any text
    fee_type: int | None = var("BT", coded(NUMBER2, FeeType))
    security_inhibit: bool | None = var("CI", FLAG)
    currency_type: str | None = var("BH")
    fee_amount: str | None = var("BV")
    media_type: str | None = var("CK")
    item_properties: str | None = var("CH")
    transaction_id: str | None = var("BK")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class CheckoutResponse(_LoanResponse):
    """12: whether the checkout happened, and the due date to show and print."""

    COMMAND, NAME = "12", "Checkout Response"


@register
@dataclass(kw_only=True)
class RenewResponse(_LoanResponse):
    """30: whether the renewal happened, and the new due date."""

    COMMAND, NAME = "30", "Renew Response"


@register
@dataclass(kw_only=True)
class CheckinResponse(Message):
    """10: whether the return was accepted, where the item goes (sort bin) and any alert."""

    COMMAND, NAME = "10", "Checkin Response"
    ok: bool = fixed(OK, default=False)
    resensitize: bool = fixed(FLAG, default=False)
    magnetic_media: bool | None = fixed(MAYBE, default=None)
    alert: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    item_identifier: str = var("AB", required=True)
    permanent_location: str = var("AQ", required=True, default="")
    title_identifier: str | None = var("AJ")
    sort_bin: str | None = var("CL")
    patron_identifier: str | None = var("AA")
    media_type: str | None = var("CK")  # codes.media_type() names it
    item_properties: str | None = var("CH")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)
    collection_code: str | None = var("CR")  # 3M extension
    call_number: str | None = var("CS")  # 3M extension
    destination_location: str | None = var("CT")  # 3M extension: the branch to send it to
    alert_type: str | None = var("CV")  # 3M extension, two digits: codes.alert_type() names it
    hold_patron_id: str | None = var("CY")  # 3M extension
    hold_patron_name: str | None = var("DA")  # 3M extension


@register
@dataclass(kw_only=True)
class RenewAllResponse(Message):
    """66: how many loans were renewed and which ones were not."""

    COMMAND, NAME = "66", "Renew All Response"
    ok: bool = fixed(OK, default=False)
    renewed_count: int | None = fixed(COUNT, default=0)
    unrenewed_count: int | None = fixed(COUNT, default=0)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    renewed_items: list[str] = var("BM", repeat=True)
    unrenewed_items: list[str] = var("BN", repeat=True)
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class ItemInformationResponse(Message):
    """18: the item's circulation status (01-13), title, due date and locations."""

    COMMAND, NAME = "18", "Item Information Response"
    circulation_status: int = fixed(coded(NUMBER2, CirculationStatus), default=1)  # 3 available ... 13 missing
    security_marker: int = fixed(coded(NUMBER2, SecurityMarker), default=0)
    fee_type: int = fixed(coded(NUMBER2, FeeType), default=1)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    hold_queue_length: str | None = var("CF")
    due_date: str | None = var("AH")
    recall_date: datetime | None = var("CJ", DATE)
    hold_pickup_date: datetime | None = var("CM", DATE)
    item_identifier: str = var("AB", required=True)
    title_identifier: str = var("AJ", required=True, default="")
    owner: str | None = var("BG")
    currency_type: str | None = var("BH")
    fee_amount: str | None = var("BV")
    media_type: str | None = var("CK")
    permanent_location: str | None = var("AQ")
    current_location: str | None = var("AP")
    item_properties: str | None = var("CH")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)
    collection_code: str | None = var("CR")  # 3M extension
    call_number: str | None = var("CS")  # 3M extension
    destination_location: str | None = var("CT")  # 3M extension
    hold_patron_id: str | None = var("CY")  # 3M extension
    hold_patron_name: str | None = var("DA")  # 3M extension


@register
@dataclass(kw_only=True)
class EndSessionResponse(Message):
    """36: the ACS ended the patron's session (N would be an error)."""

    COMMAND, NAME = "36", "End Session Response"
    end_session: bool = fixed(FLAG, default=True)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class FeePaidResponse(Message):
    """38: whether the payment was accepted."""

    COMMAND, NAME = "38", "Fee Paid Response"
    payment_accepted: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    transaction_id: str | None = var("BK")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class RequestSCResend(Message):
    """96: the ACS got a damaged message (bad checksum) and asks the SC to send it again."""

    COMMAND, NAME = "96", "Request SC Resend"


@register
@dataclass(kw_only=True)
class ItemStatusUpdateResponse(Message):
    """20: whether the item properties were stored."""

    COMMAND, NAME = "20", "Item Status Update Response"
    item_properties_ok: bool = fixed(STORED, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    item_identifier: str = var("AB", required=True)
    title_identifier: str | None = var("AJ")
    item_properties: str | None = var("CH")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class HoldResponse(Message):
    """16: whether the hold was placed, changed or cancelled, and where the patron stands in the queue."""

    COMMAND, NAME = "16", "Hold Response"
    ok: bool = fixed(OK, default=False)
    available: bool = fixed(FLAG, default=False)  # the item is on the shelf now
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    expiration_date: datetime | None = var("BW", DATE)
    queue_position: str | None = var("BR")
    pickup_location: str | None = var("BS")
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    item_identifier: str | None = var("AB")
    title_identifier: str | None = var("AJ")
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)


@register
@dataclass(kw_only=True)
class PatronEnableResponse(Message):
    """26: the patron's status after their card was enabled again."""

    COMMAND, NAME = "26", "Patron Enable Response"
    patron_status: str = fixed(text(14), default=" " * 14)
    language: str = fixed(text(3), default="000")
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    personal_name: str = var("AE", required=True, default="")
    valid_patron: bool | None = var("BL", FLAG)
    valid_patron_password: bool | None = var("CQ", FLAG)
    screen_messages: list[str] = var("AF", repeat=True)
    print_lines: list[str] = var("AG", repeat=True)
