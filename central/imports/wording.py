"""Sentences of the importers in English and Spanish: kept as the English text and its values, worded on demand.

A problem found in row 40 is reported on a page, in a CSV and on a terminal, maybe in two languages;
so the importers keep ``S("...{barcode}...", barcode=...)`` and each place words it in its reader's
language. The Spanish for every sentence is in ``translations/es.json`` beside this file (the English
text is the key, gettext's convention), and a test fails the build for a sentence without one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "es")
_SPANISH = Path(__file__).resolve().parent / "translations" / "es.json"


@lru_cache(maxsize=None)
def spanish() -> dict[str, str]:
    """English sentence -> Spanish sentence, read once."""
    return json.loads(_SPANISH.read_text(encoding="utf-8"))


def tr(text: str, language: str = "en", **values) -> str:
    """``text`` in ``language`` (English when it has no translation), its ``{places}`` filled."""
    if language == "es":
        text = spanish().get(text, text)
    return text.format(**values) if values else text


@dataclass(frozen=True)
class S:
    """A sentence for a librarian: English text with ``{places}`` and the values that fill them."""

    text: str
    values: dict = field(default_factory=dict)

    def __init__(self, text: str, **values):
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "values", values)

    def say(self, language: str = "en") -> str:
        """The sentence in ``language``; values that are sentences themselves are worded the same way."""
        filled = {k: (v.say(language) if isinstance(v, S) else v) for k, v in self.values.items()}
        return tr(self.text, language, **filled)

    def __str__(self) -> str:
        return self.say("en")

    def to_dict(self) -> dict:
        """JSON form (kept in a result file): the text and its plain values."""
        return {"text": self.text, "values": {k: (v.to_dict() if isinstance(v, S) else v)
                                              for k, v in self.values.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> "S":
        """Back from :meth:`to_dict`."""
        values = {k: (cls.from_dict(v) if isinstance(v, dict) and "text" in v else v)
                  for k, v in (data.get("values") or {}).items()}
        return cls(data["text"], **values)


class Listed(S):
    """Names or sentences said one after the other, with commas, each in the reader's language."""

    def __init__(self, parts):
        super().__init__("{parts}")
        object.__setattr__(self, "parts", tuple(parts))

    def say(self, language: str = "en") -> str:
        """The parts in ``language``, joined by commas."""
        return ", ".join(p.say(language) if isinstance(p, S) else str(p) for p in self.parts)

    def to_dict(self) -> dict:
        """JSON form: the parts as worded in English (a stored report keeps the words, not the parts)."""
        return {"text": "{parts}", "values": {"parts": self.say("en")}}
