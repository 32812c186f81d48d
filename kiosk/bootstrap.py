"""Assembly in one place: build the kiosk's parts from its config, taking any of them ready-made.

Every part gets what it needs when it is built (the hub included) and subscribes itself there;
nothing is wired afterwards. Tests pass a fake backend, their own journal or devices, a manual
clock, and start no threads.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from kiosk.backends import build_backend
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig
from kiosk.hardware.discovery import FoundDevices
from kiosk.hardware.manager import DeviceManager
from kiosk.hardware.pads import PadRouter
from kiosk.hub import Hub
from kiosk.outbox.circulator import Circulator, OfflinePolicy
from kiosk.outbox.journal import Journal
from kiosk.outbox.sender import Reachability, SyncWorker
from kiosk.session.machine import Session
from kiosk.session.receipts import ReceiptDesk
from kiosk.web.sse import Broker

log = logging.getLogger("kiosk")


class Ticker:
    """A daemon thread calling ``fn`` every ``interval`` seconds until stopped."""

    def __init__(self, fn, interval: float = 1.0, name: str = "kiosk-ticker"):
        self.fn, self.interval, self.name = fn, interval, name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start ticking."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop ticking and wait for the thread."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.fn()
            except Exception:
                log.exception("%s tick failed", self.name)


@dataclass
class Kiosk:
    """Every long-lived part of one running kiosk."""

    config: KioskConfig
    clock: object
    hub: Hub
    journal: Journal
    backend: object
    broker: Broker
    reachability: Reachability
    circulator: Circulator
    receipts: ReceiptDesk
    session: Session
    devices: DeviceManager
    pads: PadRouter
    sync: SyncWorker
    ticker: Ticker
    found: FoundDevices = field(default_factory=FoundDevices)  # discovery, started by the staff device page
    threads_started: bool = False

    def start_threads(self) -> None:
        """Start the hub's dispatcher, the sync worker (which re-sends what a crash left pending) and the ticker."""
        self.hub.start()
        self.sync.start()
        self.ticker.start()
        self.threads_started = True

    def close(self) -> None:
        """Stop threads and devices, end SSE streams, close the journal: a clean shutdown."""
        self.broker.close()
        self.ticker.stop(1.0)
        self.found.stop()
        self.devices.stop()
        self.hub.stop(1.0)
        self.sync.stop(1.5)  # a daemon thread: if a backend call is still waiting, exit does not
        close = getattr(self.backend, "close", None)
        if close:
            close()
        self.journal.close()


def bootstrap(config: KioskConfig, *, backend=None, devices: DeviceManager | None = None,
              journal: Journal | None = None, clock=None, policy: OfflinePolicy | None = None) -> Kiosk:
    """Build the kiosk's parts in the order they need each other; devices are started, threads are not."""
    clock = clock or SystemClock()
    hub = devices.hub if devices is not None else Hub()
    broker = Broker(hub=hub)
    journal = journal or Journal(config.journal.path, clock)
    backend = backend or build_backend(config.backend)
    devices = devices or DeviceManager(config.devices, hub=hub, clock=clock)
    reachability = Reachability(clock, on_change=lambda: hub.changed("backend"))
    circulator = Circulator(journal, backend, policy, hub=hub, device_statuses=devices.status_words)
    receipts = ReceiptDesk(config.kiosk.library_name, devices.printer, clock)
    session = Session(backend=backend, circulator=circulator, rules=config.identifiers, settings=config.kiosk,
                      clock=clock, receipts=receipts, hub=hub, reachability=reachability)
    pads = PadRouter(clock, hub=hub, session=session, journal=journal, pad_of=devices.device_of,
                     scan_log=devices.scans, lang=config.kiosk.languages[0])
    sync = SyncWorker(circulator, reachability=reachability, heartbeat_seconds=config.sync.heartbeat_seconds,
                      max_backoff_seconds=config.sync.max_backoff_seconds, device_statuses=devices.status_words)
    devices.start()
    return Kiosk(config=config, clock=clock, hub=hub, journal=journal, backend=backend, broker=broker,
                 reachability=reachability, circulator=circulator, receipts=receipts, session=session,
                 devices=devices, pads=pads, sync=sync, ticker=Ticker(session.tick),
                 found=FoundDevices(on_change=lambda: hub.changed("discovery")))
