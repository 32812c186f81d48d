"""The kiosk's SIP2 backend: the kiosk as a self-check (SC) talking to a library system (ACS) over SIP2.

The lead registers it in ``kiosk.backends.BACKENDS`` with :func:`parse_settings` (the ``[backend]
kind = "sip2"`` table) and :func:`build`; the staff command ``kiosk sip2`` is
:data:`kiosk.backends.sip2.cli.sip2_command`.
"""
from __future__ import annotations

from kiosk.backends.sip2.backend import Sip2Backend
from kiosk.backends.sip2.settings import Sip2Settings, parse_settings

__all__ = ["Sip2Backend", "Sip2Settings", "build", "parse_settings"]


def build(settings: Sip2Settings, clock=None) -> Sip2Backend:
    """The SIP2 backend for these settings (it connects on first use, not here)."""
    return Sip2Backend(settings, clock=clock)
