"""Start the real central server and kiosk as separate processes for end-to-end tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_for_http


@dataclass
class Running:
    """A started server process and its base URL."""

    proc: subprocess.Popen
    url: str

    def stop(self) -> int:
        """Stop the process with SIGINT, as Ctrl-C would; kill it if it does not stop in 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


def central_env(db_path: Path) -> dict[str, str]:
    """Environment that points the central CLI at a SQLite file of the test's own."""
    return {**os.environ, "CENTRAL_DATABASE_URL": f"sqlite:///{db_path}", "PYTHONUNBUFFERED": "1"}


def central_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run one `central` CLI command to completion and return its standard output."""
    done = subprocess.run([sys.executable, "-m", "central.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"central {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def seeded_central_db(tmp_dir: Path) -> tuple[dict[str, str], dict]:
    """Create and seed a central database; return its environment and the demo samples."""
    env = central_env(tmp_dir / "central.db")
    central_cli(env, "init-db")
    central_cli(env, "seed-demo")
    samples = json.loads(central_cli(env, "demo-samples"))
    return env, samples


def start_central(env: dict[str, str], log: Path, port: int | None = None) -> Running:
    """Start `central run` on ``port`` (a free one by default) and wait until its health URL answers."""
    port = port or free_port()
    out = log.open("a")
    proc = subprocess.Popen([sys.executable, "-m", "central.cli", "run", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/api/v1/health", proc, log)
    return Running(proc, url)


def write_kiosk_config(path: Path, central_url: str, journal: Path, idle_timeout: int = 45,
                       kiosk_id: str = "demo-kiosk-1") -> Path:
    """Write a kiosk configuration with simulated devices talking to ``central_url``."""
    path.write_text(f"""
config_version = 1

[kiosk]
id = "{kiosk_id}"
name = "E2E kiosk"
library_name = "Lincoln Elementary School Library"
idle_timeout_seconds = {idle_timeout}
warning_seconds = {min(10, idle_timeout // 2)}

[backend]
kind = "central"
url = "{central_url}"
timeout_seconds = 5

[journal]
path = "{journal}"

[sync]
heartbeat_seconds = 5
max_backoff_seconds = 2

[devices.scanner]
kind = "scanner"
driver = "simulated"

[devices.card_reader]
kind = "card_reader"
driver = "simulated"

[devices.printer]
kind = "printer"
driver = "simulated"
""")
    return path


def start_kiosk(config: Path, log: Path, token: str = "demo-kiosk-token") -> Running:
    """Start `kiosk run` on a free port and wait until its health URL answers."""
    port = free_port()
    env = {**os.environ, "KIOSK_TOKEN": token, "KIOSK_STAFF_PIN": "2468", "PYTHONUNBUFFERED": "1"}
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run", "--config", str(config), "--port", str(port)],
                            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/health", proc, log)
    return Running(proc, url)


def _wait(url: str, proc: subprocess.Popen, log: Path) -> None:
    try:
        wait_for_http(url, proc=proc, timeout=60)
    except AssertionError as exc:
        proc.kill()
        raise AssertionError(f"{exc}\n--- {log.name} ---\n{log.read_text()}") from None
