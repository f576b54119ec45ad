"""The partners registry read in the page's language: source credits written in French (and put
right in an existing install when the registry is loaded again), and the credits and agreements'
domains translated through the catalogue on an Arabic page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from partners.data import registry as facts
from partners.models import Agreement, Organization, Representation

pytestmark = pytest.mark.django_db

CREDITS = [facts.SRC_2017, facts.SRC_SEP_2020, facts.SRC_DEC_2021, facts.SRC_JUN_2023, facts.SRC_DEC_2025]
DOMAINS = sorted({domain for agreement in facts.AGREEMENTS for domain in agreement["domains"]})


def _load_registry():
    call_command("load_registry", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _protocol_2021() -> Agreement:
    return Agreement.objects.get(signed_on__year=2021)


def test_the_source_credits_are_written_in_french():
    assert facts.SRC_DEC_2021 == "article de presse, décembre 2021"
    assert facts.SRC_2017 == "article de presse, 2017 (mois non précisé)"
    assert not [credit for credit in CREDITS if "press report" in credit or "month" in credit]


def test_the_agreement_and_organization_pages_credit_their_source_in_french(client, personas):
    # given
    _load_registry()
    client.force_login(personas.analyst)
    fns = Organization.objects.get(acronym="FNS")
    # when
    agreement = client.get(reverse("partners:agreement_detail", args=[_protocol_2021().pk])).content.decode()
    organization = client.get(reverse("partners:organization_detail", args=[fns.pk])).content.decode()
    # then
    assert "Source : article de presse, décembre 2021" in agreement
    assert "Source : article de presse, septembre 2020" in organization
    assert "press report" not in agreement + organization


def test_loading_the_registry_again_puts_the_french_credits_in_an_existing_install():
    # given an install loaded before the credits were written in French
    _load_registry()
    for model in (Organization, Agreement, Representation):
        model.objects.update(source="press report, December 2021")
    # when the registry is loaded again, twice
    _load_registry()
    _load_registry()
    # then every credit is the French one, and nothing was added
    for model in (Organization, Agreement, Representation):
        assert not model.objects.filter(source__startswith="press report").exists(), model
    assert _protocol_2021().source == "article de presse, décembre 2021"
    assert Agreement.objects.count() == len(facts.AGREEMENTS)
    assert Organization.objects.count() == len(facts.ORGANIZATIONS)


def test_an_arabic_page_shows_the_domains_and_the_credit_through_the_catalogue(client, personas):
    # given the registry loaded (stored in French)
    _load_registry()
    client.force_login(personas.analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    # when
    page = client.get(reverse("partners:agreement_detail", args=[_protocol_2021().pk])).content.decode()
    # then the domains, their separator and the credit come from the Arabic catalogue
    domains = re.search(r'data-testid="domains">(.*?)</p>', page).group(1)
    assert "الشراء المحلي" in domains and "المستلزمات الطبية" in domains and "، " in domains
    assert "achat local" not in domains and "dispositifs médicaux" not in domains
    assert "مقال صحفي، دجنبر 2021" in page and facts.SRC_DEC_2021 not in page


def test_every_credit_and_domain_of_the_registry_is_in_the_arabic_catalogue():
    with translation.override("ar"):
        untranslated = [text for text in (*CREDITS, *DOMAINS) if gettext(text) == text]
    assert untranslated == []
