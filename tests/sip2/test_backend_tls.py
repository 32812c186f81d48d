"""The kiosk's SIP2 backend over TLS: a certificate it trusts, one it does not, and verification switched off."""
from __future__ import annotations

import ssl

import pytest

from kiosk.backends.port import BackendUnavailable
from kiosk.backends.sip2 import Sip2Backend
from protocol.wire import IdentifyRequest
from tests.sip2.conftest import ANA, settings_for
from tests.sip2.proxy import FaultProxy


@pytest.fixture
def tls_proxy(ils, tls_files):
    """A TLS front for the pysip2 server, with a self-signed certificate for localhost and 127.0.0.1."""
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    front = FaultProxy(("127.0.0.1", ils.port), tls=context)
    yield front
    front.stop()


def test_a_tls_connection_to_a_trusted_certificate_works(tls_proxy, tls_files):
    """GIVEN the library system's certificate as the CA file WHEN the kiosk connects with tls = true THEN it logs in
    and identifies patrons over TLS."""
    backend = Sip2Backend(settings_for(tls_proxy.address, tls=True, tls_ca_file=str(tls_files[0])))
    try:
        assert backend.identify(IdentifyRequest(barcode=ANA)).ok
        assert backend.settings.describe().startswith("sip2+tls://")
    finally:
        backend.close()


def test_an_untrusted_certificate_is_refused_with_a_clear_error(tls_proxy):
    """GIVEN a self-signed certificate the kiosk does not trust WHEN it connects THEN it refuses, saying TLS failed."""
    backend = Sip2Backend(settings_for(tls_proxy.address, tls=True))
    try:
        with pytest.raises(BackendUnavailable) as failed:
            backend.status()
        assert "TLS with 127.0.0.1" in failed.value.detail and "CERTIFICATE_VERIFY_FAILED" in failed.value.detail
        assert backend.connection_info()["state"] == "unreachable"
    finally:
        backend.close()


def test_verification_can_be_switched_off_for_a_test_server(tls_proxy):
    """GIVEN tls_verify = false WHEN the kiosk connects to the self-signed server THEN it works (encrypted, unchecked)."""
    backend = Sip2Backend(settings_for(tls_proxy.address, tls=True, tls_verify=False))
    try:
        assert backend.identify(IdentifyRequest(barcode=ANA)).ok
    finally:
        backend.close()
