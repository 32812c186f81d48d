"""A fault-injecting TCP proxy for tests: put it between a client and a server and choose how the line behaves.

Generic: it relays bytes, whatever the protocol (HTTP to the central server, SIP2 to an ILS). Modes,
switchable at any time with :meth:`FaultProxy.set_mode`:

- ``pass``: bytes go both ways as they come.
- ``delay``: every chunk is held ``delay`` seconds before it is relayed (a slow link).
- ``reset``: every connection, old and new, is closed with a TCP reset (RST) at once.
- ``stall``: the server is frozen: the client's bytes are read and kept, nothing is relayed and
  nothing answers (the client waits for its own timeout).
- ``partition``: nothing crosses in either direction, on old and new connections alike (a cable
  cut between two switches: connects still succeed locally, then silence).
- ``drop_response``: the request is relayed to the server, which does its work; its answer is read
  and thrown away, and the client's connection is closed (the answer was lost on the way back).

Every socket has a timeout and :meth:`stop` closes them all, so a test using the proxy always ends.
"""
from __future__ import annotations

import socket
import struct
import threading
import time

MODES = ("pass", "delay", "reset", "stall", "partition", "drop_response")
_CHUNK = 65536


class FaultProxy:
    """Listens on 127.0.0.1 and relays to ``(host, port)``; counts connections and dropped answers."""

    def __init__(self, upstream_host: str, upstream_port: int, *, listen_port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.mode, self.delay = "pass", 0.0
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", listen_port), reuse_port=False)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self.answers_dropped = 0
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` for HTTP clients."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FaultProxy":
        """Start accepting; returns self."""
        self._thread.start()
        return self

    def set_mode(self, mode: str, delay: float = 0.0) -> None:
        """Switch how the line behaves from now on (``reset`` also resets the connections already open)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._lock:
            self.mode, self.delay = mode, delay
            doomed = list(self._conns) if mode == "reset" else []
        for sock in doomed:
            _reset(sock)

    def stop(self) -> None:
        """Stop listening and close every connection."""
        self._stop.set()
        self._listener.close()
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            _close(sock)
        self._thread.join(2)

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- relaying -------------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            if self.mode == "reset":
                _reset(client)
                continue
            client.settimeout(0.1)
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), name="fault-proxy-conn", daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._conns.add(sock)

    def _serve(self, client: socket.socket) -> None:
        upstream, held, line = None, [], _Line()
        try:
            # Until the line is up, a connection only collects what the client sends.
            while not self._stop.is_set() and self.mode in ("stall", "partition") and not line.dead:
                line.dead = self.mode == "stall"
                data = _recv(client)
                if data == b"":
                    return
                if data and not line.dead:
                    held.append(data)
            if line.dead:
                self._swallow(client)
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                _reset(client)  # the server is down: the client sees the connection die
                return
            upstream.settimeout(0.1)
            self._track(upstream)
            for data in held:
                upstream.sendall(data)
            back = threading.Thread(target=self._pump, args=(upstream, client, True, line), daemon=True)
            back.start()
            self._pump(client, upstream, False, line)
            back.join(2)
        except OSError:
            pass  # a socket the other side or stop() closed: the connection is over
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    _close(sock)
                    with self._lock:
                        self._conns.discard(sock)

    def _swallow(self, client: socket.socket) -> None:
        """A frozen server: read and forget until the client gives up."""
        while not self._stop.is_set() and _recv(client) != b"":
            pass

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool, line: "_Line") -> None:
        """Relay source -> sink until either side closes; ``answers`` is the server-to-client direction."""
        held: list[bytes] = []
        while not self._stop.is_set():
            data = _recv(source)
            if data == b"":
                break
            mode, delay = self.mode, self.delay
            if mode == "stall":
                line.dead = True  # this connection never answers again, even after the stall ends
            if line.dead or mode == "reset":
                if mode == "reset":
                    break
                continue
            if mode == "partition":
                if data:
                    held.append(data)  # nothing crosses; TCP would deliver it once the link heals
                continue
            chunks, held = held + ([data] if data else []), []
            if not chunks:
                continue
            if mode == "delay" and delay:
                time.sleep(delay)
            if mode == "drop_response" and answers:
                self.answers_dropped += 1
                _close(sink)  # the server did its work; the client never hears
                break
            try:
                for chunk in chunks:
                    sink.sendall(chunk)
            except OSError:
                break
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Line:
    """One connection's fate: ``dead`` once a stall froze it (it never answers again)."""

    def __init__(self):
        self.dead = False


def _recv(sock: socket.socket) -> bytes | None:
    """Bytes read, b"" when the peer closed (or the socket failed), None when nothing came within the timeout."""
    try:
        return sock.recv(_CHUNK)
    except socket.timeout:
        return None
    except OSError:
        return b""


def _reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP reset, not a clean end."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
