"""Translations: en and es have the same keys, every key the code and pages use exists, dates need no locale."""
from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from kiosk.i18n import CATALOG_DIR, format_date, format_money, t

ROOT = Path(__file__).resolve().parents[2]
EN = json.loads((CATALOG_DIR / "en.json").read_text(encoding="utf-8"))
ES = json.loads((CATALOG_DIR / "es.json").read_text(encoding="utf-8"))
NAMESPACES = {key.split(".")[0] for key in EN}
KEYLIKE = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")


def _python_keys() -> set[str]:
    """String constants in kiosk/*.py shaped like catalog keys (logger and endpoint names excluded below)."""
    found = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEYLIKE.match(node.value):
                if node.value.split(".")[0] in NAMESPACES:
                    found.add(node.value)
    return found


def _page_keys() -> set[str]:
    found = set()
    for path in list((ROOT / "templates" / "kiosk").glob("*.html")) + list((ROOT / "kiosk" / "static").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"data-t(?:-aria|-placeholder)?=\"([a-z_.0-9]+)\"", text))
        found |= {k for k in re.findall(r"\bt\('([a-z_.0-9]+)'", text) if not k.endswith(".")}
        found |= {k for k in re.findall(r"\bL\(\"([a-z_.0-9]+)\"", text) if not k.endswith(".")}
    return found


def test_given_both_catalogs_when_compared_then_they_have_exactly_the_same_keys():
    assert set(EN) == set(ES)
    assert all(isinstance(v, str) and v for v in list(EN.values()) + list(ES.values()))


def test_given_both_catalogs_when_placeholders_are_compared_then_each_key_fills_the_same_names():
    for key in EN:
        assert set(re.findall(r"{(\w+)}", EN[key])) == set(re.findall(r"{(\w+)}", ES[key])), key


def test_given_the_kiosk_code_when_scanned_for_keys_then_every_key_it_uses_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}  # "staff.home" looks like a key
    keys = _python_keys() - endpoints
    assert {"scan.unreadable", "line.unanswered", "receipt.heading.checkout"} <= keys  # the scan itself works
    assert sorted(k for k in keys if k not in EN) == []


def test_given_the_templates_and_script_when_scanned_for_keys_then_every_key_exists():
    keys = _page_keys()
    assert "idle.title" in keys and "active.returning" in keys  # the scan itself works
    assert sorted(k for k in keys if k not in EN) == []


@pytest.mark.parametrize("family, members", [
    ("device.status.", ["connecting", "ready", "error", "disconnected", "stopped"]),
    ("device.kind.", ["scanner", "card_reader", "item_pad", "printer"]),
    ("mode.", ["checkout", "checkin", "renew"]),
    ("active.hint.", ["checkout", "checkin", "renew"]),
    ("keypad.title.", ["card", "pin", "book"]),
    ("receipt.status.", ["nothing", "printed", "error", "no_printer"]),
    ("staff.state.", ["pending", "acked", "refused"]),
    ("staff.session_state.", ["idle", "pin_entry", "active", "ending"]),
    ("date.weekday.", [str(n) for n in range(7)]),
    ("date.month.", [str(n) for n in range(1, 13)]),
])
def test_given_keys_built_from_a_value_when_every_value_is_tried_then_each_key_exists(family, members):
    assert [m for m in members if family + m not in EN] == []


def test_given_a_due_date_when_formatted_then_each_language_reads_naturally():
    day = dt.date(2025, 12, 7)
    assert format_date(day, "en") == "Sunday, December 7"
    assert format_date(day, "es") == "domingo, 7 de diciembre"
    assert format_date(dt.date(2026, 1, 5), "es", today=day) == "lunes, 5 de enero de 2026"
    assert format_date(None, "en") == ""


def test_given_a_locale_the_os_does_not_have_when_formatting_then_nothing_depends_on_it(monkeypatch):
    monkeypatch.setenv("LC_ALL", "xx_XX.UTF-8")
    assert format_date(dt.date(2025, 12, 8), "es") == "lunes, 8 de diciembre"


def test_given_values_when_translated_then_they_are_filled_and_unknown_languages_fall_back():
    assert t("active.greeting", "es", name="Maria") == "¡Hola, Maria!"
    assert t("active.greeting", "fr", name="Maria") == "Hi, Maria!"
    assert t("no.such.key", "en") == "no.such.key"
    assert format_money(150, "en") == "$1.50"


def test_given_fines_without_a_title_when_the_spanish_account_is_drawn_then_no_english_reason_shows():
    """GIVEN fines whose book is gone (no title) with the server's English reasons, WHEN 'My account' is drawn
    in Spanish, THEN each reason is a Spanish sentence; an English screen keeps a reason staff typed."""
    from protocol.wire import Account, Fine, Patron
    from kiosk.web.view import account_view

    patron = Patron(barcode="21234000023457", display_name="Maria G.")
    fines = (Fine(40, "overdue"), Fine(1299, "lost item"), Fine(300, "torn pages"))
    account = Account(patron, loans=(), holds=(), fines=fines, fines_total_cents=1639)
    reasons = [fine["reason"] for fine in account_view(account, "es", dt.date(2025, 12, 1))["fines"]]
    assert reasons == ["Libro devuelto tarde", "Libro perdido", "Multa de la biblioteca"]
    english = [fine["reason"] for fine in account_view(account, "en", dt.date(2025, 12, 1))["fines"]]
    assert english == ["Late book", "Lost book", "torn pages"]
