"""Serial barcode scanners through a real socat pty pair: scans, noise, unplug and replug."""
from __future__ import annotations

import pytest

from drivers.events import CardTap, Scan, StatusChanged
from drivers.registry import build_device
from drivers.scanner_serial import SerialScanner
from drivers.status import DeviceStatus
from protocol.identifiers import make_library_barcode

ITEM = make_library_barcode("3", 1234, 12345)
PATRON = make_library_barcode("2", 1234, 777)


@pytest.fixture
def scanner(socat_pair, events):
    """A started serial scanner on the socat pair's device end."""
    device = SerialScanner("front", url=str(socat_pair.device), suffix="\r", inter_char_timeout=0.3)
    device.start(events)
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", what="ready status")
    yield device
    device.stop()


def scans(events):
    return events.of(Scan)


def test_given_a_ready_scanner_when_an_item_barcode_ends_with_cr_then_a_valid_item_scan_is_published(
        socat_pair, scanner, events):
    """GIVEN a serial scanner WHEN it sends an item barcode and CR THEN one Scan of that code, no problem."""
    socat_pair.write(ITEM.encode() + b"\r")
    scan = events.wait_for(lambda e: isinstance(e, Scan))
    assert (scan.code, scan.problem, scan.source) == (ITEM, None, "front")


def test_given_aim_identifiers_when_scans_arrive_then_the_identifier_is_stripped_and_reported(
        socat_pair, scanner, events):
    """GIVEN a scanner sending AIM ids WHEN ]C0 and ]E0 codes arrive THEN codes are clean and symbologies named."""
    socat_pair.write(b"]C0" + PATRON.encode() + b"\r\n]E09780306406157\r\n")
    first, second = events.wait_count(Scan, 2)
    assert (first.code, first.symbology) == (PATRON, "code128")
    assert (second.code, second.symbology) == ("9780306406157", "ean13")


def test_given_a_scan_split_across_writes_when_the_pieces_arrive_quickly_then_one_scan_results(
        socat_pair, scanner, events):
    """GIVEN a barcode sent in three pieces WHEN they arrive within the timeout THEN one whole scan."""
    for piece in (ITEM[:5], ITEM[5:11], ITEM[11:] + "\r"):
        socat_pair.write(piece.encode())
    scan = events.wait_for(lambda e: isinstance(e, Scan))
    assert scan.code == ITEM and scan.problem is None


def test_given_a_wrong_check_digit_when_scanned_then_the_driver_reports_it_as_read_for_the_kiosk_to_judge(
        socat_pair, scanner, events):
    """GIVEN a misprinted label WHEN scanned THEN the Scan carries the code as read (the kiosk checks the digit with
    its own rules) and the next scan comes through too; a line with a space in it is the driver's own problem."""
    bad = ITEM[:-1] + str((int(ITEM[-1]) + 1) % 10)
    socat_pair.write(bad.encode() + b"\r" + ITEM.encode() + b"\r" + b"31 234\r")
    bad_scan, good_scan, spaced = events.wait_count(Scan, 3)
    assert bad_scan.code == bad and bad_scan.problem is None
    assert good_scan.code == ITEM and good_scan.problem is None
    assert spaced.problem and "spaces" in spaced.problem


def test_given_binary_garbage_when_it_arrives_then_no_scan_but_a_status_detail_and_the_next_scan_works(
        socat_pair, scanner, events):
    """GIVEN line noise (wrong baud rate) WHEN it arrives THEN no Scan, a status detail, and later scans work."""
    socat_pair.write(b"\x00\xff\xfe\x81\x92\r")
    detail = events.wait_for(lambda e: isinstance(e, StatusChanged) and "unreadable" in e.detail)
    assert detail.status == "ready"
    socat_pair.write(ITEM.encode() + b"\r")
    scan = events.wait_for(lambda e: isinstance(e, Scan))
    assert scan.code == ITEM and len(scans(events)) == 1


def test_given_half_a_barcode_when_the_scanner_falls_silent_then_it_is_discarded_after_the_timeout(
        socat_pair, scanner, events):
    """GIVEN half a barcode WHEN nothing follows for the inter-character timeout THEN a problem scan, then a clean scan."""
    socat_pair.write(ITEM[:6].encode())
    partial = events.wait_for(lambda e: isinstance(e, Scan))
    assert partial.problem and "part of a barcode" in partial.problem
    socat_pair.write(ITEM.encode() + b"\r")
    good = events.wait_for(lambda e: isinstance(e, Scan) and e.problem is None)
    assert good.code == ITEM  # the old half did not stick to the front of the new scan


