"""GET /api/v1/search as a kiosk calls it: SearchOutcome-shaped JSON, its school's shelves, bad input answered."""
from __future__ import annotations

import pytest

from central.search import api
from protocol.wire import SearchHit, SearchOutcome


@pytest.fixture
def kiosk_search(app):
    """GET /api/v1/search on the app, as kiosk k1 (or with another token)."""
    client = app.test_client()

    def get(query: str | None = None, language: str = "en", token: str = "token-one", **extra):
        args = {**({"q": query} if query is not None else {}), **extra}
        return client.get("/api/v1/search", query_string=args,
                          headers={"Authorization": f"Bearer {token}", "Accept-Language": language})
    return get


def test_a_kiosk_finds_a_book_with_its_call_number_place_and_copies_in(kiosk_search, library):
    """GIVEN the small library WHEN a kiosk searches "sharks" THEN the JSON is a SearchOutcome with the title, author,
    call number, the place in words, two copies and two in, and is never cached."""
    response = kiosk_search("sharks")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    outcome = SearchOutcome(query=body["query"], total=body["total"],
                            hits=tuple(SearchHit(**{**h, "subjects": tuple(h["subjects"])}) for h in body["hits"]))
    assert outcome.total == 1 and outcome.hits[0] == SearchHit(
        title="All About Sharks", author="Gail Gibbs", call_number="597.3 GIB", location="Nonfiction, number 597.3",
        copies=2, available=2, isbn=None, subjects=())


def test_the_place_is_said_in_the_asked_language(kiosk_search, library):
    """GIVEN a Spanish-speaking child WHEN they search for the bear book THEN its place is said in Spanish."""
    assert kiosk_search("bear", language="es").get_json()["hits"][0]["location"] == "Libros ilustrados, estante R"


@pytest.mark.parametrize("query", ["%", "'", "x" * 2000, "", "?!.,;", None])
def test_bad_or_empty_queries_get_a_clear_answer_never_an_error(kiosk_search, library, query):
    """GIVEN %, a quote, 2,000 characters, nothing, only punctuation, or no q at all WHEN searched THEN the answer is
    200 with no hits and a sentence for the child, in their language."""
    response = kiosk_search(query)
    body = response.get_json()
    assert response.status_code == 200 and body["hits"] == [] and body["total"] == 0 and body["message"]
    assert len(body["query"]) <= 200
    assert kiosk_search(query, language="es").get_json()["message"] != body["message"]


@pytest.mark.parametrize("extra, name", [({"limit": "0"}, "limit"), ({"limit": "abc"}, "limit"),
                                         ({"limit": "51"}, "limit"), ({"offset": "-1"}, "offset"),
                                         ({"offset": "99999"}, "offset")])
def test_a_limit_or_offset_out_of_range_is_a_400_naming_it(kiosk_search, library, extra, name):
    """GIVEN a limit or offset that is not a whole number in range WHEN searched THEN 400 bad_request names it."""
    response = kiosk_search("shark", **extra)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request" and name in response.get_json()["error"]["message"]


def test_paging_with_limit_and_offset(kiosk_search, library):
    """GIVEN several matches WHEN paged one at a time THEN each page holds the next hit and the same total."""
    first, second = kiosk_search("fic", limit="1").get_json(), kiosk_search("fic", limit="1", offset="1").get_json()
    assert first["total"] == second["total"] >= 2 and first["hits"] != second["hits"]


def test_a_search_needs_the_kiosk_token(kiosk_search, library):
    """GIVEN no valid token WHEN searched THEN 401 unauthorized, as every kiosk call."""
    assert kiosk_search("sharks", token="wrong").status_code == 401


def test_the_openapi_fragment_describes_the_path_and_its_schemas():
    """GIVEN the module's OpenAPI fragment THEN it has /search with q, limit, offset and the two schemas with the
    SearchOutcome fields."""
    path = api.OPENAPI["paths"]["/search"]["get"]
    assert [p["name"] for p in path["parameters"]] == ["q", "limit", "offset"]
    schemas = api.OPENAPI["components"]["schemas"]
    assert set(schemas["SearchOutcome"]["required"]) == {"query", "total", "hits"}
    assert set(schemas["SearchHit"]["properties"]) == set(SearchHit.__dataclass_fields__)
