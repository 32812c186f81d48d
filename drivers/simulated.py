"""Simulated devices: the whole kiosk runs on a laptop, driven from the developer panel or tests."""
from __future__ import annotations

import threading
from collections.abc import Iterable


from drivers.errors import CoverOpen, DeviceUnavailable, PaperOut, TagError
from drivers.events import CardTap, ItemTag, Publish, StatusChanged, TagsChanged
from drivers.receipt import Receipt, render_escpos, render_html, render_text
from drivers.scanframe import Line, ScanInterpreter
from drivers.status import DeviceStatus, PrinterStatus

__all__ = ["SimulatedScanner", "SimulatedCardReader", "SimulatedItemPad", "SimulatedPrinter", "PrinterStatus"]


class _SimulatedInput:
    """Common start/stop/status for simulated input devices."""

    kind = "input"

    def __init__(self, name: str, **settings):
        self.name = name
        self.settings = settings
        self.status = DeviceStatus.STOPPED
        self._publish: Publish | None = None

    def start(self, publish: Publish) -> None:
        """Begin publishing events (a simulated device has no thread: events come from calls)."""
        self._publish = publish
        self.status = DeviceStatus.READY
        publish(StatusChanged(self.name, self.status.value, "simulated"))

    def stop(self) -> None:
        """Stop publishing."""
        self.status = DeviceStatus.STOPPED
        self._publish = None

    def _emit(self, event) -> None:
        if self._publish is None:
            raise DeviceUnavailable(f"The simulated device '{self.name}' is not started.")
        self._publish(event)


class SimulatedScanner(_SimulatedInput):
    """A barcode scanner whose scans come from :meth:`simulate_scan`."""

    kind = "scanner"

    def __init__(self, name: str, **settings):
        super().__init__(name, **settings)
        # The same validation as the hardware scanners, so the kiosk sees the same `problem`s.
        self._interpreter = ScanInterpreter(name, aim=False)

    def simulate_scan(self, code: str, symbology: str | None = None) -> None:
        """Publish a scan as if the code had been read (framed like a real scanner's)."""
        event = self._interpreter.interpret(Line(code), 0.0)
        if symbology is not None:
            event = type(event)(**{**event.__dict__, "symbology": symbology})
        self._emit(event)


class SimulatedCardReader(_SimulatedInput):
    """An NFC card reader whose taps come from :meth:`simulate_tap`."""

    kind = "card_reader"

    def simulate_tap(self, uid: str, technology: str = "iso14443a") -> None:
        """Publish a card tap."""
        self._emit(CardTap(uid=uid.upper(), source=self.name, technology=technology))


class SimulatedItemPad(_SimulatedInput):
    """An RFID item pad whose tags are placed and removed by calls; security bits are kept."""

    kind = "item_pad"

    def __init__(self, name: str, **settings):
        super().__init__(name, **settings)
        self._tags: dict[str, ItemTag] = {}
        self._lock = threading.Lock()

    def place(self, tags: Iterable[ItemTag]) -> None:
        """Put tags on the pad."""
        with self._lock:
            for tag in tags:
                self._tags[tag.uid] = tag
            snapshot = tuple(self._tags.values())
        self._emit(TagsChanged(snapshot, self.name))

    def remove(self, uids: Iterable[str]) -> None:
        """Take tags off the pad."""
        with self._lock:
            for uid in uids:
                self._tags.pop(uid, None)
            snapshot = tuple(self._tags.values())
        self._emit(TagsChanged(snapshot, self.name))

    def tags(self) -> tuple[ItemTag, ...]:
        """The tags on the pad now."""
        with self._lock:
            return tuple(self._tags.values())

    def set_security(self, uid: str, secured: bool) -> None:
        """Set the AFI security state of one tag on the pad."""
        with self._lock:
            tag = self._tags.get(uid)
            if tag is None:
                raise TagError("That item's tag is no longer on the pad; put the item back and try again.")
            self._tags[uid] = ItemTag(**{**tag.__dict__, "secured": secured})


class SimulatedPrinter:
    """A receipt printer that renders through python-escpos' ``Dummy`` and keeps what it printed."""

    kind = "printer"

    def __init__(self, name: str, width: int = 42, **settings):
        self.name = name
        self.width = width
        self.settings = settings
        self.status = DeviceStatus.READY
        self.paper = "ok"
        self.cover_open = False
        self.printed: list[dict] = []  # {"text": str, "escpos": bytes}
        self._lock = threading.Lock()

    def start(self, publish: Publish | None = None) -> None:
        """Printers have no input thread; kept for a uniform device interface."""
        self.status = DeviceStatus.READY
        if publish:
            publish(StatusChanged(self.name, self.status.value, "simulated"))

    def stop(self) -> None:
        """Nothing to release."""
        self.status = DeviceStatus.STOPPED

    def printer_status(self) -> PrinterStatus:
        """Report paper and cover state as a real printer would."""
        return PrinterStatus(online=self.paper != "out" and not self.cover_open,
                             paper=self.paper, cover_open=self.cover_open)

    def print_receipt(self, receipt: Receipt) -> None:
        """Render and 'print' one receipt, or raise PaperOut/PrinterError as a real printer would."""
        if self.paper == "out":
            raise PaperOut()
        if self.cover_open:
            raise CoverOpen()
        text = render_text(receipt, self.width)
        escpos_bytes = b""
        try:
            from escpos.printer import Dummy
        except ImportError:  # the simulated kiosk runs without the [printer] extra
            Dummy = None
        if Dummy is not None:
            dummy = Dummy()
            render_escpos(receipt, dummy)
            escpos_bytes = dummy.output
        with self._lock:
            self.printed.append({"text": text, "escpos": escpos_bytes, "html": render_html(receipt)})

    @property
    def last_text(self) -> str | None:
        """The text rendering of the last receipt, if any."""
        with self._lock:
            return self.printed[-1]["text"] if self.printed else None
