"""config/demo-sip2.toml: the demo kiosk's SIP2 config works against the central SIP2 server's demo login."""
from __future__ import annotations

import pytest

from central.sip2.logins import DEMO_PASSWORD, DEMO_STATION, DEMO_USER, ensure_demo_login
from kiosk.backends import build_backend
from kiosk.backends.sip2 import settings as kiosk_settings
from kiosk.config import load_config
from kiosk.config_reader import ConfigError
from protocol.wire import IdentifyRequest
from tests.conftest import ROOT

DEMO_SIP2 = ROOT / "config" / "demo-sip2.toml"


def test_the_demo_config_names_the_demo_login_and_its_password_only_in_demo_mode():
    """GIVEN config/demo-sip2.toml and no KIOSK_SIP2_PASSWORD WHEN loaded THEN it is the sip2 backend as demo-sip2
    with the central demo login's password; GIVEN KIOSK_SIP2_PORT and KIOSK_SIP2_PASSWORD THEN they win."""
    config = load_config(DEMO_SIP2, env={})
    settings = config.backend.settings
    assert (config.backend.kind, settings.host, settings.port, settings.login_user) == (
        "sip2", "127.0.0.1", 6001, DEMO_USER)
    assert settings.password == DEMO_PASSWORD == kiosk_settings.DEMO_PASSWORD
    moved = load_config(DEMO_SIP2, env={"KIOSK_SIP2_PORT": "16001", "KIOSK_SIP2_PASSWORD": "other-secret"})
    assert (moved.backend.settings.port, moved.backend.settings.password) == (16001, "other-secret")


def test_outside_demo_mode_the_password_must_come_from_the_environment(tmp_path):
    """GIVEN the demo config with [demo] enabled = false WHEN loaded without KIOSK_SIP2_PASSWORD THEN ConfigError
    names password_env and the variable (the demo password is never a real kiosk's default)."""
    text = DEMO_SIP2.read_text(encoding="utf-8").replace("enabled = true", "enabled = false")
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="password_env names the environment variable KIOSK_SIP2_PASSWORD"):
        load_config(path, env={})


def test_a_port_variable_that_is_not_a_port_is_named():
    """GIVEN KIOSK_SIP2_PORT=sixty WHEN the demo config is loaded THEN ConfigError names port_env and the value."""
    with pytest.raises(ConfigError, match="port_env names the environment variable KIOSK_SIP2_PORT, whose value "
                                          "'sixty' is not a port number"):
        load_config(DEMO_SIP2, env={"KIOSK_SIP2_PORT": "sixty"})


def test_the_demo_kiosk_signs_a_student_in_through_the_central_sip2_server(database, clock, library, acs):
    """GIVEN the central SIP2 server with its demo login (station demo-sip2-1 at the first school) WHEN the kiosk's
    backend is built from config/demo-sip2.toml with KIOSK_SIP2_PORT set to the server's port THEN Maria signs
    in over SIP2."""
    made = ensure_demo_login(database, clock.now())
    assert (made.station_id, made.school) == (DEMO_STATION, "test")
    config = load_config(DEMO_SIP2, env={"KIOSK_SIP2_PORT": str(acs.address[1])})
    backend = build_backend(config.backend)
    try:
        answer = backend.identify(IdentifyRequest(barcode=library.maria))
        assert answer.patron is not None and answer.patron.display_name == "Maria G."
    finally:
        backend.close()
