"""Device status shared by every driver, and what a receipt printer says about itself."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DeviceStatus(str, Enum):
    """Where a device is in its life: shown on the staff screen and the status bar."""

    CONNECTING = "connecting"
    READY = "ready"
    ERROR = "error"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says about itself."""

    online: bool
    paper: str = "ok"  # ok | near_end | out | unknown
    cover_open: bool = False
    detail: str = ""

    def problem(self) -> str | None:
        """The sentence a librarian should read when the printer cannot print, else None."""
        if self.paper == "out":
            return "The receipt printer is out of paper."
        if self.cover_open:
            return "The receipt printer's cover is open."
        if not self.online:
            return self.detail or "The receipt printer is offline."
        return None
