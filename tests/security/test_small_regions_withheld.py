"""Figures of a medicine in a small area: the design says an industry user sees national aggregates,
never one establishment's stock, and an establishment user reads its own establishments only. A
regional (or provincial) figure of a medicine built from positions reaches a user who cannot read
every position of the area only when it rests on at least three establishments, and the areas that
would give it back by difference from the national total are withheld with it (docs/partners.md,
``shortages.disclosure_areas``): the medicine page's "Stock par région", the API's
``figures.share_at_risk_by_region`` and the position page's national and provincial signals."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from django.urls import reverse

from shortages.disclosure_areas import COMPLEMENT, FEW_ESTABLISHMENTS, withheld_areas
from shortages.models import RiskScore
from shortages.selectors_pages.medicine import medicine_page_get
from shortages.selectors_pages.position import position_explanation_get, signals_withheld
from shortages.services import scores
from stock.models import ConsumptionMonth, Establishment, StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF, months_before
from tests.web.test_model_pages import AS_OF as LEARNED_AS_OF
from tests.web.test_model_pages import scored, trained  # noqa: F401 - the fixtures

NON_READERS = ["association_user", "company_user", "hospital_b_user"]


@pytest.fixture
def regions(personas):
    """One medicine scored in four regions: Tanger (01) holds one position, hospital A's, stocked
    out; Casablanca (06) three, hospital B's among them; region 08 one; region 09 four."""
    medicine = factories.MedicineFactory()
    tanger, casablanca = personas.hospital_a.region, personas.hospital_b.region
    small = factories.RegionFactory(code="08", name_fr="Petite région")
    large = factories.RegionFactory(code="09", name_fr="Grande région")
    sites = {
        "01": [personas.hospital_a],
        "06": [personas.hospital_b] + [factories.EstablishmentFactory(region=casablanca) for _ in range(2)],
        "08": [factories.EstablishmentFactory(region=small)],
        "09": [factories.EstablishmentFactory(region=large) for _ in range(4)],
    }
    for code, establishments in sites.items():
        for site in establishments:
            quantity = 0 if site == personas.hospital_a else 1067 if code == "08" else 400
            StockLevel.objects.create(establishment=site, medicine=medicine, quantity=quantity, in_transit=0)
            ConsumptionMonth.objects.bulk_create(
                ConsumptionMonth(establishment=site, medicine=medicine, month=month, issued=100)
                for month in months_before(AS_OF, 6)
            )
    scores.scoring_run_execute(as_of=AS_OF)
    ids = {"01": tanger.pk, "06": casablanca.pk, "08": small.pk, "09": large.pk}
    return SimpleNamespace(medicine=medicine, ids=ids, by_id={str(pk): code for code, pk in ids.items()})


@pytest.fixture
def regional_analyst(personas):
    """An analyst linked to Tanger (01), hospital A's region."""
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


def page_rows(user, medicine) -> dict[str, object]:
    return {row.code: row for row in medicine_page_get(user=user, medicine_id=medicine.pk, today=AS_OF).regions}


def api_figures(api_client_for, user, medicine) -> dict:
    rows = api_client_for(user).get("/api/v1/risk-scores/?national=true").json()["results"]
    return next(row["figures"] for row in rows if row["medicine"] == medicine.pk)


def by_code(regions, mapping: dict) -> dict[str, object]:
    return {regions.by_id[region]: value for region, value in mapping.items()}


# The medicine page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_READERS)
def test_the_medicine_page_withholds_a_region_of_one_establishment(regions, personas, persona):
    # when an association, a company or an establishment of another region reads the medicine page
    rows = page_rows(getattr(personas, persona), regions.medicine)

    # then Tanger and region 08, one position each, keep their name and count, not their figures
    for code in ("01", "08"):
        row = rows[code]
        assert (row.positions, row.withheld) == (1, FEW_ESTABLISHMENTS)
        assert (row.stock, row.amc, row.months_of_stock, row.stocked_out, row.at_risk) == (None,) * 5
    # and Casablanca, the smallest of the others, is withheld too: the national total minus region 09
    # would give the two small regions together (two establishments)
    assert (rows["06"].withheld, rows["06"].stock) == (COMPLEMENT, None)
    # and region 09, four establishments, is shown
    assert (rows["09"].withheld, rows["09"].positions, rows["09"].stock) == ("", 4, 1600)


