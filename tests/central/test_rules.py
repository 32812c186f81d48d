"""The pure circulation rules: due dates, overdue days, fines, and the refusal order."""
from __future__ import annotations

from datetime import date

import pytest

from central.circulation import rules

HOLIDAYS = frozenset({date(2025, 10, 13), date(2025, 11, 26), date(2025, 11, 27), date(2025, 11, 28)})
CAL = rules.LibraryCalendar(closed_days=HOLIDAYS, term_end=date(2026, 6, 12))
TODAY = date(2025, 10, 6)  # a Monday
POLICY = rules.PolicyFacts(loanable=True, loan_days=14, max_items=3, max_renewals=1)


def patron(**changes) -> rules.PatronFacts:
    values = dict(patron_id=1, expires_on=date(2026, 8, 31))
    values.update(changes)
    return rules.PatronFacts(**values)


def item(**changes) -> rules.ItemFacts:
    values = dict(item_type="book")
    values.update(changes)
    return rules.ItemFacts(**values)


def checkout(p=None, i=None, policy=POLICY, total_limit=3, fines_block=500):
    return rules.checkout_refusal(p, i, policy, today=TODAY, fines_block_cents=fines_block, total_limit=total_limit)


def test_due_date_on_an_open_day_is_kept():
    """GIVEN a Monday checkout for 14 days WHEN the due date is computed THEN it is the Monday two weeks on."""
    assert rules.due_date(CAL, TODAY, 14) == date(2025, 10, 20)


def test_due_date_on_a_weekend_moves_forward_past_it():
    """GIVEN a loan that would fall due on a Saturday WHEN computed THEN it moves to the next open day (Monday 13 is a holiday)."""
    assert rules.due_date(CAL, date(2025, 10, 1), 10) == date(2025, 10, 14)  # Sat 11 -> Mon 13 closed -> Tue 14


def test_due_date_skips_a_holiday_after_a_weekend():
    """GIVEN a due date on a Saturday before a Monday holiday WHEN computed THEN it is the Tuesday after."""
    assert rules.due_date(CAL, date(2025, 10, 4), 7) == date(2025, 10, 14)


def test_due_date_skips_thanksgiving_break():
    """GIVEN a loan falling due on Thanksgiving WHEN computed THEN it moves past the break and the weekend."""
    assert rules.due_date(CAL, date(2025, 11, 13), 14) == date(2025, 12, 1)


def test_due_date_is_capped_at_term_end():
    """GIVEN a loan made two days before term end WHEN computed THEN it is due on the last day of term."""
    assert rules.due_date(CAL, date(2026, 6, 10), 14) == date(2026, 6, 12)


def test_term_end_cap_on_a_closed_day_moves_back():
    """GIVEN a term ending on a Saturday WHEN a loan would run past it THEN it is due the Friday before."""
    calendar = rules.LibraryCalendar(term_end=date(2026, 6, 13))
    assert rules.due_date(calendar, date(2026, 6, 8), 14) == date(2026, 6, 12)


def test_loans_made_after_term_end_are_not_capped():
    """GIVEN a summer checkout after term end WHEN computed THEN the normal loan period applies."""
    assert rules.due_date(CAL, date(2026, 6, 22), 14) == date(2026, 7, 6)


def test_a_calendar_with_no_open_day_is_reported_in_words():
    """GIVEN a library closed every day of the week WHEN a due date is asked THEN the error says why."""
    with pytest.raises(ValueError, match="no open day"):
        rules.due_date(rules.LibraryCalendar(closed_weekdays=frozenset(range(7))), TODAY, 14)


def test_overdue_days_count_only_open_days():
    """GIVEN a book due Friday 10 Oct returned Tuesday 14 Oct (weekend + holiday between) THEN it is 1 day late."""
    assert rules.overdue_days(CAL, date(2025, 10, 10), date(2025, 10, 14)) == 1


def test_returned_on_or_before_due_date_is_not_overdue():
    """GIVEN a book returned on its due date THEN it is 0 days late."""
    assert rules.overdue_days(CAL, date(2025, 10, 10), date(2025, 10, 10)) == 0
    assert rules.overdue_days(CAL, date(2025, 10, 10), date(2025, 10, 1)) == 0


