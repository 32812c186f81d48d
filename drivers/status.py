"""Device status shared by every driver."""
from __future__ import annotations

from enum import Enum


class DeviceStatus(str, Enum):
    """Where a device is in its life: shown on the staff screen and the status bar."""

    CONNECTING = "connecting"
    READY = "ready"
    ERROR = "error"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"
