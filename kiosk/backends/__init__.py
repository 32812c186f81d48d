"""Backends: the library systems the kiosk can talk to, chosen by ``[backend] kind``.

An explicit registry from kind to a :class:`BackendKind`: a parser of the kind's own keys of the
``[backend]`` table (with kiosk.config_reader's Reader, so mistakes name the file and key) and a
factory that builds the backend from those settings and a :class:`BackendContext`. The ``sip2``
kind is added beside ``central``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kiosk.backends.port import (
    Backend, BackendAuthRefused, BackendError, BackendRejected, BackendUnavailable, Capabilities, Delivery,
    NotSupported,
)
from kiosk.config_reader import Reader

__all__ = ["BACKENDS", "Backend", "BackendAuthRefused", "BackendContext", "BackendError", "BackendKind",
           "BackendRejected", "BackendUnavailable", "Capabilities", "CentralSettings", "Delivery", "NotSupported",
           "build_backend", "parse_backend"]

DEMO_TOKEN = "demo-kiosk-token"


@dataclass(frozen=True)
class BackendContext:
    """What the kiosk hands a backend it builds: its journal (for the backend's own notes), its report."""

    journal: Any = None  # kiosk.outbox.journal.Journal: state_get/state_set keep e.g. the wire numbering
    report: Callable[[], dict] = dict  # {"devices": {name: status}, "journal_pending": n} for heartbeats
    with_pin_hash: bool = False  # the offline policy wants PIN hashes in the patron cache


@dataclass(frozen=True)
class BackendKind:
    """One kind of backend: ``parse(reader, env, demo)`` -> settings; ``build(settings, context)`` -> Backend."""

    parse: Callable[[Reader, Mapping[str, str], bool], Any]
    build: Callable[[Any, BackendContext], Backend]


@dataclass(frozen=True)
class CentralSettings:
    """[backend] of kind "central": this project's central server."""

    url: str
    token: str = field(repr=False, default="")
    timeout_seconds: float = 5.0
    connect_timeout_seconds: float = 2.0
    batch_size: int = 500

    def describe(self) -> str:
        """One line for `kiosk check-config`."""
        return f"central at {self.url} (answer within {self.timeout_seconds:g} s)"


_CENTRAL_KEYS = {"kind", "url", "url_env", "token_env", "timeout_seconds", "connect_timeout_seconds", "batch_size"}


def _parse_central(r: Reader, env: Mapping[str, str], demo: bool) -> CentralSettings:
    if "token" in r.table:
        r.fail("token", "must not be written in the file; put the token in the KIOSK_TOKEN environment variable")
    r.check_known(_CENTRAL_KEYS)
    url = r.text("url")
    url_env = r.text("url_env") if "url_env" in r.table else None
    if url_env and env.get(url_env, "").strip():
        url = env[url_env].strip()  # e.g. CENTRAL_URL moves the demo central to another port
    if not re.match(r"^https?://[^/\s:]+", url):
        r.fail("url", "must start with http:// or https:// followed by the server's name")
    token_env = r.text("token_env", "KIOSK_TOKEN")
    token = env.get(token_env, "").strip() or (DEMO_TOKEN if demo else "")
    if not token:
        r.fail("", f"the kiosk token is missing: set the environment variable {token_env}")
    return CentralSettings(url=url.rstrip("/"), token=token,
                           timeout_seconds=float(r.number("timeout_seconds", 5, 0.1, 120)),
                           connect_timeout_seconds=float(r.number("connect_timeout_seconds", 2, 0.1, 60)),
                           batch_size=r.number("batch_size", 500, 1, 500, whole=True))


def _build_central(settings: CentralSettings, context: BackendContext) -> Backend:
    from kiosk.backends.central import CentralBackend

    return CentralBackend(settings.url, settings.token, timeout=settings.timeout_seconds,
                          connect_timeout=settings.connect_timeout_seconds, journal=context.journal,
                          report=context.report, batch_size=settings.batch_size,
                          with_pin_hash=context.with_pin_hash)


def _parse_sip2(r: Reader, env: Mapping[str, str], demo: bool):
    from kiosk.backends.sip2 import parse_settings

    return parse_settings(r.table, f"{r.source}: [{r.section}]", env, demo=demo)


def _build_sip2(settings, context: BackendContext) -> Backend:
    from kiosk.backends.sip2 import build

    return build(settings)


BACKENDS: dict[str, BackendKind] = {
    "central": BackendKind(parse=_parse_central, build=_build_central),
    "sip2": BackendKind(parse=_parse_sip2, build=_build_sip2),
}


def parse_backend(r: Reader, env: Mapping[str, str], demo: bool) -> tuple[str, Any]:
    """Read ``[backend]``: its ``kind``, and the rest of the table by that kind's own parser."""
    kind = r.text("kind", "central")
    if kind not in BACKENDS:
        r.fail("kind", f"is '{kind}'; the kinds this kiosk knows are: {', '.join(sorted(BACKENDS))}")
    return kind, BACKENDS[kind].parse(r, env, demo)


def build_backend(section, context: BackendContext | None = None) -> Backend:
    """Create the backend the [backend] section names."""
    try:
        kind = BACKENDS[section.kind]
    except KeyError:
        raise ValueError(f"The backend kind '{section.kind}' is not one this kiosk knows "
                         f"({', '.join(sorted(BACKENDS))}).") from None
    return kind.build(section.settings, context or BackendContext())
