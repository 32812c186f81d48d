"""Serve the kiosk with waitress and stop it cleanly on SIGINT or SIGTERM."""
from __future__ import annotations

import errno
import logging
import signal
from collections.abc import Callable

import waitress

from kiosk.app import create_app
from kiosk.config import KioskConfig

log = logging.getLogger("kiosk.server")


class PortInUse(RuntimeError):
    """The port is taken; the message is one sentence for the person at the terminal."""


def setup_logging(level: int = logging.INFO) -> None:
    """One line per event, with time, level and where it came from."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def serve(config: KioskConfig, host: str, port: int, *, on_ready: Callable[[], None] | None = None,
          on_stop: Callable[[], None] | None = None) -> None:
    """Run the kiosk until SIGINT/SIGTERM: devices, hub, sender, cache sync and idle ticker started, waitress threads=8."""
    app = create_app(config, start_threads=False)
    kiosk = app.extensions["kiosk"]
    try:
        server = waitress.create_server(app, host=host, port=port, threads=8, ident="library-kiosk")
    except OSError as exc:
        kiosk.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"Port {port} is already in use on {host}: stop the program using it "
                            f"or choose another port.") from None
        raise
    kiosk.start_threads()  # the sender's first pass sends what a crash or an outage left pending

    def stop(signum, frame):
        log.info("stopping (%s)", signal.Signals(signum).name)
        kiosk.broker.close()  # end SSE streams first, so waitress's threads can finish
        if on_stop:
            on_stop()
        raise SystemExit(0)  # waitress's run() catches it and shuts its threads down

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        log.info("kiosk %s serving on http://%s:%s", config.kiosk.id, host, server.effective_port)
        if on_ready:
            on_ready()
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
        kiosk.close()
        log.info("kiosk stopped")
