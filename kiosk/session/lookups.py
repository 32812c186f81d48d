"""Look-ups for the screen (sign-in, a title) with a deadline, so a frozen server never freezes a scan.

Once started, each look-up runs on a small pool and the caller waits at most ``deadline`` seconds;
past it the caller falls back to the offline caches while the slow call finishes (or times out) on
its own. Before :meth:`Lookups.start` (tests, tools) calls run inline on the caller's thread.
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class LookupTimeout(Exception):
    """The backend did not answer a look-up within the deadline."""

    def __init__(self, seconds: float):
        super().__init__(f"no answer within {seconds:g} s")
        self.detail = str(self)


class Lookups:
    """Runs backend look-ups with a deadline."""

    def __init__(self, deadline: float = 1.5, workers: int = 4):
        self.deadline, self.workers = deadline, workers
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Run look-ups on the pool from now on (the kiosk's threads start)."""
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="kiosk-lookup")

    def stop(self) -> None:
        """Stop the pool without waiting for calls still hanging on the network."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def ask(self, call: Callable[[], T]) -> T:
        """``call()``'s result, or LookupTimeout after the deadline; its own exceptions pass through."""
        pool = self._pool
        if pool is None:
            return call()
        future = pool.submit(call)
        try:
            return future.result(timeout=self.deadline)
        except concurrent.futures.TimeoutError:
            raise LookupTimeout(self.deadline) from None
