"""A hospital's token reads and writes its own stock only; industry users see no establishment
stock; list endpoints keep a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stock.choices import MovementKind
from stock.models import ConsumptionMonth, MonthlyReport, StockLevel, StockLot, StockMovement, Transfer
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
SCOPED = ["stock-levels", "lots", "movements", "consumption", "monthly-reports", "transfers"]


def stock_rows(establishment, medicine, other=None):
    """One row of every scoped kind for ``establishment`` (and a transfer to ``other``)."""
    StockLevel.objects.create(establishment=establishment, medicine=medicine, quantity=10)
    StockLot.objects.create(
        establishment=establishment, medicine=medicine, lot_number="L", expiry_date=dt.date(2027, 1, 1), quantity=10
    )
    StockMovement.objects.create(
        establishment=establishment,
        medicine=medicine,
        kind=MovementKind.RECEIPT,
        business_date=DAY,
        quantity=10,
        balance_after=10,
    )
    ConsumptionMonth.objects.create(establishment=establishment, medicine=medicine, month=DAY.replace(day=1))
    MonthlyReport.objects.create(
        establishment=establishment, medicine=medicine, month=DAY.replace(day=1), opening_balance=0, closing_count=10
    )
    if other is not None:
        Transfer.objects.create(source=establishment, destination=other, medicine=medicine, quantity=1, shipped_on=DAY)


@pytest.fixture
def stock(personas):
    medicine = factories.MedicineFactory(code="PARA-500", atc_code="N02BE01")
    # outside hospital A's region whatever the factories' sequences reached
    third = factories.EstablishmentFactory(code="T-HOSP-C", region=personas.hospital_b.region)
    stock_rows(personas.hospital_a, medicine)
    stock_rows(personas.hospital_b, medicine, other=third)
    return medicine


def ids_of(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", SCOPED)
def test_a_hospital_never_reads_another_hospitals_stock(personas, api_client_for, stock, endpoint):
    # given
    client = api_client_for(personas.hospital_a_user)
    model = {
        "stock-levels": StockLevel,
        "lots": StockLot,
        "movements": StockMovement,
        "consumption": ConsumptionMonth,
        "monthly-reports": MonthlyReport,
    }.get(endpoint)
    if endpoint == "transfers":
        foreign = Transfer.objects.get()
        own = set()
    else:
        foreign = model.objects.get(establishment=personas.hospital_b)
        own = set(model.objects.filter(establishment=personas.hospital_a).values_list("pk", flat=True))

    # when
    listed = ids_of(client.get(f"/api/v1/{endpoint}/"))
    filtered_key = "source" if endpoint == "transfers" else "establishment"
    filtered = ids_of(client.get(f"/api/v1/{endpoint}/", {filtered_key: "T-HOSP-B"}))
    by_region = ids_of(client.get(f"/api/v1/{endpoint}/", {"region": "06"})) if endpoint != "transfers" else set()
    by_id = client.get(f"/api/v1/{endpoint}/{foreign.pk}/")

    # then
    assert listed == own
    assert filtered == set() and by_region == set()
    assert by_id.status_code == 404


@pytest.mark.parametrize("endpoint", SCOPED)
def test_industry_users_see_no_establishment_stock(personas, api_client_for, stock, endpoint):
    for user in (personas.association_user, personas.company_user, personas.no_role_user):
        assert ids_of(api_client_for(user).get(f"/api/v1/{endpoint}/")) == set()


@pytest.mark.parametrize("endpoint", SCOPED)
def test_an_analyst_reads_every_establishment(personas, api_client_for, stock, endpoint):
    assert len(ids_of(api_client_for(personas.analyst).get(f"/api/v1/{endpoint}/"))) >= 1 + (endpoint != "transfers")


def test_anonymous_clients_are_refused(api_client_for, stock):
    assert api_client_for(None).get("/api/v1/stock-levels/").status_code == 401


def test_a_hospital_cannot_write_another_hospitals_stock(personas, api_client_for, stock):
    # given
    client = api_client_for(personas.hospital_a_user)
    item = {
        "establishment": "T-HOSP-B",
        "medicine": "PARA-500",
        "kind": "issue",
        "quantity": 1,
        "business_date": "2026-03-03",
    }

    # when
    single = client.post("/api/v1/movements/", item)
    bulk = client.post("/api/v1/movements/bulk/", {"movements": [{**item, "establishment": "T-HOSP-A"}, item]})
    ship = client.post(
        "/api/v1/transfers/",
        {
            "source": "T-HOSP-B",
            "destination": "T-HOSP-A",
            "medicine": "PARA-500",
            "quantity": 1,
            "shipped_on": "2026-03-03",
        },
    )
    receive = api_client_for(personas.hospital_a_user).post(
        f"/api/v1/transfers/{Transfer.objects.get().pk}/receive/", {"received_on": "2026-03-04"}
    )

    # then
    assert single.status_code == 403 and list(single.json()["error"]["fields"]) == ["establishment"]
    assert bulk.status_code == 403 and list(bulk.json()["error"]["fields"]) == ["movements.1.establishment"]
    assert ship.status_code == 403
    assert receive.status_code == 404
    assert StockLevel.objects.get(establishment=personas.hospital_b).quantity == 10
    assert StockMovement.objects.count() == 2


def test_industry_users_cannot_write_stock(personas, api_client_for, stock):
    item = {
        "establishment": "T-HOSP-A",
        "medicine": "PARA-500",
        "kind": "receipt",
        "quantity": 1,
        "business_date": "2026-03-03",
    }

    response = api_client_for(personas.company_user).post("/api/v1/movements/", item)

    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", [*SCOPED, "establishments", "medicines", "products", "regions", "import-jobs"])
def test_list_queries_do_not_grow_with_the_data(personas, api_client_for, django_assert_max_num_queries, endpoint):
    # given a small and a larger data set
    client = api_client_for(personas.analyst)
    counts = []
    for size in (2, 12):
        for _ in range(size):
            medicine = factories.MedicineFactory()
            factories.ProductFactory(medicine=medicine)
            establishment = factories.EstablishmentFactory()
            stock_rows(establishment, medicine, other=personas.hospital_a)
        client.get(f"/api/v1/{endpoint}/")  # warm the token's last-used stamp
        with CaptureQueriesContext(connection) as context:
            response = client.get(f"/api/v1/{endpoint}/")
        assert response.status_code == 200
        counts.append(len(context.captured_queries))

    # then
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(8):
        client.get(f"/api/v1/{endpoint}/")


MODELS = [StockLevel, StockLot, StockMovement, ConsumptionMonth, MonthlyReport]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_scopes_and_code_filters_name_the_establishments_on_the_rows_own_columns(personas, stock, model):
    # given a regional analyst of hospital A's region, hospital A's user, and filters by code
    from stock import filtersets

    regional = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(regional)
    filterset = {
        StockLevel: filtersets.StockLevelFilterSet,
        StockLot: filtersets.StockLotFilterSet,
        StockMovement: filtersets.StockMovementFilterSet,
        ConsumptionMonth: filtersets.ConsumptionFilterSet,
        MonthlyReport: filtersets.MonthlyReportFilterSet,
    }[model]
    data = {"establishment": "T-HOSP-A", "medicine": "PARA-500", "region": "01", "atc": "N02"}

    # when
    scoped = [model.objects.visible_to(user) for user in (regional, personas.hospital_a_user)]
    filtered = filterset(data, queryset=model.objects.all()).qs

    # then every query filters the table's own establishment and medicine columns by id, with no join
    # (through a join PostgreSQL guessed the rows an establishment holds, and paged a whole table)
    table = model._meta.db_table
    for queryset in (*scoped, filtered):
        sql = str(queryset.query)
        assert "JOIN" not in sql, sql
        assert f'"{table}"."establishment_id" IN ({personas.hospital_a.pk})' in sql, sql
    assert f'"{table}"."medicine_id" IN ({stock.pk})' in str(filtered.query)  # the ATC prefix's
    # one establishment and one medicine are named by their code's id in the same query
    assert f'"{table}"."establishment_id" = (SELECT' in str(filtered.query)
    assert f'"{table}"."medicine_id" = (SELECT' in str(filtered.query)
    # and they keep the same rows
    for queryset in (*scoped, filtered):
        assert set(queryset.values_list("establishment__code", flat=True)) == {"T-HOSP-A"}


@pytest.mark.parametrize("endpoint", SCOPED[:-1])
def test_code_filters_find_the_rows_of_their_codes_and_nothing_for_an_unknown_code(
    personas, api_client_for, stock, endpoint
):
    client = api_client_for(personas.analyst)

    def establishments(**params):
        response = client.get(f"/api/v1/{endpoint}/", params)
        assert response.status_code == 200, response.json()
        return sorted(row["establishment"] for row in response.json()["results"])

    assert establishments(region="06") == ["T-HOSP-B"]
    assert establishments(establishment="T-HOSP-A", medicine="PARA-500") == ["T-HOSP-A"]
    assert establishments(atc="N02") == ["T-HOSP-A", "T-HOSP-B"]
    for unknown in ({"establishment": "NOPE"}, {"medicine": "NOPE"}, {"region": "99"}, {"atc": "Z99"}):
        assert establishments(**unknown) == []