@pytest.mark.parametrize("days,per_day,cap,expected", [(0, 10, 100, 0), (3, 10, 100, 30), (30, 10, 100, 100),
                                                       (5, 0, 100, 0), (5, 10, 0, 50)])
def test_fine_is_days_times_rate_capped(days, per_day, cap, expected):
    """GIVEN days late, a daily rate and a maximum THEN the fine is the product, never above the maximum."""
    assert rules.fine_cents(days, per_day, cap) == expected


def test_checkout_allowed_when_nothing_is_wrong():
    """GIVEN a valid patron and an available book THEN there is no refusal."""
    assert checkout(patron(), item()) is None


@pytest.mark.parametrize("p,i,policy,expected", [
    (None, None, POLICY, "patron_unknown"),
    (patron(expires_on=date(2025, 6, 30), block_reason="x", fines_total_cents=900), None, POLICY, "card_expired"),
    (patron(block_reason="Lost book", fines_total_cents=900), None, POLICY, "patron_blocked"),
    (patron(fines_total_cents=501), None, POLICY, "fines_over_limit"),
    (patron(), None, POLICY, "item_unknown"),
    (patron(), item(item_type="reference", borrower_id=2), rules.PolicyFacts(loanable=False), "item_reference"),
    (patron(), item(), rules.PolicyFacts(loanable=False), "item_reference"),
    (patron(), item(), None, "item_reference"),
    (patron(), item(borrower_id=2, ready_hold_for=3), POLICY, "item_on_loan"),
    (patron(loans_count=3), item(ready_hold_for=3), POLICY, "item_on_hold"),
    (patron(loans_count=3), item(), POLICY, "too_many_items"),
])
def test_checkout_refusals_come_in_the_fixed_order(p, i, policy, expected):
    """GIVEN a patron/item with one or more problems THEN the FIRST problem in the fixed order is reported."""
    assert checkout(p, i, policy) == expected


def test_fines_exactly_at_the_limit_do_not_block():
    """GIVEN fines equal to the block limit THEN checkout is allowed (only fines OVER the limit block)."""
    assert checkout(patron(fines_total_cents=500), item()) is None


def test_per_type_limit_refuses_a_second_dvd():
    """GIVEN a student with one DVD out and a 1-DVD policy WHEN checking out another DVD THEN too many items."""
    dvd_policy = rules.PolicyFacts(loan_days=3, max_items=1)
    assert checkout(patron(loans_count=1, loans_by_type={"dvd": 1}), item(item_type="dvd"), dvd_policy) == \
        "too_many_items"


def test_a_ready_hold_for_this_patron_allows_checkout():
    """GIVEN a copy set aside for this very patron THEN they may check it out."""
    assert checkout(patron(), item(ready_hold_for=1)) is None


def test_patron_item_limit_is_the_largest_loanable_type_limit():
    """GIVEN policies with limits 3, 1 and a non-loanable 0 THEN the patron's overall limit is 3."""
    policies = [rules.PolicyFacts(max_items=3), rules.PolicyFacts(max_items=1),
                rules.PolicyFacts(loanable=False, max_items=9)]
    assert rules.patron_item_limit(policies) == 3


def renew(p, i, policy=POLICY):
    return rules.renew_refusal(p, i, policy, today=TODAY, fines_block_cents=500)


@pytest.mark.parametrize("p,i,expected", [
    (patron(), item(borrower_id=1), None),
    (None, item(borrower_id=1), "patron_unknown"),
    (patron(block_reason="x"), item(borrower_id=1), "patron_blocked"),
    (patron(), None, "item_unknown"),
    (patron(), item(borrower_id=2), "not_on_loan_to_patron"),
    (patron(), item(), "not_on_loan_to_patron"),
    (patron(), item(borrower_id=1, renewals=1, waiting_hold_patrons=frozenset({5})), "no_renewals_left"),
    (patron(), item(borrower_id=1, waiting_hold_patrons=frozenset({5})), "item_on_hold_renewal"),
    (patron(), item(borrower_id=1, waiting_hold_patrons=frozenset({1})), None),
])
def test_renew_refusals(p, i, expected):
    """GIVEN a renewal with a given problem THEN the matching refusal (or none) is returned."""
    assert renew(p, i) == expected