def test_given_a_10000_character_line_when_it_arrives_then_it_is_discarded_with_a_clear_detail(
        socat_pair, scanner, events):
    """GIVEN a 10,000-character line WHEN it arrives THEN it is discarded whole, status says so, scanning continues."""
    socat_pair.write(b"7" * 10_000 + b"\r")
    detail = events.wait_for(lambda e: isinstance(e, StatusChanged) and "Discarded" in e.detail)
    assert "10000 characters" in detail.detail
    socat_pair.write(ITEM.encode() + b"\r")
    good = events.wait_for(lambda e: isinstance(e, Scan) and e.problem is None)
    assert good.code == ITEM
    assert scanner.status == DeviceStatus.READY and scanner.running


def test_given_a_ready_scanner_when_it_is_unplugged_and_plugged_back_then_it_reconnects_and_scans(
        socat_pair, scanner, events):
    """GIVEN a ready scanner WHEN socat dies (unplug) and comes back on the same path THEN DISCONNECTED, READY, scans."""
    socat_pair.write(ITEM[:4].encode())  # unplugged mid-scan
    socat_pair.unplug()
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected", what="disconnected")
    events.clear()
    socat_pair.plug()
    # The driver retries every 0.5 s (bench/scan_latency.py measures the reconnect time); the
    # bound here is generous because test machines are noisy.
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", timeout=5,
                    what="ready again after replugging")
    socat_pair.write(PATRON.encode() + b"\r")
    scan = events.wait_for(lambda e: isinstance(e, Scan) and e.problem is None)
    assert scan.code == PATRON


def test_given_a_port_that_does_not_exist_when_started_then_disconnected_and_ready_once_it_appears(
        tmp_path, events):
    """GIVEN a scanner configured for a missing port WHEN started THEN DISCONNECTED; WHEN the port appears THEN READY."""
    from tests.drivers.conftest import SocatPair

    pair = SocatPair(tmp_path, "late")
    device = SerialScanner("late", url=str(pair.device))
    device.start(events)
    try:
        status = events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected")
        assert "Not connected" in status.detail
        pair.plug()
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", timeout=5)
    finally:
        device.stop()
        pair.unplug()
    assert device.status == DeviceStatus.STOPPED


def test_given_a_card_reader_on_a_serial_line_when_a_card_is_read_twice_then_one_card_tap(socat_pair, events):
    """GIVEN a serial card reader (as_card) WHEN the same card arrives twice quickly THEN one CardTap in hex."""
    reader = build_device("card_reader", "desk", {"driver": "serial", "url": str(socat_pair.device),
                                                   "suffix": "CRLF"})
    reader.start(events)
    try:
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready")
        socat_pair.write(b"04a1b2c3d4e5f6\r\n04a1b2c3d4e5f6\r\nzz\r\n")
        problem = events.wait_for(lambda e: isinstance(e, CardTap) and e.problem)
        taps = [t for t in events.of(CardTap) if not t.problem]
        assert [t.uid for t in taps] == ["04A1B2C3D4E5F6"]
        assert "not a card" in problem.problem
        assert not events.of(Scan)
    finally:
        reader.stop()


def test_given_a_tcp_serial_server_when_configured_with_a_socket_url_then_scans_arrive(events):
    """GIVEN a scanner behind a serial-to-TCP converter (socket://) WHEN it sends a code THEN a Scan."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(5)
    host, port = server.getsockname()
    device = SerialScanner("tcp", url=f"socket://{host}:{port}")
    device.start(events)
    try:
        conn, _ = server.accept()
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready")
        conn.sendall(ITEM.encode() + b"\r")
        scan = events.wait_for(lambda e: isinstance(e, Scan))
        assert scan.code == ITEM
        conn.close()
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "disconnected")
    finally:
        device.stop()
        server.close()


def test_given_a_listener_that_raises_when_a_scan_arrives_then_the_thread_keeps_running(socat_pair, events):
    """GIVEN a buggy listener WHEN it raises on every event THEN the scanner thread survives and reads on."""

    def listener(event):
        events(event)
        raise RuntimeError("listener bug")

    device = SerialScanner("front", url=str(socat_pair.device))
    device.start(listener)
    try:
        events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready")
        socat_pair.write(ITEM.encode() + b"\r")
        events.wait_count(Scan, 1)
        socat_pair.write(PATRON.encode() + b"\r")
        assert [s.code for s in events.wait_count(Scan, 2)] == [ITEM, PATRON]
        assert device.running
    finally:
        device.stop()
