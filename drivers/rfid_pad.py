"""RFID item pads (ISO 15693 library tags) over a serial line, speaking the Kiosk Pad Protocol.

Library pad readers (Feig, 3M/Bibliotheca, Nedap ...) each speak their own binary protocol and
most are documented only under NDA, so the kiosk defines one small, public, line-based protocol
and talks to every pad through it: a pad whose firmware (or a tiny bridge program on a
microcontroller or PC next to it) speaks this works with the kiosk. drivers.pad_sim is a
complete simulated pad speaking it over a pty.

Kiosk Pad Protocol, version 1 (KPP/1)
-------------------------------------
ASCII lines ending in LF (a CR before it is ignored), 115200 8N1 by default. The kiosk sends one
command and waits for its answer; every answer ends with a line ``OK`` or ``ERR <code> <text>``.
UIDs are the 8-byte ISO 15693 UID as 16 hex digits, most significant byte first (E004...).

    HELLO                          ->  PAD <model> <firmware> KPP/1          OK
    INVENTORY                      ->  TAG <uid> <dsfid> <afi>  (one per tag) OK
    READ <uid> <block> <count>     ->  DATA <uid> <block size> <hex bytes>   OK
    WRITE <uid> <block> <hex>      ->  OK          (whole blocks)
    AFI <uid> <afi>                ->  OK          (write the AFI byte: 07 secured, C2 checked out)

Error codes: NOTAG (the tag left the field), RANGE (no such block), LOCKED (block or AFI is
locked), BADCMD (unknown or malformed command), IO (radio error; retrying may help).

The driver polls INVENTORY every ``poll_interval`` s, reads the memory of each new tag once
(decoded per ISO 28560-2, drivers.iso28560), and publishes TagsChanged whenever the set of
tags or a security bit changes. ``set_security`` writes the AFI; the kiosk calls it only after
the loan is committed.
"""
from __future__ import annotations

import logging
import re
import threading
import time

from drivers.device import InputDevice
from drivers.errors import DeviceUnavailable, TagError
from drivers.events import ItemTag, TagsChanged
from drivers.iso28560 import TagDataTruncated, afi_for, decode, is_secured
from drivers.scanner_serial import import_pyserial
from drivers.settings import SettingsChecker

log = logging.getLogger(__name__)

_TAG = re.compile(r"^TAG ([0-9A-F]{16}) ([0-9A-F]{2}) ([0-9A-F]{2})$")
_DATA = re.compile(r"^DATA ([0-9A-F]{16}) (\d+) ((?:[0-9A-F]{2})*)$")
_ERRORS = {
    "NOTAG": "That item's tag is no longer on the pad; put the item back and try again.",
    "LOCKED": "The item's tag is locked and cannot be changed; ask a librarian.",
    "RANGE": "The item's tag is smaller than expected; ask a librarian to check it.",
    "IO": "The pad could not talk to the item's tag; move the item a little and try again.",
}


class PadCommandError(TagError):
    """The pad answered ERR; ``code`` is the protocol's error code."""

    def __init__(self, code: str, text: str):
        super().__init__(_ERRORS.get(code, f"The item pad refused the command ({code} {text})."))
        self.code = code