def test_the_medicine_page_says_why_a_region_has_no_figure(regions, personas, client):
    # when the association reads the page
    client.force_login(personas.association_user)
    html = client.get(reverse("shortages:medicine_detail", args=[regions.medicine.pk])).content.decode()

    # then region 08's row says its figures are not published, without the hospital's 1 067 units
    row = re.search(r'<tr data-withheld="few_establishments"><td>Petite région.*?</tr>', html)
    assert row is not None
    assert "moins de 3 établissements : chiffres non publiés" in row.group()
    assert "1 067" not in html.replace("\u202f", " ").replace("\xa0", " ")
    assert re.search(r'<tr data-withheld="complement"><td>Casablanca-Settat', html)
    # while a national analyst's page shows them
    client.force_login(personas.analyst)
    html = client.get(reverse("shortages:medicine_detail", args=[regions.medicine.pk])).content.decode()
    assert "data-withheld" not in html and "chiffres non publiés" not in html
    assert "1 067" in html.replace("\u202f", " ").replace("\xa0", " ")


def test_a_national_analyst_reads_every_region_of_the_medicine_page(regions, personas):
    # when a national analyst and the association read the page
    analyst, association = (
        page_rows(personas.analyst, regions.medicine),
        page_rows(personas.association_user, regions.medicine),
    )

    # then the analyst reads Tanger's one position, stocked out, and region 08's hospital
    assert (analyst["01"].withheld, analyst["01"].stock, analyst["01"].stocked_out) == ("", 0, 1)
    assert (analyst["08"].stock, analyst["08"].amc) == (1067, 100)
    assert all(not row.withheld for row in analyst.values())
    # and the association does not
    assert association["01"].stocked_out is None and association["08"].stock is None


def test_a_regional_analyst_reads_its_regions_whole_and_the_others_under_the_rule(regions, regional_analyst):
    # when Tanger's analyst reads the page
    rows = page_rows(regional_analyst, regions.medicine)

    # then Tanger, its own, is shown in full although it holds one position
    assert (rows["01"].withheld, rows["01"].stock, rows["01"].stocked_out) == ("", 0, 1)
    # and region 08, another's with one position, is withheld, with Casablanca for the difference
    assert (rows["08"].withheld, rows["08"].stock) == (FEW_ESTABLISHMENTS, None)
    assert rows["06"].withheld == COMPLEMENT
    assert (rows["09"].withheld, rows["09"].stock) == ("", 1600)


def test_an_establishment_alone_in_its_region_reads_its_own_row(regions, personas):
    # when hospital A, the only position of Tanger, reads the page
    rows = page_rows(personas.hospital_a_user, regions.medicine)

    # then Tanger's row is its own stock, shown; region 08's is withheld, with Casablanca
    assert (rows["01"].withheld, rows["01"].stock, rows["01"].stocked_out) == ("", 0, 1)
    assert (rows["08"].withheld, rows["06"].withheld, rows["09"].withheld) == (FEW_ESTABLISHMENTS, COMPLEMENT, "")


# The API ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_READERS)
def test_the_api_withholds_the_share_at_risk_of_a_small_region(regions, personas, api_client_for, persona):
    # when a non-analyst reads the national scores
    figures = api_figures(api_client_for, getattr(personas, persona), regions.medicine)

    # then the shares of the small regions (and of the region that gives them back) are null, and
    # the figures say why; region 09's share is there
    shares = by_code(regions, figures["share_at_risk_by_region"])
    assert shares == {"01": None, "06": None, "08": None, "09": 0.0}
    assert by_code(regions, figures["regions_withheld"]) == {
        "01": FEW_ESTABLISHMENTS,
        "06": COMPLEMENT,
        "08": FEW_ESTABLISHMENTS,
    }
    # and the counts the rule reads stay
    assert by_code(regions, figures["positions_counted_by_region"]) == {"01": 1, "06": 3, "08": 1, "09": 4}


