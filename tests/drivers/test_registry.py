"""The registry: every driver is listed, builds from config, fits its kind's protocol, and bad config is named."""
from __future__ import annotations

import pytest

from drivers.errors import DeviceConfigError
from drivers.events import Scan
from drivers.kinds import KIND_PROTOCOLS
from drivers.registry import KINDS, REGISTRY, build_device, drivers_for
from protocol.identifiers import make_library_barcode

# The smallest valid config section for each registered driver.
SAMPLES = {
    ("scanner", "simulated"): {}, ("card_reader", "simulated"): {}, ("item_pad", "simulated"): {},
    ("printer", "simulated"): {},
    ("scanner", "serial"): {"url": "/dev/ttyACM0", "baudrate": 9600, "suffix": "\r"},
    ("scanner", "hid"): {"vendor_id": "0x0c2e", "product_id": "0x0b61"},
    ("card_reader", "serial"): {"url": "/dev/ttyUSB0", "card_format": "decimal"},
    ("card_reader", "hid"): {"device_name": "RFID Reader"},
    ("card_reader", "nfc"): {"path": "usb:072f:2200"},
    ("item_pad", "serial"): {"url": "/dev/ttyUSB1"},
    ("printer", "network"): {"host": "192.168.1.50", "profile": "TM-T88V"},
    ("printer", "usb"): {"vendor_id": "0x04b8", "product_id": "0x0202"},
    ("printer", "serial"): {"devfile": "/dev/ttyS0", "baudrate": 19200},
    ("printer", "file"): {"devfile": "/dev/usb/lp0"},
}


def test_given_the_registry_when_listed_then_every_kind_has_simulated_and_hardware_drivers():
    """GIVEN the registry WHEN listed per kind THEN each kind has 'simulated' and at least one hardware driver."""
    assert set(REGISTRY) == set(SAMPLES)
    for kind in KINDS:
        assert "simulated" in drivers_for(kind) and len(drivers_for(kind)) >= 2
    assert drivers_for("printer") == ["file", "network", "serial", "simulated", "usb"]


@pytest.mark.parametrize("kind, driver", sorted(SAMPLES))
def test_given_a_minimal_section_when_built_then_the_device_fits_its_kind_and_is_stopped(kind, driver):
    """GIVEN each driver's smallest valid section WHEN built THEN a device of the kind's protocol, not started."""
    device = build_device(kind, f"{kind}-1", {"kind": kind, "driver": driver, **SAMPLES[(kind, driver)]})
    assert isinstance(device, KIND_PROTOCOLS[kind])
    assert device.name == f"{kind}-1"
    assert getattr(device, "running", False) is False


@pytest.mark.parametrize("kind, settings, key, words", [
    ("gizmo", {"driver": "serial"}, "kind", "not a kind of device"),
    ("scanner", {}, "driver", "no 'driver'"),
    ("scanner", {"driver": "laser"}, "driver", "the choices are: hid, serial, simulated"),
    ("scanner", {"driver": "serial", "url": "/dev/ttyACM0", "baud": 9600}, "baud", "setting 'baud'"),
    ("scanner", {"driver": "serial", "url": "/dev/ttyACM0", "baudrate": "fast"}, "baudrate", "whole number"),
    ("scanner", {"driver": "serial", "url": "/dev/ttyACM0", "parity": "sometimes"}, "parity", "none, even, odd"),
    ("scanner", {"driver": "serial", "url": "/dev/ttyACM0", "suffix": "ENDOFLINE"}, "suffix", "at most 4"),
    ("scanner", {"driver": "serial"}, "url", "non-empty"),
    ("scanner", {"driver": "serial", "url": "/dev/x", "patron_prefixes": ["2"]}, "patron_prefixes", "[identifiers]"),
    ("scanner", {"driver": "simulated", "accept_isbn": True}, "accept_isbn", "[identifiers]"),
    ("scanner", {"driver": "serial", "url": "/dev/x", "inter_char_timeout": "0.3"}, "inter_char_timeout", "number"),
    ("printer", {"driver": "network", "host": "h", "connection": "usb"}, "connection", "decides itself"),
    ("card_reader", {"driver": "nfc", "technologies": ["iso14443a", "bluetooth"]}, "technologies", "felica"),
    ("item_pad", {"driver": "serial", "url": "/dev/x", "poll_interval": 0}, "poll_interval", "between"),
    ("printer", {"driver": "network", "host": "h", "width": 500}, "width", "between 16 and 80"),
])
def test_given_a_corrupt_device_section_when_built_then_the_error_names_the_key(kind, settings, key, words):
    """GIVEN a wrong kind, driver, unknown or ill-typed setting WHEN built THEN DeviceConfigError naming the key."""
    with pytest.raises(DeviceConfigError) as caught:
        build_device(kind, "front", settings)
    assert caught.value.key == key and words in str(caught.value)


def test_given_as_card_when_set_on_a_serial_scanner_then_lines_become_card_taps_and_card_readers_default_to_it():
    """GIVEN as_card = true on a scanner section, and a card_reader section WHEN built THEN both turn lines into taps."""
    scanner = build_device("scanner", "s", {"driver": "serial", "url": "/dev/x", "as_card": True})
    reader = build_device("card_reader", "r", {"driver": "serial", "url": "/dev/x"})
    plain = build_device("scanner", "p", {"driver": "serial", "url": "/dev/x"})
    assert (scanner.as_card, reader.as_card, plain.as_card) == (True, True, False)
    assert reader.interpreter.repeats.window == 3.0 and plain.interpreter.repeats.window == 0.0


def test_given_a_section_that_is_not_a_table_when_built_then_config_error():
    """GIVEN a section that is a string WHEN built THEN DeviceConfigError, not AttributeError."""
    with pytest.raises(DeviceConfigError, match="not a table"):
        build_device("scanner", "front", "serial")  # type: ignore[arg-type]


def test_given_the_simulated_scanner_when_it_scans_unreadable_and_good_codes_then_problems_match_real_scanners(events):
    """GIVEN the simulated scanner WHEN a read with a space and a good code are scanned THEN problem and code like
    hardware (the framing rules are the same code)."""
    scanner = build_device("scanner", "sim", {"driver": "simulated"})
    scanner.start(events)
    good_code = make_library_barcode("3", 1234, 5)
    scanner.simulate_scan(good_code[:5] + " " + good_code[5:])
    scanner.simulate_scan(good_code, symbology="code128")

    bad, good = events.of(Scan)
    assert bad.problem and good.problem is None and (good.code, good.symbology) == (good_code, "code128")
