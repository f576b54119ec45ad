"""Confidential industry figures: declarations reach only who may read them, and an industry figure of
a medicine reaches a non-analyst only under the disclosure rule (docs/partners.md): at least three
declaring companies and none above 75 % of the declared quantities. The API, the pages and the alert
texts apply the same rule (``shortages.disclosure``)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from partners.choices import DeclarationStatus
from shortages.models import RiskScore
from shortages.services import scores
from tests.partners.factories import DeclarationFactory
from tests.shortages.conftest import AS_OF, build_positions

SCORES_URL = "/api/v1/risk-scores/?national=true"
INDUSTRY_FIGURES = ("declared_companies", "industry_stock", "industry_sales", "industry_mos", "deliveries_due")


@pytest.fixture
def market(personas):
    """Three scored medicines: one declared by a single company (in breach of its safety stock), one
    by four companies of equal size, one by three companies of which one holds 90 % of the sales."""
    _, (single, shared, dominated) = build_positions(establishments=2, medicines=3, region=personas.hospital_a.region)
    month = AS_OF.replace(day=1)
    DeclarationFactory(
        company=personas.outside_company, medicine=single, month=month, stock_on_hand=50, monthly_sales=100
    )
    for _ in range(4):
        DeclarationFactory(medicine=shared, month=month, stock_on_hand=400, monthly_sales=100)
    for sales in (900, 50, 50):
        DeclarationFactory(medicine=dominated, month=month, stock_on_hand=3 * sales, monthly_sales=sales)
    scores.scoring_run_execute(as_of=AS_OF)
    return {"single": single, "shared": shared, "dominated": dominated}


def national_rows(client) -> dict[int, dict]:
    rows = client.get(SCORES_URL).json()["results"]
    return {row["medicine"]: row for row in rows}


@pytest.mark.parametrize("persona", ["company_user", "association_user", "hospital_a_user"])
def test_a_non_analyst_gets_no_industry_figure_of_a_medicine_few_companies_declare(
    market, personas, api_client_for, persona
):
    # when a company, an association or a hospital reads the national scores
    rows = national_rows(api_client_for(getattr(personas, persona)))

    # then the single company's and the dominated medicine's industry figures are withheld
    for name in ("single", "dominated"):
        row = rows[market[name].pk]
        assert all(row["figures"].get(figure) is None for figure in INDUSTRY_FIGURES), (name, row["figures"])
        assert row["figures"]["industry_withheld"] is True
        assert row["contributions"]["industry_cover"] is None
        assert row["figures"]["factors"]["industry_cover"] is None
    # and the medicine four companies share keeps its figures
    shared = rows[market["shared"].pk]["figures"]
    assert shared["declared_companies"] == 4 and shared["industry_stock"] == 1600
    assert shared["industry_withheld"] is False
    assert "industry_top_share" not in shared


def test_an_analyst_reads_every_industry_figure(market, personas, api_client_for):
    # when an analyst reads the national scores
    rows = national_rows(api_client_for(personas.analyst))

    # then the single company's figures are there
    single = rows[market["single"].pk]["figures"]
    assert (single["declared_companies"], single["industry_stock"], single["industry_sales"]) == (1, 50, 100)
    assert single["industry_top_share"] == 1.0


def test_one_score_read_by_id_follows_the_rule_too(market, personas, api_client_for):
    # given the stored national score of the single company's medicine
    score = RiskScore.objects.national().get(medicine=market["single"])

    # when a company user reads it by id
    row = api_client_for(personas.company_user).get(f"/api/v1/risk-scores/{score.pk}/").json()

    # then its industry figures are withheld
    assert row["figures"]["industry_stock"] is None and row["figures"]["industry_withheld"] is True


def test_the_medicine_page_of_a_non_analyst_says_no_industry_figure(market, client, personas):
    # given a company user on the page of the medicine that only its own company declares
    client.force_login(personas.company_user)

    # when the page is read
    html = client.get(reverse("shortages:medicine_detail", args=[market["single"].pk])).content.decode()

    # then no sentence gives the industry's months of stock, while an analyst's page does
    assert "industrie déclare" not in html
    client.force_login(personas.analyst)
    analyst_html = client.get(reverse("shortages:medicine_detail", args=[market["single"].pk])).content.decode()
    assert "industrie déclare" in analyst_html


def test_a_safety_stock_alert_shows_its_figure_to_analysts_only(market, personas, api_client_for, client):
    # given the safety-stock alert the single company's breach raised
    analyst_alerts = api_client_for(personas.analyst).get("/api/v1/alerts/?kind=safety_stock").json()["results"]
    assert [alert["medicine"] for alert in analyst_alerts] == [market["single"].pk]
    assert analyst_alerts[0]["value"]["industry_mos"] == 0.5

    # when an association user reads it through the API and on the alerts page
    industry_alerts = api_client_for(personas.association_user).get("/api/v1/alerts/?kind=safety_stock").json()
    client.force_login(personas.association_user)
    page = client.get(reverse("shortages:alert_list"), {"kind": "safety_stock"}).content.decode()

    # then the alert is there, without the company's figure
    alert = industry_alerts["results"][0]
    assert alert["value"] is None
    assert "0.5" not in alert["message"] and "industry_mos" not in alert["message"]
    assert "industrie déclare" not in page


def test_shortage_proposals_keep_to_the_declarations_each_user_may_read(personas, api_client_for):
    # given accepted disruption declarations of the association's member and of the outside company
    month = AS_OF.replace(day=1)
    disrupted = {"disruption": True, "disruption_cause": "api", "disruption_start": month, "month": month}
    member = DeclarationFactory(company=personas.member_company, status=DeclarationStatus.ACCEPTED, **disrupted)
    outside = DeclarationFactory(company=personas.outside_company, status=DeclarationStatus.ACCEPTED, **disrupted)

    def proposed(user) -> set[int]:
        body = api_client_for(user).get("/api/v1/shortages/proposals/").json()
        return {item["id"] for item in body["declarations"]}

    # then each user sees the declarations it may read, and no other
    assert proposed(personas.analyst) == {member.pk, outside.pk}
    assert proposed(personas.association_user) == {member.pk}
    assert proposed(personas.company_user) == {outside.pk}
    assert proposed(personas.hospital_a_user) == set()
    assert str(outside.company_id) not in json.dumps(
        api_client_for(personas.hospital_a_user).get("/api/v1/shortages/proposals/").json()["declarations"]
    )


def test_the_rule_needs_three_companies_and_no_dominant_one():
    from shortages.disclosure import industry_disclosed

    assert industry_disclosed({"declared_companies": 3, "industry_top_share": 0.75})
    assert not industry_disclosed({"declared_companies": 2, "industry_top_share": 0.5})
    assert not industry_disclosed({"declared_companies": 5, "industry_top_share": 0.76})
    assert not industry_disclosed({"declared_companies": 5})  # scored before the share was kept
    assert not industry_disclosed({})


@pytest.mark.parametrize("persona", ["company_user", "hospital_a_user"])
def test_a_withheld_medicine_shows_no_score_from_which_its_industry_points_would_follow(
    market, personas, api_client_for, client, persona
):
    # given the stored score of the single company's medicine, whose industry points are not zero
    user = getattr(personas, persona)
    stored = RiskScore.objects.national().get(medicine=market["single"])
    shown = {name: points for name, points in stored.contributions.items() if points is not None}
    assert stored.score is not None and shown.get("industry_cover")
    # when a non-analyst reads it: the API gives the level, not the score (score less the other
    # points shown would be the industry points, one company's cover)
    row = national_rows(api_client_for(user))[market["single"].pk]
    assert row["score"] is None and row["level"] == stored.level
    # nor do the medicine page, its history chart or the medicine list
    client.force_login(user)
    page = client.get(reverse("shortages:medicine_detail", args=[market["single"].pk])).content.decode()
    assert 'data-testid="score-withheld"' in page and "Non publié" in page
    listed = client.get(reverse("shortages:medicine_list")).content.decode()
    assert ">Score<" not in listed
    # while the medicine four companies share keeps its score, and an analyst reads every score
    assert national_rows(api_client_for(user))[market["shared"].pk]["score"] is not None
    assert national_rows(api_client_for(personas.analyst))[market["single"].pk]["score"] == stored.score
