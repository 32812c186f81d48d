"""Classify once: what a scanned or typed code is, by this kiosk's ``[identifiers]`` rules, in one place.

Drivers only frame what they read (prefix/suffix, AIM identifier, noise); whether a code is a
patron card, a library item or a book's printed cover barcode is decided here, with the rules of
the kiosk's config, for every source alike (scanner, item pad, keypad, screen).

An ISBN or EAN-13 is the barcode printed on the book's cover, not the library's sticker: the
student is asked, kindly, to scan the sticker, and nothing is journaled or sent. A library that
labels some books only with their ISBN sets ``accept_isbn = true``: such a code is then taken as an
item when the kiosk's item cache knows a copy under that number.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from protocol.identifiers import IdentifierError, IdentifierRules, classify, normalize_card_uid

COVER_SCHEMES = ("isbn13", "isbn10", "ean13")
# The printed "I'm done" command barcodes (staff mode prints them, Code 128): scanning one ends the
# visit, with or without a receipt, so a student can do everything with the scanner alone.
COMMANDS = {"LIBRARY-DONE-RECEIPT": "done_receipt", "LIBRARY-DONE-NO-RECEIPT": "done_no_receipt"}


@dataclass(frozen=True)
class Read:
    """What one code is: ``patron``, ``item``, ``cover`` (an ISBN/EAN on a cover), ``command`` (an
    "I'm done" barcode; ``code`` names the command), ``other`` (a code of the library's own numbering,
    with ``accept_other``: the session decides by what it is waiting for) or ``bad`` (with the problem)."""

    kind: str
    code: str = ""
    scheme: str = ""
    problem: IdentifierError | None = None


class Classifier:
    """The kiosk's one classifier of codes."""

    def __init__(self, rules: IdentifierRules, item_known: Callable[[str], bool] | None = None):
        self.rules = rules
        self._item_known = item_known or (lambda code: False)
        # ISBNs are always recognised, so a cover barcode gets its own sentence, never "unknown code".
        self._reading_rules = replace(rules, accept_isbn=True)

    def code(self, raw: str) -> Read:
        """Classify a barcode read or typed."""
        command = COMMANDS.get((raw or "").strip().upper())
        if command is not None:
            return Read("command", command, "command")
        try:
            ident = classify(raw, self._reading_rules)
        except IdentifierError as exc:
            return Read("bad", problem=exc)
        if ident.scheme in COVER_SCHEMES:
            if self.rules.accept_isbn and self._item_known(ident.code):
                return Read("item", ident.code, ident.scheme)
            return Read("cover", ident.code, ident.scheme)
        kind = "other" if ident.kind == "unknown" else ident.kind  # accept_other: the library's own numbering
        return Read(kind, ident.code, ident.scheme)

    @staticmethod
    def card(raw: str) -> Read:
        """Classify a card UID from a reader."""
        try:
            return Read("patron", normalize_card_uid(raw), "uid")
        except IdentifierError as exc:
            return Read("bad", problem=exc)

    def describe(self, raw: str) -> tuple[str, str | None]:
        """(kind, problem in English) for the staff screen's scan list, which masks anything not a book."""
        read = self.code(raw)
        if read.kind == "bad":
            return "unknown", read.problem.message("en")
        return read.kind, None
