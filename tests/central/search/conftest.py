"""The search index kept by every ORM write, from the first fixture on, as in the running server."""
from __future__ import annotations

import pytest

from central.search import index


@pytest.fixture(autouse=True)
def search_index_kept():
    """Autouse fixtures come first: the small library's titles are indexed as they are written."""
    index.install()
