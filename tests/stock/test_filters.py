"""Filters of the stock lists (status, ATC prefix, dates, kinds, discrepancy, transit) and their cursor pages."""

import datetime as dt

import pytest
from django.http import QueryDict

from stock.models import StockLevel
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(personas, api_client_for):
    """Two medicines at hospital A: amoxicillin (J01) in stock, paracetamol (N02) issued to zero."""
    factories.MedicineFactory(code="AMOX", atc_code="J01CA04")
    factories.MedicineFactory(code="PARA", atc_code="N02BE01")
    client = api_client_for(personas.hospital_a_user)
    base = {"establishment": "T-HOSP-A"}
    items = [
        {**base, "medicine": "AMOX", "kind": "receipt", "quantity": 30, "business_date": "2026-01-10"},
        {**base, "medicine": "PARA", "kind": "receipt", "quantity": 10, "business_date": "2026-01-10"},
        {**base, "medicine": "PARA", "kind": "issue", "quantity": 10, "business_date": "2026-02-03"},
    ]
    assert client.post("/api/v1/movements/bulk/", {"movements": items}).status_code == 201


def codes(response, key="medicine"):
    assert response.status_code == 200, response.json()
    return sorted(row[key] for row in response.json()["results"])


def test_stock_levels_filter_by_status_and_atc(analyst, ledger):
    assert codes(analyst.get("/api/v1/stock-levels/", {"status": "stocked_out"})) == ["PARA"]
    assert codes(analyst.get("/api/v1/stock-levels/", {"status": "in_stock"})) == ["AMOX"]
    assert codes(analyst.get("/api/v1/stock-levels/", {"atc": "j01"})) == ["AMOX"]
    assert codes(analyst.get("/api/v1/stock-levels/", {"region": "01", "medicine": "PARA"})) == ["PARA"]


def test_movements_filter_by_dates_and_kinds(analyst, ledger):
    february = analyst.get("/api/v1/movements/", {"date_from": "2026-02-01", "date_to": "2026-02-28"})
    receipts = analyst.get("/api/v1/movements/", {"kind": ["receipt"]})

    assert codes(february) == ["PARA"]
    assert codes(receipts) == ["AMOX", "PARA"]


def test_consumption_filters_by_month(analyst, ledger):
    rows = analyst.get("/api/v1/consumption/", {"month_from": "2026-02-01"}).json()["results"]

    assert [(row["medicine"], row["issued"], row["stockout_days"]) for row in rows] == [("PARA", 10, 26)]


def test_an_invalid_filter_value_is_named(analyst, ledger):
    response = analyst.get("/api/v1/movements/", {"date_from": "yesterday"})

    assert response.status_code == 400 and "date_from" in response.json()["error"]["fields"]


def test_in_transit_filter(personas, analyst, ledger):
    StockLevel.objects.filter(medicine__code="AMOX").update(in_transit=4)

    assert codes(analyst.get("/api/v1/stock-levels/", {"in_transit": "true"})) == ["AMOX"]


def test_lots_filter_by_expiry(personas, api_client_for, analyst, ledger):
    client = api_client_for(personas.hospital_a_user)
    for lot, expiry in (("A", "2026-06-30"), ("B", "2027-06-30")):
        client.post(
            "/api/v1/movements/",
            {
                "establishment": "T-HOSP-A",
                "medicine": "AMOX",
                "kind": "receipt",
                "quantity": 1,
                "business_date": dt.date(2026, 3, 1).isoformat(),
                "lot_number": lot,
                "expiry_date": expiry,
            },
        )

    assert codes(analyst.get("/api/v1/lots/", {"expires_before": "2027-01-01"}), key="lot_number") == ["A"]


