"""Library identifiers: 14-digit Codabar-style patron/item barcodes, ISBN/EAN-13, card UIDs.

A 14-digit library barcode is laid out as the label vendors print it:
``T IIII SSSSSSSS C`` -- a type digit (by convention 2 for patrons, 3 for items), a
four-digit institution number, an eight-digit sequence and a check digit. The check digit
is the mod-10 "Luhn" digit computed over the first 13 digits, which is what ILSs verify.
Which type digits mean patron and which mean item is a per-library rule
(:class:`IdentifierRules`), because some schools relabel with their own scheme.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdnum import ean, isbn
from stdnum.exceptions import ValidationError

LIBRARY_BARCODE_LENGTH = 14
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
MAX_CODE_LENGTH = 64


# Why an identifier was refused, in every language the kiosk speaks. What was read is quoted
# masked to its last four characters: these sentences reach logs, and a card number must not.
MESSAGES: dict[str, dict[str, str]] = {
    "empty": {"en": "No barcode was read.", "es": "No se leyó ningún código de barras."},
    "not_digits": {
        "en": "A library barcode is 14 digits; '{shown}' has other characters in it.",
        "es": "Un código de barras de la biblioteca tiene 14 dígitos; '{shown}' tiene otros caracteres.",
    },
    "wrong_length": {
        "en": "A library barcode is 14 digits; this one has {length}. The label may be damaged or misread.",
        "es": "Un código de barras de la biblioteca tiene 14 dígitos; este tiene {length}. "
              "La etiqueta puede estar dañada o mal leída.",
    },
    "check_digit": {
        "en": "The last digit of this barcode does not match the others: the label is misprinted or was misread.",
        "es": "El último dígito de este código no coincide con los demás: la etiqueta está mal impresa "
              "o se leyó mal.",
    },
    "prefix_unused": {
        "en": "This barcode starts with {first}, which this library does not use for students or books.",
        "es": "Este código empieza por {first}, que esta biblioteca no usa para alumnos ni libros.",
    },
    "isbn_check": {
        "en": "This looks like an ISBN or EAN-13 code, but its check digit is wrong.",
        "es": "Parece un código ISBN o EAN-13, pero su dígito de control es incorrecto.",
    },
    "unknown_format": {
        "en": "'{shown}' is not a library barcode this kiosk knows.",
        "es": "'{shown}' no es un código de barras de la biblioteca que este quiosco conozca.",
    },
    "too_long": {
        "en": "What was read is {length} characters long, far too long for a barcode.",
        "es": "Lo leído tiene {length} caracteres, demasiado largo para un código de barras.",
    },
    "unprintable": {
        "en": "What was read has spaces or unreadable characters in it; please scan again.",
        "es": "Lo leído tiene espacios o caracteres ilegibles; vuelve a escanear, por favor.",
    },
    "card_not_hex": {
        "en": "The card number read from the reader is not a card identifier.",
        "es": "El número leído en el lector no es un identificador de tarjeta.",
    },
    "card_length": {
        "en": "A card identifier is 4 to 10 bytes; this one is {bytes}.",
        "es": "Un identificador de tarjeta tiene de 4 a 10 bytes; este tiene {bytes}.",
    },
}


class IdentifierError(ValueError):
    """A scanned or typed identifier that cannot be used; the message is for a librarian.

    Raised with a key of :data:`MESSAGES` and its values (``code`` is then that key and
    :meth:`message` words it in any language), or with a plain English sentence.
    """

    def __init__(self, key_or_sentence: str, **values):
        if key_or_sentence in MESSAGES:
            self.code, self.values = key_or_sentence, values
        else:
            self.code, self.values = "unreadable", {}
        self._sentence = key_or_sentence
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """The sentence in ``language`` (English when that language has none)."""
        sentences = MESSAGES.get(self.code)
        if sentences is None:
            return self._sentence
        return (sentences.get(language) or sentences["en"]).format(**self.values)


def luhn_check_digit(digits: str) -> int:
    """Return the mod-10 check digit that makes ``digits + check`` pass the Luhn test."""
    total = 0
    # Walking from the right, the digit next to the (future) check digit is doubled.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def make_library_barcode(type_digit: str, institution: int, sequence: int) -> str:
    """Build a valid 14-digit library barcode (type digit, 4-digit institution, 8-digit sequence)."""
    if len(type_digit) != 1 or not type_digit.isdigit():
        raise ValueError("type digit must be a single digit")
    if not 0 <= institution <= 9999 or not 0 <= sequence <= 99_999_999:
        raise ValueError("institution or sequence out of range")
    body = f"{type_digit}{institution:04d}{sequence:08d}"
    return body + str(luhn_check_digit(body))


def validate_library_barcode(code: str) -> str:
    """Return ``code`` if it is a well-formed 14-digit library barcode, else raise IdentifierError."""
    if not code.isdigit():
        raise IdentifierError("not_digits", shown=_shown(code))
    if len(code) != LIBRARY_BARCODE_LENGTH:
        raise IdentifierError("wrong_length", length=len(code))
    if luhn_check_digit(code[:-1]) != int(code[-1]):
        raise IdentifierError("check_digit")
    return code


@dataclass(frozen=True)
class IdentifierRules:
    """Which codes a library treats as patrons and which as items."""

    patron_prefixes: tuple[str, ...] = ("2",)
    item_prefixes: tuple[str, ...] = ("3",)
    #: accept ISBN/EAN-13 codes as item identifiers (books labelled only with their ISBN)
    accept_isbn: bool = True
    #: accept other printable codes (schools that use their own numbering); kind is then "unknown"
    accept_other: bool = False


@dataclass(frozen=True)
class Identifier:
    """A validated identifier: what it is and how it was recognised."""

    code: str
    kind: str  # "patron" | "item" | "unknown"
    scheme: str  # "library14" | "isbn13" | "isbn10" | "ean13" | "other"
    notes: tuple[str, ...] = field(default=())


def classify(raw: str, rules: IdentifierRules | None = None) -> Identifier:
    """Validate a scanned or typed code and say whether it names a patron or an item."""
    rules = rules or IdentifierRules()
    code = normalize_code(raw)
    if len(code) == LIBRARY_BARCODE_LENGTH and code.isdigit() and code.startswith(
        rules.patron_prefixes + rules.item_prefixes
    ):
        validate_library_barcode(code)
        kind = "patron" if code.startswith(rules.patron_prefixes) else "item"
        return Identifier(code, kind, "library14")
    if rules.accept_isbn and len(code) in (10, 13):
        scheme = _isbn_scheme(code)
        if scheme:
            return Identifier(code.upper(), "item", scheme)
    if code.isdigit() and len(code) == LIBRARY_BARCODE_LENGTH:
        validate_library_barcode(code)
        if rules.accept_other:
            return Identifier(code, "unknown", "library14")
        raise IdentifierError("prefix_unused", first=code[0])
    if rules.accept_other:
        return Identifier(code, "unknown", "other")
    if code.isdigit() and len(code) in (10, 13):
        raise IdentifierError("isbn_check")
    if code.isdigit():
        validate_library_barcode(code)  # raises with the length sentence
    raise IdentifierError("unknown_format", shown=_shown(code))


def normalize_code(raw: str) -> str:
    """Strip whitespace and scanner framing; raise IdentifierError for empty, huge or binary input."""
    if raw is None:
        raise IdentifierError("empty")
    code = raw.strip()
    # Codabar start/stop characters (A-D) are sometimes transmitted by scanners.
    if len(code) >= 3 and code[0] in "ABCDabcd" and code[-1] in "ABCDabcd" and code[1:-1].isdigit():
        code = code[1:-1]
    if not code:
        raise IdentifierError("empty")
    if len(code) > MAX_CODE_LENGTH:
        raise IdentifierError("too_long", length=len(code))
    if not _PRINTABLE.match(code):
        raise IdentifierError("unprintable")
    return code


def _isbn_scheme(code: str) -> str | None:
    try:
        if len(code) == 13 and code.isdigit():
            ean.validate(code)
            return "isbn13" if code.startswith(("978", "979")) and isbn.is_valid(code) else "ean13"
        if len(code) == 10:
            isbn.validate(code)
            return "isbn10"
    except ValidationError:
        return None
    return None


def normalize_card_uid(raw: str) -> str:
    """Return an NFC/RFID card UID as upper-case hex without separators (``04A1B2C3D4E5F6``)."""
    text = re.sub(r"[\s:\-]", "", (raw or "")).upper()
    if not text or not re.fullmatch(r"[0-9A-F]+", text):
        raise IdentifierError("card_not_hex")
    if len(text) % 2 or not 4 <= len(text) // 2 <= 10:
        raise IdentifierError("card_length", bytes=f"{len(text) / 2:g}")
    return text


def mask_barcode(code: str) -> str:
    """Mask all but the last four characters, for logs and receipts (``**********2345``)."""
    if len(code) <= 4:
        return "*" * len(code)
    return "*" * (len(code) - 4) + code[-4:]


def _shown(code: str) -> str:
    masked = mask_barcode(code)
    return masked if len(masked) <= 24 else "..." + masked[-21:]
