"""`kiosk demo`: the central server (a subprocess, SQLite in instance/) and a demo kiosk, together.

The central CLI is run as ``python -m central.cli`` subprocesses: ``init-db``, ``seed-demo
--if-empty --sign-ins-to F``, ``demo-samples`` (JSON of sample barcodes) and ``run --port P``, and
``create-sip2-login --demo`` and ``sip2-server --port S`` (the SIP2 server runs in both modes; the
kiosk talks to it with ``--backend sip2``). The kiosk runs in this process. Ctrl-C or SIGTERM stops them all.
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from kiosk.app import DEMO_CONFIG, ROOT
from kiosk.config import ConfigError, load_config

CENTRAL_START_SECONDS = 60
DEMO_SIP2_CONFIG = ROOT / "config" / "demo-sip2.toml"
DEMO_SIP2_PORT = 6001


class DemoError(RuntimeError):
    """The demo cannot start; the message says why in one sentence."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _central(args: list[str], env: dict, what: str) -> str:
    print(f"  {what} ...", flush=True)
    done = subprocess.run([sys.executable, "-m", "central.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise DemoError(f"`central {' '.join(args)}` failed: " + " / ".join(tail))
    return done.stdout


def _wait_for_central(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + CENTRAL_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"The central server stopped while starting; see {log_path}.")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise DemoError(f"The central server did not answer at {url} within {CENTRAL_START_SECONDS} s; see {log_path}.")


def _stop(proc: subprocess.Popen, grace: float = 2.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _samples(env: dict) -> dict:
    try:
        data = json.loads(_central(["demo-samples"], env, "reading the sample barcodes"))
    except (DemoError, ValueError) as exc:
        print(f"  (no sample barcodes: {exc})")
        return {}
    return data if isinstance(data, dict) else {}


def sample_lists(samples: dict) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(students, books) as (barcode, name) pairs: the one list the terminal prints and the developer panel shows."""
    def pairs(rows, name_key):
        return [(str(r["barcode"]), str(r.get(name_key) or "")) for r in rows or () if isinstance(r, dict) and r.get("barcode")]

    students = pairs((samples.get("students") or [])[:5], "display_name")
    books = pairs((samples.get("items") or [])[:6], "title")
    for key, bucket, name_key, label in (("blocked_student", students, "display_name", "blocked"),
                                         ("reference_item", books, "title", "reference")):
        one = samples.get(key)
        if isinstance(one, dict) and one.get("barcode"):
            bucket.append((str(one["barcode"]), f"{one.get(name_key) or ''} ({label})".strip()))
    return students, books


def staff_sign_ins(path: Path) -> list[tuple[str, str]]:
    """The demo staff's (username, password) pairs that `central seed-demo --sign-ins-to` wrote ([] when none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    pairs = []
    for line in text.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            pairs.append((parts[0], parts[1].strip()))
    return pairs


def _print_welcome(central_url: str, kiosk_url: str, pin: str, samples: dict, log_path: Path,
                   sign_ins: list[tuple[str, str]] = (), sip2: str = "", backend: str = "central") -> None:
    print()
    print(f"Central server:  {central_url}   (its log: {log_path})")
    if sip2:
        print(f"SIP2 server:     {sip2}")
    print(f"Kiosk:           {kiosk_url}   (talks to the central server over "
          f"{'SIP2' if backend == 'sip2' else 'its HTTP API'})")
    print(f"Staff mode:      {kiosk_url}/staff   PIN {pin}")
    if sign_ins:
        print(f"Library staff pages: {central_url}/   sign in as (demo accounts only):")
        for username, password in sign_ins:
            print(f"  {username:<20} {password}")
    extras = {}
    for s in samples.get("students") or []:
        if isinstance(s, dict) and s.get("barcode"):
            found = [f"PIN {s['pin']}" if s.get("pin") else "", f"card {s['card_uid']}" if s.get("card_uid") else ""]
            extras[str(s["barcode"])] = ", ".join(x for x in found if x)
    students, books = sample_lists(samples)
    if students:
        print("Sample students (scan, or type on the kiosk's keypad):")
        for barcode, name in students:
            extra = extras.get(barcode)
            print(f"  {barcode}  {name}{'  (' + extra + ')' if extra else ''}")
    if books:
        print("Sample books:")
        for barcode, title in books:
            print(f"  {barcode}  {title}")
    print("Press Ctrl-C to stop them all.", flush=True)


def _wait_for_sip2(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    """Until the SIP2 server accepts a TCP connection on ``port`` (or stops, or takes too long)."""
    deadline = time.monotonic() + CENTRAL_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DemoError(f"The SIP2 server stopped while starting; see {log_path}.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise DemoError(f"The SIP2 server did not listen on port {port} within {CENTRAL_START_SECONDS} s; see {log_path}.")


def _start(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log_file:
        return subprocess.Popen([sys.executable, "-m", "central.cli", *args], env=env, stdout=log_file,
                                stderr=subprocess.STDOUT)


def run_demo(central_port: int, kiosk_port: int, instance: Path | None = None, backend: str = "central",
             sip2_port: int = DEMO_SIP2_PORT) -> None:
    """Start everything, print where it is, and run until Ctrl-C or SIGTERM.

    ``instance`` holds the central database, its log and the kiosk journal (<repo>/instance by default).
    `central sip2-server` runs on ``sip2_port`` with the demo login (demo-sip2 at Lincoln) in both modes;
    ``backend`` "sip2" runs the kiosk of config/demo-sip2.toml, which talks SIP2 to it.
    """
    from kiosk.server import PortInUse, serve, setup_logging

    if backend not in ("central", "sip2"):
        raise DemoError(f"The demo's library system is 'central' or 'sip2', not '{backend}'.")
    # The SIP2 server runs in both modes: the demo offers it to any self-check; --backend sip2 points the kiosk at it.
    ports = [("central server", central_port, "central"), ("kiosk", kiosk_port, "kiosk"),
             ("SIP2 server", sip2_port, "sip2")]
    for name, port, option in ports:
        if not port_free(port):
            raise DemoError(f"Port {port} for the {name} is already in use: stop the program using it or "
                            f"choose another with --{option}-port.")
    if len({port for _name, port, _option in ports}) < len(ports):
        raise DemoError("The central server, the SIP2 server and the kiosk each need a port of their own.")
    instance = (instance or ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{instance / 'demo-central.db'}"}
    print(f"Preparing the demo central server (SQLite in {instance}):", flush=True)
    _central(["init-db"], env, "creating the database")
    # The staff sign-ins are written once, when the library is seeded; a demo started again on the same
    # database reads them from the file (readable by its owner only).
    sign_ins_file = instance / "demo-staff.txt"
    _central(["seed-demo", "--if-empty", "--sign-ins-to", str(sign_ins_file)], env, "adding the sample school library")
    sip2_login = _central(["create-sip2-login", "--demo"], env, "making the demo SIP2 login").strip()
    samples = _samples(env)
    log_path = instance / "demo-central.log"
    central_url = f"http://127.0.0.1:{central_port}"
    servers = [_start(["run", "--port", str(central_port)], env, log_path)]
    try:
        print("  starting the central server ...", flush=True)
        _wait_for_central(servers[0], f"{central_url}/api/v1/health", log_path)
        os.environ["CENTRAL_URL"] = central_url
        os.environ.setdefault("KIOSK_TOKEN", "demo-kiosk-token")
        print("  starting the SIP2 server ...", flush=True)
        sip2_log = instance / "demo-sip2.log"
        servers.append(_start(["sip2-server", "--host", "127.0.0.1", "--port", str(sip2_port)], env, sip2_log))
        _wait_for_sip2(servers[1], sip2_port, sip2_log)
        os.environ["KIOSK_SIP2_PORT"] = str(sip2_port)
        try:
            config = load_config(DEMO_SIP2_CONFIG if backend == "sip2" else DEMO_CONFIG)
        except ConfigError as exc:
            raise DemoError(str(exc)) from None
        students, books = sample_lists(samples)
        journal = instance / ("demo-sip2-kiosk-journal.db" if backend == "sip2" else "demo-kiosk-journal.db")
        config = dataclasses.replace(
            config, journal=dataclasses.replace(config.journal, path=journal),
            demo=dataclasses.replace(config.demo, sample_patrons=tuple(b for b, _ in students),
                                     sample_items=tuple(b for b, _ in books), labels=dict(students + books)))
        setup_logging()

        def ready():
            _print_welcome(central_url, f"http://127.0.0.1:{kiosk_port}", config.staff.pin, samples, log_path,
                           staff_sign_ins(sign_ins_file),
                           f"sip2://127.0.0.1:{sip2_port}   {sip2_login}", backend)

        def stop_servers():
            for server in servers:
                server.terminate()

        try:
            serve(config, "127.0.0.1", kiosk_port, on_ready=ready, on_stop=stop_servers)
        except PortInUse as exc:
            raise DemoError(str(exc)) from None
    finally:
        for server in servers:
            _stop(server)
