"""``kiosk sip2``, the staff's SIP2 connection test, against the pysip2 library system."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kiosk.backends.sip2.cli import sip2_command
from tests.sip2.conftest import ANA, BEN, BOOK, OUT, PIN, UNKNOWN


@pytest.fixture
def run(ils):
    """Run ``kiosk sip2 --host ... COMMAND`` against the test ILS; returns (exit code, stdout, stderr)."""
    def invoke(*args, password="s3cret", extra=()):
        runner = CliRunner()
        result = runner.invoke(sip2_command, ["--host", "127.0.0.1", "--port", str(ils.port), "--user", "kiosk1",
                                              "--password", password, "--institution", "MAIN", "--timeout", "3",
                                              *extra, *args])
        return result.exit_code, result.stdout, result.stderr
    return invoke


def test_status_prints_the_acs_status_as_json(run):
    """GIVEN the ILS WHEN staff run `kiosk sip2 status` THEN the 98 is printed as JSON and the exit status is 0."""
    code, out, _ = run("status")
    answer = json.loads(out)
    assert code == 0 and answer["message"] == "ACS Status (98)"
    assert answer["fields"]["online_status"] is True and answer["fields"]["library_name"] == "Test ILS"


def test_patron_prints_the_name_as_the_system_sent_it_in_utf8(run):
    """GIVEN Ana, "Núñez, José Ana" WHEN staff look her up THEN the JSON has her name as the ILS sent it, in UTF-8."""
    code, out, _ = run("patron", ANA)
    assert code == 0 and "Núñez, José Ana" in out  # not \\u escapes
    assert json.loads(out)["fields"]["personal_name"] == "Núñez, José Ana"


def test_a_wrong_pin_exits_non_zero_with_a_sentence(run):
    """GIVEN Ben's PIN WHEN staff check a wrong one THEN the exit status is 1 and stderr says the PIN is wrong;
    the right one exits 0."""
    code, out, err = run("patron", BEN, "--pin", "0000")
    assert code == 1 and "PIN is wrong" in err and json.loads(out)["fields"]["valid_patron_password"] is False
    assert run("patron", BEN, "--pin", PIN)[0] == 0


def test_item_checkout_renew_checkin_against_the_system(run, library):
    """GIVEN an available book WHEN staff check it out, renew it and check it in THEN each prints its answer and
    exits 0, and the ILS has the loan and then not."""
    assert json.loads(run("item", BOOK)[1])["fields"]["circulation_status"] == 3
    code, out, _ = run("checkout", ANA, BOOK)
    assert code == 0 and json.loads(out)["fields"]["ok"] is True and library.loans[BOOK].patron == ANA
    assert run("renew", ANA, BOOK)[0] == 0 and library.loans[BOOK].renewals == 1
    assert run("checkin", BOOK)[0] == 0 and BOOK not in library.loans


def test_a_refused_checkout_and_an_unknown_item_exit_non_zero(run):
    """GIVEN a book someone else has and a barcode nobody knows WHEN staff try them THEN exit status 1 with the
    system's words."""
    code, _, err = run("checkout", ANA, OUT)
    assert code == 1 and "refused the checkout" in err and "checked out to another patron" in err
    code, _, err = run("item", UNKNOWN)
    assert code == 1 and "does not know that item" in err


def test_a_refused_login_exits_3_with_a_sentence(run):
    """GIVEN a wrong password WHEN staff run any command THEN the exit status is 3 and stderr says the login was
    refused, without the password."""
    code, out, err = run("status", password="nope")
    assert code == 3 and "login was refused" in err and "nope" not in err and out == ""


def test_a_server_that_is_not_there_exits_2_with_a_sentence(unused_port):
    """GIVEN nothing listening WHEN staff run status THEN the exit status is 2 and stderr says it cannot connect."""
    result = CliRunner().invoke(sip2_command, ["--host", "127.0.0.1", "--port", str(unused_port),
                                                               "--user", "u", "--password", "p", "status"])
    assert result.exit_code == 2 and "cannot connect to 127.0.0.1" in result.stderr


def test_an_unknown_encoding_is_refused_naming_the_option(run):
    """GIVEN --encoding klingon WHEN run THEN click refuses the option by name."""
    code, _, err = run("status", extra=("--encoding", "klingon"))
    assert code == 2 and "--encoding" in err


def test_as_a_real_process_the_output_is_utf8_json(ils):
    """GIVEN the command run as its own process under the plain C locale WHEN a patron is looked up THEN stdout is
    UTF-8 JSON with the accented name, and the exit status is 0."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "KIOSK_SIP2_PASSWORD": "s3cret"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run([sys.executable, "-c", "from kiosk.backends.sip2.cli import sip2_command; sip2_command()",
                           "--host", "127.0.0.1", "--port", str(ils.port), "--user", "kiosk1", "patron", ANA],
                          capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Núñez, José Ana".encode("utf-8") in done.stdout
