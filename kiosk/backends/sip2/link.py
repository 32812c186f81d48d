"""One persistent SIP2 connection to the library system: connect, log in, exchange, resend, reconnect.

Everything goes through :meth:`Sip2Link.exchange` under one lock, so the outbox's sender and the
session's lookups never interleave their bytes. A damaged answer (bad checksum) is asked for again
with 97; a 96 from the server gets the same bytes, same sequence number, again; both at most
``retries`` times. A connection that timed out, broke or got out of step is dropped, and the next
exchange connects and logs in afresh. Whether a failed request may still have been carried out by
the library system is on the error (``maybe_applied``), which is what the lost-response checks of
the backend need.
"""
from __future__ import annotations

import logging
import select
import socket
import ssl
import threading
import time
from collections import deque

from kiosk.backends.sip2.settings import Sip2Settings
from kiosk.backends.sip2.wireformat import WireFormat
from protocol.sip2 import (
    ACSStatus, ChecksumError, FieldValueError, Login, LoginResponse, Message, MessageSplitter, MessageTooLongError,
    RequestACSResend, RequestSCResend, SCStatus, SequenceCounter, SIP2Error, log_line,
)
from protocol.sip2.base import MESSAGE_TYPES

log = logging.getLogger("kiosk.backend.sip2")
MAX_MESSAGE_BYTES = 64 * 1024  # a patron information response with long lists fits many times over
RECV_BYTES = 65536


class LinkError(Exception):
    """The exchange failed; ``detail`` says why for staff and logs (never a card number or a name)."""

    def __init__(self, detail: str, *, maybe_applied: bool = False):
        super().__init__(detail)
        self.detail = detail
        self.maybe_applied = maybe_applied  # the request may have reached the library system


class LinkDown(LinkError):
    """No connection: refused, reset, closed by the server, or TLS failed."""


class NoAnswer(LinkError):
    """The request went out and no answer came within the timeout."""


class GarbledAnswer(LinkError):
    """Answers came but could not be used: damaged after every resend, not SIP2, or the wrong message."""


class LoginRefused(LinkError):
    """The library system refused this kiosk's SIP2 login (94 with ok = 0)."""


class NotSendable(LinkError):
    """The request cannot be written in SIP2 at all (a '|' in a barcode, a character the encoding lacks)."""


