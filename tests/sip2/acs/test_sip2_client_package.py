"""The `sip2` client package from PyPI (Tobias Zeumer's SIP2 client) against the central server's SIP2 server."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.store.models import CirculationEvent
from tests.sip2.acs.conftest import LOGIN, PASSWORD, STATION


@pytest.fixture
def sip2_client(acs, tmp_path):
    """The package's low-level client, connected (plain TCP, cp850) and logged in; its log file goes to tmp_path."""
    from Sip2.sip2 import Sip2

    client = Sip2()
    client.hostName, client.hostPort = acs.address
    client.tlsEnable, client.hostEncoding, client.socketTimeout = False, "cp850", 5
    client.institutionId, client.scLocation = "", "MAIN-1"
    client.logfile_path, client.loglevel = str(tmp_path), "WARNING"
    assert client.connect()
    login = client.sip_login_response(client.get_response(client.sip_login_request(LOGIN, PASSWORD)))
    assert login["fixed"]["Ok"] == "1"
    yield client
    client.disconnect()


def test_the_package_logs_in_and_reads_the_status(sip2_client):
    """GIVEN the package logged in WHEN it sends SC Status THEN it parses our 98: online, and our library's name."""
    status = sip2_client.sip_sc_status_response(sip2_client.get_response(sip2_client.sip_sc_status_request()))
    assert status["fixed"]["OnlineStatus"] == "Y"
    assert status["variable"]["AM"] == ["Test School Library"]


def test_the_package_reads_patron_information(sip2_client, library):
    """GIVEN Lena with three books WHEN the package asks for her charged items THEN it gets her display name, valid
    patron and the three barcodes."""
    sip2_client.patron = library.lena
    info = sip2_client.sip_patron_information_response(
        sip2_client.get_response(sip2_client.sip_patron_information_request("charged")))
    assert info["variable"]["AE"] == ["Lena K."] and info["variable"]["BL"] == ["Y"]
    assert sorted(info["variable"]["AU"]) == sorted(library.lenas)
    assert info["fixed"]["ChargedItemsCount"] == "0003"


def test_the_package_checks_out_and_in_through_the_event_store(sip2_client, library, database):
    """GIVEN Maria WHEN the package checks a book out and back in THEN both are ok and stored as events of the
    SIP2 login's station."""
    sip2_client.patron = library.maria
    out = sip2_client.sip_checkout_response(sip2_client.get_response(sip2_client.sip_checkout_request(library.sharks)))
    assert out["fixed"]["Ok"] == "1" and out["variable"]["AJ"] == ["All About Sharks"]
    back = sip2_client.sip_checkin_response(sip2_client.get_response(sip2_client.sip_checkin_request(library.sharks)))
    assert back["fixed"]["Ok"] == "1"
    with database.reader() as session:
        kinds = session.scalars(sa.select(CirculationEvent.type).where(CirculationEvent.kiosk_id == STATION)
                                .order_by(CirculationEvent.sequence)).all()
    assert kinds == ["checkout", "checkin"]


def test_a_checksum_written_without_leading_zeros_is_still_read(sip2_client, library):
    """GIVEN the package writes checksums without zero padding (three digits when below 1000 hex) WHEN such a
    message arrives THEN the server reads it as the checksum it is and answers, instead of asking again (96)."""
    from Sip2.sip2 import Sip2

    request = None
    sip2_client.patron = library.maria  # Maria has no PIN, so the password below is not checked
    sip2_client.institutionId = "z" * 255  # the package cuts every field at 255 characters
    for length in range(256):  # a byte sum over F000 hex makes the checksum three digits
        sip2_client.terminalPassword = "z" * length
        candidate = sip2_client.sip_patron_information_request("none")
        if len(candidate.rstrip("\r").rsplit("AZ", 1)[1]) < 4:
            request = candidate
            break
    assert request is not None and isinstance(sip2_client, Sip2)
    answer = sip2_client.get_response(request)
    assert answer.startswith("64") and "Maria G." in answer
