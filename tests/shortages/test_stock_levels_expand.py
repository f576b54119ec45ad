"""A hospital's software reads its stock rows with names and risk: ``GET /api/v1/stock-levels/`` with
``?expand=medicine,establishment,risk`` adds the medicine's name and unit, the establishment's name
and the position's latest published figures, in a number of queries that does not grow with the
rows."""

from __future__ import annotations

import pytest

from shortages.models import RiskScore
from tests.web.world import build_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock-levels/"
EXPAND = {"expand": "medicine,establishment,risk"}


def test_the_rows_carry_names_unit_and_the_latest_risk(personas, api_client_for):
    # given positions of hospital A scored by the latest run
    world = build_world(personas, size=1)
    client = api_client_for(personas.hospital_a_user)
    # when
    rows = client.get(URL, EXPAND).json()["results"]
    # then
    assert {row["medicine"] for row in rows} == {medicine.code for medicine in world.medicines}
    row = next(row for row in rows if row["medicine"] == world.medicines[0].code)
    medicine = world.medicines[0]
    assert row["medicine_name"] == str(medicine)
    assert row["medicine_unit"] == medicine.dispensing_unit
    assert row["establishment_name"] == "Hôpital A"
    risk = row["risk"]
    assert risk["as_of"] == world.as_of.isoformat()
    assert risk["months_of_stock"] == 0.0  # hospital A holds 0 units, 120 a month
    assert (risk["stock_status"], risk["stock_status_label"]) == ("stocked_out", "En rupture")
    assert (risk["score"], risk["level"], risk["level_label"]) == (50.0, "medium", "Moyen")
    assert risk["stockout_probability"] == 0.3
    # which model gave it: the formula in this world (no learned model), then a learned one
    assert risk["model_version"] is None
    RiskScore.objects.filter(establishment=personas.hospital_a, medicine=medicine).update(model_version=3)
    rows = client.get(URL, EXPAND).json()["results"]
    assert next(row for row in rows if row["medicine"] == medicine.code)["risk"]["model_version"] == 3


def test_the_months_of_stock_are_rounded_half_up_to_hundredths(personas, api_client_for):
    # given a position of hospital A whose published months of stock end on a half hundredth
    # (4.125: Python's round() gave 4.12, the pages 4,1 and a half-up reader 4.13)
    world = build_world(personas, size=1)
    medicine = world.medicines[0]
    RiskScore.objects.filter(establishment=personas.hospital_a, medicine=medicine).update(months_of_stock=4.125)
    client = api_client_for(personas.hospital_a_user)

    # when
    rows = client.get(URL, EXPAND).json()["results"]

    # then
    row = next(row for row in rows if row["medicine"] == medicine.code)
    assert row["risk"]["months_of_stock"] == 4.13


def test_without_expand_the_rows_stay_codes_and_quantities(personas, api_client_for):
    # given
    build_world(personas, size=1)
    # when
    row = api_client_for(personas.hospital_a_user).get(URL).json()["results"][0]
    # then
    assert set(row) == {
        "id",
        "establishment",
        "medicine",
        "region",
        "quantity",
        "usable_quantity",
        "expired_quantity",
        "in_transit",
        "updated_at",
    }


def test_an_unknown_expansion_is_refused_naming_the_parameter(personas, api_client_for):
    # when
    answer = api_client_for(personas.hospital_a_user).get(URL, {"expand": "medicine,prices"})
    # then
    assert answer.status_code == 400
    assert "prices" in answer.json()["error"]["fields"]["expand"][0]


def test_a_position_without_a_score_has_a_null_risk(personas, api_client_for):
    # given a stock level with no score at all
    from stock.models import StockLevel
    from tests import factories

    level = StockLevel.objects.create(
        establishment=personas.hospital_a, medicine=factories.MedicineFactory(), quantity=5
    )
    # when
    answer = api_client_for(personas.hospital_a_user).get(f"{URL}{level.pk}/", EXPAND).json()
    # then
    assert answer["risk"] is None and answer["medicine_name"]


