"""RFID item pads: the serial pad driver against the simulated pad, over a real socat pty pair."""
from __future__ import annotations

import pytest

from drivers.errors import DeviceUnavailable, TagError
from drivers.events import ItemTag, StatusChanged, TagsChanged
from drivers.iso28560 import AFI_CHECKED_OUT, AFI_SECURED, TagData
from drivers.pad_sim import PadSimulator
from drivers.registry import build_device
from drivers.simulated import SimulatedItemPad

BOOK = "E004010000000001"
CD = "E004010000000002"
DVD = "E004010000000003"


@pytest.fixture
def pad_rig(socat_pair, events):
    """A simulated pad on the peer end and the kiosk's pad driver on the device end, both running."""
    sim = PadSimulator(str(socat_pair.peer))
    sim.start()
    pad = build_device("item_pad", "pad", {"driver": "serial", "url": str(socat_pair.device), "poll_interval": 0.05})
    pad.start(events)
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", what="pad ready")
    yield sim, pad
    pad.stop()
    sim.stop()


def tags_event(events, predicate, what="tags"):
    return events.wait_for(lambda e: isinstance(e, TagsChanged) and predicate(e.tags), what=what)


def test_given_a_ready_pad_when_two_books_are_placed_then_tags_changed_lists_both_decoded(pad_rig, events):
    """GIVEN a pad WHEN two tagged books are placed THEN TagsChanged has both item ids, ISIL and security."""
    sim, pad = pad_rig
    sim.place(BOOK, TagData("31234000012345", "US-CA-LINCOLN"))
    sim.place(CD, TagData("31234000099999"), afi=AFI_CHECKED_OUT)
    event = tags_event(events, lambda tags: len(tags) == 2)
    by_uid = {t.uid: t for t in event.tags}
    assert (by_uid[BOOK].item_id, by_uid[BOOK].owner_library, by_uid[BOOK].secured) == (
        "31234000012345", "US-CA-LINCOLN", True)
    assert by_uid[CD].secured is False and by_uid[CD].error is None


def test_given_a_book_on_the_pad_when_it_is_lifted_then_tags_changed_is_empty(pad_rig, events):
    """GIVEN one book on the pad WHEN it is removed THEN a TagsChanged with no tags."""
    sim, pad = pad_rig
    sim.place(BOOK, TagData("31234000012345"))
    tags_event(events, lambda tags: len(tags) == 1)
    sim.remove(BOOK)
    tags_event(events, lambda tags: tags == ())
    assert pad.tags() == ()


def test_given_a_checkout_when_security_is_cleared_then_the_afi_on_the_tag_is_c2_and_back_to_07(pad_rig, events):
    """GIVEN a secured book WHEN set_security(False) then (True) THEN the tag's AFI is C2 then 07, events follow."""
    sim, pad = pad_rig
    sim.place(BOOK, TagData("31234000012345"))
    tags_event(events, lambda tags: len(tags) == 1 and tags[0].secured)
    pad.set_security(BOOK, secured=False)
    assert sim.afi(BOOK) == AFI_CHECKED_OUT
    assert pad.tags()[0].secured is False
    tags_event(events, lambda tags: len(tags) == 1 and not tags[0].secured)
    pad.set_security(BOOK, secured=True)
    assert sim.afi(BOOK) == AFI_SECURED


def test_given_a_book_lifted_before_security_is_written_then_tag_error_in_words(pad_rig, events):
    """GIVEN a book that left the pad WHEN set_security is called THEN TagError telling to put it back."""
    sim, pad = pad_rig
    with pytest.raises(TagError, match="no longer on the pad"):
        pad.set_security(DVD, secured=False)
    sim.place(BOOK, TagData("31234000012345"))
    sim.lock_afi(BOOK)
    with pytest.raises(TagError, match="locked"):
        pad.set_security(BOOK, secured=False)


def test_given_a_set_missing_a_part_when_placed_then_incomplete_sets_reports_the_missing_part(pad_rig, events):
    """GIVEN parts 1 and 3 of a 3-part kit WHEN placed THEN incomplete_sets says part 2 is missing."""
    sim, pad = pad_rig
    sim.place(BOOK, TagData("31234000055555", part=1, parts=3))
    sim.place(DVD, TagData("31234000055555", part=3, parts=3))
    event = tags_event(events, lambda tags: len(tags) == 2)
    [missing] = event.incomplete_sets()
    assert (missing.item_id, missing.parts, missing.present, missing.missing) == ("31234000055555", 3, (1, 3), (2,))
    sim.place(CD, TagData("31234000055555", part=2, parts=3))
    complete = tags_event(events, lambda tags: len(tags) == 3)
    assert complete.incomplete_sets() == ()


