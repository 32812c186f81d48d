"""Discovery: finders that never raise, and a watcher that notices a real pty device come and go."""
from __future__ import annotations

import threading

from drivers.discovery import DeviceWatcher, FoundDevice, discover_all, problems, serial_ports, usb_devices, vendor_label


def test_given_this_machine_when_everything_is_discovered_then_a_list_comes_back_and_problems_are_sentences():
    """GIVEN whatever hardware (none, here) WHEN discover_all runs THEN a list of FoundDevice and readable problems."""
    found = discover_all()
    assert all(isinstance(d, FoundDevice) for d in found)
    assert all(isinstance(p, str) and p.endswith((".", ")")) for p in problems())
    assert isinstance(usb_devices(), list)


def test_given_known_vendor_ids_when_labelled_then_makers_and_kinds_are_named():
    """GIVEN Honeywell, Epson, ACS and an unknown id WHEN labelled THEN maker and kind guesses, unknown for the last."""
    assert vendor_label(0x0C2E) == ("Honeywell (Metrologic)", "scanner")
    assert vendor_label(0x04B8)[1] == "printer" and vendor_label(0x072F)[1] == "card_reader"
    assert vendor_label(0xBEEF) == ("", "unknown") and vendor_label(None) == ("", "unknown")


def test_given_a_stable_serial_link_when_listed_then_it_appears_with_a_serial_config_suggestion(socat_pair):
    """GIVEN a pty linked like /dev/serial/by-id WHEN serial ports are listed with that glob THEN it is offered."""
    found = {d.key: d for d in serial_ports([str(socat_pair.device)])}
    entry = found[str(socat_pair.device)]
    assert entry.bus == "serial" and entry.suggested == {"driver": "serial", "url": str(socat_pair.device)}


def test_given_a_watcher_when_a_device_is_plugged_and_unplugged_then_added_and_removed_are_reported(tmp_path):
    """GIVEN a watcher polling a by-id style glob WHEN a socat device appears and goes THEN added, then removed."""
    from tests.drivers.conftest import SocatPair

    changes: list[tuple[list, list]] = []
    changed = threading.Condition()

    def on_change(added, removed):
        with changed:
            changes.append(([d.key for d in added], [d.key for d in removed]))
            changed.notify_all()

    pattern = str(tmp_path / "usb-*-device")
    watcher = DeviceWatcher(on_change, interval=0.1, scan=lambda: serial_ports([pattern]), use_udev=True)
    watcher.start()
    pair = SocatPair(tmp_path, "usb-Honeywell_1450g")
    try:
        pair.plug()
        with changed:
            assert changed.wait_for(lambda: changes, timeout=5)
        assert changes[0] == ([str(pair.device)], [])
        pair.unplug()
        with changed:
            assert changed.wait_for(lambda: len(changes) >= 2, timeout=5)
        assert changes[1] == ([], [str(pair.device)])
    finally:
        pair.unplug()
        watcher.stop()


def test_given_a_scan_that_raises_when_watching_then_the_watcher_survives_and_reports_later_changes():
    """GIVEN a finder that fails once WHEN the watcher polls THEN it keeps going and reports the next change."""
    calls = {"n": 0}
    device = FoundDevice("usb:1:7", "usb", "printer", "Epson", 0x04B8, 0x0202)
    seen = threading.Event()

    def scan():
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("finder bug")
        return [device] if calls["n"] >= 3 else []

    watcher = DeviceWatcher(lambda added, removed: seen.set() if added == [device] else None,
                            interval=0.05, scan=scan, use_udev=False)
    watcher.start()
    try:
        assert seen.wait(5)
    finally:
        watcher.stop()
