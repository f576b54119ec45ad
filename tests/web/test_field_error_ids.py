"""A field's ``aria-describedby`` (Django adds ``<id>_error`` and ``<id>_helptext``) points at elements
the page has: the project's own form templates give its error and help those ids, so a screen reader
reads the error with the field it belongs to."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DESCRIBED = re.compile(r'aria-describedby="([^"]+)"')
IDS = re.compile(r'\sid="([^"]+)"')


def missing_targets(html: str) -> set[str]:
    """The ids named by an ``aria-describedby`` of ``html`` that no element of it carries."""
    named = {target for value in DESCRIBED.findall(html) for target in value.split()}
    return named - set(IDS.findall(html))


def pages_with_errors(client, personas):
    """Pages showing a field error, each drawn by a different template of the project."""
    client.force_login(personas.analyst)
    yield "filters", client.get(reverse("partners:declaration_list"), {"month": "abc"})
    yield "form fields", client.post(reverse("shortages:shortage_create"), {"started_on": "abc"})
    client.force_login(personas.hospital_a_user)
    yield "report upload", client.post(reverse("stock:report_upload"), {"replace": "on"})
    client.force_login(personas.company_user)
    yield "declaration", client.post(reverse("partners:declaration_create"), {"month": "abc"})


def test_every_described_by_target_is_on_the_page(client, personas):
    checked = 0
    for name, response in pages_with_errors(client, personas):
        html = response.content.decode()
        assert response.status_code in (200, 400), name  # a refused form answers 400
        assert 'class="field__error"' in html, name
        assert "_error" in " ".join(DESCRIBED.findall(html)), name
        assert missing_targets(html) == set(), name
        checked += 1
    assert checked == 4
