"""Staff pages in English and Spanish: every sentence a staff member sees goes through :func:`translate`.

The English sentence is its own key (gettext's convention): templates read as the page does, and
translations/es.json maps each English sentence to its Spanish. A sentence missing there shows in
English rather than breaking the page, and tests/central/test_staff_i18n.py fails the build for it.
``{name}`` places are filled after translating, so word order may differ between the languages.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import g, has_request_context, request, session

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
_MONTHS = {"en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
           "es": "ene feb mar abr may jun jul ago sep oct nov dic".split()}
_FOLDER = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=None)
def spanish() -> dict[str, str]:
    """English sentence -> Spanish sentence (read once)."""
    return json.loads((_FOLDER / "es.json").read_text(encoding="utf-8"))


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (the page's language when None), English when it has no translation."""
    language = language or current_language()
    if language == "es":
        return spanish().get(text, text)
    return text


def t(text: str, language: str | None = None, **values) -> str:
    """Translate ``text`` and fill in its ``{name}`` places."""
    translated = translate(text, language)
    return translated.format(**values) if values else translated


def current_language() -> str:
    """The signed-in staff member's language, else the one chosen on the sign-in page, else the browser's."""
    if not has_request_context():
        return "en"
    staff = g.get("staff")
    if staff is not None and staff.language in LANGUAGES:
        return staff.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def money(cents: int | None, language: str | None = None) -> str:
    """An amount of money as a librarian writes it: $12.99."""
    cents = int(cents or 0)
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def day(value: date | None, language: str | None = None) -> str:
    """A date as staff read it: "Oct 20, 2025" / "20 oct 2025"."""
    if value is None:
        return ""
    language = language or current_language()
    month = _MONTHS.get(language, _MONTHS["en"])[value.month - 1]
    return f"{value.day} {month} {value.year}" if language == "es" else f"{month} {value.day}, {value.year}"
