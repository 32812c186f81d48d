"""The kiosk's central backend finds books through the real server's GET /api/v1/search, over real HTTP."""
from __future__ import annotations

import pytest

from kiosk.backends.central import CentralBackend
from kiosk.backends.port import BackendAuthRefused, BackendRejected
from protocol.wire import SearchOutcome, SearchRequest


@pytest.fixture
def backend(server):
    b = CentralBackend(server.removesuffix("/api/v1"), "token-one", timeout=10.0, connect_timeout=2.0)
    yield b
    b.close()


def test_a_kiosk_search_comes_back_typed_with_its_schools_shelf_and_copies(backend):
    """GIVEN the small library served over HTTP WHEN the kiosk's backend searches for sharks THEN a typed page comes
    back with the shark book, its call number, a shelf place in words and its copies counted."""
    assert backend.capabilities.search
    page = backend.search(SearchRequest("sharks"))
    assert isinstance(page, SearchOutcome) and page.total >= 1
    hit = next(h for h in page.hits if h.title == "All About Sharks")
    assert hit.call_number and hit.location and hit.copies >= 1 and 0 <= hit.available <= hit.copies


@pytest.mark.parametrize("query", ["%", "'", "x" * 2000, "", "?!.,"])
def test_odd_searches_are_answered_with_no_hits_and_a_sentence_never_an_error(backend, query):
    """GIVEN a search for %, a quote, 2,000 characters, nothing or only punctuation WHEN the kiosk searches THEN an
    empty page comes back with a sentence for the screen."""
    page = backend.search(SearchRequest(query), lang="es")
    assert page.hits == () and page.total == 0 and page.message


def test_a_page_out_of_range_is_refused_in_words_and_a_wrong_token_is_the_kiosks_own_problem(backend, server):
    """GIVEN an offset beyond the last page the server serves WHEN searched THEN a refusal naming offset comes back;
    GIVEN a wrong token THEN the kiosk itself is refused."""
    with pytest.raises(BackendRejected) as refused:
        backend.search(SearchRequest("sharks", offset=10**9))
    assert "offset" in refused.value.message
    wrong = CentralBackend(server.removesuffix("/api/v1"), "not-a-token", timeout=10.0, connect_timeout=2.0)
    try:
        with pytest.raises(BackendAuthRefused):
            wrong.search(SearchRequest("sharks"))
    finally:
        wrong.close()