def test_a_national_analyst_reads_every_regional_share_and_a_company_does_not(regions, personas, api_client_for):
    # when a national analyst and a company read the national scores
    analyst = api_figures(api_client_for, personas.analyst, regions.medicine)
    company = api_figures(api_client_for, personas.company_user, regions.medicine)

    # then the analyst reads hospital A's region, every position of it at risk
    assert by_code(regions, analyst["share_at_risk_by_region"]) == {"01": 1.0, "06": 0.0, "08": 0.0, "09": 0.0}
    assert "regions_withheld" not in analyst
    # and the company does not
    assert by_code(regions, company["share_at_risk_by_region"])["01"] is None


def test_a_regional_analyst_reads_the_share_of_its_region_through_the_api(regions, regional_analyst, api_client_for):
    # when Tanger's analyst reads the national scores
    figures = api_figures(api_client_for, regional_analyst, regions.medicine)

    # then it reads Tanger's share; region 08 and Casablanca stay withheld
    assert by_code(regions, figures["share_at_risk_by_region"]) == {"01": 1.0, "06": None, "08": None, "09": 0.0}
    assert by_code(regions, figures["regions_withheld"]) == {"06": COMPLEMENT, "08": FEW_ESTABLISHMENTS}


def test_one_score_read_by_id_follows_the_rule_of_small_regions(regions, personas, api_client_for):
    # given the stored national score of the medicine
    score = RiskScore.objects.national().get(medicine=regions.medicine)

    # when the hospital of Casablanca reads it by id
    figures = api_client_for(personas.hospital_b_user).get(f"/api/v1/risk-scores/{score.pk}/").json()["figures"]

    # then Tanger's share is withheld
    assert figures["share_at_risk_by_region"][str(regions.ids["01"])] is None
    assert figures["regions_withheld"][str(regions.ids["01"])] == FEW_ESTABLISHMENTS


def test_a_score_stored_without_its_regional_counts_withholds_every_region(regions, personas, api_client_for):
    # given a national score stored before the counts were (its regions rest on unknown numbers)
    score = RiskScore.objects.national().get(medicine=regions.medicine)
    score.figures.pop("positions_counted_by_region")
    score.save(update_fields=["figures"])

    # when the association reads it
    figures = api_client_for(personas.association_user).get(f"/api/v1/risk-scores/{score.pk}/").json()["figures"]

    # then no region's share is shown
    assert set(figures["share_at_risk_by_region"].values()) == {None}
    assert set(figures["regions_withheld"].values()) == {FEW_ESTABLISHMENTS}


# The rule --------------------------------------------------------------------------------------------


def test_the_areas_withheld_together_rest_on_three_establishments_at_least():
    # given five regions, two of them below three establishments
    counts = {"a": 1, "b": 12, "c": 5, "d": 3, "e": 1}

    # when nobody reads any region whole
    withheld = withheld_areas(counts, read_whole=lambda area: False)

    # then the two small ones are withheld, and the smallest other one with them
    assert withheld == {"a": FEW_ESTABLISHMENTS, "e": FEW_ESTABLISHMENTS, "d": COMPLEMENT}
    # and a reader of every region gets everything, a reader of "a" the others under the rule
    assert withheld_areas(counts, read_whole=lambda area: True) == {}
    assert withheld_areas(counts, read_whole=lambda area: area == "a") == {"e": FEW_ESTABLISHMENTS, "d": COMPLEMENT}
    # and unknown counts are not enough
    assert withheld_areas({"a": None, "b": 4, "c": 3}, read_whole=lambda area: False) == {
        "a": FEW_ESTABLISHMENTS,
        "c": COMPLEMENT,
    }


# The position page: national and provincial signals ------------------------------------------------


def signal_grid(rows: list[tuple[object, str]]) -> pd.DataFrame:
    """The grid rows of one medicine (7) reported by ``rows`` (establishment, month)."""
    return pd.DataFrame(
        {
            "establishment_id": [site.pk for site, _ in rows],
            "medicine_id": 7,
            "month": [pd.Timestamp(month) for _, month in rows],
            "reported": True,
            "province_id": [site.province_id for site, _ in rows],
        }
    )


def withheld_signals(grid, user, names, *, site) -> set[str]:
    score = SimpleNamespace(establishment_id=site.pk, medicine_id=7, region_id=site.region_id)
    return signals_withheld(grid, score=score, last=pd.Period("2026-06", "M"), names=names, user=user)


PROVINCIAL = ["province_stocked_out_share", "province_months_of_stock"]


