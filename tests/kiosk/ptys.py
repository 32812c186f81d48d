"""A serial "cable" for kiosk tests: a socat pty pair with fixed link paths, pluggable and unpluggable.

The kiosk's scanner opens ``port``; the test types on ``keyboard`` what the scanner would send.
Killing socat removes both links, as pulling a USB scanner removes its /dev node; starting it
again with the same paths is plugging it back in.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path


class SerialCable:
    """One socat pty pair with stable paths."""

    def __init__(self, folder: Path, name: str = "scanner"):
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (apt-get install socat); the serial tests need it.")
        self.port = folder / f"{name}-port"
        self.keyboard = folder / f"{name}-keyboard"
        self._proc: subprocess.Popen | None = None
        self._fd: int | None = None

    def plug(self, timeout: float = 5.0) -> None:
        """Start socat and wait until it says both ptys are up."""
        self._proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.port}", f"pty,raw,echo=0,link={self.keyboard}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        said, deadline = b"", time.monotonic() + timeout
        while b"starting data transfer loop" not in said and time.monotonic() < deadline:
            if select.select([self._proc.stderr], [], [], 0.1)[0]:
                chunk = os.read(self._proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                said += chunk
        if b"starting data transfer loop" not in said or not self.port.exists():
            self.unplug()
            raise RuntimeError(f"socat did not start: {said.decode(errors='replace')}")
        # socat logs to stderr for its whole life; keep reading so it never blocks on a full pipe.
        threading.Thread(target=self._proc.stderr.read, daemon=True).start()

    def type(self, data: bytes) -> None:
        """Send bytes as the scanner would."""
        if self._fd is None:
            self._fd = os.open(self.keyboard, os.O_RDWR | os.O_NOCTTY)
        os.write(self._fd, data)

    def unplug(self) -> None:
        """Stop socat (both ends vanish)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def wait_until(predicate, timeout: float = 5.0, what: str = "the condition"):
    """Poll ``predicate`` until it returns something truthy (bounded); fail the test otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)
