"""Reading a TOML config file and its tables, turning every mistake into a sentence naming file and key."""
from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which file, which key and why."""


def read_toml(path: str | os.PathLike) -> dict:
    """Parse the file; a missing, unreadable, non-UTF-8 or malformed file says so (with the TOML line)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{source}: the configuration file does not exist.") from None
    except OSError as exc:
        raise ConfigError(f"{source}: the configuration file cannot be read ({exc.strerror}).") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: the file is not UTF-8 text; save it again as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "unreadable"
        where = f"line {found.group(1)}, column {found.group(2)}" if found else "somewhere"
        raise ConfigError(f"{source}: this is not valid TOML at {where}: {reason}.") from None


class Reader:
    """Reads one table of the file, turning every mistake into a ConfigError naming file and key."""

    def __init__(self, source: str, section: str, table: Any):
        self.source, self.section = source, section
        if not isinstance(table, dict):
            self.fail("", "must be a table (a [section] of keys)")
        self.table = table

    def fail(self, key: str, problem: str):
        where = f"[{self.section}] " if self.section else ""
        raise ConfigError(f"{self.source}: {where}{key + ' ' if key else ''}{problem}")

    def check_known(self, known: set[str]) -> None:
        for key in self.table:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"; did you mean {close[0]}?" if close else f"; the keys are: {', '.join(sorted(known))}"
                self.fail("", f"has an unknown key '{key}'{hint}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            self.fail(key, "is missing")
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty text in quotes")
        return value.strip()

    def number(self, key: str, default: float, low: float, high: float, whole: bool = False) -> Any:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)):
            self.fail(key, f"must be a {'whole ' if whole else ''}number")
        if not low <= value <= high:
            self.fail(key, f"must be between {low:g} and {high:g} (it is {value:g})")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, 'must be a list of texts in quotes, like ["2"]')
        return tuple(v.strip() for v in value)


