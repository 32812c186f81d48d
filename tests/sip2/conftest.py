"""Fixtures for the SIP2 tests: a pysip2 library system with a known library, a fault proxy in front of it,
and the kiosk's SIP2 backend pointed at the proxy."""
from __future__ import annotations

import datetime as dt
import subprocess
import uuid

import pytest

from kiosk.backends.sip2 import Sip2Backend
from kiosk.backends.sip2.settings import parse_settings
from protocol.wire import CirculationEvent
from tests.sip2.ils import TODAY, Library
from tests.sip2.ils_server import IlsServer
from tests.sip2.proxy import FaultProxy

# Free-form patron identifiers, as SIP2 systems use them: not the project's 14-digit barcodes.
ANA, BEN, CARLA, DEV, ELI = "P-1001", "ben.k", "C1003", "D-1004", "E1005"
BOOK, BOOK2, HELD, REF, AWAY, BINNED, OUT, UNKNOWN = ("B1", "B2", "B-HELD", "B-REF", "B-AWAY", "B-BIN", "B-OUT",
                                                      "NOPE9")
PIN = "2468"


def make_library() -> Library:
    """The test ILS's library: five patrons, seven books, one loan."""
    lib = Library()
    lib.add_patron(ANA, "Núñez, José Ana")
    lib.add_patron(BEN, "Ben Kowalski", pin=PIN)
    lib.add_patron(CARLA, "Carla Diaz", blocked=True)
    lib.add_patron(DEV, "Dev Patel", fines=[("1.50", "Overdue: Holes"), ("2.25", "Lost: Wonder")])
    lib.add_patron(ELI, "Eli Brown", expired=True)
    lib.add_item(BOOK, "El Principito, niños")
    lib.add_item(BOOK2, "Charlotte's Web")
    lib.add_item(HELD, "The Hobbit", hold_for=BEN)
    lib.add_item(REF, "World Atlas", reference=True)
    lib.add_item(AWAY, "Matilda", branch="WEST")
    lib.add_item(BINNED, "Frog and Toad", sort_bin="B3")
    lib.add_item(OUT, "Holes")
    lib.lend(OUT, DEV, TODAY - dt.timedelta(days=3))
    return lib


@pytest.fixture
def library() -> Library:
    """The in-memory library behind the pysip2 server."""
    return make_library()


@pytest.fixture
def ils(library):
    """The pysip2 server answering from ``library`` on a loopback port."""
    server = IlsServer(library).start()
    yield server
    server.stop()


@pytest.fixture
def proxy(ils):
    """A fault proxy in front of the pysip2 server."""
    fault_proxy = FaultProxy(("127.0.0.1", ils.port))
    yield fault_proxy
    fault_proxy.stop()


def settings_for(address, **overrides):
    """Backend settings for a server at ``address`` (timeouts short, so failure tests end quickly)."""
    table = {"kind": "sip2", "host": address[0], "port": address[1], "login_user": "kiosk1",
             "institution_id": "MAIN", "location_code": "KIOSK1", "timeout_seconds": 1.5,
             "connect_timeout_seconds": 1.0}
    env = {"KIOSK_SIP2_PASSWORD": overrides.pop("password", "s3cret")}
    table.update(overrides)
    return parse_settings(table, "test.toml", env=env)


@pytest.fixture
def make_backend(proxy):
    """Build backends against the proxy (closed after the test)."""
    made = []

    def make(**overrides) -> Sip2Backend:
        backend = Sip2Backend(settings_for(proxy.address, **overrides))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


@pytest.fixture
def backend(make_backend) -> Sip2Backend:
    """The kiosk's SIP2 backend, through the proxy, with the default settings."""
    return make_backend()


def event(request, *, offline=False, occurred_at=None, sequence=1) -> CirculationEvent:
    """A journal event for ``request``, made now unless told otherwise."""
    return CirculationEvent(event_id=str(uuid.uuid4()), sequence=sequence,
                            occurred_at=occurred_at or dt.datetime.now().astimezone(), request=request,
                            offline=offline)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate and key for 127.0.0.1 / localhost, made with openssl."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key
