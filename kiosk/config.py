"""Kiosk configuration: a TOML file validated into typed sections, secrets from the environment.

Every error names the file and the key in words a librarian can act on, e.g.
``config/kiosk.toml: [backend] url must start with http:// or https://``.
Relative paths (the journal) are relative to the folder the config file is in, so a kiosk
behaves the same whatever directory it is started from.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.registry import KINDS as DEVICE_KINDS
from kiosk.backends import DEMO_TOKEN, parse_backend
from kiosk.config_reader import ConfigError, Reader, read_toml
from kiosk.hardware.settings import DeviceSection, merge, override_path, read_overrides
from kiosk.outbox.policy import PIN_MODES, SIGN_IN_MODES, OfflineSettings
from protocol.circulation import LANGUAGES
from protocol.identifiers import IdentifierRules

__all__ = ["DEMO_TOKEN", "ConfigError", "DeviceSection", "KioskConfig", "load_config", "parse_config"]

CONFIG_VERSION = 1
DEMO_STAFF_PIN = "0000"
RECEIPT_POLICIES = ("ask", "always", "never")


@dataclass(frozen=True)
class KioskSection:
    """[kiosk]: who this kiosk is and how its screen behaves."""

    id: str
    name: str
    library_name: str
    languages: tuple[str, ...] = ("en", "es")
    idle_timeout_seconds: int = 45
    warning_seconds: int = 10
    receipt: str = "ask"


@dataclass(frozen=True)
class BackendSection:
    """[backend]: the library system the kiosk talks to: its ``kind`` and that kind's own settings."""

    kind: str
    settings: Any  # e.g. kiosk.backends.CentralSettings, parsed by the kind's own parser


@dataclass(frozen=True)
class JournalSection:
    """[journal]: where the write-ahead journal lives."""

    path: Path


@dataclass(frozen=True)
class SyncSection:
    """[sync]: how the sender paces its tries and reports in (heartbeats)."""

    heartbeat_seconds: float = 30.0
    max_backoff_seconds: float = 60.0


@dataclass(frozen=True)
class StaffSection:
    """[staff]: the staff mode PIN (from the environment) and its auto-lock."""

    pin: str = field(repr=False, default="")
    lock_after_seconds: int = 120


@dataclass(frozen=True)
class DemoSection:
    """[demo]: demo defaults and the developer panel's quick buttons."""

    enabled: bool = False
    sample_patrons: tuple[str, ...] = ()
    sample_items: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # barcode -> name shown beside it (set by `kiosk demo`)


@dataclass(frozen=True)
class KioskConfig:
    """The whole validated configuration."""

    path: Path
    config_version: int
    kiosk: KioskSection
    backend: BackendSection
    journal: JournalSection
    identifiers: IdentifierRules
    sync: SyncSection = SyncSection()
    offline: OfflineSettings = OfflineSettings()
    staff: StaffSection = StaffSection()
    devices: tuple[DeviceSection, ...] = ()
    demo: DemoSection = DemoSection()
    overrides_path: Path | None = None  # the staff screen's saved device sections (next to the journal)
    overrides_problem: str | None = None  # why that file could not be used, if it could not

    @property
    def has_simulated_devices(self) -> bool:
        """True when any device uses the simulated driver (the developer panel is shown)."""
        return any(device.driver == "simulated" for device in self.devices)


_KNOWN = {
    "": {"config_version", "kiosk", "backend", "journal", "sync", "offline", "identifiers", "staff", "devices",
         "demo"},
    "kiosk": {"id", "name", "library_name", "languages", "idle_timeout_seconds", "warning_seconds", "receipt"},
    "offline": {"sign_in", "pin_patrons", "checkout_limit", "default_loan_days", "unknown_items", "renewals",
                "answer_wait_seconds", "cache_refresh_seconds"},
    "journal": {"path"},
    "sync": {"heartbeat_seconds", "max_backoff_seconds"},
    "identifiers": {"patron_prefixes", "item_prefixes", "accept_isbn", "accept_other"},
    "staff": {"pin_env", "lock_after_seconds"},
    "demo": {"enabled", "sample_patrons", "sample_items"},
}


