"""One patron row, read and checked: names, student ID, grade, type, language, card barcode and UID, expiry.

Values come in many spellings ("Kindergarten", "KG", "00"; "Spanish", "SP", "Español"; "Faculty");
each is brought to the catalog's one form. A row missing a required value is refused; a value that
cannot be used but is not needed (a card UID that is not hexadecimal, a language the kiosk does not
speak) is left out and said, and the rest of the row is imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from central.imports.codes import barcode_problem
from central.imports.wording import S
from protocol.identifiers import IdentifierError, normalize_card_uid

MAX_NAME = 80


@dataclass
class PatronRow:
    """A patron as one row of the file describes them, checked."""

    number: int                      # line number in the file (or row number of users.csv)
    school_id: int
    first_name: str
    last_name: str
    student_id: str | None = None
    barcode: str | None = None
    card_uid: str | None = None
    patron_type: str = "student"
    grade: str | None = None
    homeroom: str | None = None
    language: str | None = "en"      # None: keep the patron's own (OneRoster has none)
    expires_on: date | None = None
    external_id: str | None = None   # OneRoster sourcedId
    active: bool = True
    notes: list[S] = field(default_factory=list)  # values left out of this row, and why

    @property
    def key(self) -> str:
        """What the librarian knows the row by: the student ID, else the card barcode."""
        return self.student_id or self.barcode or self.external_id or ""

    @property
    def name(self) -> str:
        """First and last name, for the report."""
        return f"{self.first_name} {self.last_name}".strip()


class RowRefused(Exception):
    """This row cannot be imported; ``sentence`` says why."""

    def __init__(self, sentence: S):
        super().__init__(sentence.say("en"))
        self.sentence = sentence


def grade(text: str) -> str | None:
    """A grade in the catalog's form: K, PK, 1 to 12, or the text as given (at most 10 characters)."""
    value = (text or "").strip().upper().replace("GRADE", "").replace("GRADO", "").strip(" .-")
    if not value:
        return None
    if value in ("K", "KG", "KN", "KINDER", "KINDERGARTEN", "0", "00", "TK"):
        return "K" if value != "TK" else "TK"
    if value in ("PK", "P", "PREK", "PRE-K", "PREKINDERGARTEN", "PS", "-1", "IT", "PR"):
        return "PK"
    digits = re.fullmatch(r"0*(\d{1,2})(ST|ND|RD|TH)?", value)
    if digits and 1 <= int(digits.group(1)) <= 13:
        return str(int(digits.group(1)))
    return value[:10]


def patron_type(text: str) -> str:
    """student, teacher or staff from the words a system uses; RowRefused when it is none of them."""
    value = (text or "").strip().lower()
    if not value:
        return "student"
    for words, kind in ((("teach", "faculty", "maestr", "profes", "instructor"), "teacher"),
                        (("staff", "admin", "employee", "aide", "para", "personal", "empleado"), "staff"),
                        (("stud", "pupil", "grade", "kinder", "alumn", "estudiante", "learner", "child"), "student")):
        if any(w in value for w in words):
            return kind
    raise RowRefused(S("The patron type '{value}' is not student, teacher or staff.", value=text[:40]))


LANGUAGE_WORDS = {"en": ("en", "eng", "english", "ingles", "inglés", "en-us"),
                  "es": ("es", "spa", "sp", "spanish", "espanol", "español", "es-us", "es-mx", "castellano")}


def language(text: str, notes: list[S]) -> str:
    """en or es; another language is noted and English is used (the kiosk speaks these two)."""
    value = (text or "").strip().lower()
    for code, words in LANGUAGE_WORDS.items():
        if value in words:
            return code
    if value:
        notes.append(S("The language '{value}' is not one the kiosk speaks (English, Spanish): English was set.",
                       value=text[:40]))
    return "en"


def expiry(text: str) -> date | None:
    """A date written 2026-06-30 or 6/30/2026; RowRefused for anything else."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[:10]):
            return date.fromisoformat(value[:10])
        month, day, year = (int(p) for p in re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value).groups())
        return date(year, month, day)
    except (ValueError, AttributeError):
        raise RowRefused(S("The date '{value}' is not a date (write it 2026-06-30 or 6/30/2026).",
                           value=value[:20])) from None


def names(first: str, last: str, last_first: str) -> tuple[str, str]:
    """First and last name, from their own columns or from one "Last, First" column; RowRefused when missing."""
    first, last = (first or "").strip(), (last or "").strip()
    if not (first or last) and last_first:
        last, _, first = last_first.partition(",")
        first, last = first.strip(), last.strip()
    if not first or not last:
        missing = S("first name") if not first else S("last name")
        raise RowRefused(S("The {which} is missing.", which=missing))
    if len(first) > MAX_NAME or len(last) > MAX_NAME:
        raise RowRefused(S("A name is longer than {most} characters.", most=MAX_NAME))
    return first, last


def card_barcode(text: str, mode: str) -> str | None:
    """The card barcode as given, checked; RowRefused when it cannot be a patron barcode."""
    value = (text or "").strip()
    if not value:
        return None
    problem = barcode_problem(value, "patron", mode)
    if problem is not None:
        raise RowRefused(problem)
    return value


def card_uid(text: str, notes: list[S]) -> str | None:
    """The card UID in upper-case hex, or None (noted) when it is not one."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return normalize_card_uid(value)
    except IdentifierError:
        notes.append(S("The card UID '{value}' is not a card identifier (4 to 10 bytes in hexadecimal); the "
                       "patron was imported without it.", value=value[:30]))
        return None


def student_id(text: str) -> str | None:
    """The student ID as given (trimmed); RowRefused when it is too long for the catalog."""
    value = (text or "").strip()
    if len(value) > 40:
        raise RowRefused(S("The student ID is longer than 40 characters."))
    return value or None