@pytest.mark.parametrize("size", [1, 3])
def test_the_expanded_list_costs_the_same_queries_whatever_its_length(
    personas, api_client_for, django_assert_num_queries, size
):
    # given 3 or 9 medicines at each of 4 or 8 establishments, read by an analyst
    build_world(personas, size=size)
    client = api_client_for(personas.analyst)
    client.get(URL, EXPAND)  # the token's first use is written once
    # when / then: the token (its user's roles and area links with it), the page's ids, then their
    # rows with their figures on the published day
    with django_assert_num_queries(3):
        rows = client.get(URL, {**EXPAND, "page_size": 1000}).json()["results"]
    assert len(rows) == 3 * size * (2 + 2 * size)
    assert all(row["risk"] is not None for row in rows)


def test_the_latest_scores_are_those_the_orm_definitions_publish(personas):
    # given the world's run, then a run that failed on the same day with its own row for a position,
    # and a past day back-filled afterwards: one row closed before the published day, one still
    # holding; and a stock level never scored
    import datetime as dt

    from django.utils import timezone

    from shortages import selectors
    from shortages.choices import RunStatus
    from shortages.models import RiskScore, ScoringRun
    from stock.models import StockLevel
    from tests import factories

    world = build_world(personas, size=1)
    hospital, medicine = personas.hospital_a, world.medicines[0]
    failed = ScoringRun.objects.create(as_of=world.as_of, status=RunStatus.FAILED)
    past = ScoringRun.objects.create(
        as_of=world.as_of - dt.timedelta(days=9), status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )
    running = ScoringRun.objects.create(as_of=world.as_of, status=RunStatus.RUNNING)
    closed, holding, unscored = (factories.MedicineFactory() for _ in range(3))
    for run, position_medicine, valid_until, score in [
        (failed, medicine, None, 99),
        (running, world.medicines[1], None, 98),
        (None, world.medicines[2], None, 97),
        (past, closed, world.as_of - dt.timedelta(days=2), 11),
        (past, holding, None, 12),
    ]:
        RiskScore.objects.create(
            run=run,
            medicine=position_medicine,
            establishment=hospital,
            region=hospital.region,
            as_of=world.as_of if run is None else run.as_of,
            valid_until=valid_until,
            stock_status="adequate",
            score=score,
            level="high",
        )
    for position_medicine in (closed, holding, unscored):
        StockLevel.objects.create(establishment=hospital, medicine=position_medicine, quantity=3)
    ids = sorted(StockLevel.objects.values_list("id", flat=True), reverse=True)
    # when
    rows = selectors.stock_level_rows_with_scores(ids)
    # then each row's figures are what the ORM's published_on says of the latest run's day
    day = selectors.published_as_of()
    fields = [
        "establishment_id",
        "medicine_id",
        "months_of_stock",
        "stock_status",
        "stockout_probability",
        "model_version",
        "score",
    ]
    expected = {
        (row.pop("establishment_id"), row.pop("medicine_id")): row | {"as_of": day}
        for row in RiskScore.objects.published_on(day).positions().values(*fields, "level")
    }
    latest = {(row["establishment_id"], row["medicine_id"]): row["latest_score"] for row in rows}
    assert day == world.as_of
    assert [row["id"] for row in rows] == ids
    assert latest == {key: expected.get(key) for key in latest}
    assert latest[(hospital.id, medicine.id)]["score"] == 50  # not the failed run's
    # nor a row of a run under way, nor one without a run
    assert all(latest.get((hospital.id, each.id), {}).get("score") not in (98, 97) for each in world.medicines[1:3])
    assert latest[(hospital.id, holding.id)]["score"] == 12
    assert latest[(hospital.id, closed.id)] is None and latest[(hospital.id, unscored.id)] is None
    assert sum(score is not None for score in latest.values()) == len(expected)
