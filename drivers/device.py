"""The life of an input device: one daemon thread that opens, serves, and reopens after loss.

Subclasses say how to open the hardware, serve it until it is lost or stopped, and close it.
This class owns the reconnect loop the design asks of every driver: a device that loses its
port goes DISCONNECTED and retries every ``reconnect_interval`` seconds, so it is READY again
soon after it comes back; the kiosk's device manager only starts, stops and listens.

Each start() is a *run* with its own stop Event. A thread stuck in hardware when stop() gives up
waiting keeps its own (set) event, so a later start() cannot revive it: when the hardware lets it
go it ends quietly, without publishing, instead of becoming a second reader on the same port.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from drivers.errors import DeviceConfigError, DeviceUnavailable, MissingDependency
from drivers.events import DeviceEvent, Publish, StatusChanged
from drivers.status import DeviceStatus

log = logging.getLogger(__name__)


class InputDevice:
    """Base of threaded input devices (scanners, card readers, item pads)."""

    kind = "input"
    reconnect_interval = 0.5
    poll_interval = 0.05  # how often a serving loop looks at the stop flag

    def __init__(self, name: str):
        self.name = name
        self.status = DeviceStatus.STOPPED
        self.detail = ""
        self._publish: Publish | None = None
        self._run_stop = threading.Event()  # the current run's; each start() makes a new one
        self._run_stop.set()
        self._own = threading.local()  # .stop on a device thread: the event of that thread's run
        self._thread: threading.Thread | None = None
        self._status_lock = threading.Lock()

    # -- the interface the kiosk uses ------------------------------------------------------
    def start(self, publish: Publish) -> None:
        """Start the device thread; events go to ``publish`` (called on the device thread).

        Starting a device that is already running does nothing (one reader per port).
        """
        if self._thread is not None and self._thread.is_alive():
            return
        self._publish = publish
        stop = threading.Event()
        self._run_stop = stop
        self._set_status(DeviceStatus.CONNECTING, "")
        self._thread = threading.Thread(target=self._run, args=(stop,), name=f"device-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the thread and release the hardware; returns once the thread has ended (or timeout)."""
        self._run_stop.set()
        self._interrupt()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("device=%s thread still busy in the hardware after %.1f s; it ends when "
                            "the hardware lets go", self.name, timeout)
        self._change_status(DeviceStatus.STOPPED, "")  # also when a listener stops us from our own thread

    @property
    def running(self) -> bool:
        """True while the device thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def _stop(self) -> threading.Event:
        """The stop flag to obey: on a device thread its own run's, elsewhere the current run's."""
        return getattr(self._own, "stop", None) or self._run_stop

    def _stopped_run(self) -> bool:
        """True on a device thread whose run was stopped: its status no longer counts."""
        own = getattr(self._own, "stop", None)
        return own is not None and own.is_set()

    def _superseded_run(self) -> bool:
        """True on a device thread whose run was stopped and replaced by a newer start()."""
        own = getattr(self._own, "stop", None)
        return own is not None and own is not self._run_stop

    # -- what subclasses provide -----------------------------------------------------------
    def _open(self) -> Any:
        """Open the hardware and return a handle; raise DeviceUnavailable (or OSError) if absent."""
        raise DeviceUnavailable(f"The {self.kind} '{self.name}' has no way to open its hardware.")

    def _serve(self, handle: Any) -> None:
        """Read from the open hardware until ``self._stop`` is set; raise OSError when it is lost."""
        self._stop.wait()

    def _close(self, handle: Any) -> None:
        """Release the handle; must not raise."""

    def _interrupt(self) -> None:
        """Called by stop() from another thread to unblock a read that does not time out."""

    def _ready_detail(self) -> str:
        """What the status line says once the device is open (e.g. the port)."""
        return ""

    # -- shared machinery ------------------------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        self._own.stop = stop  # self._stop on this thread is this run's event, whatever start() does later
        while not stop.is_set():
            try:
                handle = self._open()
            except (MissingDependency, DeviceConfigError) as exc:
                # Retrying cannot fix a missing package or a wrong setting: say so once and wait.
                self._set_status(DeviceStatus.ERROR, str(exc))
                stop.wait(5.0)
                continue
            except (DeviceUnavailable, OSError) as exc:
                self._set_status(DeviceStatus.DISCONNECTED, _reason(exc))
                stop.wait(self.reconnect_interval)
                continue
            try:
                if stop.is_set():
                    break
                self._set_status(DeviceStatus.READY, self._ready_detail())
                self._serve(handle)
            except (DeviceUnavailable, OSError) as exc:
                self._set_status(DeviceStatus.DISCONNECTED, _reason(exc))
            except Exception as exc:  # noqa: BLE001 -- a driver bug must not end the device for good
                if not stop.is_set():
                    log.exception("device=%s unexpected failure; reopening", self.name)
                self._set_status(DeviceStatus.ERROR, f"Unexpected failure: {exc}")
            finally:
                try:
                    self._close(handle)
                except Exception:  # noqa: BLE001
                    log.debug("device=%s close failed", self.name, exc_info=True)
            stop.wait(self.reconnect_interval)

    def _set_status(self, status: DeviceStatus, detail: str) -> None:
        """Record a status; publish and log it only when it changes (no repeat every retry)."""
        if self._stopped_run():
            return  # a stopped run's late news would overwrite the newer run's status
        self._change_status(status, detail)

    def _change_status(self, status: DeviceStatus, detail: str) -> None:
        with self._status_lock:
            if status == self.status and detail == self.detail:
                return
            self.status, self.detail = status, detail
        log.info("device=%s status=%s %s", self.name, status.value, detail)
        self._emit(StatusChanged(self.name, status.value, detail))

    def _note(self, detail: str) -> None:
        """Publish a new status detail (e.g. 'ignored line noise') without changing the status."""
        self._set_status(self.status, detail)

    def _emit(self, event: DeviceEvent) -> None:
        """Hand an event to the listener; a listener's bug must not kill the device thread."""
        publish = self._publish
        if publish is None or self._superseded_run():
            return  # an old thread released by the hardware after a restart speaks for nobody
        try:
            publish(event)
        except Exception:  # noqa: BLE001
            log.exception("device=%s listener failed on %s", self.name, type(event).__name__)


def _reason(exc: BaseException) -> str:
    """A short sentence for a lost or absent device."""
    if isinstance(exc, DeviceUnavailable):
        return str(exc)
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"Not connected: {text}"
