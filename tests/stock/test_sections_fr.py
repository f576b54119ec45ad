"""Therapeutic sections read in French: every WHO EML section shipped in the reference data has a
French name, and a medicine page shows it instead of the WHO's English one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from stock.reference.files import WHO_EML_CSV, read_rows
from stock.reference.sections import section_label
from stock.reference.text import collapse_spaces
from tests.web.world import build_world

ENGLISH_WORDS = re.compile(r"\b(medicines?|and|for|of|the|used|agents|drugs|with)\b", re.IGNORECASE)


def test_every_who_section_has_a_french_name():
    # given
    sections = {collapse_spaces(row["EML section"]) for row in read_rows(WHO_EML_CSV)}
    # when
    untranslated = sorted(section for section in sections if section_label(section) == section)
    english_left = sorted(section_label(s) for s in sections if ENGLISH_WORDS.search(section_label(s)))
    # then
    assert len(sections) == 150
    assert untranslated == []
    assert english_left == []


@pytest.mark.django_db
def test_the_medicine_page_shows_the_section_in_french(client, personas):
    # given
    world = build_world(personas, size=1)
    medicine = world.medicines[0]
    medicine.therapeutic_section = "Antianginal medicines"
    medicine.save(update_fields=["therapeutic_section"])
    client.force_login(personas.analyst)
    # when
    page = client.get(reverse("shortages:medicine_detail", args=[medicine.pk])).content.decode()
    # then
    assert "Antiangoreux" in page
    assert "Antianginal medicines" not in page
