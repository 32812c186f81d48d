"""The device manager's issue-3 duties: security bits only after the journal row is acked, multi-part
sets, scans with a problem, last scans masked, and one device restarted while the kiosk runs."""
from __future__ import annotations

import pytest

import dataclasses

from drivers.errors import TagError
from drivers.events import CardTap, ItemTag, StatusChanged, TagsChanged
from drivers.status import DeviceStatus
from kiosk.hardware.settings import DeviceSection
from kiosk.web.view import state_view
from tests.kiosk.fake_central import BOOK1, BOOK2, SAM


class RecordingPad:
    """An item pad that keeps tags and their security bits, and notes the journal's state at each set_security."""

    kind = "item_pad"

    def __init__(self, name, journal):
        self.name, self.journal = name, journal
        self.status = DeviceStatus.STOPPED
        self.calls: list[tuple[str, bool, str | None]] = []  # (uid, secured, the item's newest journal row state)
        self._tags: dict[str, ItemTag] = {}
        self._publish = None

    def start(self, publish):
        self._publish, self.status = publish, DeviceStatus.READY
        publish(StatusChanged(self.name, "ready", "recording pad"))

    def stop(self):
        self._publish, self.status = None, DeviceStatus.STOPPED

    def place(self, *tags):
        self._tags.update({tag.uid: tag for tag in tags})
        self._publish(TagsChanged(tuple(self._tags.values()), self.name))

    def remove(self, *uids):
        for uid in uids:
            self._tags.pop(uid)
        self._publish(TagsChanged(tuple(self._tags.values()), self.name))

    def tags(self):
        return tuple(self._tags.values())

    def set_security(self, uid, secured):
        tag = self._tags.get(uid)
        if tag is None:
            raise TagError("That item's tag is no longer on the pad; put the item back and try again.")
        rows = [("acked" if e.state == "delivered" and e.outcome.ok else e.state) for e in self.journal.recent(50)
                if e.event.request.item_barcode == tag.item_id]
        self.calls.append((uid, secured, rows[0] if rows else None))
        self._tags[uid] = dataclasses.replace(tag, secured=secured)


def recording_pad(kiosk) -> RecordingPad:
    pad = RecordingPad("item_pad", kiosk.journal)
    kiosk.devices.apply(DeviceSection("item_pad", "item_pad", "recording", {}), device=pad)
    return pad


def view(kiosk):
    return state_view(kiosk.session, kiosk.clock.now().date())


def test_given_a_checkout_from_the_pad_when_the_backend_says_yes_then_security_is_cleared_only_after_the_row_is_acked(kiosk, central):
    """GIVEN a signed-in student, WHEN a book is put on the pad, THEN its security is cleared once, when its
    journal row is already acked; WHEN it is returned on the pad, THEN security is set with that row acked too."""
    pad = recording_pad(kiosk)
    kiosk.session.scan(SAM)
    pad.place(ItemTag("E004000000000001", BOOK1))
    assert central.loans_of(SAM) == [BOOK1]
    assert pad.calls == [("E004000000000001", False, "acked")]
    pad.remove("E004000000000001")
    kiosk.session.set_mode("checkin")
    pad.place(ItemTag("E004000000000001", BOOK1, secured=False))
    assert pad.calls[1:] == [("E004000000000001", True, "acked")] and central.loans_of(SAM) == []


def test_given_the_backend_down_when_a_book_is_placed_then_security_follows_the_committed_offline_decision(
        kiosk, central):
    """GIVEN the library computer down, WHEN a book is placed, THEN the offline policy's yes is committed in the
    journal first and only then is the security cleared (the row still pending); WHEN the computer is back THEN
    the row is delivered and nothing is called twice."""
    pad = recording_pad(kiosk)
    kiosk.session.scan(SAM)
    central.go_down()
    pad.place(ItemTag("E004000000000002", BOOK2))
    assert pad.calls == [("E004000000000002", False, "pending")] and kiosk.journal.counts()["pending"] == 1
    assert kiosk.journal.get(kiosk.journal.pending()[0].event_id).decision.ok  # decided before the bit changed
    central.come_up()
    assert kiosk.sender.run_pass().delivered == 1
    assert len(pad.calls) == 1 and central.loans_of(SAM) == [BOOK2]


@pytest.fixture
def undecided_kiosk(tmp_path, central, clock):
    """A kiosk whose offline policy lends nothing (checkout_limit = 0): an unanswered checkout stays undecided."""
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    text = config_text(central.url, extra="\n[offline]\ncheckout_limit = 0\n")
    app = create_app(load_config(write_config(tmp_path, text), env=ENV), clock=clock, start_threads=False)
    yield app
    app.extensions["kiosk"].close()


