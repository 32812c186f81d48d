"""The `kiosk` command: check-config, run (port taken, clean stop) and demo, as real processes."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
import requests
from click.testing import CliRunner

from kiosk.cli import main
from tests.conftest import ROOT, free_port, wait_for_http
from tests.kiosk.conftest import ENV, config_text, write_config


def test_given_a_valid_file_when_checked_then_a_summary_is_printed(tmp_path):
    path = write_config(tmp_path, config_text("http://127.0.0.1:8600"))
    result = CliRunner().invoke(main, ["check-config", str(path)], env=ENV)
    assert result.exit_code == 0, result.output
    assert f"{path} is valid (config_version 1)." in result.output
    assert "backend:  central at http://127.0.0.1:8600" in result.output
    assert "scanner: scanner, driver simulated" in result.output


def test_given_a_device_with_an_unavailable_driver_when_checked_then_it_is_pointed_out(tmp_path):
    devices = '\n[devices.front]\nkind = "scanner"\ndriver = "laser9000"\n'
    path = write_config(tmp_path, config_text("http://127.0.0.1:8600", devices=devices))
    result = CliRunner().invoke(main, ["check-config", str(path)], env=ENV)
    assert "front: scanner, driver laser9000  <- this driver is not available" in result.output


def test_given_devices_saved_on_the_staff_screen_when_checked_then_they_are_marked_and_broken_ones_explained(tmp_path):
    """GIVEN an override file with a serial scanner and a pad of an unknown kind, WHEN checked, THEN the scanner
    is marked as saved on the staff screen and the pad's problem is printed."""
    (tmp_path / "devices.toml").write_text('[devices.scanner]\nkind = "scanner"\ndriver = "serial"\nurl = "/dev/ttyACM0"\n'
                                           '[devices.item_pad]\nkind = "toaster"\ndriver = "serial"\n', encoding="utf-8")
    path = write_config(tmp_path, config_text("http://127.0.0.1:8600"))
    result = CliRunner().invoke(main, ["check-config", str(path)], env=ENV)
    assert result.exit_code == 0, result.output
    assert "scanner: scanner, driver serial (saved on the staff screen)" in result.output
    assert "item_pad: toaster, driver serial (saved on the staff screen)  <- [devices.item_pad] in" in result.output


def test_given_a_broken_file_when_checked_then_the_error_is_one_line_and_the_exit_code_fails(tmp_path):
    path = write_config(tmp_path, config_text("ftp://x"))
    result = CliRunner().invoke(main, ["check-config", str(path)], env=ENV)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {path}: [backend] url must start with http:// or https:// " \
                                    "followed by the server's name"