def test_the_ledger_pages_with_a_cursor_that_new_movements_do_not_shift(personas, api_client_for, analyst, ledger):
    # given three movements, read two at a time
    first = analyst.get("/api/v1/movements/", {"page_size": 2}).json()

    # when a movement arrives before the next page is read
    api_client_for(personas.hospital_a_user).post(
        "/api/v1/movements/",
        {
            "establishment": "T-HOSP-A",
            "medicine": "AMOX",
            "kind": "issue",
            "quantity": 1,
            "business_date": "2026-02-04",
        },
    )
    second = analyst.get(first["next"]).json()

    # then the pages follow a cursor, newest first, and together hold the three movements once
    assert "cursor=" in first["next"] and "count" not in first
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)
    assert second["next"] is None


def test_the_api_skips_building_a_filter_set_only_where_it_would_filter_nothing():
    # given filter sets: plain ones, one that lists current versions unless asked, one with a required filter
    import django_filters

    from partners.filtersets import DeclarationFilterSet
    from shortages.filtersets import RiskScoreFilterSet
    from stock.api.filters import filters_nothing_without_data
    from stock.filtersets import StockLevelFilterSet
    from stock.models import StockLevel

    class RequiredFilterSet(django_filters.FilterSet):
        medicine = django_filters.CharFilter(field_name="medicine__code", required=True)

        class Meta:
            model = StockLevel
            fields = ["medicine"]

    # then only the plain ones are skipped without parameters
    assert filters_nothing_without_data(StockLevelFilterSet)
    assert filters_nothing_without_data(RiskScoreFilterSet)
    assert not filters_nothing_without_data(DeclarationFilterSet)
    assert not filters_nothing_without_data(RequiredFilterSet)


@pytest.mark.parametrize(
    "params",
    [
        {"establishment": "T-HOSP-A"},
        {"establishment": " T-HOSP-A "},
        {"establishment": ""},
        {"establishment": "UNKNOWN"},
        {"medicine": "PARA"},
        {"region": "01", "medicine": "AMOX"},
        {"atc": "n02"},
        {"establishment": "T-HOSP-A", "atc": "J01", "region": "01", "medicine": "AMOX"},
    ],
)
@pytest.mark.parametrize("endpoint", ["stock-levels", "lots", "movements", "consumption", "monthly-reports"])
def test_codes_applied_without_the_filter_set_filter_as_the_filter_set_does(analyst, ledger, params, endpoint):
    from stock import filtersets
    from stock.api import views

    # given a list's queryset and its filter set
    view = {
        "stock-levels": views.StockLevelViewSet,
        "lots": views.StockLotViewSet,
        "movements": views.MovementViewSet,
        "consumption": views.ConsumptionViewSet,
        "monthly-reports": views.MonthlyReportViewSet,
    }[endpoint]
    filterset_class = view.filterset_class
    queryset = filterset_class._meta.model.objects.order_by("pk")
    query = QueryDict(mutable=True)
    query.update(params)
    # when the codes are applied directly, and by the filter set
    direct = filterset_class.filtered_by_codes(queryset, query)
    filterset = filterset_class(query, queryset=queryset)
    # then both keep the same rows
    assert issubclass(filterset_class, filtersets.PositionFilterSet)
    assert filterset.is_valid()
    assert direct is not None
    assert list(direct.values_list("pk", flat=True)) == list(filterset.qs.values_list("pk", flat=True))
    # and through the API, the list answers the same
    assert analyst.get(f"/api/v1/{endpoint}/", params).status_code == 200


def test_codes_the_filter_set_must_judge_are_left_to_it(analyst, ledger):
    from stock import filtersets

    queryset = StockLevel.objects.all()
    for query in (
        "establishment=T-HOSP-A&establishment=X",
        "establishment=T%00",
        "status=in_stock",
        "medicine=PARA&q=1",
    ):
        assert filtersets.StockLevelFilterSet.filtered_by_codes(queryset, QueryDict(query)) is None
    # a NUL character is refused with the field named, not sent to the database
    response = analyst.get("/api/v1/stock-levels/", {"establishment": "T\x00"})
    assert response.status_code == 400 and "establishment" in response.json()["error"]["fields"]
    # a code given twice: the filter set takes the last one
    twice = analyst.get("/api/v1/stock-levels/?medicine=AMOX&medicine=PARA")
    assert codes(twice) == ["PARA"]