def test_given_an_undecided_checkout_when_the_book_leaves_the_pad_before_the_ack_then_staff_are_told(
        undecided_kiosk, central):
    """GIVEN a checkout the server did not answer and the policy could not decide, WHEN the book is taken off the
    pad and the row is acked later, THEN no security call is made and the staff screen names the book that left
    with its security still on."""
    kiosk, client = undecided_kiosk.extensions["kiosk"], undecided_kiosk.test_client()
    pad = recording_pad(kiosk)
    kiosk.session.scan(SAM)
    central.go_down()
    pad.place(ItemTag("E004000000000002", BOOK2))
    assert pad.calls == [] and kiosk.journal.counts()["pending"] == 1
    pad.remove("E004000000000002")
    central.come_up()
    kiosk.sender.run_pass()
    assert pad.calls == [] and central.loans_of(SAM) == [BOOK2]
    client.post("/staff/unlock", data={"pin": "4321"})
    page = client.get("/staff/devices").get_data(as_text=True)
    assert f"Item {BOOK2} was checked out while the library computer was not answering" in page


def test_given_a_three_part_set_when_two_parts_are_on_the_pad_then_the_student_is_asked_for_the_rest(kiosk, central):
    """GIVEN a book with 3 parts, WHEN 2 are placed, THEN nothing is checked out and the screen asks for all
    parts; WHEN the third is added, THEN one checkout is made and all three tags are released."""
    pad = recording_pad(kiosk)
    kiosk.session.scan(SAM)
    parts = [ItemTag(f"E00400000000001{n}", BOOK1, part=n, parts=3) for n in (1, 2, 3)]
    pad.place(*parts[:2])
    assert view(kiosk)["notice"]["text"] == "This set has 2 of 3 parts. Please put all parts on the pad."
    assert central.loans_of(SAM) == [] and pad.calls == []
    pad.place(parts[2])
    assert central.loans_of(SAM) == [BOOK1]
    assert sorted(pad.calls) == [(p.uid, False, "acked") for p in parts]


def test_given_a_scan_with_a_problem_when_it_arrives_then_the_problem_shows_and_no_code_reaches_the_session(kiosk, central):
    """GIVEN a student signed in, WHEN the scanner reads half a barcode, THEN the screen says why in the screen's
    language (the kiosk's classifier's sentence), nothing is sent, and last scans keep it masked with its problem."""
    kiosk.session.scan(SAM)
    before = len(central.requests)
    kiosk.devices.simulated("scanner").simulate_scan("3123400")
    assert "14 digits" in view(kiosk)["notice"]["text"] and len(central.requests) == before
    kiosk.session.set_language("es")
    assert view(kiosk)["notice"]["text"].startswith("Un código de barras de la biblioteca tiene 14 dígitos; este tiene 7")
    record = kiosk.devices.scans.recent()[0]
    assert record["code"] == "***3400" and record["problem"] and record["source"] == "scanner"


def test_given_a_card_tap_when_listed_for_staff_then_only_the_last_four_characters_show(kiosk):
    """GIVEN a card tap and a garbled tap, WHEN listed, THEN the UIDs are masked and the garbled one has its problem."""
    kiosk.devices.simulated("card_reader").simulate_tap("04A1B2C3D4E5F6")
    kiosk.devices._publish(CardTap("", "card_reader", problem="The card reader sent something that is not a card number."))
    garbled, tap = kiosk.devices.scans.recent()
    assert (tap["code"], tap["kind"], tap["problem"]) == ("**********E5F6", "card", None)
    assert garbled["problem"].startswith("The card reader sent") and view(kiosk)["notice"]["level"] == "error"


def test_given_a_running_scanner_when_it_is_restarted_with_new_settings_then_only_it_changes_and_screens_hear(kiosk):
    """GIVEN the simulated scanner, WHEN it is replaced, THEN the old one is stopped, the new one is ready,
    the other devices are untouched, the SSE broker is told, and the old device's late words are ignored."""
    old, printer = kiosk.devices.simulated("scanner"), kiosk.devices.printer()
    heard = kiosk.broker.subscribe()
    kiosk.devices.apply(DeviceSection("scanner", "scanner", "simulated", {"driver": "simulated"}))
    new = kiosk.devices.simulated("scanner")
    assert new is not old and old.status == DeviceStatus.STOPPED and kiosk.devices.printer() is printer
    assert kiosk.devices.statuses()["scanner"]["status"] == "ready"
    assert "devices" in [heard.get_nowait()["topic"] for _ in range(heard.qsize())]
    kiosk.devices._publish(StatusChanged("scanner", "error", "old cable"), old)
    assert kiosk.devices.statuses()["scanner"]["status"] == "ready"
    assert kiosk.devices.restart("scanner") and not kiosk.devices.restart("nonesuch")
