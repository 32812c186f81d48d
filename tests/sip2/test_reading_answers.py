"""Reading the free-form parts of SIP2 answers as library systems write them: due dates, money, names, routing
words and 3M extension fields, and the refusal words of Koha, Evergreen, FOLIO and this project's server."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.backends.sip2.outcomes import checkin_outcome, routing
from kiosk.backends.sip2.refusals import checkout_refusal, patron_refusal_code, renew_refusal
from kiosk.backends.sip2.values import display_name, kiosk_language, parse_cents, parse_due_date
from protocol.sip2 import Codec

CODEC = Codec(error_detection=False)


@pytest.mark.parametrize("text, day", [
    ("20251020    235900", dt.date(2025, 10, 20)), ("20251020   Z235900", dt.date(2025, 10, 20)),
    ("2025-10-20", dt.date(2025, 10, 20)), ("2025-10-20 23:59:00", dt.date(2025, 10, 20)),
    ("10/20/2025", dt.date(2025, 10, 20)), ("20251020", dt.date(2025, 10, 20)),
    ("", None), ("                  ", None), ("soon", None), ("2025-13-40", None),
])
def test_due_dates_in_the_forms_systems_send(text, day):
    """GIVEN a due date as Koha (SIP2 form), Evergreen (ISO), Symphony (US) or nobody writes it WHEN read THEN the
    day is found, or None when there is none or it cannot be told."""
    assert parse_due_date(text) == day


@pytest.mark.parametrize("text, cents", [("1.50", 150), ("$1.50 Overdue: Holes", 150), ("2,25", 225),
                                         ("-0.50", -50), ("Holes 3.00", 300), ("", None), ("none", None)])
def test_money_in_cents(text, cents):
    """GIVEN amounts as systems write them WHEN read THEN they are cents."""
    assert parse_cents(text) == cents


@pytest.mark.parametrize("name, shown", [("Garcia, Maria", "Maria G."), ("Maria Garcia", "Maria G."),
                                         ("Núñez, José Ana", "José N."), ("Cher", "Cher"), ("  ", ""),
                                         ("Maria de la Cruz", "Maria C.")])
def test_names_become_first_name_and_last_initial(name, shown):
    """GIVEN a full name in either order WHEN shown THEN only the first name and the last initial remain."""
    assert display_name(name) == shown


def test_language_codes():
    """GIVEN SIP2 language codes WHEN read THEN English and Spanish (two codes each) are known, others default."""
    assert [kiosk_language(c) for c in ("001", "008", "021", "000", "003")] == ["en", "es", "es", "en", "en"]


@pytest.mark.parametrize("fields, expected", [
    ("CV01|", ("hold_shelf", "", True)),
    ("CV02|CTWest Branch|", ("transit", "West Branch", True)),
    ("CV04|CTEast Branch|", ("transit", "East Branch", False)),
    ("CLB3|", ("sort_bin", "B3", False)),
    ("", ("shelf", "", False)),
])
def test_checkin_routing_from_3m_extension_fields(fields, expected):
    """GIVEN checkin answers with the alert type (CV), destination (CT) or sort bin (CL) WHEN read THEN the routing is
    hold shelf, transit to the named branch, sort bin, or shelf."""
    answer = CODEC.decode(f"101YNN20251006    093000AOMAIN|AB31234000000016|AQMAIN|AJSharks|{fields}")
    assert routing(answer) == expected


def test_an_alert_with_nothing_more_goes_to_staff():
    """GIVEN a checkin answer with the alert set and no reason WHEN read THEN the book goes to staff."""
    answer = CODEC.decode("101YNY20251006    093000AOMAIN|AB31234000000016|AQMAIN|AFSee staff|")
    assert routing(answer)[0] == "staff"


def test_koha_says_not_checked_out_with_ok_0_and_it_is_still_a_return():
    """GIVEN Koha's answer to returning a book that was not out (ok 0, "Item not checked out") WHEN read THEN it is
    a return with was_on_loan False, not a refusal."""
    answer = CODEC.decode("100NNY20251006    093000AOMAIN|AB31234000000016|AQMAIN|AFItem not checked out|")
    outcome = checkin_outcome("e1", answer, "31234000000016", "en")
    assert outcome.ok and outcome.checkin.was_on_loan is False


@pytest.mark.parametrize("words, code", [
    ("Item is on hold for another patron", "item_on_hold"), ("Item checked out to another patron", "item_on_loan"),
    ("Patron has excessive fines", "fines_over_limit"), ("Patron card expired", "card_expired"),
    ("Patron is blocked", "patron_blocked"), ("Item not found", "item_unknown"), ("Invalid patron", "patron_unknown"),
    ("Item not for loan", "item_reference"), ("Patron has too many items checked out", "too_many_items"),
    ("Someone else has this book checked out. Please give it to a librarian.", "item_on_loan"),
    ("Computer says no", "system_refused"),
])
def test_checkout_refusal_words(words, code):
    """GIVEN a system's words for a refused checkout WHEN read THEN the kiosk's refusal code, with a sentence."""
    refusal = checkout_refusal(words, "es")
    assert refusal.code == code and refusal.message


@pytest.mark.parametrize("words, code", [("Renewal limit reached", "no_renewals_left"),
                                         ("Item is on hold for another patron", "item_on_hold_renewal"),
                                         ("Item not checked out to this patron", "not_on_loan_to_patron")])
def test_renew_refusal_words(words, code):
    """GIVEN a system's words for a refused renewal WHEN read THEN the kiosk's renewal refusal code."""
    assert renew_refusal(words, "en").code == code


def test_patron_status_flags_say_why_a_patron_may_not_borrow():
    """GIVEN patron status flags WHEN read THEN charge denied with fines is fines_over_limit, a lost card is blocked,
    and no flag means they may borrow."""
    assert patron_refusal_code(["charge_privileges_denied", "excessive_outstanding_fines"], "") == "fines_over_limit"
    assert patron_refusal_code(["card_reported_lost"], "") == "patron_blocked"
    assert patron_refusal_code([], "Welcome") is None
