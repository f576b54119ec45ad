"""Therapeutic sections as users read them: the medicine filter finds a section by the name the
pages show (French, or its translation on an Arabic page) as well as by the stored WHO name, and
every section name is a catalogue string."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from stock.filtersets import MedicineFilterSet
from stock.models import Medicine
from stock.reference import sections
from stock.reference.sections import SECTION_NAMES, section_label, sections_matching
from tests import factories

ANGINA = "Antianginal medicines"


def test_there_are_150_section_names():
    assert len(SECTION_NAMES) == 150


@pytest.mark.parametrize("text", ["antiangor", "Antiangoreux", "ANTIANGOREUX", "antianginal", " antiangoreux "])
def test_a_section_is_found_by_its_french_or_who_name_in_any_case(text):
    assert sections_matching(text) == [ANGINA]


def test_accents_do_not_matter():
    assert sections_matching("acces") == sections_matching("Accès") == ["Access group antibiotics"]
    assert "Antiemetic medicines" in sections_matching("antiemetiques")


def test_an_empty_or_unknown_text_matches_no_section():
    assert sections_matching("") == []
    assert sections_matching("zzz") == []


def test_a_section_is_found_by_its_name_in_the_active_language(monkeypatch):
    # given a catalogue that translates the French name
    arabic = {"Antiangoreux": "مضادات الذبحة الصدرية"}
    monkeypatch.setattr(sections, "gettext", lambda text: arabic.get(text, text))
    # when / then
    assert sections_matching("الذبحة") == [ANGINA]
    assert section_label(ANGINA) == "مضادات الذبحة الصدرية"


@pytest.fixture
def angina_and_other(db):
    angina = factories.MedicineFactory(inn="ISOSORBIDE", therapeutic_section=ANGINA)
    other = factories.MedicineFactory(inn="AMOXICILLINE", therapeutic_section="Anti-infective medicines")
    return angina, other


@pytest.mark.parametrize("text", ["antiangor", "Antiangoreux", "Antianginal", "anginal medicines"])
def test_the_filter_matches_the_shown_name_and_the_stored_one(angina_and_other, text):
    angina, _ = angina_and_other
    assert list(MedicineFilterSet({"section": text}, queryset=Medicine.objects.all()).qs) == [angina]


def test_the_filter_is_one_query(angina_and_other, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(MedicineFilterSet({"section": "antiangor"}, queryset=Medicine.objects.all()).qs)


def test_the_medicine_list_page_filters_by_the_french_section_name(client, personas, angina_and_other):
    # given
    client.force_login(personas.analyst)
    # when
    page = client.get(reverse("shortages:medicine_list"), {"section": "Antiangoreux"}).content.decode()
    # then
    assert "ISOSORBIDE" in page
    assert "AMOXICILLINE" not in page


def test_the_api_filters_by_the_french_section_name(api_client_for, personas, angina_and_other):
    answer = api_client_for(personas.analyst).get("/api/v1/medicines/", {"section": "antiangor"})
    assert answer.status_code == 200
    assert [row["inn"] for row in answer.json()["results"]] == ["ISOSORBIDE"]


def test_every_section_name_is_in_the_arabic_catalogue():
    # gettext_noop marks them for makemessages; the catalogue gives each its Arabic name
    with translation.override("ar"):
        untranslated = [name for name in SECTION_NAMES.values() if gettext(name) == name]
    assert untranslated == []
