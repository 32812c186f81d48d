"""The screen's own settings that staff change on site: "Out of order" and sound cues.

Kept in ``screen.json`` next to the journal (temp file, fsync, rename), so a kiosk put out of
order stays out of order after a restart, and a library that turned the sounds off does not hear
them again the next morning. A file that cannot be read is reported once and the defaults are used.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("kiosk.service")
FILE_NAME = "screen.json"


class ScreenSettings:
    """``out_of_order`` and ``sounds``, read once and written through on every change."""

    def __init__(self, path: Path | None, on_change=None):
        self.path = path
        self.on_change = on_change or (lambda: None)
        self._lock = threading.Lock()
        self.out_of_order = False
        self.sounds = True
        self.problem: str | None = None
        if path is not None and path.exists():
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            self.problem = f"{path.name} could not be read ({exc}); the screen starts in service with sounds on."
            log.error("%s", self.problem)
            return
        self.out_of_order = data.get("out_of_order") is True
        self.sounds = data.get("sounds") is not False

    def set(self, *, out_of_order: bool | None = None, sounds: bool | None = None) -> None:
        """Change one or both settings and keep them on disk."""
        with self._lock:
            if out_of_order is not None:
                self.out_of_order = out_of_order
            if sounds is not None:
                self.sounds = sounds
            self._write()
        self.on_change()

    def _write(self) -> None:
        if self.path is None:
            return
        temp = self.path.with_suffix(".json.tmp")
        try:
            with open(temp, "w", encoding="utf-8") as out:
                json.dump({"out_of_order": self.out_of_order, "sounds": self.sounds}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:  # the setting still holds until the kiosk restarts
            log.error("screen settings not saved to %s: %s", self.path, exc)
            self.problem = f"{self.path} could not be written: {exc.strerror or exc}"
