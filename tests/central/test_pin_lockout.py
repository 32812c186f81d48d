"""PIN lockout: too many wrong PINs in a row lock PIN sign-in for a while, on SQLite and PostgreSQL."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import requests
import sqlalchemy as sa

from central.circulation import pin_lockout
from central.circulation.patrons import hash_pin
from central.store.models import LibrarySettings, Patron
from protocol.circulation import REFUSALS
from tests.central.library import CARD_UID, PIN

WRONG = "9753"


def _identify(kiosk, barcode: str, pin: str | None = WRONG, method: str = "typed", language: str | None = None):
    body = {"barcode": barcode, "method": method} if pin is None else {"barcode": barcode, "method": method,
                                                                         "pin": pin}
    return kiosk.post("/patrons/identify", body, language).get_json()


def _code(answer: dict) -> str | None:
    return (answer.get("refusal") or {}).get("code")


def _lock_out(kiosk, barcode: str, tries: int = 5) -> list[str | None]:
    return [_code(_identify(kiosk, barcode)) for _ in range(tries)]


def _pin_state(database, barcode: str) -> tuple[int, object]:
    with database.reader() as session:
        patron = session.scalars(sa.select(Patron).where(Patron.barcode == barcode)).one()
        return patron.pin_failures, patron.pin_locked_until


def _lockouts(database, barcode: str) -> int:
    with database.reader() as session:
        return session.scalar(sa.select(Patron.pin_lockouts).where(Patron.barcode == barcode))


def _set_lockout(database, max_failures: int, minutes: int) -> None:
    with database.writer() as session, session.begin():
        settings = session.scalars(sa.select(LibrarySettings)).one()
        settings.pin_max_failures, settings.pin_lockout_minutes = max_failures, minutes


def test_five_wrong_pins_in_a_row_lock_pin_sign_in(kiosk, library, database, clock):
    """GIVEN Sam has a PIN WHEN a wrong PIN is typed five times THEN the first four say pin_incorrect, the fifth
    says pin_locked in words a child understands, and even his right PIN is then refused for 15 minutes."""
    assert _lock_out(kiosk, library.sam) == ["pin_incorrect"] * 4 + ["pin_locked"]
    answer = _identify(kiosk, library.sam, PIN)
    assert answer["ok"] is False and "patron" not in answer
    assert answer["refusal"] == {"code": "pin_locked",
                                 "message": "Too many wrong tries. Please ask a librarian for help."}
    spanish = _identify(kiosk, library.sam, PIN, language="es")["refusal"]
    assert spanish["message"] == REFUSALS["pin_locked"]["es"] == "Demasiados intentos. Pide ayuda a un bibliotecario."
    failures, until = _pin_state(database, library.sam)
    assert failures == 0 and until == clock.now() + timedelta(minutes=15)


def test_the_lock_ends_on_its_own_when_the_time_is_up(kiosk, library, clock):
    """GIVEN Sam is locked out WHEN the clock moves to one second before the 15 minutes are up THEN he is still
    refused; WHEN it reaches 15 minutes THEN his right PIN works, and he has a fresh five tries again."""
    _lock_out(kiosk, library.sam)
    clock.advance(minutes=14, seconds=59)
    assert _code(_identify(kiosk, library.sam, PIN)) == "pin_locked"
    clock.advance(seconds=1)
    assert _identify(kiosk, library.sam, PIN)["ok"] is True
    assert _lock_out(kiosk, library.sam) == ["pin_incorrect"] * 4 + ["pin_locked"]


def test_a_wrong_pin_after_the_lock_ends_does_not_lock_again_at_once(kiosk, library, clock):
    """GIVEN Sam's lock has just ended WHEN he mistypes once THEN it is pin_incorrect, not another lock."""
    _lock_out(kiosk, library.sam)
    clock.advance(minutes=15)
    assert _code(_identify(kiosk, library.sam)) == "pin_incorrect"


def _lock_lengths(kiosk, database, barcode: str, clock, locks: int) -> list[timedelta]:
    """Lock the patron ``locks`` times in a row, waiting out each lock, and return how long each lasted."""
    lengths = []
    for _ in range(locks):
        assert _lock_out(kiosk, barcode)[-1] == "pin_locked"
        until = _pin_state(database, barcode)[1]
        lengths.append(until - clock.now())
        clock.moment = until  # the lock is over: the next wrong PINs count again
    return lengths


