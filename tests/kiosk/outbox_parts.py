"""The outbox's parts built by hand around a journal file and a backend, for tests that drive them directly."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.backends.central import CentralBackend
from kiosk.hub import Hub
from kiosk.outbox.caches import Caches
from kiosk.outbox.journal import Journal
from kiosk.outbox.monitor import BackendMonitor
from kiosk.outbox.outbox import Outbox
from kiosk.outbox.policy import OfflinePolicy, OfflineSettings
from kiosk.outbox.sender import Sender
from tests.kiosk.fake_central import TOKEN


@dataclass
class Parts:
    """A journal, a central backend, the monitor, the sender and the outbox over them."""

    journal: Journal
    backend: CentralBackend
    monitor: BackendMonitor
    sender: Sender
    outbox: Outbox
    caches: Caches
    hub: Hub

    def close(self) -> None:
        """Stop the sender and close every file and connection."""
        self.sender.stop(2)
        self.backend.close()
        self.caches.close()
        self.journal.close()


def build(path, url: str, clock, *, batch_size: int = 500, max_backoff: float = 0.2,
          settings: OfflineSettings | None = None, token: str = TOKEN, timeout: float = 1.0) -> Parts:
    """The parts over the journal at ``path`` talking to the server at ``url`` (no thread started)."""
    hub = Hub()
    journal = Journal(path, clock)
    backend = CentralBackend(url, token, timeout=timeout, connect_timeout=0.5, journal=journal, batch_size=batch_size)
    monitor = BackendMonitor(clock, base_delay=0.02, max_backoff=max_backoff, on_back=lambda: hub.publish("backend_back"))
    sender = Sender(journal, backend, monitor, hub, heartbeat_seconds=60, idle_seconds=0.05)
    caches = Caches(path.parent / "cache.db", clock)
    policy = OfflinePolicy(settings or OfflineSettings(), caches, journal, clock)
    outbox = Outbox(journal, sender, monitor, policy, hub, answer_wait_seconds=1.0)
    return Parts(journal, backend, monitor, sender, outbox, caches, hub)
