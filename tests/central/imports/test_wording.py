"""Every sentence of the importers, exports, search and their pages has its Spanish, with the same {places}."""
from __future__ import annotations

import ast
import json
import re
import string

from central.imports.wording import S, tr
from tests.conftest import ROOT

SPANISH = ROOT / "central" / "imports" / "translations" / "es.json"
SOURCES = [ROOT / "central" / "imports", ROOT / "central" / "search"]
TEMPLATES = ROOT / "templates" / "central" / "imports"
TEMPLATE_CALL = re.compile(r"""\btr\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
CONSTANT_NAMES = ("NOTHING_TO_SEARCH", "NO_HITS")  # sentences kept in module constants
DICT_NAMES = ("_COUNT_SENTENCES", "FIELD_NAMES", "FORMAT_NAMES", "COUNT_NAMES")


def python_sentences() -> set[str]:
    """Literals given to S(...) or tr(...), and the sentence constants and tables, in the rooms' Python."""
    found = set()
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                        "S", "tr") and node.args and isinstance(node.args[0], ast.Constant):
                    found.add(node.args[0].value)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                        any(getattr(t, "id", "") in CONSTANT_NAMES for t in node.targets):
                    found.add(node.value.value)
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict) and \
                        any(getattr(t, "id", "") in DICT_NAMES for t in
                            (node.targets if isinstance(node, ast.Assign) else [node.target])):
                    found.update(v.value for v in node.value.values if isinstance(v, ast.Constant))
    return {s for s in found if isinstance(s, str) and any(c.isalpha() for c in s)}


def template_sentences() -> set[str]:
    """Literals given to tr() in the import pages."""
    found = set()
    for path in TEMPLATES.glob("*.html"):
        for double, single in TEMPLATE_CALL.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def _places(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_sentence_has_spanish_with_the_same_places_and_nothing_unused():
    """GIVEN every sentence in the import and search code and pages WHEN es.json is read THEN each has Spanish with
    the same {places}, and es.json holds nothing that no code uses."""
    spanish = json.loads(SPANISH.read_text(encoding="utf-8"))
    wanted = python_sentences() | template_sentences()
    missing = sorted(wanted - set(spanish))
    assert missing == [], "no Spanish for:\n" + "\n".join(missing)
    assert [k for k in wanted if _places(k) != _places(spanish[k])] == []
    assert sorted(set(spanish) - wanted) == []
    assert all(v.strip() and (v != k or len(k.split()) <= 2) for k, v in spanish.items())


def test_a_sentence_is_worded_in_either_language_with_its_values():
    """GIVEN a sentence with a value that is itself a sentence WHEN worded in Spanish THEN both parts are Spanish."""
    sentence = S("The barcode {code} starts with {digit}, the first digit of {other_kind}: a kiosk would take it "
                 "for one.", code="21234000000018", digit="2", other_kind=S("patron cards"))
    assert "21234000000018" in sentence.say("es") and "tarjetas" in sentence.say("es")
    assert S.from_dict(sentence.to_dict()).say("es") == sentence.say("es")
    assert tr("Not a sentence anyone wrote", "es") == "Not a sentence anyone wrote"
