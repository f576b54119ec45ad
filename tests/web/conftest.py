"""Page tests start with an empty cache, so that what a page reads is what the test just built."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