def load_config(path: str | os.PathLike, env: Mapping[str, str] | None = None) -> KioskConfig:
    """Read and validate a kiosk TOML file; secrets come from ``env`` (the process environment)."""
    env = os.environ if env is None else env
    data = read_toml(path)
    return parse_config(data, Path(path), env)


def parse_config(data: dict, path: Path, env: Mapping[str, str]) -> KioskConfig:
    """Validate already-parsed TOML ``data`` as the file at ``path`` would be."""
    source = str(path)
    top = Reader(source, "", data)
    top.check_known(_KNOWN[""])
    version = data.get("config_version")
    if version is None:
        top.fail("", f"needs config_version = {CONFIG_VERSION} at the top of the file")
    if version != CONFIG_VERSION:
        top.fail("config_version", f"is {version!r}; this kiosk understands config_version = {CONFIG_VERSION}")
    for required in ("kiosk", "backend", "journal"):
        if required not in data:
            top.fail("", f"needs a [{required}] section")
    demo = _demo(Reader(source, "demo", data.get("demo", {})))
    journal = _journal(Reader(source, "journal", data["journal"]), path)
    overrides = override_path(journal.path)
    saved, overrides_problem = read_overrides(overrides)
    return KioskConfig(
        path=path,
        config_version=version,
        kiosk=_kiosk(Reader(source, "kiosk", data["kiosk"])),
        backend=_backend(Reader(source, "backend", data["backend"]), env, demo.enabled),
        journal=journal,
        identifiers=_identifiers(Reader(source, "identifiers", data.get("identifiers", {}))),
        sync=_sync(Reader(source, "sync", data.get("sync", {}))),
        offline=_offline(Reader(source, "offline", data.get("offline", {}))),
        staff=_staff(Reader(source, "staff", data.get("staff", {})), env, demo.enabled),
        devices=merge(_devices(source, data.get("devices", {})), saved),
        demo=demo,
        overrides_path=overrides,
        overrides_problem=overrides_problem,
    )


def _kiosk(r: Reader) -> KioskSection:
    r.check_known(_KNOWN["kiosk"])
    languages = r.texts("languages", ("en", "es"))
    if not languages:
        r.fail("languages", "needs at least one language")
    for lang in languages:
        if lang not in LANGUAGES:
            r.fail("languages", f"has '{lang}'; the kiosk speaks: {', '.join(LANGUAGES)}")
    timeout = r.number("idle_timeout_seconds", 45, 20, 600, whole=True)
    warning = r.number("warning_seconds", 10, 0, 60, whole=True)
    if warning >= timeout:
        r.fail("warning_seconds", "must be shorter than idle_timeout_seconds")
    receipt = r.text("receipt", "ask")
    if receipt not in RECEIPT_POLICIES:
        r.fail("receipt", f"must be one of: {', '.join(RECEIPT_POLICIES)}")
    return KioskSection(id=r.text("id"), name=r.text("name"), library_name=r.text("library_name"),
                        languages=languages, idle_timeout_seconds=timeout, warning_seconds=warning,
                        receipt=receipt)


def _backend(r: Reader, env: Mapping[str, str], demo: bool) -> BackendSection:
    kind, settings = parse_backend(r, env, demo)
    return BackendSection(kind=kind, settings=settings)


