"""Circulation rules as pure functions (no database): fines and refusals; due dates from protocol.calendar.

Overdue days are counted in OPEN days, as most school library systems do: a book due on Friday
and returned on Monday is one day late, not three, and nobody is fined for a winter break.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The calendar and due dates are shared with the kiosk (offline due dates): one implementation.
from protocol.calendar import (  # noqa: F401  (re-exported for central's modules)
    LibraryCalendar, due_date, last_open_day_on_or_before, next_open_day, overdue_days,
)


def fine_cents(days_late: int, cents_per_day: int, max_fine_cents: int) -> int:
    """The overdue fine: days late times the daily rate, never more than the maximum."""
    if days_late <= 0 or cents_per_day <= 0:
        return 0
    amount = days_late * cents_per_day
    return min(amount, max_fine_cents) if max_fine_cents > 0 else amount


@dataclass(frozen=True)
class PatronFacts:
    """What the rules need to know about a patron (None when the barcode or card is unknown)."""

    patron_id: int
    expires_on: date
    block_reason: str | None = None
    fines_total_cents: int = 0
    loans_count: int = 0
    loans_by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyFacts:
    """The loan policy for this patron type and item type."""

    loanable: bool = True
    loan_days: int = 14
    max_items: int = 2
    max_renewals: int = 1
    fine_cents_per_day: int = 0
    max_fine_cents: int = 0


@dataclass(frozen=True)
class ItemFacts:
    """What the rules need to know about an item and its current loan and holds."""

    item_type: str
    borrower_id: int | None = None       # patron with the open loan, if any
    renewals: int = 0                    # renewals already made on the open loan
    ready_hold_for: int | None = None    # patron this copy is set aside for, if any
    waiting_hold_patrons: frozenset[int] = frozenset()  # patrons waiting for this title


def patron_refusal(patron: PatronFacts | None, today: date, fines_block_cents: int) -> str | None:
    """Why this patron may not borrow at all (None when they may), checked in the fixed order."""
    if patron is None:
        return "patron_unknown"
    if patron.expires_on < today:
        return "card_expired"
    if patron.block_reason:
        return "patron_blocked"
    if patron.fines_total_cents > fines_block_cents:
        return "fines_over_limit"
    return None


def patron_item_limit(policies: list[PolicyFacts]) -> int:
    """The most items a patron may hold at once across all item types (the largest type limit)."""
    return max((p.max_items for p in policies if p.loanable), default=0)


def checkout_refusal(patron: PatronFacts | None, item: ItemFacts | None, policy: PolicyFacts | None,
                     *, today: date, fines_block_cents: int, total_limit: int) -> str | None:
    """Why this checkout is refused (None when allowed), in the order a librarian would check.

    The caller handles "already on loan to this same patron" as a renewal before asking this.
    Too many items counts all loans against ``total_limit`` and loans of this item type against
    the policy's own ``max_items`` (so a student may hold 3 books but only 1 DVD among them).
    """
    reason = patron_refusal(patron, today, fines_block_cents)
    if reason:
        return reason
    if item is None:
        return "item_unknown"
    if policy is None or not policy.loanable:
        # Reference books are "not loanable" by policy, so a library may still lend them to teachers.
        return "item_reference"
    if item.borrower_id is not None and item.borrower_id != patron.patron_id:
        return "item_on_loan"
    if item.ready_hold_for is not None and item.ready_hold_for != patron.patron_id:
        return "item_on_hold"
    if patron.loans_count >= total_limit or patron.loans_by_type.get(item.item_type, 0) >= policy.max_items:
        return "too_many_items"
    return None


def renew_refusal(patron: PatronFacts | None, item: ItemFacts | None, policy: PolicyFacts | None,
                  *, today: date, fines_block_cents: int) -> str | None:
    """Why this renewal is refused (None when allowed): patron blocks first, then the loan itself."""
    reason = patron_refusal(patron, today, fines_block_cents)
    if reason:
        return reason
    if item is None:
        return "item_unknown"
    if item.borrower_id != patron.patron_id:
        return "not_on_loan_to_patron"
    if policy is None or item.renewals >= policy.max_renewals:
        return "no_renewals_left"
    others_waiting = item.waiting_hold_patrons - {patron.patron_id}
    if others_waiting or (item.ready_hold_for is not None and item.ready_hold_for != patron.patron_id):
        return "item_on_hold_renewal"
    return None
