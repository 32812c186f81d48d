"""The SIP2 2.00 messages a self-check (SC) sends to the library system (ACS).

Attributes are in the spec's order: fixed-part fields first (positional, fixed width), then
variable fields by code. Required variable fields are always sent (empty if they have no value,
as the spec asks for an unused password); optional ones are sent only when not None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocol.sip2.base import Message, register
from protocol.sip2.codes import FeeType, HoldType, PaymentType
from protocol.sip2.dates import sip_now
from protocol.sip2.fields import DATE, DIGIT, FLAG, NUMBER2, coded, fixed, text, var


@register
@dataclass(kw_only=True)
class Login(Message):
    """93: the SC signs in to the ACS with its own user id and password."""

    COMMAND, NAME, RESPONSE = "93", "Login", "94"
    uid_algorithm: str = fixed(text(1), default="0")
    pwd_algorithm: str = fixed(text(1), default="0")
    login_user_id: str = var("CN", required=True)
    login_password: str = var("CO", required=True)
    location_code: str | None = var("CP")


@register
@dataclass(kw_only=True)
class SCStatus(Message):
    """99: the SC reports its status and asks for the ACS's (sent after login and as a heartbeat)."""

    COMMAND, NAME, RESPONSE = "99", "SC Status", "98"
    status_code: int = fixed(DIGIT, default=0)  # 0 ok, 1 printer out of paper, 2 about to shut down
    max_print_width: str = fixed(text(3), default="040")
    protocol_version: str = fixed(text(4), default="2.00")


@register
@dataclass(kw_only=True)
class PatronStatusRequest(Message):
    """23: is this patron valid, and may they borrow?"""

    COMMAND, NAME, RESPONSE = "23", "Patron Status Request", "24"
    language: str = fixed(text(3), default="000")
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str = var("AC", required=True, default="")
    patron_password: str = var("AD", required=True, default="")


@register
@dataclass(kw_only=True)
class PatronInformation(Message):
    """63: the patron's status plus counts, and optionally one list of items (see ``summary``)."""

    COMMAND, NAME, RESPONSE = "63", "Patron Information", "64"
    language: str = fixed(text(3), default="000")
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    summary: str = fixed(text(10), default=" " * 10)  # build with flags.summary_text()
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str | None = var("AC")
    patron_password: str | None = var("AD")
    start_item: str | None = var("BP")
    end_item: str | None = var("BQ")


@register
@dataclass(kw_only=True)
class Checkout(Message):
    """11: lend an item to a patron (``no_block`` with ``nb_due_date`` for offline checkouts sent later)."""

    COMMAND, NAME, RESPONSE = "11", "Checkout", "12"
    sc_renewal_policy: bool = fixed(FLAG, default=False)
    no_block: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    nb_due_date: datetime | None = fixed(DATE, default=None)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    item_identifier: str = var("AB", required=True)
    terminal_password: str = var("AC", required=True, default="")
    item_properties: str | None = var("CH")
    patron_password: str | None = var("AD")
    fee_acknowledged: bool | None = var("BO", FLAG)
    cancel: bool | None = var("BI", FLAG)


@register
@dataclass(kw_only=True)
class Checkin(Message):
    """09: return an item (``return_date`` may be earlier than the transaction for a book drop)."""

    COMMAND, NAME, RESPONSE = "09", "Checkin", "10"
    no_block: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    return_date: datetime | None = fixed(DATE, default_factory=sip_now)
    current_location: str = var("AP", required=True, default="")
    institution_id: str = var("AO", required=True, default="")
    item_identifier: str = var("AB", required=True)
    terminal_password: str = var("AC", required=True, default="")
    item_properties: str | None = var("CH")
    cancel: bool | None = var("BI", FLAG)


@register
@dataclass(kw_only=True)
class Renew(Message):
    """29: renew one loan, named by item identifier (or title identifier)."""

    COMMAND, NAME, RESPONSE = "29", "Renew", "30"
    third_party_allowed: bool = fixed(FLAG, default=False)
    no_block: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    nb_due_date: datetime | None = fixed(DATE, default=None)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    patron_password: str | None = var("AD")
    item_identifier: str | None = var("AB")
    title_identifier: str | None = var("AJ")
    terminal_password: str | None = var("AC")
    item_properties: str | None = var("CH")
    fee_acknowledged: bool | None = var("BO", FLAG)