def _offline(r: Reader) -> OfflineSettings:
    r.check_known(_KNOWN["offline"])
    sign_in = r.text("sign_in", "cache")
    if sign_in not in SIGN_IN_MODES:
        r.fail("sign_in", f"must be one of: {', '.join(SIGN_IN_MODES)}")
    pins = r.text("pin_patrons", "card_only")
    if pins not in PIN_MODES:
        r.fail("pin_patrons", f"must be one of: {', '.join(PIN_MODES)}")
    return OfflineSettings(sign_in=sign_in, pin_patrons=pins,
                           checkout_limit=r.number("checkout_limit", 5, 0, 100, whole=True),
                           default_loan_days=r.number("default_loan_days", 14, 1, 365, whole=True),
                           unknown_items=r.flag("unknown_items", True), renewals=r.flag("renewals", False),
                           answer_wait_seconds=float(r.number("answer_wait_seconds", 1.5, 0.1, 30)),
                           cache_refresh_seconds=float(r.number("cache_refresh_seconds", 300, 10, 86400)))


def _journal(r: Reader, config_path: Path) -> JournalSection:
    r.check_known(_KNOWN["journal"])
    raw = r.text("path")
    if raw == ":memory:":
        r.fail("path", "must be a file: the journal has to survive a restart")
    journal = Path(raw).expanduser()
    if not journal.is_absolute():
        journal = (config_path.resolve().parent / journal).resolve()
    return JournalSection(path=journal)


def _identifiers(r: Reader) -> IdentifierRules:
    r.check_known(_KNOWN["identifiers"])
    patrons = r.texts("patron_prefixes", ("2",))
    items = r.texts("item_prefixes", ("3",))
    for key, prefixes in (("patron_prefixes", patrons), ("item_prefixes", items)):
        if not prefixes or not all(p.isdigit() for p in prefixes):
            r.fail(key, 'must be a list of digits, like ["2"]')
    overlap = set(patrons) & set(items)
    if overlap:
        r.fail("item_prefixes", f"shares {', '.join(sorted(overlap))} with patron_prefixes; a barcode must be one or the other")
    return IdentifierRules(patron_prefixes=patrons, item_prefixes=items, accept_isbn=r.flag("accept_isbn", True),
                           accept_other=r.flag("accept_other", False))


def _sync(r: Reader) -> SyncSection:
    r.check_known(_KNOWN["sync"])
    return SyncSection(heartbeat_seconds=float(r.number("heartbeat_seconds", 30, 1, 3600)),
                       max_backoff_seconds=float(r.number("max_backoff_seconds", 60, 1, 3600)))


def _staff(r: Reader, env: Mapping[str, str], demo: bool) -> StaffSection:
    if "pin" in r.table:
        r.fail("pin", "must not be written in the file; put it in the KIOSK_STAFF_PIN environment variable")
    r.check_known(_KNOWN["staff"])
    pin_env = r.text("pin_env", "KIOSK_STAFF_PIN")
    pin = env.get(pin_env, "").strip() or (DEMO_STAFF_PIN if demo else "")
    if not pin:
        r.fail("", f"the staff PIN is missing: set the environment variable {pin_env}")
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        r.fail("", f"the staff PIN in {pin_env} must be 4 to 8 digits")
    return StaffSection(pin=pin, lock_after_seconds=r.number("lock_after_seconds", 120, 15, 3600, whole=True))


def _devices(source: str, table: Any) -> tuple[DeviceSection, ...]:
    devices = []
    Reader(source, "devices", table)
    for name, section in table.items():
        r = Reader(source, f"devices.{name}", section)
        kind = r.text("kind")
        if kind not in DEVICE_KINDS:
            r.fail("kind", f"is '{kind}'; it must be one of: {', '.join(DEVICE_KINDS)}")
        settings = dict(section)
        settings.pop("kind")
        devices.append(DeviceSection(name=name, kind=kind, driver=r.text("driver"), settings=settings))
    return tuple(devices)


def _demo(r: Reader) -> DemoSection:
    r.check_known(_KNOWN["demo"])
    return DemoSection(enabled=r.flag("enabled", False), sample_patrons=r.texts("sample_patrons", ()),
                       sample_items=r.texts("sample_items", ()))