def _kiosk(args, env=None, cwd=ROOT):
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, text=True,
                            env={**os.environ, **ENV, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_given_a_taken_port_when_the_kiosk_runs_then_it_says_so_in_one_sentence(tmp_path, central):
    path = write_config(tmp_path, config_text(central.url))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _kiosk(["run", "--config", str(path), "--port", str(port)])
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"Error: Port {port} is already in use on 127.0.0.1: stop the program using it or choose another port." in out


def test_given_central_down_when_the_kiosk_runs_then_it_starts_anyway_and_stops_on_sigint(tmp_path):
    path = write_config(tmp_path, config_text(f"http://127.0.0.1:{free_port()}"))
    port = free_port()
    proc = _kiosk(["run", "--config", str(path)], env={"KIOSK_PORT": str(port)})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", proc=proc)
        stream = requests.get(f"http://127.0.0.1:{port}/events", stream=True, timeout=5)  # an open SSE stream
        health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        assert health["ok"] and health["background_threads"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    stream.close()
    assert proc.returncode == 0, out
    assert "stopping (SIGINT)" in out and "kiosk stopped" in out


FAKE_CENTRAL_CLI = '''
"""A stand-in for `central` (the real one is tested in tests/central and tests/sip2): init-db, seed-demo,
demo-samples, run, create-sip2-login, sip2-server (a listener that takes connections and says nothing)."""
import json, os, signal, socket, sys, threading
sys.path.insert(0, {root!r})
from tests.kiosk.fake_central import FakeCentral, SAM, MARIA, BOOK1, BOOK2, BLOCKED, REFERENCE, SAM_PIN, SAM_CARD

def main():
    command = sys.argv[1]
    with open(os.path.join(os.path.dirname(__file__), "calls.log"), "a") as log:
        log.write(" ".join(sys.argv[1:]) + " " + os.environ["CENTRAL_DATABASE_URL"] + "\\n")
    if command == "seed-demo" and "--sign-ins-to" in sys.argv:
        with open(sys.argv[sys.argv.index("--sign-ins-to") + 1], "w") as out:
            out.write("lincoln-librarian demo-Pass-one\\ndistrict-admin demo-Pass-two\\n")
    if command == "demo-samples":
        print(json.dumps({{"students": [{{"barcode": SAM, "display_name": "Sam T.", "pin": SAM_PIN, "card_uid": SAM_CARD}},
                                       {{"barcode": MARIA, "display_name": "Maria G."}}],
                          "items": [{{"barcode": BOOK1, "title": "Charlotte's Web"}}, {{"barcode": BOOK2, "title": "Frog"}}],
                          "blocked_student": {{"barcode": BLOCKED, "display_name": "Blake B."}},
                          "reference_item": {{"barcode": REFERENCE, "title": "Atlas"}}}}))
    elif command == "create-sip2-login":
        print("Demo SIP2 login: user demo-sip2, password demo-sip2-password, station demo-sip2-1 at school lincoln.")
    elif command == "sip2-server":
        listener = socket.create_server(("127.0.0.1", int(sys.argv[sys.argv.index("--port") + 1])))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        def accept():
            while not stop.is_set():
                try:
                    listener.accept()[0].close()
                except OSError:
                    return
        threading.Thread(target=accept, daemon=True).start()
        stop.wait()
        listener.close()
    elif command == "run":
        fake = FakeCentral(token="demo-kiosk-token")
        fake.start(int(sys.argv[sys.argv.index("--port") + 1]))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        stop.wait()
        fake.stop()

main()
'''


@pytest.fixture
def fake_central_cli(tmp_path):
    """A folder whose `central` package is the stand-in above; the demo is started from there."""
    package = tmp_path / "central"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text(textwrap.dedent(FAKE_CENTRAL_CLI).format(root=str(ROOT)))
    return tmp_path


def _wait_for_line(proc, text, seconds=60):
    lines = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return "".join(lines)
    raise AssertionError(f"{text!r} never appeared:\n{''.join(lines)}")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_given_the_demo_when_started_then_all_answer_samples_print_and_a_signal_stops_them_all(
        fake_central_cli, stop_signal):
    """GIVEN `kiosk demo` over a stand-in central CLI WHEN it starts THEN the servers answer, the sample barcodes
    the demo staff sign-ins and the SIP2 server with its login are printed, and the signal stops them all cleanly."""
    central_port, kiosk_port, sip2_port = free_port(), free_port(), free_port()
    instance = fake_central_cli / "instance"  # never the repository's own instance/
    proc = _kiosk(["demo", "--central-port", str(central_port), "--kiosk-port", str(kiosk_port),
                   "--sip2-port", str(sip2_port), "--instance", str(instance)],
                  env={"KIOSK_TOKEN": "", "KIOSK_STAFF_PIN": ""}, cwd=fake_central_cli)
    try:
        out = _wait_for_line(proc, "Press Ctrl-C to stop them all.")
        assert f"Central server:  http://127.0.0.1:{central_port}" in out
        assert f"SIP2 server:     sip2://127.0.0.1:{sip2_port}   Demo SIP2 login: user demo-sip2" in out
        assert f"sip2-server --host 127.0.0.1 --port {sip2_port}" in (fake_central_cli / "central" / "calls.log").read_text()
        assert f"Kiosk:           http://127.0.0.1:{kiosk_port}" in out and "PIN 0000" in out
        assert "Sam T.  (PIN 1234, card 04A1B2C3D4E5F6)" in out and "Charlotte's Web" in out
        calls = (fake_central_cli / "central" / "calls.log").read_text()
        assert "init-db sqlite:///" in calls and "seed-demo --if-empty --sign-ins-to" in calls
        assert f"Library staff pages: http://127.0.0.1:{central_port}/" in out
        assert "lincoln-librarian    demo-Pass-one" in out and "district-admin       demo-Pass-two" in out
        assert f"sqlite:///{instance / 'demo-central.db'}" in calls
        state = requests.get(f"http://127.0.0.1:{kiosk_port}/api/state", timeout=5).json()
        assert len(state["dev"]["sample_patrons"]) == 3 and len(state["dev"]["sample_items"]) == 3
        first = state["dev"]["sample_patrons"][0]
        assert first["name"] == "Sam T." and f"{first['code']}  Sam T." in out  # the same list as the terminal
        scanned = requests.post(f"http://127.0.0.1:{kiosk_port}/dev/scan", json={"code": first["code"]},
                                timeout=5).json()
        assert scanned["patron"]["name"] == "Sam T."  # the kiosk really talks to the demo central
    finally:
        started = time.monotonic()
        proc.send_signal(stop_signal)
        rest, _ = proc.communicate(timeout=20)
        took = time.monotonic() - started
    assert proc.returncode == 0, rest
    assert (instance / "demo-central.log").exists() and (instance / "demo-kiosk-journal.db").exists()
    print(f"demo stopped {took:.2f} s after {signal.Signals(stop_signal).name}")  # a figure, not an assertion
    for port in (central_port, kiosk_port, sip2_port):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_given_the_central_port_is_taken_when_the_demo_starts_then_it_says_so_in_one_sentence(fake_central_cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _kiosk(["demo", "--central-port", str(port), "--kiosk-port", str(free_port()),
                       "--sip2-port", str(free_port()), "--instance", str(fake_central_cli / "instance")],
                      cwd=fake_central_cli)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert out.strip() == (f"Error: Port {port} for the central server is already in use: stop the program using it "
                           "or choose another with --central-port.")
