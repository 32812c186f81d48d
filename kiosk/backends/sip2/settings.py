"""The ``[backend] kind = "sip2"`` section: where the library system is and how it speaks SIP2.

Every mistake is a :class:`kiosk.config_reader.ConfigError` that names the file and the key, in
words a librarian can act on (``config/kiosk.toml: [backend] port must be a whole number from 1 to
65535``). Passwords never sit in the file: ``password_env`` (and ``terminal_password_env``) name
the environment variables that hold them, as ``token_env`` does for the central server.

A school's kiosk talking to its Koha, Destiny or Evergreen server::

    [backend]
    kind = "sip2"
    host = "sip2.district.org"
    port = 6001
    port_env = "KIOSK_SIP2_PORT"           # optional: a variable that, when set, replaces port
    login_user = "kiosk-library-1"
    password_env = "KIOSK_SIP2_PASSWORD"   # the variable that holds the SIP2 login password
    location_code = "LIB1"                 # CP in the login, AP in each checkin
    institution_id = "LINCOLN"             # AO in every message
    encoding = "cp850"                     # or "utf-8": what the library system uses
    checksum = true                        # AZ; sequence = true for AY (both on by default)
    tls = false                            # tls_ca_file = "...", tls_verify = true
    timeout_seconds = 10                   # connect_timeout_seconds = 5, retries = 2
    no_block = true                        # false for systems that refuse no-block forwards
"""
from __future__ import annotations

import codecs
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.backends.sip2.wireformat import FormatNotSupported, WireFormat
from kiosk.config_reader import ConfigError

DEFAULT_PORT = 6001
DEFAULT_PASSWORD_ENV = "KIOSK_SIP2_PASSWORD"
# The password of the central server's demo login (`central create-sip2-login --demo`), used only when
# [demo] enabled = true and the environment sets none, as the central backend does with its demo token.
DEMO_PASSWORD = "demo-sip2-password"
TERMINATORS = {"CR": "\r", "CRLF": "\r\n", "\r": "\r", "\r\n": "\r\n"}
ENCODINGS = ("cp850", "utf-8", "latin-1", "cp1252", "ascii")
# Characters that can never separate fields: letters and digits start field codes, and line ends
# close messages.
_BAD_DELIMITERS = set("\r\n\0 ")

KNOWN_KEYS = {
    "kind", "host", "port", "port_env", "login_user", "password_env", "location_code", "institution_id",
    "terminal_password_env", "encoding", "delimiter", "terminator", "checksum", "sequence", "tls",
    "tls_ca_file", "tls_verify", "connect_timeout_seconds", "timeout_seconds", "retries", "no_block",
    "strict",
}


@dataclass(frozen=True)
class Sip2Settings:
    """A SIP2 connection as configured: server, login, text format, TLS, timeouts, store-and-forward."""

    host: str
    port: int = DEFAULT_PORT
    login_user: str = ""
    password: str = field(default="", repr=False)
    location_code: str = ""
    institution_id: str = ""
    terminal_password: str = field(default="", repr=False)
    encoding: str = "cp850"
    delimiter: str = "|"
    terminator: str = "\r"
    checksum: bool = True
    sequence: bool = True
    tls: bool = False
    tls_ca_file: str | None = None
    tls_verify: bool = True
    connect_timeout_seconds: float = 5.0
    timeout_seconds: float = 10.0
    retries: int = 2  # resends after a damaged answer, a 96, or a read that found the line dead
    no_block: bool = True  # offline events go with no-block = Y; False forwards them as ordinary ones
    strict: bool = True  # False: a server that leaves out required fields is read leniently

    def describe(self) -> str:
        """One line for staff and logs (no password)."""
        scheme = "sip2+tls" if self.tls else "sip2"
        return f"{scheme}://{self.host}:{self.port} as {self.login_user or '(no login)'}"


