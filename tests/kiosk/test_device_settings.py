"""The override file of device settings saved on the staff screen: merged over the config, written
atomically, and never able to stop the kiosk when it is damaged."""
from __future__ import annotations

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.app import create_app
from kiosk.config import load_config
from kiosk.hardware.settings import DeviceSection, read_overrides, save_override, to_toml
from tests.kiosk.conftest import ENV, STAFF_PIN, config_text, write_config
from tests.kiosk.fake_central import SAM


def test_given_saved_sections_when_the_config_loads_then_they_replace_those_of_the_same_name(tmp_path, central):
    """GIVEN an override file with a serial scanner and a new second printer, WHEN the config loads,
    THEN the scanner is the saved one, the printer from the config stays, and the new one is added."""
    (tmp_path / "devices.toml").write_text(
        '[devices.scanner]\nkind = "scanner"\ndriver = "serial"\nurl = "/dev/ttyACM0"\n\n'
        '[devices.printer2]\nkind = "printer"\ndriver = "simulated"\n', encoding="utf-8")
    config = load_config(write_config(tmp_path, config_text(central.url)), env=ENV)
    by_name = {s.name: s for s in config.devices}
    assert list(by_name) == ["scanner", "card_reader", "item_pad", "printer", "printer2"]
    assert (by_name["scanner"].driver, by_name["scanner"].origin) == ("serial", "override")
    assert (by_name["printer"].origin, by_name["printer2"].origin) == ("config", "override")
    assert config.overrides_path == tmp_path / "devices.toml" and config.overrides_problem is None


def test_given_corrupt_device_sections_in_the_override_file_when_the_kiosk_starts_then_they_show_error_and_it_serves(
        tmp_path, central, clock):
    """GIVEN an override file whose printer has a number for its address and whose pad has an unknown kind,
    WHEN the kiosk starts, THEN both show ERROR with a sentence, and a student can still sign in."""
    (tmp_path / "devices.toml").write_text(
        '[devices.printer]\nkind = "printer"\ndriver = "network"\nhost = 42\n\n'
        '[devices.item_pad]\nkind = "toaster"\ndriver = "serial"\n', encoding="utf-8")
    app = create_app(load_config(write_config(tmp_path, config_text(central.url)), env=ENV), clock=clock,
                     start_threads=False)
    try:
        client = app.test_client()
        devices = client.get("/health").get_json()["devices"]
        assert devices["printer"]["status"] == "error" and "'host' must be a text value" in devices["printer"]["detail"]
        assert devices["item_pad"]["status"] == "error" and "kind 'toaster'" in devices["item_pad"]["detail"]
        assert devices["scanner"]["status"] == "ready"
        client.post("/dev/scan", json={"code": SAM})
        state = client.get("/api/state").get_json()
        assert state["patron"]["name"] == "Sam T." and "Check the printer" in state["status"]["text"]
    finally:
        app.extensions["kiosk"].close()


def test_given_an_override_file_that_is_not_toml_when_loaded_then_the_config_devices_are_used_and_saving_keeps_it(
        tmp_path, central, clock):
    """GIVEN a damaged override file, WHEN the kiosk starts, THEN the config's devices run and the staff page
    says so; WHEN staff save a device, THEN the damaged file is kept aside and a good one written."""
    damaged = b'[devices.scanner\nkind = "scanner"\n'
    (tmp_path / "devices.toml").write_bytes(damaged)
    config = load_config(write_config(tmp_path, config_text(central.url)), env=ENV)
    assert "are damaged" in config.overrides_problem and all(s.origin == "config" for s in config.devices)
    app = create_app(config, clock=clock, start_threads=False)
    try:
        client = app.test_client()
        client.post("/staff/unlock", data={"pin": STAFF_PIN})
        assert "are damaged" in client.get("/staff/devices").get_data(as_text=True)
        client.post("/staff/devices/printer", data={"driver": "simulated"})
        assert (tmp_path / "devices.toml.damaged").read_bytes() == damaged
        saved = tomllib.loads((tmp_path / "devices.toml").read_text(encoding="utf-8"))
        assert saved == {"devices": {"printer": {"kind": "printer", "driver": "simulated"}}}
    finally:
        app.extensions["kiosk"].close()


def test_given_a_save_when_written_then_other_saved_sections_stay_and_no_temp_file_is_left(tmp_path):
    """GIVEN a saved scanner, WHEN a printer is saved, THEN both are in the file and nothing else is in the folder."""
    path = tmp_path / "devices.toml"
    save_override(path, DeviceSection("scanner", "scanner", "serial", {"driver": "serial", "url": "/dev/ttyACM0"}))
    save_override(path, DeviceSection("printer", "printer", "network", {"driver": "network", "host": "10.0.0.5"}))
    sections, problem = read_overrides(path)
    assert problem is None and [(s.name, s.driver) for s in sections] == [("scanner", "serial"), ("printer", "network")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["devices.toml"]


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
_VALUE = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False),
                   _TEXT, st.lists(_TEXT, max_size=3))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_TEXT.filter(bool), st.dictionaries(_TEXT.filter(bool), _VALUE, max_size=5), max_size=3))
def test_given_any_device_settings_when_written_as_toml_then_reading_gives_them_back(tables):
    """GIVEN settings with any texts (quotes, backslashes, control characters, accents) and numbers,
    WHEN written by the kiosk's TOML writer, THEN tomllib reads back exactly the same values."""
    assert tomllib.loads(to_toml(tables)) == ({"devices": tables} if tables else {})
