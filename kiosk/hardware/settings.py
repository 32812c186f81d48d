"""Device sections: the config's, and the staff screen's saved ones in an override file next to the journal.

Staff change a device on the kiosk itself (no file editing); the kiosk writes the changed
``[devices.NAME]`` sections to ``devices.toml`` in the journal's folder (temp file, fsync,
rename: a power cut leaves the old file or the new one, never half of one). Loading the
config merges that file over the config's device sections, name by name. The override file
is read tolerantly: a broken section becomes a device in ERROR with the sentence, and a file
that is not TOML at all is reported and ignored, so a bad save can never stop the kiosk.
"""
from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.registry import KINDS as DEVICE_KINDS

OVERRIDE_NAME = "devices.toml"
_HEADER = ("# Device settings saved from the kiosk's staff screen. They replace the [devices.NAME]\n"
           "# sections of the same name in the kiosk's config file. Written by the kiosk; edit with care.\n")


@dataclass(frozen=True)
class DeviceSection:
    """[devices.NAME]: one device; ``settings`` go to drivers.registry.build_device untouched.

    ``origin`` is "config" or "override" (saved from the staff screen); ``problem`` is set when
    the section cannot be used at all (a broken saved section): the device shows ERROR with it.
    """

    name: str
    kind: str
    driver: str
    settings: dict[str, Any]
    origin: str = "config"
    problem: str | None = field(default=None, compare=False)


def override_path(journal_path: Path) -> Path:
    """Where the staff screen's device settings live: next to the journal."""
    return Path(journal_path).parent / OVERRIDE_NAME


def read_overrides(path: Path) -> tuple[list[DeviceSection], str | None]:
    """The saved sections (broken ones carry ``problem``), and a sentence if the whole file is unusable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        return [], f"The saved device settings in {path} cannot be read ({exc.strerror}); the config file's are used."
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], (f"The saved device settings in {path} are damaged ({exc}); the config file's are used. "
                    f"Save the devices again on this screen to repair it.")
    devices = data.get("devices", {})
    if not isinstance(devices, dict):
        return [], f"The saved device settings in {path} have no [devices.NAME] sections; the config file's are used."
    return [_section(name, table, path) for name, table in devices.items()], None


def _section(name: str, table: Any, path: Path) -> DeviceSection:
    where = f"[devices.{name}] in {path}"
    if not isinstance(table, dict):
        return DeviceSection(name, "unknown", "unknown", {}, "override", f"{where} is not a table of settings.")
    kind, driver = table.get("kind"), table.get("driver")
    settings = {k: v for k, v in table.items() if k != "kind"}
    if kind not in DEVICE_KINDS:
        return DeviceSection(name, str(kind or "unknown"), str(driver or "unknown"), settings, "override",
                             f"{where} has kind {kind!r}; it must be one of: {', '.join(DEVICE_KINDS)}.")
    if not isinstance(driver, str) or not driver.strip():
        return DeviceSection(name, kind, "unknown", settings, "override", f"{where} has no driver.")
    return DeviceSection(name, kind, driver, settings, "override")


def merge(config: tuple[DeviceSection, ...], overrides: list[DeviceSection]) -> tuple[DeviceSection, ...]:
    """Config sections with saved ones replacing those of the same name (new names are added)."""
    saved = {s.name: s for s in overrides}
    merged = [saved.pop(s.name, s) for s in config]
    return tuple(merged + list(saved.values()))


def save_override(path: Path, section: DeviceSection) -> str | None:
    """Write ``section`` into the override file atomically; returns the backup path if a damaged file was kept aside."""
    backup = None
    tables: dict[str, dict[str, Any]] = {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
        devices = data.get("devices", {})
        tables = {n: t for n, t in devices.items() if isinstance(t, dict)} if isinstance(devices, dict) else {}
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # Never lose what was there: keep the damaged file beside the new one for a technician.
        backup = str(path.with_name(path.name + ".damaged"))
        os.replace(path, backup)
    tables[section.name] = {"kind": section.kind, "driver": section.driver,
                            **{k: v for k, v in section.settings.items() if k not in ("kind", "driver")}}
    write_atomically(path, _HEADER + "\n" + to_toml(tables))
    return backup


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: temp file in the same folder, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself must survive a power cut too
    finally:
        os.close(folder)


# ----- a small TOML writer: device sections hold only texts, numbers, true/false and lists of them ----
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def to_toml(tables: dict[str, dict[str, Any]]) -> str:
    """``{name: {key: value}}`` as ``[devices.NAME]`` tables; raises ValueError for values TOML cannot hold here."""
    out = []
    for name, table in tables.items():
        out.append(f"[devices.{_key(name)}]")
        out.extend(f"{_key(key)} = {_value(value, key)}" for key, value in table.items())
        out.append("")
    return "\n".join(out)


def _key(key: str) -> str:
    # fullmatch: ``$`` alone also matches before a final newline, and "0\n" is no bare key.
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    escaped = "".join(_ESCAPES.get(ch, f"\\u{ord(ch):04X}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch)
                      for ch in text)
    return f'"{escaped}"'


def _value(value: Any, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"The setting '{key}' is not a usable number.")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v, key) for v in value) + "]"
    raise ValueError(f"The setting '{key}' cannot be saved (it is a {type(value).__name__}).")
