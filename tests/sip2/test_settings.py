"""The [backend] kind = "sip2" settings: what a librarian writes, and a clear sentence naming the key for each mistake."""
from __future__ import annotations

import pytest

from kiosk.backends.sip2 import parse_settings
from kiosk.config_reader import ConfigError

ENV = {"KIOSK_SIP2_PASSWORD": "s3cret", "TERM_PW": "t3rm"}
BASE = {"kind": "sip2", "host": "ils.district.org", "login_user": "kiosk1"}


def parse(**keys):
    """Parse BASE plus ``keys`` (None removes a key)."""
    table = {**BASE, **keys}
    return parse_settings({k: v for k, v in table.items() if v is not None}, "config/kiosk.toml", env=ENV)


def test_the_defaults_are_the_standard_sip2_connection():
    """GIVEN only host and login WHEN parsed THEN port 6001, cp850, '|', CR, checksum and sequence on, no TLS,
    no-block forwarding, and the password from KIOSK_SIP2_PASSWORD (never shown in repr)."""
    s = parse()
    assert (s.port, s.encoding, s.delimiter, s.terminator, s.checksum, s.sequence, s.tls, s.no_block) == (
        6001, "cp850", "|", "\r", True, True, False, True)
    assert s.password == "s3cret" and "s3cret" not in repr(s)
    assert s.describe() == "sip2://ils.district.org:6001 as kiosk1"


def test_every_setting_can_be_given():
    """GIVEN every key WHEN parsed THEN each arrives typed, the terminal password from its environment variable."""
    s = parse(port=7001, location_code="LIB1", institution_id="SCH", terminal_password_env="TERM_PW", encoding="UTF8",
              terminator="CRLF", checksum=False, sequence=False, connect_timeout_seconds=2, timeout_seconds=4.5,
              retries=4, no_block=False, strict=False, tls_verify=False)
    assert (s.port, s.location_code, s.institution_id, s.terminal_password, s.encoding, s.terminator) == (
        7001, "LIB1", "SCH", "t3rm", "utf-8", "\r\n")
    assert (s.checksum, s.sequence, s.connect_timeout_seconds, s.timeout_seconds, s.retries, s.no_block,
            s.strict, s.tls_verify) == (False, False, 2.0, 4.5, 4, False, False, False)


@pytest.mark.parametrize("keys, words", [
    ({"port": 0}, "[backend] port must be a whole number from 1 to 65535"),
    ({"port": "6001"}, "[backend] port must be a whole number from 1 to 65535"),
    ({"host": None}, "[backend] host is missing"),
    ({"host": "sip2://ils"}, "[backend] host 'sip2://ils' must be a computer name"),
    ({"login_user": ""}, "[backend] login_user must be a non-empty text"),
    ({"password": "x"}, "[backend] password must not be written in the file"),
    ({"terminal_password": "x"}, "[backend] terminal_password must not be written in the file"),
    ({"password_env": "NOT_SET"}, "[backend] password_env names the environment variable NOT_SET, which is not set"),
    ({"encoding": "klingon"}, "[backend] encoding is 'klingon'; use one of cp850, utf-8"),
    ({"delimiter": "ab"}, "[backend] delimiter must be one punctuation character"),
    ({"terminator": "LF"}, "[backend] terminator must be \"CR\" (the standard) or \"CRLF\""),
    ({"checksum": "yes"}, "[backend] checksum must be true or false"),
    ({"timeout_seconds": 0}, "[backend] timeout_seconds must be a number of seconds from 0.1 to 120"),
    ({"retries": 11}, "[backend] retries must be a whole number from 0 to 10"),
    ({"tls_ca_file": "/nonexistent.pem", "tls": True}, "[backend] tls_ca_file '/nonexistent.pem' is not a file"),
    ({"tls_ca_file": "/etc/hostname"}, "[backend] tls_ca_file is set but tls is not true"),
    ({"prot": 6001}, "[backend] has an unknown key 'prot'; did you mean port?"),
    ({"kind": "central"}, "[backend] kind must be \"sip2\""),
])
def test_each_mistake_is_a_sentence_naming_the_key(keys, words):
    """GIVEN one wrong key WHEN parsed THEN ConfigError names the file, [backend] and the key, and says what to do."""
    with pytest.raises(ConfigError) as error:
        parse(**keys)
    assert str(error.value).startswith("config/kiosk.toml: ")
    assert words in str(error.value)


def test_a_table_that_is_not_a_table_is_refused():
    """GIVEN [backend] written as a value WHEN parsed THEN the error says it must be a table."""
    with pytest.raises(ConfigError, match=r"\[backend\] must be a table"):
        parse_settings("sip2", "config/kiosk.toml", env=ENV)


def test_other_delimiters_and_encodings_are_accepted():
    """GIVEN FOLIO's '^' delimiter and the latin-1 encoding WHEN parsed THEN both are taken."""
    s = parse(delimiter="^", encoding="latin-1")
    assert (s.delimiter, s.encoding) == ("^", "latin-1")


def _example_sip2_section() -> str:
    """The commented-out [backend] kind = "sip2" example of config/kiosk.example.toml, uncommented once."""
    from tests.conftest import ROOT

    lines = (ROOT / "config" / "kiosk.example.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index('# kind = "sip2"') - 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("# no_block"))
    return "\n".join(line[2:] for line in lines[start:end + 1])


def test_the_example_config_s_sip2_section_parses_and_explains_every_key():
    """GIVEN the sip2 [backend] example in config/kiosk.example.toml WHEN uncommented and parsed THEN it is valid;
    AND every key the settings know appears in it, written or commented out, with its explanation."""
    import tomllib

    text = _example_sip2_section()
    table = tomllib.loads(text)["backend"]
    s = parse_settings(table, "config/kiosk.example.toml", env=ENV)
    assert (s.host, s.port, s.login_user, s.encoding, s.no_block) == ("sip2.district.org", 6001, "kiosk-library-1",
                                                                       "cp850", True)
    from kiosk.backends.sip2.settings import KNOWN_KEYS

    mentioned = {line.lstrip("# ").split(" =")[0] for line in text.splitlines() if " = " in line}
    assert KNOWN_KEYS <= mentioned, KNOWN_KEYS - mentioned


def test_port_env_replaces_the_port_and_the_demo_password_is_only_a_demo_default():
    """GIVEN port_env naming a set variable WHEN parsed THEN that port is used; GIVEN no password in the environment
    WHEN parsed in demo mode THEN the demo login's password is used, and outside demo mode the key is named."""
    from kiosk.backends.sip2.settings import DEMO_PASSWORD

    table = {**BASE, "port_env": "SIP2_PORT"}
    assert parse_settings(table, "k.toml", env={**ENV, "SIP2_PORT": "7001"}).port == 7001
    assert parse_settings(table, "k.toml", env=ENV).port == 6001
    assert parse_settings(BASE, "k.toml", env={}, demo=True).password == DEMO_PASSWORD
    with pytest.raises(ConfigError, match="password_env names the environment variable KIOSK_SIP2_PASSWORD"):
        parse_settings(BASE, "k.toml", env={})
