"""Kiosk configuration: valid files load into typed sections; every mistake names the file and key."""
from __future__ import annotations

import pytest

from kiosk.config import ConfigError, load_config
from tests.kiosk.conftest import ENV, config_text, write_config

URL = "http://127.0.0.1:8600"


def _load(tmp_path, text, env=ENV):
    return load_config(write_config(tmp_path, text), env=env)


def test_given_a_complete_file_when_loaded_then_sections_are_typed_and_secrets_come_from_env(tmp_path):
    config = _load(tmp_path, config_text(URL, kiosk_extra="idle_timeout_seconds = 60"))
    assert config.config_version == 1
    assert config.kiosk.id == "test-kiosk" and config.kiosk.languages == ("en", "es")
    assert config.kiosk.idle_timeout_seconds == 60 and config.kiosk.warning_seconds == 10
    assert config.backend.settings.token == ENV["KIOSK_TOKEN"] and config.staff.pin == ENV["KIOSK_STAFF_PIN"]
    assert config.journal.path == (tmp_path / "journal.db").resolve()
    assert [d.name for d in config.devices] == ["scanner", "card_reader", "item_pad", "printer"]
    assert config.devices[0].settings == {"driver": "simulated"}  # passed to build_device untouched
    assert config.has_simulated_devices
    assert ENV["KIOSK_TOKEN"] not in repr(config.backend)  # secrets never show up in logs of the config


def test_given_the_shipped_example_and_demo_files_when_checked_then_both_are_valid():
    from kiosk.app import ROOT

    example = load_config(ROOT / "config" / "kiosk.example.toml", env=ENV)
    demo = load_config(ROOT / "config" / "demo.toml", env={})
    assert example.demo.enabled is False
    assert demo.demo.enabled and demo.backend.settings.token == "demo-kiosk-token" and demo.staff.pin == "0000"
    assert demo.journal.path == ROOT / "instance" / "demo-kiosk-journal.db"


def test_given_central_url_in_the_environment_when_the_demo_config_loads_then_it_moves_the_backend():
    from kiosk.app import DEMO_CONFIG

    assert load_config(DEMO_CONFIG, env={"CENTRAL_URL": "http://127.0.0.1:9999"}).backend.settings.url == "http://127.0.0.1:9999"


def test_given_token_env_naming_another_variable_when_loaded_then_that_variable_is_the_token(tmp_path):
    text = config_text(URL).replace('kind = "central"', 'kind = "central"\ntoken_env = "SCHOOL_TOKEN"')
    config = _load(tmp_path, text, env={"SCHOOL_TOKEN": "abc", "KIOSK_STAFF_PIN": "1234"})
    assert config.backend.settings.token == "abc"


@pytest.mark.parametrize("change, words", [
    (lambda s: s.replace(f'url = "{URL}"', 'url = "ftp://library"'),
     "[backend] url must start with http:// or https://"),
    (lambda s: s.replace("config_version = 1", "config_version = 2"),
     "config_version is 2; this kiosk understands config_version = 1"),
    (lambda s: s.replace("config_version = 1", ""), "needs config_version = 1"),
    (lambda s: s.replace('id = "test-kiosk"\n', ""), "[kiosk] id is missing"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en", "fr"]'),
     "[kiosk] languages has 'fr'; the kiosk speaks: en, es"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en", "es"]\nidle_timeout = 30'),
     "[kiosk] has an unknown key 'idle_timeout'; did you mean idle_timeout_seconds?"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en"]\nidle_timeout_seconds = 5'),
     "[kiosk] idle_timeout_seconds must be between 20 and 600 (it is 5)"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en"]\nidle_timeout_seconds = "45"'),
     "[kiosk] idle_timeout_seconds must be a whole number"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en"]\nwarning_seconds = 50\nidle_timeout_seconds = 40'),
     "[kiosk] warning_seconds must be shorter than idle_timeout_seconds"),
    (lambda s: s.replace('languages = ["en", "es"]', 'languages = ["en"]\nreceipt = "sometimes"'),
     "[kiosk] receipt must be one of: ask, always, never"),
    (lambda s: s.replace('kind = "central"', 'kind = "koha"'), "[backend] kind is 'koha'"),
    (lambda s: s.replace('kind = "central"', 'kind = "central"\ntoken = "secret"'),
     "[backend] token must not be written in the file"),
    (lambda s: s.replace("timeout_seconds = 2", "timeout_seconds = -1"), "[backend] timeout_seconds must be between"),
    (lambda s: s.replace('path = "journal.db"', 'path = ":memory:"'), "[journal] path must be a file"),
    (lambda s: s.replace("[journal]\npath = \"journal.db\"\n", ""), "needs a [journal] section"),
    (lambda s: s.replace('kind = "scanner"', 'kind = "toaster"'),
     "[devices.scanner] kind is 'toaster'; it must be one of: scanner, card_reader, item_pad, printer"),
    (lambda s: s.replace('kind = "scanner"\ndriver = "simulated"', 'kind = "scanner"'), "[devices.scanner] driver is missing"),
    (lambda s: s + '\n[identifiers]\npatron_prefixes = ["2"]\nitem_prefixes = ["2"]\n',
     "[identifiers] item_prefixes shares 2 with patron_prefixes"),
    (lambda s: s + '\n[identifiers]\npatron_prefixes = "2"\n', '[identifiers] patron_prefixes must be a list'),
    (lambda s: s + '\n[staff]\npin = "1234"\n', "[staff] pin must not be written in the file"),
    (lambda s: s + '\n[demo]\nenabled = "yes"\n', "[demo] enabled must be true or false"),
    (lambda s: s + "\n[sync]\nheartbeat_seconds = 5\n", "Cannot declare ('sync',) twice"),
])
def test_given_one_mistake_when_loaded_then_the_error_names_file_and_key(tmp_path, change, words):
    path = write_config(tmp_path, change(config_text(URL)))
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=ENV)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert words in message


def test_given_no_token_in_the_environment_when_loaded_then_the_variable_to_set_is_named(tmp_path):
    with pytest.raises(ConfigError, match="the kiosk token is missing: set the environment variable KIOSK_TOKEN"):
        _load(tmp_path, config_text(URL), env={"KIOSK_STAFF_PIN": "1234"})


def test_given_no_staff_pin_outside_the_demo_when_loaded_then_it_is_an_error_not_0000(tmp_path):
    with pytest.raises(ConfigError, match="the staff PIN is missing: set the environment variable KIOSK_STAFF_PIN"):
        _load(tmp_path, config_text(URL), env={"KIOSK_TOKEN": "t"})


def test_given_a_staff_pin_with_letters_when_loaded_then_it_must_be_digits(tmp_path):
    with pytest.raises(ConfigError, match="must be 4 to 8 digits"):
        _load(tmp_path, config_text(URL), env={"KIOSK_TOKEN": "t", "KIOSK_STAFF_PIN": "12ab"})


def test_given_broken_toml_when_loaded_then_the_message_gives_the_line_number(tmp_path):
    text = config_text(URL).replace('name = "Test kiosk"', 'name = "Test kiosk')
    line = text.splitlines().index('name = "Test kiosk') + 1
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert f"is not valid TOML at line {line}" in str(caught.value)


def test_given_a_missing_file_when_loaded_then_it_says_the_file_does_not_exist(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: the configuration file does not exist"):
        load_config(tmp_path / "nope.toml", env=ENV)


def test_given_a_file_that_is_not_utf8_when_loaded_then_it_says_so(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(config_text(URL).replace("Test kiosk", "Test kiosk \xe9").encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path, env=ENV)