def _tls_context(settings: Sip2Settings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.tls_ca_file)
    if not settings.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class Sip2Link:
    """A SIP2 self-check connection with timeouts, a lock, resends, reconnection and re-login."""

    def __init__(self, settings: Sip2Settings, wire: WireFormat | None = None):
        self.settings = settings
        self.wire = wire or WireFormat.build(
            encoding=settings.encoding, delimiter=settings.delimiter, terminator=settings.terminator,
            sequence=settings.sequence, checksum=settings.checksum, strict=settings.strict)
        self.lock = threading.RLock()
        self.acs_status: ACSStatus | None = None  # the 98 got at the last login
        self.state = "disconnected"  # disconnected | connected | login_refused | unreachable
        self.last_error = ""
        self.last_exchange: tuple[str, str] = ("", "")  # masked log lines of the last request and answer
        self.reconnects = 0
        self._sock: socket.socket | None = None
        self._splitter = MessageSplitter(MAX_MESSAGE_BYTES)
        self._ready: deque[bytes] = deque()
        self._counter = SequenceCounter()
        self._tls = _tls_context(settings) if settings.tls else None

    # ------------------------------------------------------------------ public
    def exchange(self, message: Message, timeout: float | None = None) -> Message:
        """Send ``message`` and return the library system's answer to it (a LinkError if none usable)."""
        with self.lock:
            self._ensure_connected()
            return self._round_trip(message, timeout)

    def connect(self) -> ACSStatus | None:
        """Connect and log in now if not connected; the 98 status the system gave."""
        with self.lock:
            self._ensure_connected()
            return self.acs_status

    def close(self) -> None:
        """Close the connection (the next exchange opens a new one)."""
        with self.lock:
            self._drop("closed by the kiosk", state="disconnected")

    # ------------------------------------------------------------------ connection
    def _ensure_connected(self) -> None:
        if self._sock is not None and not self._went_stale():
            return
        if self._sock is not None:
            self._drop("the library system closed the idle connection", state="disconnected")
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.connect_timeout_seconds)
        except OSError as exc:
            self._fail_connect(f"cannot connect to {s.host}:{s.port}: {exc.strerror or type(exc).__name__}")
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock.settimeout(s.connect_timeout_seconds)
                sock = self._tls.wrap_socket(sock, server_hostname=s.host)
            sock.settimeout(s.timeout_seconds)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            self._fail_connect(f"TLS with {s.host}:{s.port} failed: {getattr(exc, 'reason', None) or exc}")
        self._sock, self._splitter, self._ready = sock, MessageSplitter(MAX_MESSAGE_BYTES), deque()
        self.reconnects += 1
        try:
            self._login()
        except LinkError:
            if self._sock is not None:
                self._drop(self.last_error or "login failed", state=self.state)
            raise
        self.state, self.last_error = "connected", ""
        log.info("SIP2 connected to %s", s.describe())

    def _fail_connect(self, detail: str):
        self.state, self.last_error = "unreachable", detail
        raise LinkDown(detail)

    def _login(self) -> None:
        s = self.settings
        if s.login_user:
            answer = self._round_trip(Login(login_user_id=s.login_user, login_password=s.password,
                                            location_code=s.location_code or None))
            if not answer.ok:
                self.state = "login_refused"
                self.last_error = f"the library system refused the SIP2 login '{s.login_user}' (94 with ok = 0)"
                self._drop(self.last_error, state="login_refused")
                raise LoginRefused(self.last_error)
        self.acs_status = self._round_trip(SCStatus())

    def _went_stale(self) -> bool:
        # Nothing should be waiting to be read between exchanges: readable means the server closed the
        # connection (idle timeout) or sent something out of turn. Either way, start afresh.
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _drop(self, reason: str, state: str = "disconnected") -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass  # already broken: closing is all that is left to do
            log.info("SIP2 connection to %s:%s closed: %s", self.settings.host, self.settings.port, reason)
        self._sock = None
        self._ready.clear()
        self.state = state
        if state != "disconnected":
            self.last_error = reason

    # ------------------------------------------------------------------ one request
    def _round_trip(self, message: Message, timeout: float | None = None) -> Message:
        expected = MESSAGE_TYPES.get(message.RESPONSE or "")
        number = self._counter.next() if self.wire.sequence else None
        try:
            wire = self.wire.encode(message, number)
        except FieldValueError as exc:
            # The codec's own sentence quotes the value (a card number, maybe): name the field instead.
            field = f"{exc.field} ({exc.code})" if exc.code else exc.field
            raise NotSendable(f"{message.NAME} cannot be sent: its {field} has characters SIP2 or the "
                              f"{self.wire.codec.encoding} encoding cannot carry") from None
        deadline = time.monotonic() + (timeout or self.settings.timeout_seconds)
        self._send(wire, sent_before=False)
        resends = 0
        while True:
            raw = self._read(deadline, message)
            try:
                answer = self.wire.decode(raw)
            except ChecksumError:
                resends = self._count_resend(resends, message, "its answer kept arriving damaged (bad checksum)")
                self._send(self.wire.encode(RequestACSResend()), sent_before=True)
                continue
            except SIP2Error as exc:
                self._give_up(GarbledAnswer, message, f"the answer could not be read: {exc}")
            if isinstance(answer, RequestSCResend):
                resends = self._count_resend(resends, message, "the library system kept asking for it again (96)")
                self._send(wire, sent_before=True)
                continue
            if number is not None and answer.sequence_number not in (None, number):
                log.info("SIP2 discarded a late answer (sequence %s, waiting for %s)", answer.sequence_number, number)
                continue
            if expected is not None and not isinstance(answer, expected):
                self._give_up(GarbledAnswer, message, f"the library system answered with message {answer.COMMAND} "
                                                      f"where {expected.COMMAND} was expected")
            self.last_exchange = (log_line(message), log_line(answer))
            log.debug("SIP2 %s -> %s", self.last_exchange[0], self.last_exchange[1])
            return answer

    def _count_resend(self, resends: int, message: Message, why: str) -> int:
        if resends >= self.settings.retries:
            self._give_up(GarbledAnswer, message, f"{why}, after {resends} resends")
        return resends + 1

    def _give_up(self, kind: type[LinkError], message: Message, detail: str):
        # Whatever was in flight may still arrive: only a fresh connection is in step again.
        text = f"{message.NAME}: {detail}"
        self._drop(text, state="disconnected")
        self.last_error = text
        raise kind(text, maybe_applied=not isinstance(message, (Login, SCStatus)))

    def _send(self, data: bytes, sent_before: bool) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            detail = f"the connection broke while sending: {exc.strerror or type(exc).__name__}"
            self._drop(detail, state="disconnected")
            self.last_error = detail
            raise LinkDown(detail, maybe_applied=sent_before) from None

    def _read(self, deadline: float, message: Message) -> bytes:
        while not self._ready:
            left = deadline - time.monotonic()
            if left <= 0:
                self._give_up(NoAnswer, message, f"no answer within {self.settings.timeout_seconds:g} s")
            try:
                self._sock.settimeout(left)
                chunk = self._sock.recv(RECV_BYTES)
            except (socket.timeout, TimeoutError):
                continue
            except OSError as exc:
                self._give_up(LinkDown, message, f"the connection broke: {exc.strerror or type(exc).__name__}")
            if not chunk:
                self._give_up(LinkDown, message, "the library system closed the connection")
            try:
                self._ready.extend(self._splitter.feed(chunk))
            except MessageTooLongError:
                self._give_up(GarbledAnswer, message, f"more than {MAX_MESSAGE_BYTES} bytes arrived without a "
                                                      "message end: this is not a SIP2 server, or the terminator "
                                                      "setting is wrong")
        return self._ready.popleft()
