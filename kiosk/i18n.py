"""Translations: every string a student or librarian sees goes through :func:`t`.

Catalogs are JSON files in kiosk/translations/ (one per language, the same keys in each).
Dates are written out by hand from the catalog's month and weekday names, so "Monday,
December 7" / "lunes, 7 de diciembre" never depends on the operating system's locales.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from functools import lru_cache
from pathlib import Path

from protocol.circulation import LANGUAGES

CATALOG_DIR = Path(__file__).resolve().parent / "translations"
DEFAULT_LANGUAGE = "en"
log = logging.getLogger("kiosk.i18n")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """All strings of one language (read once)."""
    path = CATALOG_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def supported(lang: str | None) -> str:
    """``lang`` if the kiosk speaks it, else the default language."""
    return lang if lang in LANGUAGES and (CATALOG_DIR / f"{lang}.json").exists() else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The string for ``key`` in ``lang`` (English if missing there), with ``{name}`` filled in."""
    text = catalog(supported(lang)).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key)
        if text is None:
            log.error("missing translation key %s", key)
            return key
    return text.format(**values) if values else text


def format_date(day: dt.date | None, lang: str = DEFAULT_LANGUAGE, today: dt.date | None = None) -> str:
    """A due date as a child reads it: 'Monday, December 7' / 'lunes, 7 de diciembre' (+ year if not this year)."""
    if day is None:
        return ""
    weekday = t(f"date.weekday.{day.weekday()}", lang)
    month = t(f"date.month.{day.month}", lang)
    text = t("date.long", lang, weekday=weekday, month=month, day=day.day)
    if today is not None and day.year != today.year:
        text = t("date.with_year", lang, date=text, year=day.year)
    return text


def format_money(cents: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """An amount of money: '$1.50'."""
    return t("money", lang, amount=f"{cents // 100}{t('money.decimal', lang)}{cents % 100:02d}")


def labels(lang: str) -> dict[str, str]:
    """Every string of ``lang`` (filled from English where missing), for the page's script."""
    merged = dict(catalog(DEFAULT_LANGUAGE))
    merged.update(catalog(supported(lang)))
    return merged


def language_name(lang: str) -> str:
    """A language's name in that language ('English', 'Español'), for the toggle button."""
    return t("language.name", lang)
