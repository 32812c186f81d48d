"""python-escpos' ``File`` printer with a deadline on every write (``/dev/usb/lp0``, a FIFO, a file).

python-escpos opens the device with a plain blocking ``open(devfile, "wb")``: a USB printer that
stops taking data (paper jam, switched off half-way, a full buffer) blocks ``write`` for ever,
and a FIFO with nobody reading blocks even the ``open``. The kiosk must never hang on a printer,
so this subclass opens the node non-blocking and waits for it with ``select`` up to ``timeout``
seconds; past that the write fails with ``TimeoutError`` and the caller reports the printer.

A missing path under ``/dev`` is an unplugged printer (the kernel removes ``/dev/usb/lp0`` with
it), so it raises PrinterOffline; creating an ordinary file there, as ``"wb"`` would, swallowed
every receipt until the next reboot. Elsewhere (a file for testing) the file is still created.
Everything else (rendering, profiles, closing) stays python-escpos'.
"""
from __future__ import annotations

import errno
import functools
import os
import select
import stat
import time

from drivers.errors import PrinterOffline
from drivers.escpos_profile import import_escpos


def bounded_file_printer(devfile: str, timeout: float, profile: str | None = None):
    """A python-escpos File printer for ``devfile`` whose open and writes give up after ``timeout`` s."""
    device = _bounded_file_class()(devfile, profile=profile)
    device.write_timeout = timeout
    return device


def is_device_path(devfile: str) -> bool:
    """True for paths under /dev, where only the kernel creates the printer's node."""
    return os.path.abspath(devfile).startswith("/dev/")


@functools.cache
def _bounded_file_class():
    """The subclass, made on first use: python-escpos is an optional extra, imported lazily."""
    printer = import_escpos()
    from escpos.exceptions import DeviceNotFoundError

    class BoundedFile(printer.File):
        """A File printer opened with O_NONBLOCK; writes wait for the device with a deadline."""

        write_timeout = 10.0

        def open(self, raise_not_found: bool = True) -> None:
            """Open the device node without blocking (no reader on a FIFO is an error, not a hang)."""
            if self._device:
                self.close()
            device_node = is_device_path(self.devfile)
            flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC
            if not device_node:
                flags |= os.O_CREAT | os.O_TRUNC  # what python-escpos' "wb" does, so a plain file still works
            try:
                fd = os.open(self.devfile, flags, 0o644)
            except OSError as exc:
                self.device = None
                if device_node and exc.errno == errno.ENOENT:
                    raise PrinterOffline(f"The receipt printer at {self.devfile} is not plugged in.") from exc
                raise DeviceNotFoundError(f"Could not open {self.devfile}: {exc.strerror}") from exc
            if device_node and stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)  # left by an older version while the printer was unplugged
                self.device = None
                raise PrinterOffline(f"The receipt printer at {self.devfile} is not plugged in (an ordinary "
                                     f"file is in its place; ask IT to delete it).")
            self.device = os.fdopen(fd, "wb", buffering=0)

        def _raw(self, msg: bytes) -> None:
            """Write all of ``msg``, or raise TimeoutError once the device took nothing for too long."""
            fd = self.device.fileno()
            view = memoryview(bytes(msg))
            deadline = time.monotonic() + self.write_timeout
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"the printer stopped taking data for {self.write_timeout:g} s")
                _, ready, _ = select.select([], [fd], [], remaining)
                if not ready:
                    continue
                try:
                    written = os.write(fd, view)
                except BlockingIOError:
                    continue  # woken, but the buffer filled again first
                view = view[written:]

        def flush(self) -> None:
            """Nothing is buffered: every byte went to the device in _raw."""

    return BoundedFile
