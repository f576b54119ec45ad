"""A list page given a filter value it cannot read names the filter and what it takes above its
filters, answers 400 as a refused form does, lists its rows with the other filters only and offers
no export (``/audit/?since=garbage`` listed every entry, the journal's other filters dropped with it;
``?national=maybe`` on the alerts was read as no filter, without a word)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from partners.choices import CommitmentCategory, OrganizationKind
from shortages.choices import ShortageStatus
from stock.choices import ImportStatus
from stock.models import AuditEntry
from tests.web.world import build_world

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r'data-testid="filters-refused">(.*?)</div>', re.S)


def yes_no(value: str) -> str:
    return f"Valeur « {value} » non reconnue ; valeurs possibles : true, false, 1, 0."


def one_of(value: str, values) -> str:
    return f"Valeur « {value} » non reconnue ; valeurs possibles : {', '.join(values)}."


MONTH = "Indiquez un mois (AAAA-MM) ou le premier jour du mois."
# (persona, page, whether it takes hospital A's id, refused query, the filter's label, its message)
REFUSED = [
    (
        "analyst",
        "stock:audit_list",
        False,
        {"since": "garbage"},
        "Depuis",
        "Date et heure refusées : indiquez-les sous la forme AAAA-MM-JJTHH:MM (ISO 8601, fuseau horaire facultatif).",
    ),
    ("analyst", "shortages:alert_list", False, {"national": "maybe"}, "Alertes nationales", yes_no("maybe")),
    ("analyst", "shortages:shortage_list", False, {"status": "zz"}, "Statut", one_of("zz", ShortageStatus.values)),
    ("analyst", "shortages:medicine_list", False, {"is_essential": "oui"}, "Liste nationale", yes_no("oui")),
    ("hospital_a_user", "shortages:establishment_detail", True, {"in_transit": "2"}, "En transit", yes_no("2")),
    ("association_user", "partners:declaration_list", False, {"current": "all"}, "Version en vigueur", yes_no("all")),
    ("analyst", "partners:organization_list", False, {"kind": "zz"}, "Type", one_of("zz", OrganizationKind.values)),
    (
        "analyst",
        "partners:agreement_list",
        False,
        {"year": "soon"},
        "Année",
        "Nombre refusé : indiquez un nombre, avec un point pour les décimales (par exemple 50 ou 12.5).",
    ),
    (
        "analyst",
        "partners:commitment_list",
        False,
        {"category": "zz"},
        "Catégorie",
        one_of("zz", CommitmentCategory.values),
    ),
    ("analyst", "partners:compliance", False, {"month": "abc"}, "Mois", MONTH),
    ("analyst", "partners:late_declarants", False, {"month": "abc"}, "Mois", MONTH),
    ("hospital_a_user", "stock:import_list", False, {"status": "zz"}, "État", one_of("zz", ImportStatus.values)),
]
EXPORTING = {
    "shortages:alert_list",
    "shortages:shortage_list",
    "shortages:medicine_list",
    "shortages:establishment_detail",
    "partners:declaration_list",
    "partners:compliance",
}


def _url(page: str, takes_id: bool, personas) -> str:
    return reverse(page, args=[personas.hospital_a.pk] if takes_id else [])


@pytest.mark.parametrize(
    ("persona", "page", "takes_id", "query", "label", "message"), REFUSED, ids=[r[1] for r in REFUSED]
)
def test_a_refused_filter_is_named_above_the_filters_with_what_it_takes(
    client, personas, persona, page, takes_id, query, label, message
):
    # given
    build_world(personas, size=1)
    client.force_login(getattr(personas, persona))
    url = _url(page, takes_id, personas)
    # when
    refused = client.get(url, query)
    plain = client.get(url)
    # then the page answers 400 and names the filter by its label, with its message
    assert refused.status_code == 400
    summary = SUMMARY.findall(refused.content.decode())
    assert len(summary) == 1
    assert f">{escape(label)}</a> : {escape(message)}</li>" in summary[0]
    assert "Filtre refusé, non appliqué à la liste" in summary[0]
    # and without it, the page is as before
    assert plain.status_code == 200
    assert 'data-testid="filters-refused"' not in plain.content.decode()


@pytest.mark.parametrize(
    ("persona", "page", "takes_id", "query"),
    [(r[0], r[1], r[2], r[3]) for r in REFUSED if r[1] in EXPORTING],
    ids=sorted(EXPORTING, key=[r[1] for r in REFUSED].index),
)
def test_a_list_with_a_refused_filter_offers_and_gives_no_export(client, personas, persona, page, takes_id, query):
    # given
    build_world(personas, size=1)
    client.force_login(getattr(personas, persona))
    url = _url(page, takes_id, personas)
    # when
    shown = client.get(url, query)
    exported = client.get(url, {**query, "format": "csv"})
    # then the page has no export link, and the export's address answers the page, not a file
    assert "format=csv" not in shown.content.decode()
    assert exported.status_code == 400
    assert exported["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in exported
    assert 'data-testid="filters-refused"' in exported.content.decode()
    # while a list without a refused filter still exports
    assert client.get(url, {"format": "csv"})["Content-Type"].startswith("text/csv")


def test_the_journal_keeps_its_other_filters_when_one_is_refused(client, personas):
    # given entries written by two users
    for number in range(2):
        AuditEntry.objects.create(
            actor=personas.analyst, action="create", object_type="shortage", object_id=str(number)
        )
    AuditEntry.objects.create(actor=personas.hospital_a_user, action="create", object_type="movement", object_id="9")
    client.force_login(personas.analyst)
    # when the window is not an instant, the user is
    response = client.get(reverse("stock:audit_list"), {"actor": "analyst", "since": "garbage"})
    # then the entries are the analyst's only, under the window's error
    assert response.status_code == 400
    assert [entry.actor for entry in response.context["entries"]] == [personas.analyst, personas.analyst]
    assert "since" in response.context["filter"].errors


def test_the_stock_page_reads_a_yes_no_filter_as_the_api_does(client, personas):
    # given a position of hospital A in transit and one that is not
    build_world(personas, size=1)
    levels = list(personas.hospital_a.stock_levels.order_by("pk")[:2])
    assert len(levels) == 2
    type(levels[0]).objects.filter(pk=levels[0].pk).update(in_transit=3)
    type(levels[0]).objects.filter(pk=levels[1].pk).update(in_transit=0)
    client.force_login(personas.hospital_a_user)
    url = _url("shortages:establishment_detail", True, personas)
    # when
    shown = {value: client.get(url, {"in_transit": value}) for value in ("true", "1", "TRUE", "false", "0")}
    # then "1" and "true" list the same rows, as "0" and "false"
    codes = {value: sorted(row.medicine.code for row in page.context["page_obj"]) for value, page in shown.items()}
    assert codes["true"] == codes["1"] == codes["TRUE"] and levels[0].medicine.code in codes["true"]
    assert codes["false"] == codes["0"] and levels[1].medicine.code in codes["false"]
