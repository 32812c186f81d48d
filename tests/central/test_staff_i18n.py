"""Every sentence of the staff pages has its Spanish, and a Spanish-speaking librarian sees Spanish pages."""
from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

from tests.conftest import ROOT
from tests.central.conftest import SQLITE_ONLY

SPANISH = ROOT / "central" / "web" / "translations" / "es.json"
TEMPLATE_CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# Words that are the same in both languages or are names, never translated.
SAME = {"SIP2", "ISBN", "Dewey", "DVD", "PIN"}
# Python modules whose sentences reach the staff pages: the web room and the domain rooms it calls.
SOURCES = ("central/web", "central/catalog", "central/registration", "central/staff", "central/circulation/fines.py",
           "central/circulation/holds.py", "central/circulation/schools.py", "central/messages.py", "central/cli.py")
DICTS = ("ROLE_NAMES", "AUDIENCE_NAMES", "ITEM_TYPE_NAMES", "STATUS_NAMES", "PATRON_TYPE_NAMES", "PAGES",
         "DESK_SUMMARIES", "FINE_REASONS", "PIN_SUMMARIES", "RULE_SENTENCES", "EVENT_KINDS")
ACTION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")  # "item.withdraw": an audit action, not a sentence


def template_sentences() -> set[str]:
    """Every literal passed to _() in the central templates."""
    found = set()
    for path in (ROOT / "templates" / "central").glob("*.html"):
        for double, single in TEMPLATE_CALL.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def _python_files():
    for source in SOURCES:
        path = ROOT / source
        yield from ([path] if path.suffix == ".py" else sorted(path.rglob("*.py")))


def python_sentences() -> set[str]:
    """Sentences in the Python code: t(), Refused-style errors, done=/summary= and the name tables."""
    found = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if (name in ("t", "SignIn", "_page", "_act", "_money_change") or name.endswith("Refused")) and node.args:
                    found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
                for keyword in node.keywords:
                    if keyword.arg in ("done", "summary", "required") and isinstance(keyword.value, ast.Constant) \
                            and isinstance(keyword.value.value, str):
                        found.add(keyword.value.value)
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in DICTS for t in node.targets) and \
                    isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    items = value.elts if isinstance(value, ast.Tuple) else [value]
                    found.update(v.value for v in items if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return {s for s in found if s and s not in SAME and any(c.isalpha() for c in s) and not ACTION_NAME.match(s)}


def _places(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_sentence_of_the_staff_pages_has_a_spanish_translation():
    """GIVEN every sentence in the central templates and the Python that feeds them WHEN es.json is read
    THEN each has a Spanish sentence with the same {places}, and es.json holds no sentence no page uses."""
    spanish = json.loads(SPANISH.read_text(encoding="utf-8"))
    wanted = (template_sentences() | python_sentences()) - SAME
    missing = sorted(wanted - set(spanish))
    assert missing == [], "no Spanish for:\n" + "\n".join(missing)
    wrong = [k for k in wanted if _places(k) != _places(spanish[k])]
    assert wrong == [], f"the {{places}} differ: {wrong}"
    unused = sorted(set(spanish) - wanted)
    assert unused == [], "es.json has sentences no page uses:\n" + "\n".join(unused)


def test_the_spanish_file_is_valid_json_with_no_empty_or_untranslated_entries():
    """GIVEN es.json THEN no entry is empty, and long sentences are actually translated (not copied)."""
    spanish = json.loads(SPANISH.read_text(encoding="utf-8"))
    assert all(value.strip() for value in spanish.values())
    copied = [k for k, v in spanish.items() if k == v and len(k.split()) > 3]
    assert copied == []


@SQLITE_ONLY
def test_a_spanish_speaking_librarian_gets_spanish_pages_flashes_and_refusals(app, database, clock, library):
    """GIVEN a librarian whose language is Spanish WHEN she signs in THEN the home page is in Spanish (lang="es");
    WHEN she blocks a patron without a reason THEN the refusal is in Spanish; WHEN she adds a copy with a taken
    barcode THEN the sentence names it in Spanish; WHEN she switches to English THEN her account keeps it."""
    import sqlalchemy as sa

    from central.store.models import Item, Patron, StaffAccount
    from tests.central.staff import StaffClient, add_staff, text_of

    add_staff(database, clock, "lucia", "librarian", library.school_id, language="es")
    client = StaffClient(app)
    client.sign_in("lucia")
    home = client.get("/")
    assert '<html lang="es">' in home.get_data(as_text=True)
    assert "Sesión iniciada como lucia (Bibliotecario)." in text_of(home) and "Catálogo" in text_of(home)
    with database.reader() as session:
        maria = session.scalar(sa.select(Patron.id).where(Patron.barcode == library.maria))
        sharks = session.scalar(sa.select(Item).where(Item.barcode == library.sharks))
    refused = client.post(f"/patrons/{maria}/block", {"reason": ""}, page=f"/patrons/{maria}", follow=True)
    assert "Diga en pocas palabras por qué se bloquea al usuario." in text_of(refused)
    taken = client.post(f"/catalog/titles/{sharks.title_id}/copies",
                        {"barcode": library.bear, "call_number": "597.3 GIB", "location": "Nonfiction",
                         "item_type": "book"}, page=f"/catalog/titles/{sharks.title_id}", follow=True)
    assert f"El código {library.bear} ya está en otro ejemplar ('The Sleepy Bear')." in text_of(taken)
    client.post("/language", {"language": "en", "next": "/"}, page="/")
    with database.reader() as session:
        assert session.scalar(sa.select(StaffAccount.language).where(StaffAccount.username == "lucia")) == "en"
    assert "Signed in as lucia (Librarian)." in text_of(client.get("/"))


@SQLITE_ONLY
def test_the_sign_in_page_follows_the_browser_language_until_one_is_chosen(app):
    """GIVEN a browser asking for Spanish WHEN the sign-in page opens THEN it is in Spanish; WHEN English is
    chosen with the language button THEN the page is in English from then on."""
    from tests.central.staff import StaffClient, text_of

    client = StaffClient(app)
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Acceso del personal" in text_of(page)
    client.post("/language", {"language": "en", "next": "/"})
    assert "Staff sign-in" in text_of(client.get("/", headers={"Accept-Language": "es"}))
