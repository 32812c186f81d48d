"""A simulated contactless card for nfcpy's ``udp`` reader driver.

nfcpy's udp driver (reader path ``udp:HOST:PORT``) sends each radio frame as a UDP datagram
``"<bitrate+type> <hex bytes>"`` and waits for the card's answer in the same form. This module
is the card: it answers the activation frames of ISO 14443-3 type A (REQA/anticollision/select
with cascade levels for 4, 7 and 10-byte UIDs), type B (REQB -> ATQB) and FeliCa (polling),
byte for byte as the standards lay them out. ``present`` puts the card on and off the reader.

    python -m drivers.nfc_sim --uid 04A1B2C3D4E5F6 --port 54321
    # and configure: [devices.card] kind="card_reader" driver="nfc" path="udp:127.0.0.1:54321"
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
from functools import reduce
from operator import xor


def _bcc(data: bytes) -> int:
    return reduce(xor, data, 0)


class SimulatedCard:
    """One card answering on a UDP port; thread-safe ``present`` and ``uid`` changes."""

    def __init__(self, uid: str, technology: str = "iso14443a", host: str = "127.0.0.1", port: int = 0,
                 sak: int = 0x00):
        self.uid = bytes.fromhex(uid)
        self.technology = technology
        self.sak = sak  # 0x00 type 2 tag (NTAG/Ultralight), 0x08 MIFARE Classic, 0x20 ISO-DEP
        self.present = True
        self.garbled = False  # answer with noise (a card half in the field, interference)
        self.frames: list[str] = []  # every frame received, for tests
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, port))
        self._sock.settimeout(0.1)
        self.host, self.port = self._sock.getsockname()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> str:
        """The nfcpy reader path that talks to this card."""
        return f"udp:{self.host}:{self.port}"

    def start(self) -> None:
        """Answer frames on a daemon thread."""
        self._thread = threading.Thread(target=self._serve, name="nfc-card-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and release the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                datagram, addr = self._sock.recvfrom(1024)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                brty, hexdata = datagram.decode("ascii").split()
                frame = bytes.fromhex(hexdata)
            except ValueError:
                continue  # RFOFF and anything malformed: the field went off, nothing to answer
            self.frames.append(f"{brty} {hexdata}")
            reply = self.answer(brty, frame) if self.present else None
            if reply is not None and self.garbled:
                reply = b"\xff\xff\xff"
            if reply is not None:
                self._sock.sendto(f"{brty} {reply.hex()}".encode("ascii"), addr)

    def answer(self, brty: str, frame: bytes) -> bytes | None:
        """The card's answer to one frame, or None (silence)."""
        if brty.endswith("A") and self.technology == "iso14443a":
            return self._type_a(frame)
        if brty.endswith("B") and self.technology == "iso14443b" and frame[:1] == b"\x05":
            # ATQB: 50h, PUPI (4), application data (4), protocol info (3)
            return b"\x50" + self.uid[:4] + b"\x00\x00\x00\x00" + b"\x00\x81\x81"
        if brty.endswith("F") and self.technology == "felica" and frame[1:2] == b"\x00":
            body = b"\x01" + self.uid[:8] + bytes.fromhex("0120220427674EFF") + b"\x12\xfc"
            return bytes([len(body) + 1]) + body
        return None

    def _levels(self) -> list[bytes]:
        """The UID split into cascade levels (CT 88h marks 'more to come'), each with its BCC."""
        uid = self.uid
        if len(uid) == 4:
            parts = [uid]
        elif len(uid) == 7:
            parts = [b"\x88" + uid[:3], uid[3:]]
        else:
            parts = [b"\x88" + uid[:3], b"\x88" + uid[3:6], uid[6:10]]
        return [p + bytes([_bcc(p)]) for p in parts]

    def _type_a(self, frame: bytes) -> bytes | None:
        levels = self._levels()
        if frame in (b"\x26", b"\x52"):  # REQA / WUPA -> ATQA: UID size in bits 7-8
            return bytes([{4: 0x04, 7: 0x44, 10: 0x84}[len(self.uid)], 0x00])
        for index, command in enumerate((0x93, 0x95, 0x97)[: len(levels)]):
            if frame == bytes([command, 0x20]):  # anticollision: the whole level
                return levels[index]
            if frame == bytes([command, 0x70]) + levels[index]:  # select: SAK, bit 3 = UID not complete
                return bytes([0x04 if index < len(levels) - 1 else self.sak])
        return None


def main(argv: list[str] | None = None) -> int:
    """Run a simulated card until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uid", default="04A1B2C3D4E5F6")
    parser.add_argument("--technology", default="iso14443a", choices=("iso14443a", "iso14443b", "felica"))
    parser.add_argument("--port", type=int, default=54321)
    args = parser.parse_args(argv)
    card = SimulatedCard(args.uid, args.technology, port=args.port)
    card.start()
    print(f"Simulated {args.technology} card {args.uid} on {card.path}. Ctrl-C stops it.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        card.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
