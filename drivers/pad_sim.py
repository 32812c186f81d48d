"""A simulated RFID item pad that speaks the Kiosk Pad Protocol (see drivers.rfid_pad) on a serial port.

Give it one end of a pty pair (``socat -d -d pty,raw,echo=0,link=/tmp/pad pty,raw,echo=0,link=/tmp/pad-sim``)
and point the kiosk's ``[devices.pad] driver = "serial"`` at the other end. Tests use it the
same way; ``python -m drivers.pad_sim /tmp/pad-sim`` runs it by hand with two demo books.
"""
from __future__ import annotations

import argparse
import re
import sys
import threading
from dataclasses import dataclass

from drivers.iso28560 import AFI_SECURED, DSFID_ISO28560_2, TagData, encode
from drivers.scanner_serial import import_pyserial

BLOCK_SIZE = 4
BLOCKS = 28  # an NXP ICODE SLIX: 28 blocks of 4 bytes


@dataclass
class SimTag:
    """One tag in the simulated field."""

    memory: bytearray
    afi: int = AFI_SECURED
    dsfid: int = DSFID_ISO28560_2
    afi_locked: bool = False


class PadSimulator:
    """Serves KPP/1 on a serial port from an in-memory set of tags; thread-safe place/remove."""

    model = "SIMPAD 1.0"

    def __init__(self, url: str, baudrate: int = 115200):
        self.url = url
        self.baudrate = baudrate
        self.tags: dict[str, SimTag] = {}
        self.commands: list[str] = []  # every command received, for tests
        self.silent = False  # stop answering (a hung pad)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port = None

    # -- the field -----------------------------------------------------------------------------
    def place(self, uid: str, data: TagData | bytes, afi: int = AFI_SECURED, blocks: int = BLOCKS) -> None:
        """Put a tag on the pad: ISO 28560 data (encoded here) or raw memory bytes."""
        raw = encode(data, BLOCK_SIZE) if isinstance(data, TagData) else bytes(data)
        memory = bytearray(raw[: blocks * BLOCK_SIZE].ljust(blocks * BLOCK_SIZE, b"\x00"))
        with self._lock:
            self.tags[uid.upper()] = SimTag(memory, afi)

    def remove(self, uid: str) -> None:
        """Take a tag off the pad."""
        with self._lock:
            self.tags.pop(uid.upper(), None)

    def afi(self, uid: str) -> int:
        """The AFI byte of a tag on the pad."""
        with self._lock:
            return self.tags[uid.upper()].afi

    def lock_afi(self, uid: str) -> None:
        """Make a tag refuse AFI writes (as a locked AFI does)."""
        with self._lock:
            self.tags[uid.upper()].afi_locked = True

    def send_raw(self, data: bytes) -> None:
        """Write bytes to the line unasked (noise, for tests)."""
        if self._port is not None:
            self._port.write(data)

    # -- serving -------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the port and answer commands on a daemon thread."""
        serial = import_pyserial()
        self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.05)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="pad-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3)
        if self._port is not None:
            self._port.close()
            self._port = None

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                buffer += self._port.read(self._port.in_waiting or 1)
            except Exception:  # noqa: BLE001 -- the other end went away; the test decides what next
                return
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                command = raw.decode("ascii", errors="replace").strip()
                if not command:
                    continue
                self.commands.append(command)
                if not self.silent:
                    self._port.write(("\n".join(self.answer(command)) + "\n").encode("ascii"))

    def answer(self, command: str) -> list[str]:
        """The answer lines for one command (ending with OK or ERR)."""
        words = command.upper().split()
        verb, args = (words[0], words[1:]) if words else ("", [])
        with self._lock:
            if verb == "HELLO" and not args:
                return [f"PAD {self.model} KPP/1", "OK"]
            if verb == "INVENTORY" and not args:
                return [f"TAG {uid} {t.dsfid:02X} {t.afi:02X}" for uid, t in self.tags.items()] + ["OK"]
            if verb in ("READ", "WRITE", "AFI") and args:
                tag = self.tags.get(args[0])
                if tag is None:
                    return ["ERR NOTAG tag not in field"]
                return self._tag_command(verb, tag, args)
        return ["ERR BADCMD unknown or malformed command"]

    @staticmethod
    def _tag_command(verb: str, tag: SimTag, args: list[str]) -> list[str]:
        blocks = len(tag.memory) // BLOCK_SIZE
        if verb == "READ" and len(args) == 3 and args[1].isdigit() and args[2].isdigit():
            first, count = int(args[1]), int(args[2])
            if first + count > blocks or count == 0:
                return ["ERR RANGE block out of range"]
            data = tag.memory[first * BLOCK_SIZE:(first + count) * BLOCK_SIZE]
            return [f"DATA {args[0]} {BLOCK_SIZE} {bytes(data).hex().upper()}", "OK"]
        if verb == "WRITE" and len(args) == 3 and args[1].isdigit() and re.fullmatch(r"(?:[0-9A-F]{8})+", args[2]):
            first, data = int(args[1]), bytes.fromhex(args[2])
            if first * BLOCK_SIZE + len(data) > len(tag.memory):
                return ["ERR RANGE block out of range"]
            tag.memory[first * BLOCK_SIZE:first * BLOCK_SIZE + len(data)] = data
            return ["OK"]
        if verb == "AFI" and len(args) == 2 and re.fullmatch(r"[0-9A-F]{2}", args[1]):
            if tag.afi_locked:
                return ["ERR LOCKED AFI is locked"]
            tag.afi = int(args[1], 16)
            return ["OK"]
        return ["ERR BADCMD malformed command"]


def main(argv: list[str] | None = None) -> int:
    """Run a simulated pad with two demo books on the given serial port until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", help="serial port or pyserial URL (the pty end the kiosk does not open)")
    args = parser.parse_args(argv)
    sim = PadSimulator(args.port)
    sim.place("E004010000000001", TagData("31234000012345", "US-XX-DEMO"))
    sim.place("E004010000000002", TagData("31234000012352", "US-XX-DEMO", part=1, parts=2))
    sim.start()
    print(f"Simulated item pad on {args.port} with 2 tags. Ctrl-C stops it.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
