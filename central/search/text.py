"""Words as the search sees them: accents and case folded away, split on anything that is not a letter or digit.

The same folding is used for what is indexed and for what is typed, on SQLite and PostgreSQL alike,
so "nino" finds "Niño" and "597.3" finds the call number "597.3 GIB" whatever the database's own
parser would have made of them. A typed word that splits into several pieces ("597.3", "T-Rex")
becomes a phrase: its pieces must stand next to each other.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WORDS = 12          # a longer query is cut to its first twelve words
MAX_QUERY_CHARS = 200   # and to this many characters before that
MAX_TOKEN = 40
# Letters NFKD does not take apart into a base letter and a mark.
_SPECIAL = str.maketrans({"æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                          "þ": "th", "Þ": "th", "œ": "oe", "Œ": "oe", "ı": "i"})
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """``text`` lower-cased with accents removed ("Niño Ñandú" -> "nino nandu")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def tokens(text: str) -> list[str]:
    """The searchable words of ``text``, folded, in order."""
    return [t[:MAX_TOKEN] for t in _SPLIT.split(fold(text)) if t]


@dataclass(frozen=True)
class Term:
    """One typed word: its pieces (several for "597.3"), and whether its last piece may be a word's start."""

    pieces: tuple[str, ...]
    prefix: bool


def parse_query(text: str) -> tuple[str, list[Term]]:
    """What will be searched (the query cut to size) and its terms; no terms when nothing searchable was typed."""
    shown = " ".join((text or "")[:MAX_QUERY_CHARS].split()[:MAX_WORDS])
    terms = []
    for word in shown.split():
        pieces = tokens(word)
        if not pieces:
            continue
        last = pieces[-1]
        # Children type the start of a word ("shar") and plurals ("sharks", "niños"): the last piece
        # matches any word it starts, after dropping a plural s. One letter stays a whole word.
        prefix = len(last) >= 2 and not last.isdigit()
        if prefix and len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
            pieces = (*pieces[:-1], last[:-1])
        terms.append(Term(tuple(pieces), prefix))
    return shown, terms


def fts5_query(terms: list[Term]) -> str:
    """The FTS5 MATCH expression for ``terms``: every term must match (pieces are letters and digits only)."""
    return " AND ".join(f'"{" ".join(t.pieces)}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: list[Term]) -> str:
    """The PostgreSQL tsquery text for ``terms`` (lexemes quoted; pieces of one word followed by each other)."""
    out = []
    for term in terms:
        parts = [f"'{p}'" for p in term.pieces]
        if term.prefix:
            parts[-1] += ":*"
        out.append("(" + " <-> ".join(parts) + ")" if len(parts) > 1 else parts[0])
    return " & ".join(out)


def tsvector(weighted: list[tuple[str, list[str]]]) -> str:
    """A tsvector literal from (weight letter, texts) pairs: positions kept, texts apart so phrases do not span."""
    positions: dict[str, list[str]] = {}
    at = 1
    for weight, texts in weighted:
        for text in texts:
            for token in tokens(text):
                if at <= 16383:  # PostgreSQL's largest position
                    positions.setdefault(token, []).append(f"{at}{weight}")
                at += 1
            at += 1  # a gap between two texts: "597.3 GIB" and "E ROW" are not one phrase
    return " ".join(f"'{token}':{','.join(marks[:256])}" for token, marks in positions.items())
