"""Fixtures for driver tests: real socat pty pairs, a real TCP "network printer", an event log."""
from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.drivers.fake_printer import FakeNetworkPrinter, FakeSerialPrinter


class EventLog:
    """Collects published events; tests wait for the ones they expect (bounded waits, no sleeps)."""

    def __init__(self):
        self.events: list = []
        self._cond = threading.Condition()

    def __call__(self, event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, cls) -> list:
        """Every event of one class so far."""
        with self._cond:
            return [e for e in self.events if isinstance(e, cls)]

    def wait_for(self, predicate, timeout: float = 5.0, what: str = "an event"):
        """The first event satisfying ``predicate`` (waiting up to ``timeout``), else fail the test."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {what} within {timeout} s; events were: {self.events!r}")
                self._cond.wait(remaining)

    def wait_count(self, cls, count: int, timeout: float = 5.0) -> list:
        """Wait until ``count`` events of ``cls`` arrived; return them."""
        self.wait_for(lambda _e: len(self.of(cls)) >= count, timeout, f"{count} x {cls.__name__}")
        return self.of(cls)

    def clear(self) -> None:
        """Forget what was collected."""
        with self._cond:
            self.events.clear()


class SocatPair:
    """A real pty pair made by socat, with stable paths (``link=``) so it can be unplugged and replugged.

    ``device`` is the end the driver opens (the "scanner's port"); ``peer`` is where the test
    writes what the scanner would send, and reads what the driver writes.
    """

    def __init__(self, directory: Path, name: str = "tty"):
        self.device = directory / f"{name}-device"
        self.peer = directory / f"{name}-peer"
        self.proc: subprocess.Popen | None = None
        self.pts: list[str] = []
        self._peer_fd: int | None = None

    def plug(self, timeout: float = 5.0) -> None:
        """Start socat; parse the two /dev/pts paths it prints; wait until the links exist."""
        self.proc = subprocess.Popen(
            ["socat", "-d", "-d", f"pty,raw,echo=0,link={self.device}", f"pty,raw,echo=0,link={self.peer}"],
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.pts = []
        deadline = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                buffer += chunk
                self.pts = re.findall(rb"PTY is (/dev/pts/\d+)", buffer)
                if b"starting data transfer loop" in buffer:
                    break
        if len(self.pts) != 2 or not self.device.exists() or not self.peer.exists():
            self.unplug()
            raise AssertionError(f"socat did not make a pty pair: {buffer.decode(errors='replace')}")
        self.pts = [p.decode() for p in self.pts]
        # Keep draining socat's stderr so it can never block on a full pipe.
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()

    @staticmethod
    def _drain(proc: subprocess.Popen) -> None:
        try:
            while proc.stderr and proc.stderr.read(4096):
                pass
        except (OSError, ValueError):
            pass

    def _fd(self) -> int:
        if self._peer_fd is None:
            self._peer_fd = os.open(self.peer, os.O_RDWR | os.O_NOCTTY)
        return self._peer_fd

    def write(self, data: bytes) -> None:
        """Send bytes as the device would (they arrive at ``device``)."""
        os.write(self._fd(), data)

    def read(self, timeout: float = 2.0, until: bytes | None = None) -> bytes:
        """Read what the driver wrote (until ``until`` appears, or ``timeout``)."""
        fd = self._fd()
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                out += os.read(fd, 4096)
                if until is not None and until in out:
                    break
        return out

    def unplug(self) -> None:
        """Kill socat (SIGTERM: it removes its links), as pulling the USB cable would."""
        if self._peer_fd is not None:
            os.close(self._peer_fd)
            self._peer_fd = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def socat_pair(tmp_path):
    """A plugged-in socat pty pair, unplugged at the end of the test."""
    if shutil.which("socat") is None:
        pytest.fail("socat is not installed; `make test` installs it (apt-get install socat).")
    pair = SocatPair(tmp_path, "scanner")
    pair.plug()
    yield pair
    pair.unplug()


@pytest.fixture
def events() -> EventLog:
    """A publish callback that records events."""
    return EventLog()


@pytest.fixture
def network_printer():
    """A real TCP 'network printer' on 127.0.0.1 (see tests/drivers/fake_printer.py)."""
    printer = FakeNetworkPrinter()
    printer.start()
    yield printer
    printer.stop()


@pytest.fixture
def serial_printer(socat_pair):
    """A fake serial receipt printer on the peer end of a socat pty pair; the driver opens ``.device``."""
    printer = FakeSerialPrinter(socat_pair.peer, socat_pair.device)
    printer.start()
    yield printer
    printer.stop()
