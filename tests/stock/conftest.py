"""Fixtures shared by the stock tests: the medicine their movements name, and hospital A's and the
national analyst's API clients."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def medicine():
    """The medicine the stock tests' movements name (code AMOX-500)."""
    return factories.MedicineFactory(code="AMOX-500")


@pytest.fixture
def hospital(personas, api_client_for):
    """Hospital A's user's API client."""
    return api_client_for(personas.hospital_a_user)


@pytest.fixture
def analyst(personas, api_client_for):
    """The national analyst's API client."""
    return api_client_for(personas.analyst)
