"""The overview, the region list and a region's page count the day's positions from the sums each
publication stores (PositionSums), and find what counting the positions themselves finds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shortages.choices import RunStatus
from shortages.models import PositionSums, RiskScore, ScoringRun
from shortages.selectors_pages import common, overview, territory
from shortages.services import incremental, scores
from stock.models import StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db


def _figures(analyst) -> tuple:
    regions = [(row.region.code, row.positions, row.stocked_out, row.at_risk) for row in territory.region_list_get()]
    pages = []
    for region_code in ("01", "06"):
        region = territory.regions_open_to(analyst).get(code=region_code)
        page = territory.region_page_get(user=analyst, region_id=region.pk)
        summary = page.summary
        pages.append((summary.positions, summary.stocked_out, summary.at_risk, page.medicines))
    national = overview.overview_get(user=analyst)
    overview_rows = [(row, national.positions, national.positions_stocked_out) for row in national.regions]
    return regions, pages, overview_rows


def _counted_on_positions(analyst) -> tuple:
    """The same figures with the day's sums gone: counted on the positions."""
    PositionSums.objects.all().delete()
    rows, _ = common.day_counts(territory.latest_as_of())
    assert rows.model is RiskScore
    return _figures(analyst)


def test_the_stored_sums_count_what_the_positions_count(personas):
    # given positions in two regions, some stocked out, scored by a full run
    build_positions(establishments=3, medicines=4, stock_months=(0.0, 2.0), region=personas.hospital_a.region)
    build_positions(establishments=2, medicines=3, stock_months=(0.0, 1.5), region=personas.hospital_b.region, seed=11)
    scores.scoring_run_execute(as_of=AS_OF)
    rows, _ = common.day_counts(AS_OF)
    assert rows.model is PositionSums
    # when the pages read the sums
    from_sums = _figures(personas.analyst)
    # then they find what counting the positions finds, and something to find
    regions, pages, _ = from_sums
    assert sum(positions for _, positions, _, _ in regions) == RiskScore.objects.positions().count() == 18
    assert any(at_risk for _, _, _, at_risk in regions)
    assert all(page[3] for page in pages)  # each region lists medicines at risk
    assert from_sums == _counted_on_positions(personas.analyst)


@pytest.mark.services  # incremental runs read the window summed by PostgreSQL
def test_after_an_incremental_run_too(personas):
    # given a scored day, then stock emptied at two positions and given to a third, scored incrementally
    build_positions(establishments=3, medicines=4, stock_months=(0.5, 3.0), region=personas.hospital_a.region)
    scores.scoring_run_execute(as_of=AS_OF)
    levels = list(StockLevel.objects.order_by("pk")[:3])
    StockLevel.objects.filter(pk__in=[levels[0].pk, levels[1].pk]).update(quantity=0)
    StockLevel.objects.filter(pk=levels[2].pk).update(quantity=levels[2].quantity + 5000)
    StockLevel.objects.filter(pk__in=[level.pk for level in levels]).update(
        updated_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    )
    before = territory.region_list_get()
    incremental.scoring_run_incremental_execute(as_of=AS_OF)
    # when the pages read the sums the incremental run adjusted
    from_sums = _figures(personas.analyst)
    # then the stocked-out count moved, and matches the positions' own
    after = {row.region.code: row for row in territory.region_list_get()}
    assert after["01"].stocked_out > next(row for row in before if row.region.code == "01").stocked_out
    assert from_sums == _counted_on_positions(personas.analyst)


def test_a_day_without_sums_is_counted_on_its_positions(personas):
    # given a position written outside a scoring run (no sums for its day)
    region = factories.RegionFactory(code="07")
    run = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    medicine = factories.MedicineFactory()
    RiskScore.objects.create(run=run, medicine=medicine, as_of=AS_OF, score=90, level="critical")  # national
    RiskScore.objects.create(
        run=run, medicine=medicine, establishment=factories.EstablishmentFactory(region=region),
        region=region, as_of=AS_OF, stock_status="stocked_out", score=90, level="critical",
    )  # fmt: skip
    # when the region list is read
    rows = {row.region.code: row for row in territory.region_list_get()}
    # then the position is counted
    assert not PositionSums.objects.exists()
    assert (rows["07"].positions, rows["07"].stocked_out, rows["07"].at_risk) == (1, 1, 1)
