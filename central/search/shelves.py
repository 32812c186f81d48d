"""Where a book stands, in words a child understands: "Picture books, shelf R", "Nonfiction, number 597.3".

School libraries shelve stories by the author's last name (the letter after E, ER, FIC or B in the call
number) and information books by their Dewey number, so the section comes from the call number first
(E, ER, FIC, B, REF, DVD ...), then from the copy's item type, and a shelf location that is none of
these ("Teacher room") is said as the library wrote it.
"""
from __future__ import annotations

import re

from central.search.text import fold

SECTIONS = {
    "picture_book": {"en": "Picture books", "es": "Libros ilustrados"},
    "easy_reader": {"en": "Easy readers", "es": "Primeros lectores"},
    "fiction": {"en": "Fiction", "es": "Ficción"},
    "nonfiction": {"en": "Nonfiction", "es": "No ficción"},
    "biography": {"en": "Biographies", "es": "Biografías"},
    "reference": {"en": "Reference (stays in the library)", "es": "Consulta (se queda en la biblioteca)"},
    "dvd": {"en": "DVDs", "es": "DVD"},
    "audiobook": {"en": "Audiobooks", "es": "Audiolibros"},
    "magazine": {"en": "Magazines", "es": "Revistas"},
}
SHELF = {"en": "shelf {mark}", "es": "estante {mark}"}
NUMBER = {"en": "number {mark}", "es": "número {mark}"}
_PREFIXES = {"E": "picture_book", "EASY": "picture_book", "PIC": "picture_book", "PB": "picture_book",
             "ER": "easy_reader", "EZ": "easy_reader", "FIC": "fiction", "F": "fiction", "SC": "fiction",
             "B": "biography", "BIO": "biography", "REF": "reference", "R": "reference", "DVD": "dvd",
             "VID": "dvd", "CD": "audiobook", "AB": "audiobook", "AUD": "audiobook", "PER": "magazine",
             "MAG": "magazine"}
# Shelf locations that only name a section (the importers and the demo write these).
_SECTION_WORDS = {fold(words[lang]): key for key, words in SECTIONS.items() for lang in words} | {
    "picture books": "picture_book", "easy": "picture_book", "everybody": "picture_book",
    "easy readers": "easy_reader", "readers": "easy_reader", "non fiction": "nonfiction", "nonfiction": "nonfiction",
    "nf": "nonfiction", "biography": "biography", "reference": "reference", "ref": "reference", "fic": "fiction",
    "shelves": "", "stacks": "", "general": "", "main": "", "": ""}
_DEWEY = re.compile(r"^\d{3}(\.\d+)?$")


def section_of(call_number: str, item_type: str = "", location: str = "") -> str | None:
    """The section key (one of SECTIONS) a copy belongs to, or None when only its shelf location says."""
    words = (call_number or "").upper().split()
    first = words[0].rstrip(".") if words else ""
    if first in ("E", "EASY") and len(words) > 1 and words[1] in ("READER", "READ", "READERS"):
        return "easy_reader"
    if first in _PREFIXES:
        return _PREFIXES[first]
    if _DEWEY.match(first):
        return "biography" if first.startswith(("920", "921")) else "nonfiction"
    named = _SECTION_WORDS.get(fold(location).replace("-", " ").strip())
    if named:
        return named
    if item_type in SECTIONS and item_type != "book":
        return item_type
    return None


def shelf_words(call_number: str, item_type: str = "", location: str = "", language: str = "en") -> str:
    """The place of a copy in ``language``: section, then the shelf letter or the number to look for."""
    language = language if language in ("en", "es") else "en"
    section = section_of(call_number, item_type, location)
    words = (call_number or "").split()
    cue = _cue(section, words, language)
    if section is not None:
        place = SECTIONS[section][language]
    elif location and _SECTION_WORDS.get(fold(location).strip()) is None:
        place = location  # the library's own name for the place ("Teacher room")
    else:
        return f"{SHELF[language].format(mark=call_number)}" if call_number else ""
    return f"{place}, {cue}" if cue else place


def _cue(section: str | None, words: list[str], language: str) -> str:
    if not words:
        return ""
    first = words[0].upper().rstrip(".")
    if _DEWEY.match(first):
        return NUMBER[language].format(mark=first)
    if section in ("reference", "biography") and len(words) > 1 and _DEWEY.match(words[1]):
        return NUMBER[language].format(mark=words[1])
    rest = words[1:] if first in _PREFIXES or first in ("READER", "READ") else words
    rest = [w for w in rest if w.upper() not in ("READER", "READ", "READERS")]
    letters = next((w for w in rest if w[:1].isalpha()), "")
    return SHELF[language].format(mark=letters[:1].upper()) if letters else ""