@register
@dataclass(kw_only=True)
class RenewAll(Message):
    """65: renew every loan the patron has."""

    COMMAND, NAME, RESPONSE = "65", "Renew All", "66"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    patron_password: str | None = var("AD")
    terminal_password: str | None = var("AC")
    fee_acknowledged: bool | None = var("BO", FLAG)


@register
@dataclass(kw_only=True)
class ItemInformation(Message):
    """17: what is this item, and where is it (title, status, due date)?"""

    COMMAND, NAME, RESPONSE = "17", "Item Information", "18"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    item_identifier: str = var("AB", required=True)
    terminal_password: str | None = var("AC")


@register
@dataclass(kw_only=True)
class EndPatronSession(Message):
    """35: the patron has finished at the self-check."""

    COMMAND, NAME, RESPONSE = "35", "End Patron Session", "36"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str | None = var("AC")
    patron_password: str | None = var("AD")


@register
@dataclass(kw_only=True)
class FeePaid(Message):
    """37: the patron paid a fee (fee type and payment type are the spec's two-digit enumerations)."""

    COMMAND, NAME, RESPONSE = "37", "Fee Paid", "38"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    fee_type: int = fixed(coded(NUMBER2, FeeType), default=1)
    payment_type: int = fixed(coded(NUMBER2, PaymentType), default=0)
    currency_type: str = fixed(text(3), default="USD")
    fee_amount: str = var("BV", required=True)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str | None = var("AC")
    patron_password: str | None = var("AD")
    fee_identifier: str | None = var("CG")
    transaction_id: str | None = var("BK")


@register
@dataclass(kw_only=True)
class RequestACSResend(Message):
    """97: the SC got a damaged message (bad checksum) and asks the ACS to send it again."""

    COMMAND, NAME = "97", "Request ACS Resend"


@register
@dataclass(kw_only=True)
class BlockPatron(Message):
    """01: block the patron's card (for example a card reported stolen and retained)."""

    COMMAND, NAME, RESPONSE = "01", "Block Patron", "24"
    card_retained: bool = fixed(FLAG, default=False)
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    blocked_card_message: str = var("AL", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str = var("AC", required=True, default="")


@register
@dataclass(kw_only=True)
class ItemStatusUpdate(Message):
    """19: store item properties (weight, security marker...) on the ACS."""

    COMMAND, NAME, RESPONSE = "19", "Item Status Update", "20"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    item_identifier: str = var("AB", required=True)
    terminal_password: str | None = var("AC")
    item_properties: str = var("CH", required=True)


@register
@dataclass(kw_only=True)
class Hold(Message):
    """15: place (+), cancel (-) or change (*) a hold for a patron on an item or title."""

    COMMAND, NAME, RESPONSE = "15", "Hold", "16"
    hold_mode: str = fixed(text(1), default="+")  # codes.HoldMode: + add, - delete, * change
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    expiration_date: datetime | None = var("BW", DATE)
    pickup_location: str | None = var("BS")
    hold_type: int | None = var("BY", coded(DIGIT, HoldType))
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    patron_password: str | None = var("AD")
    item_identifier: str | None = var("AB")
    title_identifier: str | None = var("AJ")
    terminal_password: str | None = var("AC")
    fee_acknowledged: bool | None = var("BO", FLAG)


@register
@dataclass(kw_only=True)
class PatronEnable(Message):
    """25: re-enable a patron's card that the SC blocked (01) by mistake."""

    COMMAND, NAME, RESPONSE = "25", "Patron Enable", "26"
    transaction_date: datetime | None = fixed(DATE, default_factory=sip_now)
    institution_id: str = var("AO", required=True, default="")
    patron_identifier: str = var("AA", required=True)
    terminal_password: str | None = var("AC")
    patron_password: str | None = var("AD")
