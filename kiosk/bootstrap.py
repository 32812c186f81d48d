"""Assembly in one place: build the kiosk's parts from its config, taking any of them ready-made.

Tests pass a fake backend, their own journal or devices, a manual clock, and start no threads.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from kiosk.backends import build_backend
from kiosk.circulation import Circulator, OfflinePolicy
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig
from kiosk.devices import DeviceManager
from kiosk.events import Broker
from kiosk.found_devices import FoundDevices
from kiosk.journal import Journal
from kiosk.receipts import ReceiptDesk
from kiosk.session import Session
from kiosk.sync import Reachability, SyncWorker

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
    journal: Journal
    backend: object
    broker: Broker
    reachability: Reachability
    circulator: Circulator
    receipts: ReceiptDesk
    session: Session
    devices: DeviceManager
    sync: SyncWorker
    ticker: Ticker
    found: FoundDevices = field(default_factory=FoundDevices)  # discovery, started by the staff device page
    threads_started: bool = False

    def start_threads(self) -> None:
        """Start the sync worker (which re-sends what a crash left pending) and the idle ticker."""
        self.sync.start()
        self.ticker.start()
        self.threads_started = True

    def close(self) -> None:
        """Stop threads and devices, end SSE streams, close the journal: a clean shutdown."""
        self.broker.close()
        self.ticker.stop(1.0)
        self.found.stop()
        self.sync.stop(1.5)  # a daemon thread: if a backend call is still waiting, exit does not
        self.devices.stop()
        close = getattr(self.backend, "close", None)
        if close:
            close()
        self.journal.close()


def _settled(outcome, session: Session, devices: DeviceManager) -> None:
    """A circulation answer was committed: the screen's line, then any RFID security bit waiting for it."""
    try:
        session.settled(outcome)
    finally:
        devices.pads.settled(outcome)


def bootstrap(config: KioskConfig, *, backend=None, devices: DeviceManager | None = None,
              journal: Journal | None = None, clock=None, policy: OfflinePolicy | None = None) -> Kiosk:
    """Wire the kiosk's parts; devices are started, background threads are not."""
    clock = clock or SystemClock()
    broker = Broker()
    journal = journal or Journal(config.journal.path, clock)
    backend = backend or build_backend(config.backend)
    reachability = Reachability(clock, on_change=lambda: broker.publish("backend"))
    circulator = Circulator(journal, backend, policy, notify=lambda: broker.publish("journal"))
    devices = devices or DeviceManager(config.devices, clock=clock, lang=config.kiosk.languages[0])
    devices.on_change = broker.publish  # "devices" (a status) or "scans" (the staff screen's last scans)
    devices.pads.journal = journal
    receipts = ReceiptDesk(config.kiosk.library_name, devices.printer, clock)
    session = Session(backend=backend, circulator=circulator, rules=config.identifiers, settings=config.kiosk,
                      clock=clock, receipts=receipts, on_change=lambda: broker.publish("session"),
                      reachability=reachability)
    circulator.on_settled = lambda outcome: _settled(outcome, session, devices)
    circulator.numbering.device_statuses = devices.status_words  # its heartbeat reports the devices too
    devices.start(session)
    sync = SyncWorker(circulator, reachability=reachability, heartbeat_seconds=config.sync.heartbeat_seconds,
                      max_backoff_seconds=config.sync.max_backoff_seconds, device_statuses=devices.status_words)
    return Kiosk(config=config, clock=clock, journal=journal, backend=backend, broker=broker,
                 reachability=reachability, circulator=circulator, receipts=receipts, session=session,
                 devices=devices, sync=sync, ticker=Ticker(session.tick),
                 found=FoundDevices(on_change=lambda: broker.publish("discovery")))
