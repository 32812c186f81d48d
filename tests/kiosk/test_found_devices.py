"""Devices found on this computer, on the staff screen: labelled by maker, problems in words, live."""
from __future__ import annotations

from drivers.discovery import FoundDevice
from tests.kiosk.conftest import STAFF_PIN
from tests.kiosk.ptys import SerialCable, wait_until

PERMISSION = "No permission to read /dev/input: add the kiosk user to the 'input' group."


def unlock(client):
    client.post("/staff/unlock", data={"pin": STAFF_PIN})


def test_given_a_usb_scanner_and_a_permission_problem_when_the_page_opens_then_both_show_and_it_can_be_used(client, kiosk):
    """GIVEN discovery that sees a Honeywell USB scanner and cannot read /dev/input, WHEN the device page
    opens, THEN the maker, USB id and the permission sentence show; WHEN "Use this" is pressed for the
    scanner, THEN the scanner is saved with the HID driver and the USB ids."""
    honeywell = FoundDevice("usb:1:7", "usb", "scanner", "Honeywell (Metrologic)", 0x0C2E, 0x0B61,
                            {"driver": "hid", "vendor_id": "0x0c2e", "product_id": "0x0b61"})
    kiosk.found.scan = lambda: [honeywell]
    kiosk.found.problems = lambda: [PERMISSION]
    unlock(client)
    page = client.get("/staff/devices").get_data(as_text=True)
    assert "Honeywell (Metrologic)" in page and "USB 0c2e:0b61" in page
    assert "No permission to read /dev/input: add the kiosk user to the &#39;input&#39; group." in page
    response = client.post("/staff/found/use", data={"target": "scanner", "driver": "hid", "vendor_id": "0x0c2e",
                                                     "product_id": "0x0b61"})
    assert response.status_code == 303
    section = kiosk.devices.section("scanner")
    assert (section.driver, section.settings["vendor_id"], section.settings["product_id"]) == ("hid", "0x0c2e", "0x0b61")


def test_given_the_device_page_open_when_a_serial_device_is_plugged_in_then_the_screens_are_told_and_it_is_listed(
        client, kiosk, tmp_path):
    """GIVEN the device page opened (discovery watching the test's pty folder), WHEN socat makes a new port,
    THEN a 'discovery' notice goes out over SSE and the found list has the port with a serial suggestion."""
    kiosk.found.interval = 0.05
    kiosk.found.serial_globs = (str(tmp_path / "*-port"),)
    unlock(client)
    client.get("/staff/devices")
    heard = kiosk.broker.subscribe()
    cable = SerialCable(tmp_path, "pad")
    cable.plug()
    try:
        wait_until(lambda: heard.get(timeout=5)["topic"] == "discovery", what="a discovery notice")
        found = client.get("/staff/devices.json").get_json()["parts"]["found"]
        assert str(cable.port) in found and "Serial port (scanner, card reader or pad)" in found
        # The "Use this" form carries the suggested section for the chosen device.
        assert 'name="driver" value="serial"' in found and f'name="url" value="{cable.port}"' in found
    finally:
        cable.unplug()


def test_given_no_item_pad_configured_when_a_found_port_is_used_for_one_then_a_new_device_is_added(tmp_path, central, clock):
    """GIVEN a kiosk with no item pad, WHEN staff use a found serial port for "item_pad", THEN a serial item
    pad is added and started (here it finds no pad on that port, so it says it is not connected)."""
    from kiosk.app import create_app
    from kiosk.config import load_config
    from tests.kiosk.conftest import ENV, config_text, write_config

    devices = '\n[devices.scanner]\nkind = "scanner"\ndriver = "simulated"\n'
    app = create_app(load_config(write_config(tmp_path, config_text(central.url, devices=devices)), env=ENV),
                     clock=clock, start_threads=False)
    kiosk = app.extensions["kiosk"]
    try:
        client = app.test_client()
        unlock(client)
        assert 'id="device-item_pad"' in client.get("/staff/devices").get_data(as_text=True)  # the "add" card
        response = client.post("/staff/found/use", data={"target": "item_pad", "driver": "serial",
                                                         "url": str(tmp_path / "no-pad-here")})
        assert response.status_code == 303
        section = kiosk.devices.section("item_pad")
        assert (section.kind, section.driver, section.origin) == ("item_pad", "serial", "override")
        wait_until(lambda: kiosk.devices.statuses()["item_pad"]["status"] == "disconnected", what="the pad's status")
    finally:
        kiosk.close()
