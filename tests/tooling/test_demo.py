"""The demo history generator: determinism, consistency of the figures, refusals, demo logins."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum
from django.test import Client

from partners.models import Company, Organization, ProductSupplier, SupplyDeclaration, SupplyLine
from partners.selectors.declarations import declarant_statuses
from shortages.models import Shortage
from stock.choices import EstablishmentCategory, EstablishmentLevel, ProductOrigin
from stock.models import ConsumptionMonth, StockLevel, StockLot, StockMovement, Transfer
from tests import factories
from tooling.demo.options import DEMO_SOURCE, DEMO_USERS
from tooling.demo.people import DEFAULT_PASSWORD

AS_OF = dt.date(2026, 3, 10)
SIZE = {"hospitals": 4, "centres": 4, "medicines": 10, "hospital_medicines": 8, "centre_medicines": 5}
FORMS = ("COMPRIME", "SOLUTION INJECTABLE", "SIROP", "GELULE", "POUDRE POUR SOLUTION BUVABLE")
ATC = ("J01CA04", "R03AC02", "A07CA", "C09AA02", "N02BE01")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference(db):
    """A tiny reference: two regions, four hospitals, six health centres, twelve essential
    medicines with an originator and a generic product each."""
    regions = [factories.RegionFactory(code="04"), factories.RegionFactory(code="06")]
    provinces = [factories.ProvinceFactory(region=regions[i % 2], code=f"0{i % 2 + 4}.{i}") for i in range(3)]
    for i, category in enumerate(("HR", "HP", "HP", "HPr")):
        province = provinces[i % 3]
        factories.EstablishmentFactory(code=f"H-{i}", category=category, region=province.region, province=province)
    for i in range(6):
        province = provinces[i % 3]
        factories.EstablishmentFactory(
            code=f"C-{i}",
            category=EstablishmentCategory.CSU1,
            level=EstablishmentLevel.PRIMARY,
            region=province.region,
            province=province,
        )
    for i in range(12):
        medicine = factories.MedicineFactory(
            code=f"M-{i:02d}", dosage_form=FORMS[i % len(FORMS)], atc_code=ATC[i % len(ATC)]
        )
        factories.ProductFactory(medicine=medicine, is_originator=True)
        factories.ProductFactory(medicine=medicine)


def generate(*flags: str, **extra) -> str:
    out = StringIO()
    options = {**SIZE, "as_of": AS_OF, "seed": 11, **extra}
    arguments = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    call_command("generate_demo", *arguments, *flags, stdout=out)
    return out.getvalue()


def consumption_snapshot() -> list[tuple]:
    return list(
        ConsumptionMonth.objects.order_by("establishment__code", "medicine__code", "month").values_list(
            "establishment__code",
            "medicine__code",
            "month",
            "issued",
            "received",
            "losses",
            "stockout_days",
            "closing_balance",
        )
    )


def stock_snapshot() -> list[tuple]:
    lots = StockLot.objects.order_by("establishment__code", "medicine__code", "lot_number")
    transfers = Transfer.objects.order_by("shipped_on", "source__code", "destination__code", "medicine__code")
    return [
        *lots.values_list("establishment__code", "medicine__code", "lot_number", "expiry_date", "quantity"),
        *transfers.values_list("source__code", "destination__code", "quantity", "shipped_on", "received_on"),
    ]


def declaration_snapshot() -> list[tuple]:
    return list(
        SupplyDeclaration.objects.order_by(
            "company__organization__name", "medicine__code", "month", "version"
        ).values_list("company__organization__name", "medicine__code", "month", "version", "stock_on_hand", "status")
    )


def test_the_same_seed_gives_the_same_figures_and_another_seed_others(reference):
    # given
    generate()
    first = consumption_snapshot(), declaration_snapshot(), stock_snapshot()

    # when
    generate("--reset")
    again = consumption_snapshot(), declaration_snapshot(), stock_snapshot()
    generate("--reset", seed=12)
    other = consumption_snapshot()

    # then
    assert len(first[0]) == (4 * 8 + 4 * 5) * 24
    assert again == first
    assert other != first[0]


def test_it_writes_in_batches_without_a_query_per_row(reference, django_assert_max_num_queries):
    # when
    with django_assert_max_num_queries(80):
        generate()

    # then
    assert ConsumptionMonth.objects.count() + SupplyDeclaration.objects.count() > 1500


def test_stock_levels_equal_the_last_closing_balance_and_nothing_is_negative(reference):
    # given
    generate()

    # when
    last = ConsumptionMonth.objects.filter(month=dt.date(2026, 2, 1))
    closing = {(row.establishment_id, row.medicine_id): row.closing_balance for row in last}
    levels = {(row.establishment_id, row.medicine_id): row.quantity for row in StockLevel.objects.all()}
    expired = defaultdict(int)
    for lot in StockLot.objects.filter(expiry_date__lte=dt.date(2026, 2, 28)):
        expired[(lot.establishment_id, lot.medicine_id)] += lot.quantity

    # then the last closing is the stock less its units expired by the month's end (not usable)
    assert expired
    assert closing == {key: max(quantity - expired[key], 0) for key, quantity in levels.items()}
    assert not ConsumptionMonth.objects.filter(closing_balance__lt=0).exists()
    assert not ConsumptionMonth.objects.filter(received__lt=0).exists()
    assert not ConsumptionMonth.objects.filter(losses__lt=0).exists()
    assert ConsumptionMonth.objects.filter(stockout_days__gt=0).exists()


def test_each_month_balances_and_stockout_days_fit_in_it(reference):
    # given
    generate()
    shipped = defaultdict(int)
    for transfer in Transfer.objects.all():
        shipped[(transfer.source_id, transfer.medicine_id, transfer.shipped_on.replace(day=1))] += transfer.quantity

    # (a position holding a lot expired before the last month's end closes its months from the
    # expiry on without the lot, which is not written off: its flows do not balance to it)
    holding_expired = set(
        StockLot.objects.filter(expiry_date__lte=dt.date(2026, 2, 28)).values_list("establishment_id", "medicine_id")
    )

    # when
    previous: dict[tuple, int | None] = {}
    checked = 0
    for row in ConsumptionMonth.objects.order_by("establishment_id", "medicine_id", "month"):
        key = (row.establishment_id, row.medicine_id)
        assert row.stockout_days <= calendar.monthrange(row.month.year, row.month.month)[1]
        opening = previous.get(key)
        if row.reported and opening is not None and key not in holding_expired:
            outflow = row.issued + row.losses + shipped[(*key, row.month)]
            assert opening + row.received - outflow == row.closing_balance, row.month
            checked += 1
        previous[key] = row.closing_balance

    # then
    assert checked > 1000


def test_lots_never_exceed_the_stock_and_some_expire_soon_or_have_expired(reference):
    # given
    generate()

    # when
    totals = StockLot.objects.values("establishment_id", "medicine_id").annotate(total=Sum("quantity")).order_by()
    lot_sums = {(row["establishment_id"], row["medicine_id"]): row["total"] for row in totals}
    levels = {(row.establishment_id, row.medicine_id): row.quantity for row in StockLevel.objects.all()}

    # then
    assert lot_sums
    assert all(total <= levels[key] for key, total in lot_sums.items())
    assert StockLot.objects.filter(expiry_date__lt=AS_OF).exists()
    assert StockLot.objects.filter(expiry_date__gte=AS_OF, expiry_date__lt=AS_OF + dt.timedelta(days=183)).exists()


def test_the_ledger_slice_ends_on_the_stock_level_without_going_negative(reference):
    # given
    generate()

    # when
    movements = StockMovement.objects.order_by("establishment_id", "medicine_id", "business_date", "id")
    running: dict[tuple, int] = defaultdict(int)
    for movement in movements:
        key = (movement.establishment_id, movement.medicine_id)
        running[key] += movement.quantity
        assert running[key] == movement.balance_after >= 0

    # then
    assert running
    assert set(movements.values_list("source", flat=True)) == {"generated"}
    assert {day.replace(day=1) for day in movements.values_list("business_date", flat=True)} == {dt.date(2026, 2, 1)}
    levels = {(row.establishment_id, row.medicine_id): row.quantity for row in StockLevel.objects.all()}
    assert all(levels[key] == balance for key, balance in running.items())


def test_transfers_still_in_transit_are_the_destinations_in_transit_stock(reference):
    # given
    generate(hospitals=4, hospital_medicines=10)

    # when
    pending = defaultdict(int)
    for transfer in Transfer.objects.filter(status="in_transit"):
        assert transfer.received_on is None
        pending[(transfer.destination_id, transfer.medicine_id)] += transfer.quantity
    in_transit = {
        (row.establishment_id, row.medicine_id): row.in_transit for row in StockLevel.objects.filter(in_transit__gt=0)
    }

    # then
    assert in_transit == dict(pending)
    assert not Transfer.objects.filter(status="received", received_on__isnull=True).exists()


def test_declarations_cover_the_months_with_one_current_version_each(reference):
    # given
    generate()

    # when
    periods = SupplyDeclaration.objects.values("company", "medicine", "month").annotate(
        current=Count("id", filter=Q(is_current=True))
    )

    # then
    assert periods
    assert all(period["current"] == 1 for period in periods)
    assert SupplyDeclaration.objects.filter(version=2, is_current=True, status="accepted").exists()
    assert SupplyDeclaration.objects.filter(version=1, is_current=False, status="rejected").exists()
    assert SupplyDeclaration.objects.filter(disruption=True).exclude(disruption_cause="").exists()
    assert SupplyDeclaration.objects.filter(status="accepted").count() > SupplyDeclaration.objects.count() * 0.8
    assert SupplyLine.objects.exists()
    months = set(SupplyDeclaration.objects.values_list("month", flat=True))
    assert len(months) == 24
    assert ProductSupplier.objects.filter(company__organization__source=DEMO_SOURCE).exists()
    assert not ProductSupplier.objects.filter(product__origin=ProductOrigin.UNKNOWN).exists()
    assert Shortage.objects.filter(status="ongoing").exists()


def test_declarations_are_dated_so_that_most_companies_declared_on_time(reference):
    # given the demo of 2026-03-10
    generate()

    # when the declarants of its last complete month are judged on the day
    statuses = declarant_statuses(month=dt.date(2026, 2, 1), today=AS_OF)

    # then companies declared before the 5th, first versions between the 1st and the 4th of March
    assert statuses and sum(not status.late for status in statuses) > len(statuses) / 2
    first = SupplyDeclaration.objects.filter(month=dt.date(2026, 2, 1), version=1).values_list("created_at", flat=True)
    assert {moment.date() for moment in first} <= {dt.date(2026, 3, day) for day in range(1, 12)}
    # and a second version comes after the first was reviewed (the 9th)
    reviewed = SupplyDeclaration.objects.filter(version=1, is_current=False, status="rejected").first()
    following = SupplyDeclaration.objects.get(
        company=reviewed.company, medicine=reviewed.medicine, month=reviewed.month, version=2
    )
    assert following.created_at > reviewed.reviewed_at


def test_demo_users_log_in_and_see_what_their_role_allows(reference, api_client_for):
    # given
    output = generate()
    client = Client()

    # when
    logged_in = client.login(username="demo.hopital", password=DEFAULT_PASSWORD)
    hospital_user = get_user_model().objects.get(username="demo.hopital")
    response = api_client_for(hospital_user).get("/api/v1/stock-levels/")
    association_user = get_user_model().objects.get(username="demo.association")

    # then
    assert logged_in
    assert "demo.analyste" in output and DEFAULT_PASSWORD in output
    assert response.status_code == 200
    hospital = hospital_user.establishments.get()
    rows = response.json()["results"]
    assert rows and {row["establishment"] for row in rows} <= {hospital.pk, hospital.code}
    company = Company.objects.get(organization__users__username="demo.laboratoire")
    assert Company.objects.covered_by(association_user).filter(pk=company.pk).exists()
    # and the pages name them in French
    assert get_user_model().objects.get(username="demo.analyste").get_full_name() == "Analyste"
    assert hospital_user.get_full_name() == "Pharmacie hospitalière"


def test_it_refuses_a_second_run_without_reset(reference):
    # given
    generate()

    # when
    with pytest.raises(CommandError) as error:
        generate()

    # then
    assert "--reset" in str(error.value)


def test_it_refuses_to_touch_stock_data_it_did_not_write(reference):
    # given
    site = factories.EstablishmentFactory(code="REAL-1")
    medicine = factories.MedicineFactory(code="REAL-M")
    ConsumptionMonth.objects.create(establishment=site, medicine=medicine, month=dt.date(2025, 1, 1), issued=5)

    # when
    with pytest.raises(CommandError) as error:
        generate("--reset")

    # then
    assert "did not write" in str(error.value)
    assert ConsumptionMonth.objects.count() == 1
    assert not Organization.objects.filter(source=DEMO_SOURCE).exists()


def test_a_weak_password_is_refused_naming_the_option(reference):
    # when
    with pytest.raises(CommandError) as error:
        generate(password="short")

    # then
    assert "--password" in str(error.value)
    assert not ConsumptionMonth.objects.exists()


def test_it_says_what_to_load_when_the_reference_is_missing(db):
    # when
    with pytest.raises(CommandError) as error:
        generate()

    # then
    assert "load_reference" in str(error.value)


@pytest.mark.slow
def test_the_demo_command_sets_everything_up_and_keeps_it_on_a_second_run(db):
    # given
    sizes = ["--hospitals=2", "--centres=2", "--medicines=4", "--skip-score"]
    first, second = StringIO(), StringIO()

    # when
    call_command("demo", *sizes, stdout=first)
    rows = ConsumptionMonth.objects.count()
    call_command("demo", *sizes, stdout=second)

    # then: one line per step, ending with the address and the logins
    lines = first.getvalue().strip().splitlines()
    logins = len(DEMO_USERS)
    assert len(lines) <= 11 + logins
    assert "http://127.0.0.1:8000/" in lines[-logins - 2]
    assert [line.split()[0] for line in lines[-logins:]] == [username for _, username in DEMO_USERS]
    assert DEFAULT_PASSWORD in lines[-logins - 1]
    assert "%" not in first.getvalue() and "INFO" not in first.getvalue()
    assert rows > 0 and ConsumptionMonth.objects.count() == rows
    assert "kept" in second.getvalue()
    hospital = get_user_model().objects.get(username="demo.hopital").establishments.get()
    assert hospital.level == "hospital"
    # the regional analyst follows the demo hospital's region, and is printed with what it covers
    assert list(get_user_model().objects.get(username="demo.regional").analyst_regions.all()) == [hospital.region]
    assert str(hospital.region) in lines[-logins + 1]


def test_a_position_whose_lot_has_expired_closes_without_it_and_stocks_out_when_nothing_else_is_left(reference):
    # given
    generate()
    lots = StockLot.objects.filter(expiry_date__lte=dt.date(2026, 2, 28))
    levels = {(row.establishment_id, row.medicine_id): row.quantity for row in StockLevel.objects.all()}

    # when
    months = {
        (row.establishment_id, row.medicine_id): row
        for row in ConsumptionMonth.objects.filter(month=dt.date(2026, 2, 1), reported=True)
    }

    # then February closes without the expired units, stocked out from the expiry day when that was all
    checked = 0
    for lot in lots:
        key = (lot.establishment_id, lot.medicine_id)
        if key not in months:
            continue
        usable = max(levels[key] - lot.quantity, 0)
        assert months[key].closing_balance == usable
        if usable == 0:
            expiry_day = max(lot.expiry_date, dt.date(2026, 2, 1))
            assert months[key].stockout_days >= (dt.date(2026, 3, 1) - expiry_day).days
        checked += 1
    assert checked
