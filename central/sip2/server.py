"""The central server's SIP2 server: a listener, a bounded number of connections, a thread for each.

Why threads and not asyncio: the circulation rules and the database layer are synchronous
SQLAlchemy, shared with the REST API, which waitress also serves from threads. A thread per
connection, with socket timeouts on every read and write, confines a slow or hostile client to its
own thread, and the connection limit bounds the threads. An asyncio server would still have to run
every request in a thread pool, where one stuck database call holds a pool thread just the same.
"""
from __future__ import annotations

import logging
import socket
import ssl
import threading
from dataclasses import dataclass

from central.store.db import Database
from central.sip2.acs import Acs, AcsSettings
from central.sip2.connection import Limits, Sip2Connection
from central.sip2.framing import AnswerWriter

log = logging.getLogger("central.sip2")


@dataclass(frozen=True)
class ServerSettings:
    """Where and how the SIP2 server listens."""

    host: str = "127.0.0.1"
    port: int = 6001
    max_connections: int = 64
    # Requests answered at once. Connections wait for the database, not for each other: twenty writers
    # queueing on SQLite's lock (or on PostgreSQL row locks) get through faster eight at a time, as
    # waitress's eight threads do for the REST API. A slot is taken only once a whole message is in.
    database_workers: int = 8
    encoding: str = "cp850"
    terminator: str = "\r"
    tls_cert: str | None = None
    tls_key: str | None = None
    handshake_seconds: float = 10.0


def tls_context(cert: str, key: str | None) -> ssl.SSLContext:
    """A server TLS context from a certificate (and key) file; TLS 1.2 at least."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class Sip2Server:
    """Accepts SIP2 connections and serves each in its own thread until ``stop()``."""

    def __init__(self, db: Database, clock, settings: ServerSettings | None = None, *,
                 acs_settings: AcsSettings | None = None, limits: Limits | None = None):
        self.settings = settings or ServerSettings()
        self.limits = limits or Limits()
        self.acs = Acs(db, clock, acs_settings)
        self.writer = AnswerWriter(self.settings.encoding, self.settings.terminator)
        self.tls = tls_context(self.settings.tls_cert, self.settings.tls_key) if self.settings.tls_cert else None
        self.stopping = threading.Event()
        self.slots = threading.BoundedSemaphore(self.settings.database_workers)
        self.refused = 0  # connections turned away at the limit
        self._listener: socket.socket | None = None
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._accepting: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually listened on (the port is chosen when 0 was asked for)."""
        host, port = self._listener.getsockname()[:2]
        return host, port

    @property
    def active(self) -> int:
        """Connections being served now."""
        with self._lock:
            return len(self._threads)

    def start(self) -> tuple[str, int]:
        """Listen and start accepting in a background thread; returns the address."""
        s = self.settings
        self._listener = socket.create_server((s.host, s.port), backlog=128, reuse_port=False)
        self._listener.settimeout(0.5)
        self._accepting = threading.Thread(target=self._accept_loop, name="sip2-accept", daemon=True)
        self._accepting.start()
        log.info("SIP2 server listening on %s:%d (%s, up to %d connections)", *self.address,
                 "TLS" if self.tls else "plain TCP", s.max_connections)
        return self.address

    def serve_forever(self) -> None:
        """Start and block until stop() is called from another thread or a signal handler."""
        if self._listener is None:
            self.start()
        self.stopping.wait()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, and wait for their threads."""
        self.stopping.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its connection
        for thread in threads + ([self._accepting] if self._accepting else []):
            thread.join(timeout)

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, address = self._listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return  # the listener was closed by stop()
            peer = f"{address[0]}:{address[1]}"
            with self._lock:
                full = len(self._threads) >= self.settings.max_connections
            if full:
                self.refused += 1
                log.warning("SIP2 connection from %s refused: already %d connections", peer,
                            self.settings.max_connections)
                sock.close()
                continue
            thread = threading.Thread(target=self._serve, args=(sock, peer), name=f"sip2-{peer}", daemon=True)
            with self._lock:
                self._threads.add(thread)
                self._sockets.add(sock)
            thread.start()

    def _serve(self, sock: socket.socket, peer: str) -> None:
        plain = sock
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls is not None:
                sock.settimeout(self.settings.handshake_seconds)
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError) as exc:
                    log.warning("SIP2 TLS handshake with %s failed: %s", peer, getattr(exc, "reason", None) or exc)
                    return
            log.info("SIP2 connection from %s", peer)
            Sip2Connection(sock, peer, self.acs, self.writer, self.limits, self.stopping, self.slots).run()
        finally:
            try:
                sock.close()
            except OSError:
                pass  # closed already
            with self._lock:
                self._threads.discard(threading.current_thread())
                self._sockets.discard(plain)
