"""One self-check's SIP2 connection on the server: read, frame, decode, answer, resend, and give up safely.

Each connection has its own thread, so a slow or hostile client only ever holds its own. It is
closed when it is idle too long, when a started message does not finish in time (a client sending
a byte a minute), when a message grows past the size limit, after too many unreadable messages or
failed logins in a row, and when it asks for anything but a login or status before logging in.
A damaged message (bad checksum, cut short, garbled) is answered with 96 so the client sends it
again; a 97 gets the last answer again; the very same bytes again are a resend and get the same
answer without being applied a second time.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

from central.sip2.acs import Acs, ConnectionState, NotLoggedIn
from central.sip2.framing import AnswerWriter, has_checksum
from protocol.sip2 import (
    ChecksumError, LoginResponse, Message, MessageSplitter, MessageTooLongError, RequestACSResend, RequestSCResend,
    SIP2Error, UnsupportedMessageError, log_line,
)

log = logging.getLogger("central.sip2")


@dataclass(frozen=True)
class Limits:
    """How much one connection may take: time, size, mistakes."""

    idle_seconds: float = 300.0      # no message at all for this long: closed
    message_seconds: float = 30.0    # a message started must end within this
    send_seconds: float = 30.0       # a client that does not read its answers is dropped
    max_message_bytes: int = 4096    # the longest self-check request is far shorter
    bad_messages: int = 5            # unreadable messages in a row before closing
    failed_logins: int = 3           # refused logins on one connection before closing


class Close(Exception):
    """Stop serving this connection; the message says why, for the log."""


class Sip2Connection:
    """Serves one accepted socket until the client leaves, misbehaves, or the server stops."""

    def __init__(self, sock: socket.socket, peer: str, acs: Acs, writer: AnswerWriter, limits: Limits,
                 stopping: threading.Event, slots: threading.Semaphore | None = None):
        self.sock, self.peer, self.acs, self.writer, self.limits = sock, peer, acs, writer, limits
        self.stopping = stopping
        self.slots = slots or threading.Semaphore(1)
        self.state = ConnectionState(peer=peer, language=acs.settings.language)
        self.splitter = MessageSplitter(limits.max_message_bytes)
        self.last_raw: bytes | None = None
        self.last_answer: bytes | None = None
        self.bad_in_a_row = 0

    def run(self) -> None:
        """Serve until closed; never raises."""
        reason = "the client closed the connection"
        try:
            self._serve()
        except Close as why:
            reason = str(why)
        except OSError as exc:
            reason = f"the connection broke ({exc.strerror or type(exc).__name__})"
        except Exception:  # one connection's bug must never take the server down
            log.exception("SIP2 connection from %s failed", self.peer)
            reason = "an internal error"
        finally:
            try:
                self.sock.close()
            except OSError:
                pass  # already gone
        log.info("SIP2 connection from %s closed after %d requests: %s", self.peer, self.state.requests, reason)

    def _serve(self) -> None:
        limits = self.limits
        last_message = time.monotonic()
        started: float | None = None  # when the unfinished message now buffered began
        while not self.stopping.is_set():
            now = time.monotonic()
            if started is not None and now - started > limits.message_seconds:
                raise Close(f"a message took longer than {limits.message_seconds:g} s to arrive")
            if now - last_message > limits.idle_seconds:
                raise Close(f"idle for {limits.idle_seconds:g} s")
            wait = (started + limits.message_seconds if started is not None else last_message + limits.idle_seconds)
            self.sock.settimeout(max(0.05, min(wait - now, 1.0)))  # wake each second to notice a server stop
            try:
                chunk = self.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                continue
            if not chunk:
                return
            try:
                messages = self.splitter.feed(chunk)
            except MessageTooLongError as too_long:
                for raw in too_long.completed:
                    self._handle(raw)
                raise Close(f"a message longer than {limits.max_message_bytes} bytes") from None
            started = (started or time.monotonic()) if self.splitter.pending else None
            for raw in messages:
                self._handle(raw)
                last_message = time.monotonic()

    def _send(self, data: bytes) -> None:
        self.sock.settimeout(self.limits.send_seconds)
        try:
            self.sock.sendall(data)
        except (socket.timeout, TimeoutError):
            raise Close("the client stopped reading its answers") from None

    def _bad(self, why: str, ask_again: bool = True) -> None:
        # A damaged message is worth asking for again (96); one we cannot answer at all is not, since
        # the same bytes would come back: it is logged and left unanswered, as pysip2 and Koha do.
        self.bad_in_a_row += 1
        log.warning("SIP2 from %s: %s", self.peer, why)
        if self.bad_in_a_row >= self.limits.bad_messages:
            raise Close(f"{self.bad_in_a_row} unusable messages in a row")
        if ask_again:
            self._send(self.writer.encode(RequestSCResend(), None, checksum=True))

    def _handle(self, raw: bytes) -> None:
        if raw == self.last_raw and self.last_answer is not None:
            # The same bytes, the same sequence number: a resend. Answer as before, apply nothing again.
            self._send(self.last_answer)
            return
        try:
            request = self.writer.decode(raw)
        except ChecksumError:
            self._bad("a message arrived damaged (bad checksum); asked for it again (96)")
            return
        except UnsupportedMessageError as exc:
            self._bad(f"message {exc.command} is not offered by this server; not answered", ask_again=False)
            return
        except SIP2Error as exc:
            self._bad(f"an unreadable message ({exc}); asked for it again (96)")
            return
        self.bad_in_a_row = 0
        if isinstance(request, RequestACSResend):
            self._send(self.last_answer or self.writer.encode(RequestSCResend(), None, checksum=True))
            return
        if isinstance(request, RequestSCResend):
            return  # an SC's own resend request has nothing for an ACS to resend
        self._answer(raw, request)

    def _answer(self, raw: bytes, request: Message) -> None:
        try:
            with self.slots:
                response = self.acs.answer(request, self.state)
        except NotLoggedIn as exc:
            raise Close(f"{exc} before logging in") from None
        if response is None:
            self._bad(f"a {request.NAME} is not something a self-check sends; not answered", ask_again=False)
            return
        wire = self.writer.encode(response, request, checksum=has_checksum(raw))
        self._send(wire)
        self.last_raw, self.last_answer = raw, wire
        log.debug("SIP2 %s: %s -> %s", self.peer, log_line(request), log_line(response))
        if isinstance(response, LoginResponse) and not response.ok and \
                self.state.failed_logins >= self.limits.failed_logins:
            raise Close(f"{self.state.failed_logins} refused logins")
