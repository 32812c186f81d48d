"""Assembly in one place: build the kiosk's parts from its config, taking any of them ready-made.

Every part gets what it needs when it is built (the hub included) and subscribes itself there;
nothing is wired afterwards. Tests pass a fake backend, their own journal or devices, a manual
clock, and start no threads.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from kiosk.backends import BackendContext, build_backend
from kiosk.clock import SystemClock
from kiosk.config import KioskConfig
from kiosk.hardware.discovery import FoundDevices
from kiosk.hardware.manager import DeviceManager
from kiosk.hardware.pads import PadRouter
from kiosk.hub import BACKEND_BACK, Hub
from kiosk.outbox.cache_sync import CacheSync
from kiosk.outbox.caches import Caches
from kiosk.outbox.journal import Journal
from kiosk.outbox.monitor import BackendMonitor
from kiosk.outbox.outbox import Outbox
from kiosk.outbox.policy import OfflinePolicy
from kiosk.outbox.sender import Sender
from kiosk.session.classify import Classifier
from kiosk.session.lookups import Lookups
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
    caches: Caches
    backend: object
    broker: Broker
    monitor: BackendMonitor
    policy: OfflinePolicy
    sender: Sender
    outbox: Outbox
    cache_sync: CacheSync
    lookups: Lookups
    receipts: ReceiptDesk
    session: Session
    devices: DeviceManager
    pads: PadRouter
    ticker: Ticker
    found: FoundDevices = field(default_factory=FoundDevices)  # discovery, started by the staff device page
    threads_started: bool = False

    def start_threads(self) -> None:
        """Start the hub's dispatcher, the sender (which sends what a crash left pending), cache sync and the ticker."""
        self.hub.start()
        self.lookups.start()
        self.sender.start()
        self.cache_sync.start()
        self.ticker.start()
        self.threads_started = True

    def close(self) -> None:
        """Stop threads and devices, end SSE streams, close the journal: a clean shutdown."""
        self.broker.close()
        self.ticker.stop(1.0)
        self.found.stop()
        self.devices.stop()
        self.hub.stop(1.0)
        self.cache_sync.stop(1.0)
        self.sender.stop(1.5)  # a daemon thread: if a backend call is still waiting, exit does not
        self.lookups.stop()
        close = getattr(self.backend, "close", None)
        if close:
            close()
        self.caches.close()
        self.journal.close()


def bootstrap(config: KioskConfig, *, backend=None, devices: DeviceManager | None = None,
              journal: Journal | None = None, clock=None, policy: OfflinePolicy | None = None) -> Kiosk:
    """Build the kiosk's parts in the order they need each other; devices are started, threads are not."""
    clock = clock or SystemClock()
    hub = devices.hub if devices is not None else Hub()
    broker = Broker(hub=hub)
    journal = journal or Journal(config.journal.path, clock)
    caches = Caches(journal.path.parent / "cache.db", clock)
    classifier = Classifier(config.identifiers, item_known=lambda code: caches.item(code) is not None)
    devices = devices or DeviceManager(config.devices, hub=hub, clock=clock, describe=classifier.describe)
    monitor = BackendMonitor(clock, max_backoff=config.sync.max_backoff_seconds,
                             on_change=lambda: hub.changed("backend"), on_back=lambda: hub.publish(BACKEND_BACK))
    backend = backend or build_backend(config.backend, BackendContext(
        journal=journal, report=lambda: {"devices": devices.status_words(), "journal_pending": journal.counts()["pending"]},
        with_pin_hash=config.offline.pin_patrons == "cached_pin_hash"))
    policy = policy or OfflinePolicy(config.offline, caches, journal, clock)
    sender = Sender(journal, backend, monitor, hub, heartbeat_seconds=config.sync.heartbeat_seconds,
                    lang=config.kiosk.languages[0])
    outbox = Outbox(journal, sender, monitor, policy, hub, answer_wait_seconds=config.offline.answer_wait_seconds)
    lookups = Lookups(config.offline.answer_wait_seconds)
    receipts = ReceiptDesk(config.kiosk.library_name, devices.printer, clock)
    session = Session(backend=backend, outbox=outbox, policy=policy, classifier=classifier, settings=config.kiosk,
                      clock=clock, receipts=receipts, lookups=lookups, hub=hub, monitor=monitor,
                      titles=lambda barcode: getattr(caches.item(barcode), "title", None))
    pads = PadRouter(clock, hub=hub, session=session, journal=journal, pad_of=devices.device_of,
                     scan_log=devices.scans, lang=config.kiosk.languages[0])
    cache_sync = CacheSync(backend, caches, monitor, interval=config.offline.cache_refresh_seconds, hub=hub)
    devices.start()
    return Kiosk(config=config, clock=clock, hub=hub, journal=journal, caches=caches, backend=backend, broker=broker,
                 monitor=monitor, policy=policy, sender=sender, outbox=outbox, cache_sync=cache_sync, lookups=lookups,
                 receipts=receipts, session=session, devices=devices, pads=pads, ticker=Ticker(session.tick),
                 found=FoundDevices(on_change=lambda: hub.changed("discovery")))