def test_given_a_malformed_tag_when_placed_then_it_is_listed_with_an_error_and_good_tags_still_read(pad_rig, events):
    """GIVEN a tag with garbage memory next to a good one WHEN placed THEN one tag has an error, the other decodes."""
    sim, pad = pad_rig
    sim.place(DVD, bytes([0x11, 0x40]) + b"\xff" * 10)  # says 64 bytes follow; the tag is smaller
    sim.place(BOOK, TagData("31234000012345"))
    event = tags_event(events, lambda tags: len(tags) == 2)
    by_uid = {t.uid: t for t in event.tags}
    assert by_uid[DVD].item_id is None and by_uid[DVD].error
    assert by_uid[BOOK].item_id == "31234000012345"
    sim.place(CD, b"\x00" * 16)  # a blank tag
    blank = tags_event(events, lambda tags: len(tags) == 3)
    assert "blank" in {t.uid: t for t in blank.tags}[CD].error


def test_given_line_noise_from_the_pad_when_polling_then_the_driver_keeps_working(pad_rig, events):
    """GIVEN garbage bytes on the pad's line WHEN the driver polls THEN tags are still read."""
    sim, pad = pad_rig
    sim.send_raw(b"\xff\xfe garbage \x00\n")
    sim.place(BOOK, TagData("31234000012345"))
    tags_event(events, lambda tags: len(tags) == 1 and tags[0].item_id == "31234000012345")


def test_given_a_pad_that_stops_answering_when_polling_then_disconnected_and_set_security_fails_cleanly(
        pad_rig, events):
    """GIVEN a hung pad WHEN a poll times out THEN DISCONNECTED; set_security raises DeviceUnavailable."""
    sim, pad = pad_rig
    sim.silent = True
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected", timeout=5)
    with pytest.raises(DeviceUnavailable):
        pad.set_security(BOOK, secured=False)
    events.clear()
    sim.silent = False
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", timeout=5)


def test_given_a_pad_unplugged_and_replugged_when_running_then_it_reconnects(socat_pair, events):
    """GIVEN a running pad WHEN its port disappears and returns THEN DISCONNECTED then READY with tags again."""
    sim = PadSimulator(str(socat_pair.peer))
    sim.place(BOOK, TagData("31234000012345"))
    sim.start()
    pad = build_device("item_pad", "pad", {"driver": "serial", "url": str(socat_pair.device), "poll_interval": 0.05})
    pad.start(events)
    try:
        tags_event(events, lambda tags: len(tags) == 1)
        sim.stop()
        socat_pair.unplug()
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected")
        tags_event(events, lambda tags: tags == ())  # nothing is claimed to be on a pad we cannot see
        events.clear()
        socat_pair.plug()
        sim = PadSimulator(str(socat_pair.peer))
        sim.place(BOOK, TagData("31234000012345"))
        sim.start()
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", timeout=3)
        tags_event(events, lambda tags: len(tags) == 1)
    finally:
        pad.stop()
        sim.stop()


def test_given_a_blank_tag_when_the_staff_station_writes_it_then_the_pad_reads_the_new_item(pad_rig, events):
    """GIVEN a blank tag WHEN write_tag() stores encoded data THEN the tag holds it and the next poll decodes it."""
    from drivers.iso28560 import encode

    sim, pad = pad_rig
    sim.place(CD, b"\x00" * 16)
    tags_event(events, lambda tags: len(tags) == 1 and tags[0].error)
    data = encode(TagData("31234000077777", "US-CA-LINCOLN"))
    pad.write_tag(CD, data)
    event = tags_event(events, lambda tags: len(tags) == 1 and tags[0].item_id == "31234000077777")
    assert event.tags[0].owner_library == "US-CA-LINCOLN"
    assert bytes(sim.tags[CD].memory).startswith(data)


def test_given_the_simulated_pad_when_security_is_set_for_a_missing_tag_then_tag_error():
    """GIVEN the in-process simulated pad WHEN set_security names a tag not on it THEN TagError, not KeyError."""
    pad = SimulatedItemPad("sim")
    pad.start(lambda e: None)
    pad.place([ItemTag(uid=BOOK, item_id="31234000012345")])
    pad.set_security(BOOK, False)
    assert pad.tags()[0].secured is False
    with pytest.raises(TagError):
        pad.set_security(DVD, False)


def test_given_a_command_that_timed_out_when_its_late_answer_arrives_then_the_next_command_does_not_take_it(
        socat_pair, events):
    """GIVEN set_security timed out on a slow pad WHEN the pad's late OK arrives and security is set again
    THEN that OK is not taken as the answer: a locked tag's refusal is reported, never a false success."""
    sim = PadSimulator(str(socat_pair.peer))
    sim.place(BOOK, TagData("31234000012345"))
    sim.start()
    # A long poll interval keeps the device thread out of the way after its first poll.
    pad = build_device("item_pad", "pad", {"driver": "serial", "url": str(socat_pair.device),
                                           "poll_interval": 10, "command_timeout": 0.3})
    pad.start(events)
    try:
        tags_event(events, lambda tags: len(tags) == 1)
        sim.lock_afi(BOOK)
        sim.silent = True
        with pytest.raises(DeviceUnavailable):
            pad.set_security(BOOK, secured=False)
        sim.silent = False
        sim.send_raw(b"OK\n")  # the late answer to the command that timed out
        with pytest.raises((TagError, DeviceUnavailable)):
            pad.set_security(BOOK, secured=False)
        assert sim.afi(BOOK) == AFI_SECURED
        assert pad.tags()[0].secured is True
    finally:
        pad.stop()
        sim.stop()
