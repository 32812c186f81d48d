"""Backends: the library systems the kiosk can talk to, chosen by ``[backend] kind``.

An explicit registry from kind to factory; a ``sip2`` backend is added beside ``central``.
"""
from __future__ import annotations

from typing import Callable

from kiosk.backends.base import Backend, BackendRejected, BackendUnavailable
from kiosk.config import BackendSection

__all__ = ["BACKENDS", "Backend", "BackendRejected", "BackendUnavailable", "build_backend"]


def _central(section: BackendSection) -> Backend:
    from kiosk.backends.central import CentralBackend

    return CentralBackend(section.url, section.token, timeout=section.timeout_seconds,
                          connect_timeout=section.connect_timeout_seconds)


BACKENDS: dict[str, Callable[[BackendSection], Backend]] = {
    "central": _central,
}


def build_backend(section: BackendSection) -> Backend:
    """Create the backend the [backend] section names."""
    try:
        factory = BACKENDS[section.kind]
    except KeyError:
        raise ValueError(f"The backend kind '{section.kind}' is not one this kiosk knows "
                         f"({', '.join(sorted(BACKENDS))}).") from None
    return factory(section)
