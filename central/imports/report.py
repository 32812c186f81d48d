"""What an import did: counts, the refused rows with their reasons, notes, and the refused rows as CSV.

A problem with the whole file (cut short, not MARC, a column missing) raises :class:`ImportStopped`
before anything is written. A problem with one row or record is a :class:`Problem`: that row is
refused (``outcome="refused"``), or imported without the one bad value (``"kept_without"``, say an
ISBN with a wrong check digit on a book that is on the shelf), and the rest go on.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from central.imports.wording import S

REFUSED, KEPT_WITHOUT = "refused", "kept_without"
OUTCOME_WORDS = {REFUSED: S("Not imported"), KEPT_WITHOUT: S("Imported without this value")}


class ImportStopped(Exception):
    """The file cannot be imported at all; nothing was changed. ``sentence`` says why, for a librarian."""

    def __init__(self, sentence: S):
        super().__init__(sentence.say("en"))
        self.sentence = sentence


@dataclass(frozen=True)
class Problem:
    """One row or record that was refused, or imported without one value, and why."""

    number: int            # the record number (MARC, from 1) or the line number (CSV, the header is line 1)
    key: str               # what identifies it for the librarian: control number, barcode, student ID
    reason: S
    outcome: str = REFUSED
    name: str = ""         # the title or the patron's name, so the librarian recognises the row

    def to_dict(self) -> dict:
        """JSON form for the result file."""
        return {"number": self.number, "key": self.key, "reason": self.reason.to_dict(), "outcome": self.outcome,
                "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        """Back from :meth:`to_dict`."""
        return cls(number=data["number"], key=data["key"], reason=S.from_dict(data["reason"]),
                   outcome=data.get("outcome", REFUSED), name=data.get("name", ""))


@dataclass
class ImportReport:
    """Counts by kind of record ("titles", "copies", "patrons") and what happened to each, plus problems."""

    kind: str                                    # "marc" | "patrons" | "oneroster"
    file_name: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[S] = field(default_factory=list)  # things the librarian should know (encoding used, ...)
    records: int = 0                             # records or rows read from the file

    def count(self, what: str, outcome: str, n: int = 1) -> None:
        """Add ``n`` to the count of ``what`` records that were ``outcome`` (added, updated, unchanged)."""
        bucket = self.counts.setdefault(what, {"added": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] = bucket.get(outcome, 0) + n

    def get(self, what: str, outcome: str) -> int:
        """How many ``what`` records were ``outcome``."""
        return self.counts.get(what, {}).get(outcome, 0)

    def refuse(self, number: int, key: str, reason: S, name: str = "") -> None:
        """Record a refused row."""
        self.problems.append(Problem(number, key, reason, REFUSED, name))

    def keep_without(self, number: int, key: str, reason: S, name: str = "") -> None:
        """Record a value left out of a row that was imported."""
        self.problems.append(Problem(number, key, reason, KEPT_WITHOUT, name))

    @property
    def refused(self) -> list[Problem]:
        """The rows that were not imported."""
        return [p for p in self.problems if p.outcome == REFUSED]

    @property
    def changed_anything(self) -> bool:
        """True when a record was added or updated."""
        return any(b.get("added") or b.get("updated") for b in self.counts.values())

    def summary(self, language: str = "en") -> str:
        """One sentence in ``language``: what changed, or that nothing did."""
        refused = len(self.refused)
        if not self.changed_anything:
            if self.counts:
                return S("Nothing changed: every record in the file is already in the library as it is "
                         "({refused} refused).", refused=refused).say(language)
            return S("Nothing was imported ({refused} refused).", refused=refused).say(language)
        parts = [S(_COUNT_SENTENCES[what], added=b.get("added", 0), updated=b.get("updated", 0),
                   unchanged=b.get("unchanged", 0)).say(language) for what, b in self.counts.items()]
        return S("{parts}; {refused} refused.", parts="; ".join(parts), refused=refused).say(language)

    def to_dict(self) -> dict:
        """JSON form for the result file."""
        return {"kind": self.kind, "file_name": self.file_name, "counts": self.counts, "records": self.records,
                "problems": [p.to_dict() for p in self.problems], "notes": [n.to_dict() for n in self.notes]}

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        """Back from :meth:`to_dict`."""
        return cls(kind=data["kind"], file_name=data.get("file_name", ""), counts=data.get("counts", {}),
                   records=data.get("records", 0), problems=[Problem.from_dict(p) for p in data.get("problems", [])],
                   notes=[S.from_dict(n) for n in data.get("notes", [])])


_COUNT_SENTENCES = {
    "titles": "titles: {added} added, {updated} updated, {unchanged} unchanged",
    "copies": "copies: {added} added, {updated} updated, {unchanged} unchanged",
    "patrons": "patrons: {added} added, {updated} updated, {unchanged} unchanged",
}


CSV_HEADER = {"en": ("Line or record", "Identifier", "Name or title", "What happened", "Why"),
              "es": ("Línea o registro", "Identificador", "Nombre o título", "Qué pasó", "Por qué")}


def problems_csv(report: ImportReport, language: str = "en") -> str:
    """The problems as CSV text, one row each, worded in ``language`` (opens in Excel with its accents)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER.get(language, CSV_HEADER["en"]))
    for problem in report.problems:
        writer.writerow((problem.number, _safe_cell(problem.key), _safe_cell(problem.name),
                         OUTCOME_WORDS[problem.outcome].say(language), problem.reason.say(language)))
    # A byte-order mark: Excel on Windows reads a CSV without one as Windows-1252 and garbles "Peña".
    return "\ufeff" + out.getvalue()


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets: a crafted name in a SIS
    # export must not become a formula on the librarian's computer.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