class _Table:
    """Reads one key at a time, failing with the file, the section and the key."""

    def __init__(self, table: Any, where: str):
        self.where = where
        if not isinstance(table, Mapping):
            self.fail("", "must be a table (a [backend] section of keys)")
        self.table = table

    def fail(self, key: str, problem: str):
        """Raise the ConfigError for ``key``."""
        raise ConfigError(f"{self.where}: [backend] {key + ' ' if key else ''}{problem}")

    def check_known(self) -> None:
        """Refuse unknown keys, suggesting the nearest known one."""
        for key in self.table:
            if key not in KNOWN_KEYS:
                close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1)
                hint = f"; did you mean {close[0]}?" if close else f"; the keys are: {', '.join(sorted(KNOWN_KEYS))}"
                self.fail("", f"has an unknown key '{key}'{hint}")

    def text(self, key: str, default: str | None = None, *, empty_ok: bool = False) -> str:
        """A text value (non-empty unless ``empty_ok``), which SIP2 can carry: no '|' and no line breaks."""
        value = self.table.get(key, default)
        if value is None:
            self.fail(key, "is missing")
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            self.fail(key, "must be a non-empty text in quotes")
        if key != "delimiter" and any(c in value for c in "|\r\n"):
            self.fail(key, "must not contain '|' or line breaks, which SIP2 cannot carry")
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        """A true/false value."""
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false (without quotes)")
        return value

    def whole(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``."""
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"must be a whole number from {low} to {high}")
        return value

    def seconds(self, key: str, default: float, low: float, high: float) -> float:
        """A number of seconds from ``low`` to ``high``."""
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.fail(key, f"must be a number of seconds from {low:g} to {high:g}")
        return float(value)


def _secret(t: _Table, key: str, default_env: str | None, env: Mapping[str, str], required: bool,
            fallback: str = "") -> str:
    if key not in t.table and default_env is None:
        return ""
    name = t.text(key, default_env)
    value = env.get(name, "") or fallback
    if required and not value:
        t.fail(key, f"names the environment variable {name}, which is not set: set it to the SIP2 login password")
    if any(c in value for c in "|\r\n"):
        t.fail(key, f"names the environment variable {name}, whose value has '|' or a line break, which SIP2 "
                    f"cannot carry")
    return value


def _encoding(t: _Table) -> str:
    raw = t.text("encoding", "cp850")
    try:
        canonical = codecs.lookup(raw).name
    except LookupError:
        canonical = ""
    names = {"cp850": "cp850", "utf-8": "utf-8", "iso8859-1": "latin-1", "latin-1": "latin-1",
             "cp1252": "cp1252", "ascii": "ascii"}
    if canonical not in names:
        t.fail("encoding", f"is '{raw}'; use one of {', '.join(ENCODINGS)} (ask which one the library system uses)")
    return names[canonical]


def _port(t: _Table, env: Mapping[str, str]) -> int:
    port = t.whole("port", DEFAULT_PORT, 1, 65535)
    if "port_env" not in t.table:
        return port
    name = t.text("port_env")
    raw = env.get(name, "").strip()
    if not raw:
        return port
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        t.fail("port_env", f"names the environment variable {name}, whose value '{raw[:20]}' is not a port "
                           f"number from 1 to 65535")
    return int(raw)


def parse_settings(table: Any, where: str, env: Mapping[str, str] | None = None, *,
                   demo: bool = False) -> Sip2Settings:
    """Read a ``[backend]`` table of kind "sip2" into Sip2Settings; ConfigError names the key on any mistake.

    ``demo`` ([demo] enabled = true) lets the password default to the central server's demo login's.
    """
    env = os.environ if env is None else env
    t = _Table(table, where)
    for secret in ("password", "terminal_password"):
        if secret in t.table:
            t.fail(secret, f"must not be written in the file; put it in an environment variable and name that "
                           f"variable with {secret}_env")
    t.check_known()
    if t.table.get("kind", "sip2") != "sip2":
        t.fail("kind", "must be \"sip2\" for these settings")
    host = t.text("host")
    if any(c.isspace() for c in host) or "/" in host:
        t.fail("host", f"'{host}' must be a computer name or address only, without spaces, slashes or sip2://")
    delimiter = t.text("delimiter", "|", empty_ok=True) if "delimiter" in t.table else "|"
    if len(delimiter) != 1 or delimiter in _BAD_DELIMITERS or delimiter.isalnum() or not delimiter.isascii():
        t.fail("delimiter", "must be one punctuation character, such as \"|\" (the standard) or \"^\"")
    terminator = t.table.get("terminator", "CR")
    if terminator not in TERMINATORS:
        t.fail("terminator", "must be \"CR\" (the standard) or \"CRLF\"")
    ca_file = t.text("tls_ca_file") if "tls_ca_file" in t.table else None
    tls = t.flag("tls", False)
    if ca_file is not None:
        if not tls:
            t.fail("tls_ca_file", "is set but tls is not true; set tls = true to use it")
        if not Path(ca_file).expanduser().is_file():
            t.fail("tls_ca_file", f"'{ca_file}' is not a file that exists")
        ca_file = str(Path(ca_file).expanduser())
    settings = Sip2Settings(
        host=host,
        port=_port(t, env),
        login_user=t.text("login_user"),
        password=_secret(t, "password_env", DEFAULT_PASSWORD_ENV, env, required=True,
                         fallback=DEMO_PASSWORD if demo else ""),
        location_code=t.text("location_code", "", empty_ok=True),
        institution_id=t.text("institution_id", "", empty_ok=True),
        terminal_password=_secret(t, "terminal_password_env", None, env, required=False),
        encoding=_encoding(t),
        delimiter=delimiter,
        terminator=TERMINATORS[terminator],
        checksum=t.flag("checksum", True),
        sequence=t.flag("sequence", True),
        tls=tls,
        tls_ca_file=ca_file,
        tls_verify=t.flag("tls_verify", True),
        connect_timeout_seconds=t.seconds("connect_timeout_seconds", 5, 0.1, 60),
        timeout_seconds=t.seconds("timeout_seconds", 10, 0.1, 120),
        retries=t.whole("retries", 2, 0, 10),
        no_block=t.flag("no_block", True),
        strict=t.flag("strict", True),
    )
    try:
        WireFormat.build(encoding=settings.encoding, delimiter=settings.delimiter, terminator=settings.terminator,
                         sequence=settings.sequence, checksum=settings.checksum, strict=settings.strict)
    except FormatNotSupported as exc:
        t.fail(exc.setting, f"cannot be used: {exc}")
    return settings
