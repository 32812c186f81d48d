"""Fake receipt printers for tests and benchmarks: on real TCP (127.0.0.1) and on a real pty.

``FakeNetworkPrinter`` records every byte of every connection, answers DLE EOT status requests
the way an Epson TM printer does (from its paper / cover / online state), and can misbehave on
purpose: hang up after N bytes of a receipt, run out of paper after N bytes, or never answer status.
``FakeSerialPrinter`` sits on the far end of a socat pty pair and answers status the same way.
"""
from __future__ import annotations

import os
import select
import socket
import threading

from drivers.escpos_status import status_answers


class FakeNetworkPrinter:
    """A small threaded TCP server that behaves like a receipt printer on port 9100."""

    def __init__(self):
        self.paper = "ok"  # ok | near_end | out
        self.cover_open = False
        self.online = True
        self.answer_status = True
        self.close_after: int | None = None  # hang up once a connection has sent this many bytes
        self.paper_out_after: int | None = None  # paper runs out once this many bytes arrived
        self.read_nothing = False  # accept connections but never read (a wedged printer)
        self._finished: list[tuple[int, bytes]] = []  # (connection number, bytes) as connections end
        self.connections = 0
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.host, self.port = self._sock.getsockname()

    def start(self) -> None:
        """Start accepting connections."""
        thread = threading.Thread(target=self._accept, name="fake-printer", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        """Stop the server and every connection thread."""
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        self._sock.close()

    @property
    def jobs(self) -> list[bytes]:
        """The bytes of each finished connection, in the order the connections were opened."""
        with self._lock:
            return [data for _n, data in sorted(self._finished)]

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """The first ``count`` connections' bytes, once each has ended (the client hung up)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._finished) >= count, timeout):
                raise AssertionError(f"the fake printer saw {len(self._finished)} finished connections, not {count}")
        return self.jobs[:count]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections += 1
                number = self.connections
            thread = threading.Thread(target=self._serve, args=(conn, number), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket, number: int) -> None:
        conn.settimeout(0.1)
        job = bytearray()
        scanned = 0
        try:
            while not self._stop.is_set():
                if self.read_nothing:
                    self._stop.wait(0.1)
                    continue
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                job += chunk
                if self.paper_out_after is not None and len(job) >= self.paper_out_after:
                    self.paper = "out"
                # Answer every complete DLE EOT n in arrival order (real-time commands).
                while True:
                    at = job.find(b"\x10\x04", max(0, scanned))
                    if at < 0 or at + 2 >= len(job):
                        scanned = max(scanned, len(job) - 2)
                        break
                    scanned = at + 3
                    if self.answer_status:
                        answers = status_answers(self.online, self.paper, self.cover_open)
                        conn.sendall(bytes([answers.get(job[at + 2], 0x12)]))
                if self.close_after is not None and len(job) >= self.close_after:
                    break  # hang up mid-receipt
        finally:
            try:
                conn.close()
            finally:
                with self._lock:
                    self._finished.append((number, bytes(job)))
                    self._lock.notify_all()


class FakeSerialPrinter:
    """A serial receipt printer at the ``peer`` end of a pty pair: records bytes, answers DLE EOT at once."""

    def __init__(self, peer_path, device_path=None):
        self.device = device_path  # the end the driver opens (for the test's settings)
        self.paper = "ok"  # ok | near_end | out
        self.cover_open = False
        self.online = True
        self.answer_status = True
        self.xon_before_answer = False  # send XON (0x11) first, like a printer set to XON/XOFF
        self.answered = 0  # status bytes sent
        self._received = bytearray()
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._fd = os.open(peer_path, os.O_RDWR | os.O_NOCTTY)
        self._thread = threading.Thread(target=self._serve, name="fake-serial-printer", daemon=True)

    def start(self) -> None:
        """Start listening on the line."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and let go of the pty."""
        self._stop.set()
        self._thread.join(5)
        os.close(self._fd)

    @property
    def received(self) -> bytes:
        """Every byte the printer got so far."""
        with self._lock:
            return bytes(self._received)

    def wait_for(self, data: bytes, count: int = 1, timeout: float = 5.0) -> bytes:
        """Everything received, once ``data`` arrived ``count`` times (e.g. the cut), else fail."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._received.count(data) >= count, timeout):
                raise AssertionError(f"the fake serial printer got {len(self._received)} bytes without "
                                     f"{count} x {data!r}")
            return bytes(self._received)

    def _serve(self) -> None:
        scanned = 0
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._fd, 4096)
            except OSError:
                break
            with self._lock:
                self._received += chunk
                job = bytes(self._received)
                self._lock.notify_all()
            # Answer every complete DLE EOT n in arrival order (real-time commands).
            while True:
                at = job.find(b"\x10\x04", scanned)
                if at < 0 or at + 2 >= len(job):
                    scanned = max(scanned, len(job) - 2)
                    break
                scanned = at + 3
                if self.answer_status:
                    answer = status_answers(self.online, self.paper, self.cover_open).get(job[at + 2], 0x12)
                    os.write(self._fd, (b"\x11" if self.xon_before_answer else b"") + bytes([answer]))
                    self.answered += 1
