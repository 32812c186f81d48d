"""NFC card readers through nfcpy's own stack, using its udp radio and a simulated card."""
from __future__ import annotations

import time

import pytest

from drivers.events import CardTap, StatusChanged
from drivers.nfc_sim import SimulatedCard
from drivers.registry import build_device


@pytest.fixture
def card():
    """A simulated ISO 14443 A card with a 7-byte UID, answering on a loopback UDP port."""
    sim = SimulatedCard("04A1B2C3D4E5F6")
    sim.start()
    yield sim
    sim.stop()


def start_reader(events, path, **settings):
    reader = build_device("card_reader", "desk", {"driver": "nfc", "path": path, "sense_interval": 0.02, **settings})
    reader.start(events)
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", what="reader ready")
    return reader


def requests_seen(card) -> int:
    return sum(1 for f in card.frames if f in ("106A 26", "106A 52"))


def _poll_until(condition, timeout=10.0):
    """Wait (bounded) until the simulated card has seen enough polls."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the reader stopped polling for cards")
        time.sleep(0.01)


def test_given_the_iso14443a_anticollision_transcript_when_a_reader_asks_then_the_card_answers_per_the_standard():
    """GIVEN a 7-byte UID card WHEN sent REQA, both cascade levels and selects THEN ATQA 4400, CT+BCC frames, SAKs."""
    sim = SimulatedCard("04A1B2C3D4E5F6", sak=0x20)
    try:
        level1 = bytes.fromhex("8804A1B2") + bytes([0x88 ^ 0x04 ^ 0xA1 ^ 0xB2])
        level2 = bytes.fromhex("C3D4E5F6") + bytes([0xC3 ^ 0xD4 ^ 0xE5 ^ 0xF6])
        assert sim.answer("106A", b"\x26") == bytes.fromhex("4400")
        assert sim.answer("106A", b"\x93\x20") == level1
        assert sim.answer("106A", b"\x93\x70" + level1) == b"\x04"  # cascade bit: UID not complete
        assert sim.answer("106A", b"\x95\x20") == level2
        assert sim.answer("106A", b"\x95\x70" + level2) == b"\x20"  # complete, ISO-DEP
        assert sim.answer("106A", b"\x95\x70" + level1) is None
    finally:
        sim.stop()


def test_given_a_card_on_the_reader_when_it_stays_there_then_one_card_tap_only(card, events):
    """GIVEN a reader WHEN a card is tapped and left on it for several polls THEN exactly one CardTap with its UID."""
    reader = start_reader(events, card.path, technologies=["iso14443a"])
    try:
        tap = events.wait_for(lambda e: isinstance(e, CardTap), timeout=10)
        assert (tap.uid, tap.technology, tap.problem, tap.source) == ("04A1B2C3D4E5F6", "iso14443a", None, "desk")
        _poll_until(lambda: requests_seen(card) >= 6)
        assert len(events.of(CardTap)) == 1
    finally:
        reader.stop()


def test_given_a_card_taken_away_when_it_is_tapped_again_after_the_window_then_a_second_tap(card, events):
    """GIVEN a short repeat window WHEN the card leaves for longer and comes back THEN two CardTaps."""
    reader = start_reader(events, card.path, technologies=["iso14443a"], repeat_window=0.2)
    try:
        events.wait_for(lambda e: isinstance(e, CardTap), timeout=10)
        card.present = False
        seen = requests_seen(card)
        _poll_until(lambda: requests_seen(card) >= seen + 2)  # each empty poll waits 1 s for an answer
        card.present = True
        assert [t.uid for t in events.wait_count(CardTap, 2, timeout=10)] == ["04A1B2C3D4E5F6"] * 2
    finally:
        reader.stop()


@pytest.mark.parametrize("uid, technology", [("11223344", "iso14443b"), ("0102030405060708", "felica"),
                                             ("04112233445566778899", "iso14443a")])
def test_given_type_b_felica_and_10_byte_cards_when_tapped_then_the_right_identifier_is_reported(uid, technology,
                                                                                                 events):
    """GIVEN ISO 14443 B, FeliCa and triple-size A cards WHEN tapped THEN the PUPI, IDm or 10-byte UID in hex."""
    sim = SimulatedCard(uid, technology)
    sim.start()
    reader = start_reader(events, sim.path, technologies=[technology])
    try:
        tap = events.wait_for(lambda e: isinstance(e, CardTap), timeout=10)
        assert (tap.uid, tap.technology) == (uid, technology)
    finally:
        reader.stop()
        sim.stop()


def test_given_a_random_uid_card_when_tapped_then_a_card_tap_with_a_problem(events):
    """GIVEN a phone presenting a random 4-byte UID (08...) WHEN tapped THEN CardTap.problem explains it."""
    sim = SimulatedCard("08123456")
    sim.start()
    reader = start_reader(events, sim.path, technologies=["iso14443a"])
    try:
        tap = events.wait_for(lambda e: isinstance(e, CardTap), timeout=10)
        assert tap.problem and "different number" in tap.problem
    finally:
        reader.stop()
        sim.stop()


def test_given_garbled_answers_when_polling_then_no_tap_and_a_clean_tap_afterwards(card, events):
    """GIVEN a card answering with noise WHEN polled THEN no CardTap; WHEN it answers properly THEN one CardTap."""
    card.garbled = True
    reader = start_reader(events, card.path, technologies=["iso14443a"])
    try:
        _poll_until(lambda: requests_seen(card) >= 3)
        assert events.of(CardTap) == [] and reader.running
        card.garbled = False
        tap = events.wait_for(lambda e: isinstance(e, CardTap), timeout=10)
        assert tap.uid == "04A1B2C3D4E5F6"
    finally:
        reader.stop()


def test_given_no_reader_at_the_path_when_started_then_disconnected_with_the_path_named(events):
    """GIVEN a USB reader that is not plugged in WHEN started THEN status DISCONNECTED naming the path."""
    reader = build_device("card_reader", "desk", {"driver": "nfc", "path": "usb:072f:2200"})
    reader.start(events)
    try:
        status = events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status in ("disconnected", "error"))
        assert status.status == "disconnected" and "usb:072f:2200" in status.detail
    finally:
        reader.stop()