def test_each_lock_in_a_row_lasts_twice_as_long_up_to_a_day(kiosk, library, database, clock):
    """GIVEN someone keeps guessing Sam's PIN, waiting out each lock WHEN he is locked nine times in a row THEN the
    locks last 15, 30, 60 minutes and so on, doubling, until they stop growing at 24 hours."""
    minutes = [length / timedelta(minutes=1) for length in _lock_lengths(kiosk, database, library.sam, clock, 9)]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440, 1440]
    assert _lockouts(database, library.sam) == 9


def test_even_after_a_lock_ends_the_right_pin_is_refused_while_the_next_longer_lock_runs(kiosk, library, clock):
    """GIVEN Sam was locked, waited 15 minutes and was locked again WHEN 15 minutes pass THEN his right PIN is still
    refused (the second lock lasts 30), and at 30 minutes it works."""
    _lock_out(kiosk, library.sam)
    clock.advance(minutes=15)
    assert _lock_out(kiosk, library.sam)[-1] == "pin_locked"
    clock.advance(minutes=15)
    assert _code(_identify(kiosk, library.sam, PIN)) == "pin_locked"
    clock.advance(minutes=15)
    assert _identify(kiosk, library.sam, PIN)["ok"] is True


def test_a_right_pin_after_a_lock_brings_the_next_lock_back_to_the_base_length(kiosk, library, database, clock):
    """GIVEN Sam was locked twice in a row (15 then 30 minutes) WHEN his lock ends and he types his right PIN THEN
    the growth is forgotten: the next lock lasts 15 minutes again."""
    _lock_lengths(kiosk, database, library.sam, clock, 2)
    assert _identify(kiosk, library.sam, PIN)["ok"] is True
    assert _lockouts(database, library.sam) == 0
    assert _lock_lengths(kiosk, database, library.sam, clock, 1) == [timedelta(minutes=15)]


def test_scanning_the_card_does_not_forget_the_growth(kiosk, library, database, clock):
    """GIVEN Sam was locked once WHEN his lock ends and he signs in by scanning his card THEN the next lock still
    lasts 30 minutes: only a right PIN or staff prove the guessing was his own forgetting."""
    _lock_lengths(kiosk, database, library.sam, clock, 1)
    assert _identify(kiosk, library.sam, pin=None, method="scan")["ok"] is True
    assert _lock_lengths(kiosk, database, library.sam, clock, 1) == [timedelta(minutes=30)]