def test_a_provincial_signal_of_two_establishments_is_withheld_from_the_establishment(personas):
    # given hospital A's position in a province where one other establishment reports the medicine,
    # and five establishments of another region
    hospital_a = personas.hospital_a
    neighbour = factories.EstablishmentFactory(region=hospital_a.region, province=hospital_a.province)
    elsewhere = [factories.EstablishmentFactory(region=personas.hospital_b.region) for _ in range(5)]
    grid = signal_grid([(site, "2026-06-01") for site in [hospital_a, neighbour, *elsewhere]])
    names = [*PROVINCIAL, "national_stocked_out_share", "months_of_stock"]

    # then hospital A's user does not read the province's signals (its neighbour's status would
    # follow from its own), but reads the national ones (seven establishments)
    assert withheld_signals(grid, personas.hospital_a_user, names, site=hospital_a) == set(PROVINCIAL)
    # and neither does an analyst of another region; a national analyst reads them all
    other = factories.UserFactory(username="other-region", roles=["analyst"])
    personas.hospital_b.region.analysts.add(other)
    assert withheld_signals(grid, other, names, site=hospital_a) == set(PROVINCIAL)
    assert withheld_signals(grid, personas.analyst, names, site=hospital_a) == set()
    # and an analyst of the province's region reads them
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    hospital_a.region.analysts.add(regional)
    assert withheld_signals(grid, regional, names, site=hospital_a) == set()


def test_a_provincial_signal_of_the_establishment_alone_is_its_own(personas):
    # given hospital A alone in its province with the medicine
    grid = signal_grid([(personas.hospital_a, "2026-06-01")])

    # then its user reads the province's signals: every position behind them is its own
    assert withheld_signals(grid, personas.hospital_a_user, PROVINCIAL, site=personas.hospital_a) == set()
    # while hospital B's user, were it to read them, would not
    assert withheld_signals(grid, personas.hospital_b_user, PROVINCIAL, site=personas.hospital_a) == set(PROVINCIAL)


def test_a_national_signal_of_the_levels_of_few_establishments_is_withheld(personas):
    # given a horizon (warehouses, say) where two establishments report the medicine nationally in
    # June, and three in May
    other, third = (factories.EstablishmentFactory(region=personas.hospital_b.region) for _ in range(2))
    rows = [(personas.hospital_a, "2026-06-01"), (other, "2026-06-01")]
    rows += [(site, "2026-05-01") for site in (personas.hospital_a, other, third)]
    grid = signal_grid(rows)
    names = ["national_months_of_stock", "national_months_of_stock_previous", "national_stocked_out_change"]

    # then the establishment does not read June's national signals (the change reads June too), but
    # reads May's
    assert withheld_signals(grid, personas.hospital_a_user, [*names, "stockouts_6"], site=personas.hospital_a) == {
        "national_months_of_stock",
        "national_stocked_out_change",
    }


def test_the_position_page_withholds_a_provincial_signal_of_two_establishments(
    client,
    personas,
    scored,  # noqa: F811 - the fixture
):
    # given the learned world scored, and hospital A's province now holding a second hospital
    sites, medicines, _ = scored
    Establishment.objects.filter(pk=sites[1].pk).update(province=sites[0].province)
    found = 0
    for medicine in medicines:
        score = RiskScore.objects.get(establishment=sites[0], medicine=medicine, as_of=LEARNED_AS_OF)
        # when hospital A's user and a national analyst read the explanation of its position
        mine = position_explanation_get(score=score, level="hospital", user=personas.hospital_a_user)
        analyst = position_explanation_get(score=score, level="hospital", user=personas.analyst)
        # then the same contributions are listed, and a provincial one has no value for the hospital
        assert [item.name for item in mine.contributions] == [item.name for item in analyst.contributions]
        for own, full in zip(mine.contributions, analyst.contributions, strict=True):
            provincial = own.name.startswith("province_")
            found += provincial
            assert (own.withheld, own.value == "—") == (provincial, provincial) or not provincial
            assert not full.withheld and own.points == full.points
    assert found
    # and the page says why
    client.force_login(personas.hospital_a_user)
    pages = [
        client.get(reverse("shortages:position_detail", args=[sites[0].pk, medicine.pk])).content.decode()
        for medicine in medicines
    ]
    assert any('data-testid="signal-withheld"' in page and "moins de 3 établissements" in page for page in pages)
