"""The home page and `central run` as a real process serving HTTP."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import requests

from tests.conftest import ROOT, free_port, wait_for_http


def test_home_page_asks_for_a_sign_in_and_shows_nothing_of_the_library(app):
    """GIVEN nobody signed in WHEN the home page is opened THEN it is the staff sign-in form, with no counts,
    patrons or kiosks on it."""
    page = app.test_client().get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="username"' in html and 'type="password"' in html
    assert "Entrance" not in html and "<dt>Patrons</dt>" not in html


def test_home_page_shows_the_library_at_a_glance_after_signing_in(staff):
    """GIVEN a signed-in librarian WHEN the home page is opened THEN it shows the school, its counts, its
    kiosks and desk, and the API link."""
    page = staff["librarian"].get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Test School" in html and "/api/v1/openapi.json" in html
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([\d,]+)</dd>", html))
    assert counts == {"Titles": "9", "Items": "10", "Patrons": "7", "Loans out": "3", "Overdue": "0"}
    assert "Entrance" in html and "Back room" in html and "never" in html and "desk-test" in html


def test_home_page_uses_only_local_assets(app, staff):
    """GIVEN the home page (signed out and in) and its stylesheet THEN nothing is loaded from another site."""
    for client in (app.test_client(), staff["librarian"]):
        html = client.get("/").get_data(as_text=True)
        assert not re.search(r'(src|href|action)="(https?:)?//', html)
    css = app.test_client().get("/static/central.css")
    assert css.status_code == 200 and "url(" not in css.get_data(as_text=True)


def test_central_run_serves_until_stopped(tmp_path):
    """GIVEN an initialised SQLite database WHEN `central run` starts on a free port THEN health and the home page
    answer over real HTTP, each request is logged on one line with barcodes masked, and SIGTERM stops it."""
    env = {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    subprocess.run([sys.executable, "-m", "central.cli", "init-db"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=60)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/v1/health", timeout=30, proc=proc)
        assert requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).json()["ok"] is True
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        account = requests.get(f"http://127.0.0.1:{port}/api/v1/patrons/21234000000018/account", timeout=5)
        assert account.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0 and "Central server stopped." in output
    assert "GET /api/v1/health 200" in output
    assert "GET /api/v1/patrons/**********0018/account 401" in output
    assert "21234000000018" not in output


def test_central_run_on_a_taken_port_says_so(tmp_path):
    """GIVEN a port already in use WHEN `central run` is started on it THEN it exits with one clear sentence."""
    import socket

    env = {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    subprocess.run([sys.executable, "-m", "central.cli", "init-db"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=60)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "central.cli", "run", "--port", str(port)], env=env,
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
