"""InputDevice's thread life: one reader per device, and a thread stuck in hardware never comes back."""
from __future__ import annotations

import threading

from drivers.device import InputDevice
from drivers.events import Scan, StatusChanged


class StuckOnceDevice(InputDevice):
    """A device whose first connection hangs in a 'hardware read' until the test releases it.

    Later connections serve like a real driver: until their stop flag is set. ``serving`` holds
    the threads serving right now, so a test sees how many readers the port has.
    """

    kind = "test device"
    reconnect_interval = 0.02

    def __init__(self):
        super().__init__("stuck")
        self.release = threading.Event()
        self.opens = 0
        self.serving: set[threading.Thread] = set()
        self.changed = threading.Condition()

    def _open(self):
        with self.changed:
            self.opens += 1
            return self.opens

    def _serve(self, handle) -> None:
        me = threading.current_thread()
        with self.changed:
            self.serving.add(me)
            self.changed.notify_all()
        try:
            if handle == 1:
                self.release.wait(10)  # the hardware ignores stop() until released
                self._emit(Scan(code="31234000012345", source=self.name))  # what it read meanwhile
            while not self._stop.is_set():
                self._stop.wait(0.01)
        finally:
            with self.changed:
                self.serving.discard(me)
                self.changed.notify_all()

    def wait_serving(self, predicate, timeout: float = 5.0) -> set[threading.Thread]:
        """The serving threads once ``predicate(serving)`` holds (bounded wait)."""
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.serving), timeout), f"serving: {self.serving}"
            return set(self.serving)


def test_given_a_thread_stuck_in_hardware_when_stopped_and_restarted_then_the_old_thread_ends_when_released(
        events):
    """GIVEN a device whose thread is stuck in a hardware read WHEN stop() gives up waiting and start() runs
    again THEN, once the hardware lets go, the old thread sees its own stop and ends, leaving one reader,
    and what it read late is not published as a scan."""
    device = StuckOnceDevice()
    device.start(events)
    [old] = device.wait_serving(lambda s: len(s) == 1)
    device.stop(timeout=0.05)
    assert old.is_alive() and device.status.value == "stopped"  # stuck, as the test intends
    events.clear()
    device.start(events)
    [new] = device.wait_serving(lambda s: len(s) == 2) - {old}
    events.wait_for(lambda e: isinstance(e, StatusChanged) and e.status == "ready", what="ready after the restart")
    device.release.set()
    old.join(5)
    try:
        assert not old.is_alive(), "the stopped run came back to life alongside the new one"
        assert device.wait_serving(lambda s: len(s) == 1) == {new}
        assert device.running and device.status.value == "ready"
        assert events.of(Scan) == []
    finally:
        device.stop()
    assert not new.is_alive() and device.status.value == "stopped"


def test_given_a_running_device_when_started_again_then_nothing_changes(events):
    """GIVEN a running device WHEN start() is called a second time THEN the same single thread keeps serving."""
    device = StuckOnceDevice()
    device.release.set()
    device.start(events)
    try:
        [first] = device.wait_serving(lambda s: len(s) == 1)
        device.start(events)
        assert device._thread is first and device.opens == 1
        assert device.wait_serving(lambda s: len(s) == 1) == {first}
    finally:
        device.stop()
    assert not first.is_alive()
