"""SIP2 18-character dates to and from datetime."""
from datetime import datetime, timedelta, timezone

import pytest

from protocol.sip2.dates import format_sip_date, parse_sip_date, sip_now
from protocol.sip2.errors import DateError


def test_given_a_local_time_date_when_parsed_then_a_naive_datetime_comes_back_and_formats_the_same():
    """GIVEN "20240915    143005" (blank zone = local) WHEN parsed THEN a naive datetime that formats back."""
    value = parse_sip_date("20240915    143005")
    assert value == datetime(2024, 9, 15, 14, 30, 5)
    assert value.tzinfo is None
    assert format_sip_date(value) == "20240915    143005"


@pytest.mark.parametrize("zone", ["   Z", "UTC ", " UTC", " GMT", "   z"])
def test_given_a_universal_time_zone_however_written_when_parsed_then_the_datetime_is_utc(zone):
    """GIVEN the zone written as the spec's Z or as servers send it WHEN parsed THEN it is UTC."""
    value = parse_sip_date(f"20240915{zone}143005")
    assert value == datetime(2024, 9, 15, 14, 30, 5, tzinfo=timezone.utc)
    assert value.utcoffset() == timedelta(0)


def test_given_the_spec_q_letter_for_atlantic_standard_time_when_parsed_then_the_offset_is_minus_four_hours():
    """GIVEN "   Q" (the spec's example) WHEN parsed THEN the time is four hours behind UTC."""
    assert parse_sip_date("20240101   Q120000").utcoffset() == timedelta(hours=-4)


def test_given_an_aware_datetime_when_formatted_then_it_is_written_in_universal_time_with_z():
    """GIVEN 10:00 at UTC-5 WHEN formatted THEN it is 15:00 with the Z zone, and parses to the same instant."""
    value = datetime(2024, 3, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    text = format_sip_date(value)
    assert text == "20240301   Z150000"
    assert parse_sip_date(text) == value


@pytest.mark.parametrize("text", [" " * 18, "0" * 18])
def test_given_an_all_blank_or_all_zero_date_when_parsed_then_it_means_no_date(text):
    """GIVEN the blank nb due date of an online checkout (or the zero 'unsupported' date) WHEN parsed THEN None."""
    assert parse_sip_date(text) is None


def test_given_no_date_when_formatted_then_eighteen_blanks_are_written():
    """GIVEN None WHEN formatted THEN 18 blanks, as the spec writes an unused date."""
    assert format_sip_date(None) == " " * 18


@pytest.mark.parametrize("text, words", [
    ("20240230    120000", "not a real calendar date"),
    ("20240101    250000", "not a real calendar date"),
    ("2024-01-01  120000", "YYYYMMDDZZZZHHMMSS"),
    ("2024010\u00b2    120000", "YYYYMMDDZZZZHHMMSS"),
    ("20240101 XYZ120000", "time zone"),
    ("20240101    1200", "18 characters"),
])
def test_given_a_bad_date_when_parsed_then_a_date_error_says_what_is_wrong(text, words):
    """GIVEN an impossible or misshapen date WHEN parsed THEN DateError with words a person can act on."""
    with pytest.raises(DateError, match=words):
        parse_sip_date(text)


def test_given_the_clock_when_sip_now_is_asked_then_it_is_local_time_to_the_second():
    """GIVEN the clock WHEN sip_now() THEN a naive datetime with no microseconds, which survives formatting."""
    now = sip_now()
    assert now.tzinfo is None and now.microsecond == 0
    assert parse_sip_date(format_sip_date(now)) == now
