"""NFC patron-card readers through nfcpy: ISO 14443 A/B and FeliCa card identifiers.

The reader is named by an nfcpy path: ``usb`` (the first supported USB reader),
``usb:072f:2200`` (ACS ACR122U), ``usb:054c:06c1`` (Sony RC-S380), ``tty:USB0:pn532`` (a PN532
board on a serial adapter), or ``udp:127.0.0.1:54321`` (nfcpy's simulated radio; see
drivers.nfc_sim for a simulated card to go with it).

We only *sense* cards (nfcpy's ``ContactlessFrontend.sense``): a library card is identified by
its UID, so nothing is read from or written to the card, which keeps taps fast and works with
MIFARE Classic, DESFire, NTAG and FeliCa cards alike. The identifier reported:
* ISO 14443 A: the NFCID1 (4, 7 or 10 bytes) from anticollision;
* ISO 14443 B: the PUPI (NFCID0, 4 bytes) from ATQB;
* FeliCa: the IDm (8 bytes) from the polling response.

A card left on the reader, or tapped again within ``repeat_window`` seconds, is reported once.
Quirks: cards with a random UID (4 bytes starting 0x08, e.g. phones and some passports) give a
new number on every tap and are reported with a problem instead of as a patron.
Readers need permission for their USB node (a udev rule) or the serial port; the ACR122U
also needs the kernel's pn533 driver kept off it (nfcpy's docs say how).
"""
from __future__ import annotations

import logging
import time

from drivers.device import InputDevice
from drivers.errors import DeviceUnavailable, MissingDependency
from drivers.events import CardTap
from drivers.scanframe import RepeatFilter
from drivers.settings import SettingsChecker

log = logging.getLogger(__name__)

TECHNOLOGIES = {"iso14443a": "106A", "iso14443b": "106B", "felica": "212F"}


def import_nfc():
    """nfcpy, or MissingDependency naming the extra."""
    try:
        import nfc
        import nfc.clf
    except ImportError as exc:  # pragma: no cover - exercised in the no-dependency subprocess test
        raise MissingDependency("nfcpy", "nfc") from exc
    return nfc


def identify(target) -> tuple[str, str]:
    """(upper-case hex identifier, technology) of an nfcpy RemoteTarget found by sense()."""
    brty = target.brty
    if brty.endswith("A"):
        return bytes(target.sdd_res).hex().upper(), "iso14443a"
    if brty.endswith("B"):
        return bytes(target.sensb_res[1:5]).hex().upper(), "iso14443b"
    return bytes(target.sensf_res[1:9]).hex().upper(), "felica"


class NfcCardReader(InputDevice):
    """An NFC reader whose taps become CardTap events."""

    kind = "card_reader"

    def __init__(self, name: str, path: str = "usb", technologies=("iso14443a", "iso14443b", "felica"),
                 repeat_window: float = 3.0, sense_interval: float = 0.1, reconnect_interval: float = 0.5):
        super().__init__(name)
        check = SettingsChecker("card reader", name)
        self.path = check.text("path", path, allow_empty=False)
        if isinstance(technologies, str):
            technologies = [technologies]
        if not isinstance(technologies, (list, tuple)) or not technologies:
            raise check.fail("technologies", "a list such as [\"iso14443a\", \"felica\"]", technologies)
        self.technologies = tuple(check.choice("technologies", t, TECHNOLOGIES) for t in technologies)
        self.repeats = RepeatFilter(check.number("repeat_window", repeat_window, 0, 3600))
        self.sense_interval = check.number("sense_interval", sense_interval, 0.0, 5)
        self.reconnect_interval = check.number("reconnect_interval", reconnect_interval, 0.05, 60)
        self._reader_name = ""

    def _open(self):
        nfc = import_nfc()
        clf = nfc.ContactlessFrontend()
        try:
            found = clf.open(self.path)
        except (IOError, OSError) as exc:
            raise DeviceUnavailable(f"Not connected: no NFC reader at '{self.path}' ({exc}).") from exc
        if not found:
            raise DeviceUnavailable(f"Not connected: no NFC reader at '{self.path}'.")
        self._reader_name = str(clf.device) if clf.device is not None else self.path
        return clf

    def _ready_detail(self) -> str:
        return self._reader_name

    def _serve(self, clf) -> None:
        nfc = import_nfc()
        targets = [nfc.clf.RemoteTarget(TECHNOLOGIES[t]) for t in self.technologies]
        while not self._stop.is_set():
            try:
                target = clf.sense(*targets, iterations=1)
            except nfc.clf.CommunicationError as exc:
                log.debug("reader=%s radio error (a card moved away mid-read?): %s", self.name, exc)
                target = None
            except ConnectionRefusedError:
                target = None  # nfcpy's udp radio: nobody is listening, so no card is in the field
            except ValueError as exc:  # nfcpy's own assertion on a malformed answer
                log.info("reader=%s malformed answer from a card: %s", self.name, exc)
                target = None
            if target is None:
                self._stop.wait(self.sense_interval)
                continue
            self._tapped(target)

    def _tapped(self, target) -> None:
        uid, technology = identify(target)
        if not self.repeats.fresh(uid, time.monotonic()):
            return
        if technology == "iso14443a" and len(uid) == 8 and uid.startswith("08"):
            log.info("reader=%s card with a random UID", self.name)
            self._emit(CardTap(uid=uid, source=self.name, technology=technology,
                               problem="This card shows a different number every time (a phone or a "
                                       "protected card), so it cannot be used as a library card."))
            return
        log.info("reader=%s card ...%s (%s)", self.name, uid[-4:], technology)
        self._emit(CardTap(uid=uid, source=self.name, technology=technology))

    def _close(self, clf) -> None:
        clf.close()
