"""A fault-injecting TCP proxy for SIP2 tests: it sits between a self-check and a server and misbehaves on cue.

It forwards whole messages (cut at CR) both ways, so a fault can be aimed at one message: lose the
answer to a checkout after the server did it, damage a checksum, cut the line before a request
arrives, answer with garbage or a megabyte with no end, dribble bytes one at a time, or go silent.
Optionally it speaks TLS to the client (the server side stays plain), which is how the TLS tests
reach a plain server. (Written for tests/sip2 until tests/faults/proxy.py lands on main.)
"""
from __future__ import annotations

import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass


@dataclass
class Fault:
    """One planned misbehaviour: ``what`` happens to the next message ``command`` (any when None) going ``way``."""

    way: str          # "answer" (server -> client) or "request" (client -> server)
    what: str         # drop | drop_and_close | corrupt | replace | close | prefix
    command: str | None = None
    data: bytes = b""


def _corrupt(message: bytes) -> bytes:
    # Change one character of the text before the checksum, so the AZ no longer adds up.
    index = 2 if len(message) > 3 else 0
    changed = b"X" if message[index:index + 1] != b"X" else b"Y"
    return message[:index] + changed + message[index + 1:]


class FaultProxy:
    """Listens on 127.0.0.1:<port>, connects each client to ``upstream``, applies queued faults in order."""

    def __init__(self, upstream: tuple[str, int], tls: ssl.SSLContext | None = None):
        self.upstream = upstream
        self.tls = tls
        self.faults: deque[Fault] = deque()
        self.bytewise = False   # send answers one byte at a time
        self.silent = False     # swallow every answer
        self.seen: list[tuple[str, bytes]] = []  # (way, message) as they passed, for assertions
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect."""
        return ("127.0.0.1", self.port)

    def plan(self, way: str, what: str, command: str | None = None, data: bytes = b"", times: int = 1) -> None:
        """Queue a fault for the next matching message(s)."""
        with self._lock:
            for _ in range(times):
                self.faults.append(Fault(way, what, command, data))

    def commands(self, way: str) -> list[str]:
        """The command codes that passed one way, in order."""
        return [m[:2].decode("ascii", "replace") for w, m in self.seen if w == way]

    def _take(self, way: str, message: bytes) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.way == way and (fault.command is None or message.startswith(fault.command.encode())):
                    self.faults.remove(fault)
                    return fault
        return None

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            try:
                if self.tls is not None:
                    client.settimeout(5)
                    client = self.tls.wrap_socket(client, server_side=True)
                    client.settimeout(None)
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            self.connections += 1
            self._open.extend([client, server])
            for source, sink, way in ((client, server, "request"), (server, client, "answer")):
                threading.Thread(target=self._pump, args=(source, sink, way, client, server), daemon=True).start()

    def _pump(self, source, sink, way: str, client, server) -> None:
        buffer = b""
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\r" in buffer:
                    message, buffer = buffer.split(b"\r", 1)
                    if not self._forward(message, sink, way, client, server):
                        return
        except OSError:
            pass  # one side went away: close both below
        finally:
            for sock in (client, server):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed
                sock.close()

    def _forward(self, message: bytes, sink, way: str, client, server) -> bool:
        self.seen.append((way, message))
        fault = self._take(way, message)
        if way == "answer" and self.silent:
            return True
        if fault is not None:
            if fault.what == "drop":
                return True
            if fault.what in ("close", "drop_and_close"):
                return False
            if fault.what == "corrupt":
                message = _corrupt(message)
            elif fault.what == "replace":
                message = fault.data
            elif fault.what == "prefix":
                sink.sendall(fault.data)
        data = message + b"\r"
        if way == "answer" and self.bytewise:
            for i in range(len(data)):
                sink.sendall(data[i:i + 1])
        else:
            sink.sendall(data)
        return True

    def stop(self) -> None:
        """Stop accepting and close every connection."""
        self._stopping.set()
        self._listener.close()
        for sock in self._open:
            try:
                sock.close()
            except OSError:
                pass  # already closed by its pump
        self._thread.join(timeout=5)
