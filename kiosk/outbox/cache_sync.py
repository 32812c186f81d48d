"""Delta sync: keeps the offline caches fresh from the backend's patrons(), items() and loan_rules().

A daemon thread asks for what changed after the last cursor every ``cache_refresh_seconds`` while
the backend answers, page by page; each page and its cursor are committed together, so an
interrupted sync resumes where it stopped. A backend without delta sync (``NotSupported``) is
noted once and left alone: the kiosk then signs patrons in offline only as its policy allows
without a cache.
"""
from __future__ import annotations

import logging
import threading

from kiosk.backends.port import Backend, BackendError, BackendUnavailable, NotSupported
from kiosk.outbox.caches import Caches
from kiosk.outbox.monitor import BackendMonitor

log = logging.getLogger("kiosk.cache_sync")
MAX_PAGES = 10_000  # a runaway cursor must not keep the thread forever


class CacheSync:
    """Pulls cache changes from the backend; one run at a time."""

    def __init__(self, backend: Backend, caches: Caches, monitor: BackendMonitor, *, interval: float = 300.0,
                 hub=None):
        self.backend, self.caches, self.monitor, self.interval = backend, caches, monitor, interval
        self._on_change = (lambda: hub.changed("caches")) if hub is not None else (lambda: None)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.supported = bool(getattr(backend.capabilities, "delta_sync", False))
        self.last_error: str | None = None
        if hub is not None:
            from kiosk.hub import BACKEND_BACK

            hub.subscribe(BACKEND_BACK, lambda _: self.wake())

    def run_once(self) -> bool:
        """Sync patrons, items and loan rules now; True when all three came through."""
        if not self.supported:
            return False
        with self._lock:
            try:
                self._pages("patrons")
                self._pages("items")
                self.caches.store_loan_rules(self.backend.loan_rules())
            except NotSupported as exc:
                self.supported = False
                log.info("no delta sync from this backend: %s", exc)
                return False
            except BackendError as exc:
                self.last_error = getattr(exc, "detail", "") or str(exc)
                if isinstance(exc, BackendUnavailable):
                    self.monitor.failed(exc)
                log.warning("cache sync stopped: %s", self.last_error)
                return False
        self.last_error = None
        self.monitor.succeeded()
        self._on_change()
        return True

    def _pages(self, which: str) -> None:
        cursor = self.caches.meta(f"{which}_cursor")
        for _ in range(MAX_PAGES):
            page = getattr(self.backend, which)(cursor)
            if which == "patrons":
                self.caches.store_patrons(page.records, page.cursor, page.hash_key)
            else:
                self.caches.store_items(page.records, page.cursor)
            if not page.more or page.cursor == cursor:
                return
            cursor = page.cursor
        log.error("%s sync gave more than %d pages; stopped", which, MAX_PAGES)

    def start(self) -> None:
        """Start the thread (its first run is at once)."""
        if self._thread is not None or not self.supported:
            return
        self._thread = threading.Thread(target=self._run, name="kiosk-cache-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Sync now (the backend came back)."""
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.monitor.online:
                try:
                    self.run_once()
                except Exception:  # the thread must outlive a bad page; logged once per run
                    log.exception("cache sync failed")
            self._wake.wait(self.interval)
            self._wake.clear()