def test_lock_length_doubles_from_the_library_base_and_respects_a_longer_base():
    """GIVEN a base lock length WHEN the n-th lock in a row is measured THEN it doubles up to 24 hours; a base of 0
    still locks for a minute; a library base over a day is kept as it is; a huge count does not overflow."""
    assert [pin_lockout.lock_length(10, n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (10, 20, 40)]
    assert pin_lockout.lock_length(0, 1) == timedelta(minutes=1)
    assert pin_lockout.lock_length(600, 3) == timedelta(hours=24)
    assert pin_lockout.lock_length(2000, 5) == timedelta(minutes=2000)
    assert pin_lockout.lock_length(15, 10**6) == timedelta(hours=24)


def test_a_right_pin_starts_the_count_again(kiosk, library, database):
    """GIVEN four wrong PINs WHEN the right one is typed and then four more wrong ones THEN no lock: only wrong
    PINs IN A ROW count."""
    assert _lock_out(kiosk, library.sam, 4) == ["pin_incorrect"] * 4
    assert _identify(kiosk, library.sam, PIN)["ok"] is True
    assert _pin_state(database, library.sam) == (0, None)
    assert _lock_out(kiosk, library.sam, 4) == ["pin_incorrect"] * 4
    assert _pin_state(database, library.sam) == (4, None)


def test_a_locked_patron_can_still_scan_or_tap_their_own_card(kiosk, library):
    """GIVEN Sam is locked out WHEN his card is scanned or tapped without a PIN THEN he is identified (the card is
    the credential); WHEN his number is typed, or a PIN comes with the card THEN pin_locked."""
    _lock_out(kiosk, library.sam)
    assert _identify(kiosk, library.sam, pin=None, method="scan")["ok"] is True
    assert kiosk.post("/patrons/identify", {"card_uid": CARD_UID, "method": "tap"}).get_json()["ok"] is True
    assert _code(_identify(kiosk, library.sam, pin=None, method="typed")) == "pin_locked"
    with_pin = kiosk.post("/patrons/identify", {"card_uid": CARD_UID, "method": "tap", "pin": PIN}).get_json()
    assert _code(with_pin) == "pin_locked"


def test_the_lock_belongs_to_one_patron(kiosk, library, database):
    """GIVEN Sam is locked out and the teacher also has a PIN WHEN the teacher types hers THEN she signs in."""
    with database.writer() as session, session.begin():
        teacher = session.scalars(sa.select(Patron).where(Patron.barcode == library.teacher)).one()
        teacher.pin_hash = hash_pin("2468")
    _lock_out(kiosk, library.sam)
    assert _identify(kiosk, library.teacher, "2468")["ok"] is True
    assert _code(_identify(kiosk, library.teacher)) == "pin_incorrect"


def test_the_library_settings_choose_the_limit_and_the_lock_time(kiosk, library, database, clock):
    """GIVEN the library allows 3 tries and locks for 5 minutes WHEN 3 wrong PINs are typed THEN the third locks,
    and the right PIN works again after 5 minutes."""
    _set_lockout(database, max_failures=3, minutes=5)
    assert _lock_out(kiosk, library.sam, 3) == ["pin_incorrect", "pin_incorrect", "pin_locked"]
    clock.advance(minutes=4)
    assert _code(_identify(kiosk, library.sam, PIN)) == "pin_locked"
    clock.advance(minutes=1)
    assert _identify(kiosk, library.sam, PIN)["ok"] is True


def test_a_limit_of_zero_turns_the_lockout_off(kiosk, library, database):
    """GIVEN the library set the limit to 0 WHEN eight wrong PINs are typed THEN each is only pin_incorrect."""
    _set_lockout(database, max_failures=0, minutes=15)
    assert _lock_out(kiosk, library.sam, 8) == ["pin_incorrect"] * 8
    assert _identify(kiosk, library.sam, PIN)["ok"] is True


def test_one_log_line_per_lockout_with_the_barcode_masked(kiosk, library, caplog):
    """GIVEN five wrong PINs WHEN Sam is locked THEN exactly one lockout line is logged, with only the last four
    digits of his barcode, the kiosk, and neither his name nor any PIN."""
    caplog.set_level(logging.INFO, logger="central")
    _lock_out(kiosk, library.sam, 7)
    lines = [r.getMessage() for r in caplog.records if r.name == "central.pin_lockout"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("pin lockout patron=**********" + library.sam[-4:]) and "kiosk=k1" in lines[0]
    everything = caplog.text
    assert library.sam not in everything and "Okafor" not in everything and WRONG not in everything


def _wrong_pins_at_once(server: str, barcode: str, count: int) -> list[str]:
    start = threading.Barrier(count)
    codes: list[str] = []

    def send():
        start.wait(timeout=10)
        answer = requests.post(f"{server}/patrons/identify", timeout=30,
                               json={"barcode": barcode, "method": "typed", "pin": WRONG},
                               headers={"Authorization": "Bearer token-one"}).json()
        codes.append(answer["refusal"]["code"])

    threads = [threading.Thread(target=send) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(codes)


def test_two_wrong_pins_at_the_same_moment_count_as_two(server, library, database):
    """GIVEN two kiosks send a wrong PIN for Sam at the same moment, twice over, over real HTTP WHEN counted
    THEN the count is 2 and then 4 (none lost to the race), and one more wrong PIN locks him."""
    assert _wrong_pins_at_once(server, library.sam, 2) == ["pin_incorrect"] * 2
    assert _pin_state(database, library.sam) == (2, None)
    assert _wrong_pins_at_once(server, library.sam, 2) == ["pin_incorrect"] * 2
    assert _pin_state(database, library.sam) == (4, None)
    assert _wrong_pins_at_once(server, library.sam, 1) == ["pin_locked"]


def test_many_wrong_pins_at_once_lock_exactly_once(server, library, database, caplog):
    """GIVEN eight wrong PINs for Sam arrive at the same moment WHEN counted THEN exactly four are pin_incorrect,
    the fifth locks, the rest are refused as locked, and one lockout line is logged."""
    caplog.set_level(logging.INFO, logger="central")
    assert _wrong_pins_at_once(server, library.sam, 8) == ["pin_incorrect"] * 4 + ["pin_locked"] * 4
    failures, until = _pin_state(database, library.sam)
    assert failures == 0 and until is not None and _lockouts(database, library.sam) == 1
    assert len([r for r in caplog.records if r.name == "central.pin_lockout"]) == 1
