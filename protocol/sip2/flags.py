"""The positional Y/blank strings inside SIP2 messages, by name instead of by position.

* patron status (14 positions, Patron Status and Patron Information responses): a Y means the
  condition is true, a blank that it is not;
* summary (10 positions, Patron Information): a Y asks for the detailed list of one category;
* supported messages (BX, ACS Status): Y / N per message pair.
"""
from __future__ import annotations

from collections.abc import Iterable

PATRON_STATUS_FLAGS = (
    "charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
    "hold_privileges_denied", "card_reported_lost", "too_many_items_charged", "too_many_items_overdue",
    "too_many_renewals", "too_many_claims_of_items_returned", "too_many_items_lost",
    "excessive_outstanding_fines", "excessive_outstanding_fees", "recall_overdue", "too_many_items_billed",
)

# Summary positions name the item list of the Patron Information Response they ask for. The spec
# defines six and reserves the last four; they are named so a Y there is read and written by name.
SUMMARY_LISTS = ("hold_items", "overdue_items", "charged_items", "fine_items", "recall_items",
                 "unavailable_hold_items", "reserved_7", "reserved_8", "reserved_9", "reserved_10")
SUMMARY_WIDTH = 10

SUPPORTED_MESSAGES = (
    "patron_status", "checkout", "checkin", "block_patron", "sc_acs_status", "resend", "login",
    "patron_information", "end_patron_session", "fee_paid", "item_information", "item_status_update",
    "patron_enable", "hold", "renew", "renew_all",
)


def _positions(names: Iterable[str], table: tuple[str, ...], what: str) -> set[int]:
    wanted = set(names)
    unknown = wanted - set(table)
    if unknown:
        raise ValueError(f"Unknown {what}: {', '.join(sorted(unknown))}. Known: {', '.join(table)}.")
    return {table.index(name) for name in wanted}


def patron_status_text(*conditions: str) -> str:
    """The 14-character patron status with a Y at each named condition, blanks elsewhere."""
    marked = _positions(conditions, PATRON_STATUS_FLAGS, "patron status condition")
    return "".join("Y" if i in marked else " " for i in range(len(PATRON_STATUS_FLAGS)))


def patron_status_conditions(text: str) -> list[str]:
    """The named conditions that are true (Y) in a received 14-character patron status."""
    # Some servers mark "true" with other letters; only Y is defined, blank/N/space are false.
    return [name for name, char in zip(PATRON_STATUS_FLAGS, text) if char in "Yy"]


def summary_text(item_list: str | None = None) -> str:
    """The 10-character summary asking for one item list ('charged_items', ...) or none."""
    marked = _positions([item_list] if item_list else [], SUMMARY_LISTS, "item list")
    return "".join("Y" if i in marked else " " for i in range(SUMMARY_WIDTH))


def summary_lists(text: str) -> list[str]:
    """The item lists a received summary asks for (the spec says one at a time; all are returned)."""
    return [name for name, char in zip(SUMMARY_LISTS, text) if char in "Yy"]


def supported_messages_text(*names: str) -> str:
    """The 16-character BX value with Y for each named message pair and N for the rest."""
    marked = _positions(names, SUPPORTED_MESSAGES, "message pair")
    return "".join("Y" if i in marked else "N" for i in range(len(SUPPORTED_MESSAGES)))


def supported_messages(text: str) -> list[str]:
    """The message pairs a received BX value says the ACS supports."""
    return [name for name, char in zip(SUPPORTED_MESSAGES, text) if char in "Yy"]
