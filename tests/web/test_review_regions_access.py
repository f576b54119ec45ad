"""Review of the region, audit and token pages: who opens the journal, the rule of small areas on
a region's medicines for an analyst linked to some of its provinces, category labels."""

from __future__ import annotations

from django.template import engines
from django.urls import reverse

from shortages.models import RiskScore, ScoringRun
from stock.models import AuditEntry
from tests import factories
from tests.web.world import build_world


def test_journal_tells_a_regional_analyst_it_is_for_national_analysts(client, personas):
    # given a write in the trail and an analyst linked to one region
    AuditEntry.objects.create(actor=personas.analyst, action="create", object_type="shortage", object_id="1")
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    regional.analyst_regions.add(personas.hospital_a.region)
    client.force_login(regional)
    # when
    response = client.get(reverse("stock:audit_list"))
    # then: why, not an empty table that reads as "nothing was written"
    assert response.status_code == 200
    assert "réservé aux analystes nationaux" in response.content.decode()
    assert 'data-testid="audit-entries"' not in response.content.decode()
    assert "Aucune donnée" not in response.content.decode()


def test_the_menu_lists_the_journal_for_national_analysts_only_and_api_access_for_every_analyst(client, personas):
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    regional.analyst_regions.add(personas.hospital_a.region)

    def menu(user) -> str:
        client.force_login(user)
        page = client.get(reverse("shortages:region_list")).content.decode()
        return page[: page.index("</nav>")]

    national, regional_menu = menu(personas.analyst), menu(regional)
    assert reverse("stock:audit_list") in national and reverse("stock:audit_list") not in regional_menu
    assert reverse("stock:token_list") in national and reverse("stock:token_list") in regional_menu


def test_journal_lists_usernames_for_a_national_analyst(client, personas):
    writer = factories.UserFactory(username="a.bennani", roles=["analyst"], first_name="Amina", last_name="Bennani")
    AuditEntry.objects.create(actor=writer, action="create", object_type="shortage", object_id="1")
    client.force_login(personas.analyst)
    response = client.get(reverse("stock:audit_list"))
    assert response.status_code == 200
    assert [entry.actor.username for entry in response.context["entries"]] == ["a.bennani"]
    assert "<td>a.bennani</td>" in response.content.decode()
    assert "Amina Bennani" not in response.content.decode()


def _score(world, medicine, establishment):
    RiskScore.objects.create(
        run=ScoringRun.objects.get(),
        medicine=medicine,
        establishment=establishment,
        region=establishment.region,
        as_of=world.as_of,
        stock_status="stocked_out",
        score=80,
        level="high",
    )


def _region_with_a_medicine_on_two_establishments(personas):
    world = build_world(personas, size=1)
    region = world.regions[0]
    medicine = factories.MedicineFactory(inn="RAREMYCINE")
    province = factories.ProvinceFactory(region=region)
    for name in ("Petit A", "Petit B"):
        _score(world, medicine, factories.EstablishmentFactory(region=region, province=province, name=name))
    return region, province, medicine


def _medicine_row(response, medicine):
    return next(row for row in response.context["page"].medicines if row["medicine_id"] == medicine.pk)


def test_province_analyst_does_not_get_a_medicine_of_two_establishments_in_the_region(client, personas):
    # given a medicine stocked out on two establishments of the region, and an analyst linked to
    # one of the region's provinces only (it opens the region's page without reading it whole)
    region, province, medicine = _region_with_a_medicine_on_two_establishments(personas)
    analyst = factories.UserFactory(username="province", roles=["analyst"])
    analyst.analyst_provinces.add(province)
    client.force_login(analyst)
    # when
    response = client.get(reverse("shortages:region_detail", args=[region.pk]))
    # then: the row stays, named, with its positions; its figures are withheld and it says why
    assert response.status_code == 200
    row = _medicine_row(response, medicine)
    assert (row["positions"], row["stocked_out"], row["at_risk"], row["withheld"]) == (2, None, None, True)
    assert "moins de 3 établissements : chiffres non publiés" in response.content.decode()


def test_regional_and_national_analysts_read_the_region_whole(client, personas):
    region, _province, medicine = _region_with_a_medicine_on_two_establishments(personas)
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    regional.analyst_regions.add(region)
    for user in (regional, personas.analyst):
        client.force_login(user)
        row = _medicine_row(client.get(reverse("shortages:region_detail", args=[region.pk])), medicine)
        assert (row["positions"], row["stocked_out"], row["at_risk"], row["withheld"]) == (2, 2, 2, False)


def test_region_establishments_show_their_category_in_words(client, personas):
    world = build_world(personas, size=1)
    region = world.regions[0]
    factories.EstablishmentFactory(region=region, name="Provincial", category="HP")
    client.force_login(personas.analyst)
    body = client.get(reverse("shortages:region_detail", args=[region.pk])).content.decode()
    assert "<td>Hôpital provincial/préfectoral</td>" in body
    assert "<td>HP</td>" not in body


def test_journal_numbers_an_object_through_the_catalogue(client, personas):
    # "n°" was typed in the template, so the Arabic journal read "n° 7"
    AuditEntry.objects.create(actor=personas.analyst, action="create", object_type="shortage", object_id="7")
    client.force_login(personas.analyst)
    body = client.get(reverse("stock:audit_list")).content.decode()
    assert "n° 7" in body
    source = engines["django"].engine.get_template("stock/audit_list.html").source
    assert "{% blocktranslate with id=entry.object_id %}n° {{ id }}{% endblocktranslate %}" in source


def test_journal_pages_go_back_without_skipping_or_repeating(client, personas):
    entries = [
        AuditEntry.objects.create(actor=personas.analyst, action="create", object_type="shortage", object_id=str(n))
        for n in range(52)
    ]
    client.force_login(personas.analyst)
    first = client.get(reverse("stock:audit_list"))
    second = client.get(reverse("stock:audit_list"), {"before": first.context["older"]})
    seen = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]
    assert seen == sorted((e.pk for e in entries), reverse=True)
    assert second.context["older"] is None
