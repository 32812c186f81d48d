"""Typed driver errors. Messages are sentences a librarian understands."""
from __future__ import annotations


class DeviceError(Exception):
    """Base of every driver error."""


class DeviceConfigError(DeviceError):
    """A device section of the configuration is wrong (unknown driver, bad port, bad option)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key  # the setting that is wrong, when one is to blame


class DeviceUnavailable(DeviceError):
    """The device is not connected, was unplugged, or does not answer."""


class MissingDependency(DeviceError):
    """The Python package a driver needs is not installed (an optional extra)."""

    def __init__(self, package: str, extra: str):
        super().__init__(
            f"This device needs the '{package}' package. Install it with: pip install 'library-kiosk[{extra}]'"
        )
        self.package = package
        self.extra = extra


class PrinterError(DeviceError):
    """The receipt could not be printed."""


class PrinterOffline(PrinterError, DeviceUnavailable):
    """The printer cannot be reached (unplugged, switched off, wrong address) or stopped answering."""


class PaperOut(PrinterError):
    """The printer is out of paper."""

    def __init__(self, message: str = "The receipt printer is out of paper."):
        super().__init__(message)


class CoverOpen(PrinterError):
    """The printer cover is open."""

    def __init__(self, message: str = "The receipt printer's cover is open."):
        super().__init__(message)


class TagError(DeviceError):
    """An RFID tag could not be read, decoded or written."""
