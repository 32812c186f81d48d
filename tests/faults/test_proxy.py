"""The fault-injecting proxy itself, over real TCP with a small line-echo server behind it."""
from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest

from tests.faults.proxy import FaultProxy


class _Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.server.lines.append(line)
            self.wfile.write(b"echo " + line)


@pytest.fixture
def echo():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    server.lines = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(echo):
    with FaultProxy("127.0.0.1", echo.server_address[1]) as p:
        yield p


def ask(port: int, line: bytes = b"hello\n", timeout: float = 1.0) -> bytes:
    """Send one line through a new connection and return the answer line (b"" when the connection closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(line)
        return sock.makefile("rb").readline()


def test_given_pass_when_a_line_is_sent_then_it_comes_back_through_the_proxy(proxy, echo):
    """GIVEN mode pass WHEN a line is sent THEN the server sees it and its answer comes back."""
    assert ask(proxy.port) == b"echo hello\n" and echo.lines == [b"hello\n"]


def test_given_delay_when_a_line_is_sent_then_the_answer_comes_later_but_whole(proxy):
    """GIVEN mode delay 0.3 s WHEN a line is sent THEN the answer still arrives, whole (it was held, not cut)."""
    proxy.set_mode("delay", 0.3)
    assert ask(proxy.port, timeout=3) == b"echo hello\n"


def test_given_reset_when_connecting_then_the_client_sees_a_reset_and_open_connections_die_too(proxy):
    """GIVEN an open connection WHEN mode becomes reset THEN that connection and every new one are reset."""
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=1)
    sock.sendall(b"one\n")
    assert sock.makefile("rb").readline() == b"echo one\n"
    proxy.set_mode("reset")
    with pytest.raises(OSError):
        sock.sendall(b"two\n")
        if not sock.recv(10):
            raise ConnectionResetError("closed")
    sock.close()
    with pytest.raises(OSError):
        if ask(proxy.port) == b"":
            raise ConnectionResetError("closed")


def test_given_stall_when_a_line_is_sent_then_nothing_reaches_the_server_and_the_client_times_out(proxy, echo):
    """GIVEN mode stall WHEN a line is sent THEN the client's own timeout ends the wait; the server saw nothing, and
    that connection stays silent after the stall ends."""
    proxy.set_mode("stall")
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=0.5)
    sock.sendall(b"frozen\n")
    with pytest.raises(socket.timeout):
        sock.recv(10)
    proxy.set_mode("pass")
    with pytest.raises(socket.timeout):
        sock.recv(10)
    sock.close()
    assert echo.lines == [] and ask(proxy.port) == b"echo hello\n"


def test_given_a_partition_when_it_heals_then_what_was_sent_arrives_as_tcp_would_deliver_it(proxy, echo):
    """GIVEN a partition WHEN a line is sent THEN nothing crosses; WHEN it heals THEN the line arrives and is answered."""
    proxy.set_mode("partition")
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=3)
    sock.sendall(b"later\n")
    time.sleep(0.3)
    assert echo.lines == []
    proxy.set_mode("pass")
    assert sock.makefile("rb").readline() == b"echo later\n"
    sock.close()


def test_given_drop_response_when_a_line_is_sent_then_the_server_does_the_work_and_the_answer_is_lost(proxy, echo):
    """GIVEN mode drop_response WHEN a line is sent THEN the server received it, the client gets no answer."""
    proxy.set_mode("drop_response")
    assert ask(proxy.port, b"applied\n") == b""
    assert echo.lines == [b"applied\n"] and proxy.answers_dropped == 1


def test_given_the_server_down_when_connecting_through_the_proxy_then_the_client_sees_the_connection_die():
    """GIVEN nothing behind the proxy WHEN a client connects THEN its connection is reset, not left hanging."""
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with FaultProxy("127.0.0.1", port) as p:
        try:
            answer = ask(p.port)
        except OSError:
            answer = b""
        assert answer == b""