class SerialItemPad(InputDevice):
    """An RFID item pad on a serial port, speaking KPP/1."""

    kind = "item_pad"

    def __init__(self, name: str, url: str = "", baudrate: int = 115200, poll_interval: float = 0.25,
                 command_timeout: float = 1.0, read_blocks: int = 8, max_blocks: int = 64,
                 reconnect_interval: float = 0.5):
        super().__init__(name)
        check = SettingsChecker("item pad", name)
        self.url = check.text("url", url, allow_empty=False)
        self.baudrate = check.integer("baudrate", baudrate, 1200, 4_000_000)
        self.tag_poll_interval = check.number("poll_interval", poll_interval, 0.02, 10)
        self.command_timeout = check.number("command_timeout", command_timeout, 0.05, 30)
        self.read_blocks = check.integer("read_blocks", read_blocks, 1, 256)
        self.max_blocks = check.integer("max_blocks", max_blocks, self.read_blocks, 256)
        self.reconnect_interval = check.number("reconnect_interval", reconnect_interval, 0.05, 60)
        self._io = threading.Lock()  # the poll thread and set_security() share the port
        self._port = None
        self._rx = b""
        self._model = ""
        self._cache: dict[str, ItemTag] = {}  # uid -> decoded tag (memory does not change on its own)
        self._present: tuple[ItemTag, ...] = ()
        self._state_lock = threading.Lock()

    # -- the kiosk-facing interface ------------------------------------------------------------
    def tags(self) -> tuple[ItemTag, ...]:
        """The tags on the pad at the last poll."""
        with self._state_lock:
            return self._present

    def set_security(self, uid: str, secured: bool) -> None:
        """Write the tag's AFI (0x07 secured / 0xC2 checked out); raises TagError or DeviceUnavailable."""
        uid = uid.upper()
        self._command(f"AFI {uid} {afi_for(secured):02X}")
        log.info("pad=%s tag ...%s security=%s", self.name, uid[-4:], "on" if secured else "off")
        with self._state_lock:
            tags = tuple(ItemTag(**{**t.__dict__, "secured": secured}) if t.uid == uid else t for t in self._present)
            if uid in self._cache:
                self._cache[uid] = ItemTag(**{**self._cache[uid].__dict__, "secured": secured})
            changed = tags != self._present
            self._present = tags
        if changed:
            self._emit(TagsChanged(tags, self.name))

    def write_tag(self, uid: str, memory: bytes, block_size: int = 4) -> None:
        """Write encoded ISO 28560 data to a tag (staff tagging station); whole blocks from block 0."""
        uid = uid.upper()
        padded = memory + b"\x00" * ((-len(memory)) % block_size)
        for block in range(len(padded) // block_size):
            chunk = padded[block * block_size:(block + 1) * block_size]
            self._command(f"WRITE {uid} {block} {chunk.hex().upper()}")
        with self._state_lock:
            self._cache.pop(uid, None)  # re-read on the next poll

    # -- device thread -------------------------------------------------------------------------
    def _open(self):
        serial = import_pyserial()
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.05, exclusive=True)
        except (ValueError, serial.SerialException) as exc:
            raise DeviceUnavailable(f"Not connected: cannot open {self.url} ({exc})") from exc
        with self._io:
            self._port, self._rx = port, b""
        try:
            port.reset_input_buffer()
            hello = self._command("HELLO")
            for _ in range(3):
                # A late answer to a command that timed out before the reconnect may still be on
                # the line; HELLO's own answer is the one with the PAD line.
                if any(line.startswith("PAD ") for line in hello):
                    break
                with self._io:
                    hello = self._answer(port, "HELLO")
            else:
                raise DeviceUnavailable("no PAD line in the answer to HELLO")
        except (TagError, DeviceUnavailable, OSError) as exc:
            self._drop_port()
            raise DeviceUnavailable(f"The device on {self.url} does not answer like an item pad ({exc}).") from exc
        self._model = next(line[4:] for line in hello if line.startswith("PAD "))
        return port

    def _ready_detail(self) -> str:
        return f"{self._model} on {self.url}"

    def _serve(self, port) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.tag_poll_interval)

    def _close(self, port) -> None:
        if self._superseded_run():
            _close_quietly(port)  # an old run released late: close its own port, not the new run's
            return
        self._drop_port()
        with self._state_lock:
            had_tags, self._present = bool(self._present), ()
            self._cache.clear()
        if had_tags:
            self._emit(TagsChanged((), self.name))

    def _drop_port(self) -> None:
        with self._io:
            port, self._port = self._port, None
        if port is not None:
            _close_quietly(port)

    def _poll(self) -> None:
        seen = []
        for line in self._command("INVENTORY"):
            match = _TAG.match(line)
            if match:
                seen.append((match[1], int(match[3], 16)))
        tags = []
        for uid, afi in seen:
            tag = self._cache.get(uid)
            if tag is None:
                try:
                    tag = self._read_tag(uid)
                except PadCommandError as exc:
                    if exc.code == "NOTAG":
                        continue  # lifted off between inventory and read: gone, not broken
                    tag = ItemTag(uid=uid, item_id=None, error=str(exc))
                self._cache[uid] = tag
            if tag.secured != is_secured(afi):
                tag = ItemTag(**{**tag.__dict__, "secured": is_secured(afi)})
                self._cache[uid] = tag
            tags.append(tag)
        present = tuple(tags)
        with self._state_lock:
            changed = present != self._present
            self._present = present
            for uid in [u for u in self._cache if u not in {t.uid for t in present}]:
                del self._cache[uid]  # a tag that comes back is read again (it may be rewritten)
        if changed:
            log.info("pad=%s %d tag(s) on the pad", self.name, len(present))
            self._emit(TagsChanged(present, self.name))

    def _read_tag(self, uid: str) -> ItemTag:
        """Read and decode one tag's memory (more blocks only if the data runs on)."""
        memory = b""
        block, count = 0, self.read_blocks
        while True:
            answer = self._command(f"READ {uid} {block} {count}")
            data = next((_DATA.match(line) for line in answer if _DATA.match(line)), None)
            if data is None or data[1] != uid:
                raise PadCommandError("IO", "no DATA line")
            memory += bytes.fromhex(data[3])
            more = block + count < self.max_blocks
            try:
                parsed = decode(memory, require_terminator=more)
            except TagDataTruncated:
                if more:
                    block, count = block + count, min(count, self.max_blocks - block - count)
                    continue
                return ItemTag(uid=uid, item_id=None, error="The tag's data is damaged or cut short.")
            except TagError as exc:
                log.info("pad=%s tag ...%s unreadable: %s", self.name, uid[-4:], exc)
                return ItemTag(uid=uid, item_id=None, error=str(exc))
            return ItemTag(uid=uid, item_id=parsed.primary_item_id, owner_library=parsed.owner_library,
                           part=parsed.part, parts=parsed.parts)

    def _command(self, command: str) -> list[str]:
        """Send one command; return the answer lines before OK, or raise PadCommandError / DeviceUnavailable."""
        with self._io:
            port = self._port
            if port is None:
                raise DeviceUnavailable(f"The item pad '{self.name}' is not connected.")
            try:
                port.write(command.encode("ascii") + b"\n")
                return self._answer(port, command)
            except OSError as exc:  # SerialException is an OSError: the pad was unplugged
                raise DeviceUnavailable(f"Disconnected: {self.url} stopped answering ({exc})") from exc
            except DeviceUnavailable:
                # The answer may still come: left on the line, the next command would take it for
                # its own (an AFI write "succeeding" on another command's OK). Drop the link; the
                # device thread reconnects and resynchronises with HELLO.
                self._port, self._rx = None, b""
                _close_quietly(port)
                raise

    def _answer(self, port, command: str) -> list[str]:
        lines: list[str] = []
        deadline = time.monotonic() + self.command_timeout
        while True:
            while b"\n" not in self._rx:
                if time.monotonic() > deadline:
                    raise DeviceUnavailable(f"The item pad did not answer '{command.split()[0]}' in time.")
                self._rx += port.read(port.in_waiting or 1)
                if len(self._rx) > 65536:  # a babbling line: drop it rather than grow forever
                    self._rx = b""
            raw, self._rx = self._rx.split(b"\n", 1)
            line = raw.decode("ascii", errors="replace").strip().upper()
            if line == "OK":
                return lines
            if line.startswith("ERR"):
                parts = line.split(" ", 2)
                raise PadCommandError(parts[1] if len(parts) > 1 else "IO", parts[2] if len(parts) > 2 else "")
            if line:
                lines.append(line)


def _close_quietly(port) -> None:
    """Close a serial port that may already be gone."""
    try:
        port.close()
    except Exception:  # noqa: BLE001 -- the port may already be gone
        pass
