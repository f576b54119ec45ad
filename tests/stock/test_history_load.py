"""Loading a monthly LMIS history through the monthly-report import (``manage.py load_history``)."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stock.models import ConsumptionMonth, Establishment, Medicine, MonthlyReport, Region, StockLevel
from stock.services.history_load import HISTORY_USERNAME
from stock.services.positions import month_end

pytestmark = pytest.mark.django_db

LMIS_HEADER = (
    "year,month,region,district,site_code,product_code,stock_initial,stock_received,stock_distributed,"
    "stock_adjustment,stock_end,average_monthly_consumption,stock_stockout_days,stock_ordered"
)


def unfinished_month() -> dt.date:
    """The current month, or the next one on the current month's last day (reportable by then)."""
    today = timezone.localdate()
    first = today.replace(day=1)
    return first if today < month_end(first) else month_end(first) + dt.timedelta(days=1)


@pytest.fixture
def lmis_files(tmp_path):
    """Twelve rows in the lmis-civ format, with its sites and products files."""
    late = unfinished_month()
    rows = [
        "2024,1,REG A,DIST A1,S1,P1,100,0,30,0,70,30,0,50",  # line 2
        "2024,2,REG A,DIST A1,S1,P1,70,50,40,0,80,35,0,0",
        "2024,3,REG A,DIST A1,S1,P1,60,0,60,0,0,43,5,100",  # opening 60 after a closing of 80
        "2024,4,REG A,DIST A1,S1,P1,0,100,20,0,80,40,45,0",  # line 5: 45 stockout days in April
        "2024,5,REG A,DIST A1,S1,P1,80,0,30,-5,45,37,0,",  # no quantity ordered given
        "2024,6,REG A,DIST A1,S1,P1,45,0,10,0,35,20,31,0",  # line 7: 31 stockout days in June
        "2024,1,REG A,DIST A1,S1,P2,10,0,10,0,0,10,0,20",
        "2024,2,REG A,DIST A1,S1,P2,0,20,5,0,15,8,0,0",
        "2024,1,REG B,DIST B1,S2,P1,200,0,50,0,150,50,0,0",
        "2024,2,REG B,DIST B1,S2,P1,150,0,60,0,90,55,0,0",
        "2024,3,REG B,DIST B1,S2,P1,90,0,40,0,50,50,2,0",
        f"{late.year},{late.month},REG B,DIST B1,S2,P1,50,0,10,0,40,40,0,0",  # line 13: the month has not ended
    ]
    monthly = tmp_path / "monthly_reports.csv"
    monthly.write_text("\n".join([LMIS_HEADER, *rows]) + "\n", encoding="utf-8")
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "site_code,site_type,site_region,site_district,site_latitude,site_longitude\n"
        "S1,Hospital,REG A,DIST A1,5.4,-4.0\n"
        "S2,University Hospital/National Institute,REG B,DIST B1,5.3,-4.1\n",
        encoding="utf-8",
    )
    products = tmp_path / "products.csv"
    products.write_text(
        "product_code,product_type,product_type_2,product_name\nP1,Implant,Implant,IMPLANT UN 68 MG\n",
        encoding="utf-8",
    )
    return monthly, sites, products


def load(*args, **options) -> str:
    out = io.StringIO()
    call_command("load_history", *map(str, args), stdout=out, **options)
    return out.getvalue()


def load_failing(*args, **options) -> str:
    """The report of a load that writes no row: printed, then the command fails."""
    out = io.StringIO()
    with pytest.raises(CommandError, match="no row written"):
        call_command("load_history", *map(str, args), stdout=out, **options)
    return out.getvalue()


def lmis_load(lmis_files, **options) -> str:
    monthly, sites, products = lmis_files
    return load(monthly, "--mapping", "lmis-civ", "--sites", sites, "--products", products, **options)


def month_of(code, medicine, month):
    return ConsumptionMonth.objects.get(establishment__code=code, medicine__code=medicine, month=month)


def test_an_lmis_history_lands_through_the_monthly_report_import(lmis_files, personas, api_client_for):
    # when
    output = lmis_load(lmis_files)

    # then
    assert "12 rows read, 9 written, 3 refused" in output
    march = month_of("S1", "P1", dt.date(2024, 3, 1))
    assert (march.issued, march.received, march.stockout_days, march.closing_balance, march.reported) == (
        60,
        0,
        5,
        0,
        True,
    )
    may = month_of("S1", "P1", dt.date(2024, 5, 1))
    assert (may.issued, may.received, may.stockout_days, may.closing_balance) == (30, 0, 0, 45)
    assert month_of("S1", "P2", dt.date(2024, 2, 1)).received == 20
    ordered = dict(
        MonthlyReport.objects.filter(establishment__code="S1", medicine__code="P1").values_list("month", "ordered")
    )
    assert ordered == {
        dt.date(2024, 1, 1): 50,
        dt.date(2024, 2, 1): 0,
        dt.date(2024, 3, 1): 100,
        dt.date(2024, 5, 1): 0,
    }
    levels = {(level.establishment.code, level.medicine.code): level.quantity for level in StockLevel.objects.all()}
    assert levels == {("S1", "P1"): 45, ("S1", "P2"): 15, ("S2", "P1"): 50}
    # the rows were written as the history's own national analyst, and an analyst reads them in the API
    assert set(MonthlyReport.objects.values_list("created_by__username", flat=True)) == {HISTORY_USERNAME}
    client = api_client_for(personas.analyst)
    reports = client.get("/api/v1/monthly-reports/?establishment=S1&medicine=P1&month=2024-03-01").json()["results"]
    assert [(report["ordered"], report["stockout_days"]) for report in reports] == [(100, 5)]


def test_a_month_whose_opening_differs_from_the_last_closing_is_kept_as_reported(lmis_files):
    lmis_load(lmis_files)

    march = MonthlyReport.objects.get(establishment__code="S1", medicine__code="P1", month=dt.date(2024, 3, 1))
    assert (march.opening_balance, march.closing_count, march.discrepancy) == (60, 0, 0)
    assert month_of("S1", "P1", dt.date(2024, 2, 1)).closing_balance == 80
    assert month_of("S1", "P1", dt.date(2024, 3, 1)).closing_balance == 0


def test_every_refused_row_is_reported_with_its_source_line_and_column(lmis_files, tmp_path):
    # when
    output = lmis_load(lmis_files, refused=str(tmp_path / "refused.csv"))

    # then
    with (tmp_path / "refused.csv").open(encoding="utf-8") as refused_file:
        refused = [(int(row["line"]), row["column"]) for row in csv.DictReader(refused_file)]
    assert refused == [(5, "stock_stockout_days"), (7, "stock_stockout_days"), (13, "year/month")]
    assert "\n  5: stock_stockout_days : " in output and "31" in output.split("\n  5: ")[1].splitlines()[0]
    assert "\n  7: stock_stockout_days : " in output and "\n  13: year/month : " in output
    assert not MonthlyReport.objects.filter(month__in=[dt.date(2024, 4, 1), dt.date(2024, 6, 1)]).exists()
    assert not MonthlyReport.objects.filter(month=unfinished_month()).exists()


def test_establishments_and_medicines_are_created_with_their_territory(lmis_files):
    output = lmis_load(lmis_files)

    s1, s2 = Establishment.objects.get(code="S1"), Establishment.objects.get(code="S2")
    assert (s1.level, s1.category, s1.region.name_fr, s1.province.name_fr) == ("hospital", "", "REG A", "DIST A1")
    assert (s2.level, s2.category, s2.region.name_fr) == ("hospital", "CHU", "REG B")
    assert s1.source.startswith("historique lmis-civ")
    assert len({region.code for region in Region.objects.filter(name_fr__in=["REG A", "REG B"])}) == 2
    names = dict(Medicine.objects.values_list("code", "inn"))
    assert names == {"P1": "IMPLANT UN 68 MG", "P2": "P2"}
    assert "2 created, 0 already there (2 regions and 2 provinces created)" in output


def test_loading_the_same_file_again_writes_nothing_says_why_and_fails(lmis_files):
    # given
    lmis_load(lmis_files)
    reports = MonthlyReport.objects.count()
    issued = sorted(ConsumptionMonth.objects.values_list("issued", flat=True))

    # when
    monthly, sites, products = lmis_files
    output = load_failing(monthly, "--mapping", "lmis-civ", "--sites", sites, "--products", products)

    # then
    assert "12 rows read, 0 written, 12 refused" in output
    assert "9 × year/month : Ce mois est déjà déclaré" in output
    assert "0 created, 2 already there" in output
    assert MonthlyReport.objects.count() == reports == 9
    assert sorted(ConsumptionMonth.objects.values_list("issued", flat=True)) == issued


def test_only_the_first_twenty_refused_rows_are_printed_unless_asked(tmp_path):
    rows = [f"2024,{month},R,D,S9,P9,0,0,0,0,0,0,40,0" for month in range(1, 13)]
    rows += [f"2023,{month},R,D,S9,P9,0,0,0,0,0,0,40,0" for month in range(1, 13)]
    monthly = tmp_path / "monthly.csv"
    monthly.write_text("\n".join([LMIS_HEADER, *rows]) + "\n", encoding="utf-8")

    short, full = load_failing(monthly), load_failing(monthly, verbosity=2)

    assert "24 refused" in short and "... 4 more" in short and "\n  25: " not in short
    assert "\n  25: stock_stockout_days" in full and "more" not in full


CUSTOM = {
    "name": "pays-x",
    "columns": {
        "establishment": "facility",
        "medicine": "item",
        "medicine_name": "item_name",
        "month": "period",
        "opening_balance": "soh_start",
        "received": "qty_in",
        "issued": "qty_out",
        "losses": "loss",
        "closing_count": "soh_end",
        "stockout_days": "days_out",
        "ordered": "qty_ordered",
        "level": "facility_type",
        "region": "region",
        "province": "province",
    },
    "levels": {"Dépôt": "warehouse", "Hôpital": {"level": "hospital", "category": "HR"}},
}


def test_a_custom_json_mapping_loads_another_export(tmp_path, personas, api_client_for):
    # given
    mapping = tmp_path / "pays-x.json"
    mapping.write_text(json.dumps(CUSTOM), encoding="utf-8")
    export = tmp_path / "export.csv"
    export.write_text(
        "facility;item;item_name;period;soh_start;qty_in;qty_out;loss;soh_end;days_out;qty_ordered;"
        "facility_type;province;region\n"
        "T-HOSP-A;AMX;Amoxicilline 500 mg;2024-01;10;5;8;1;6;0;12;Hôpital;;\n"
        "NEW-1;AMX;Amoxicilline 500 mg;2024-01;0;10;4;0;6;0;0;dépôt ;Prov X;Reg X\n"
        "NEW-1;AMX;Amoxicilline 500 mg;2024-02;6;0;6;0;0;3;20;dépôt;Prov X;Reg X\n",
        encoding="utf-8",
    )

    # when
    output = load(export, "--mapping", mapping)

    # then
    assert "History pays-x" in output and "3 rows read, 3 written, 0 refused" in output
    assert "1 created, 1 already there" in output
    assert month_of("T-HOSP-A", "AMX", dt.date(2024, 1, 1)).losses == 1
    assert Establishment.objects.filter(code="T-HOSP-A").get().name == "Hôpital A"  # mapped, not touched
    depot = Establishment.objects.get(code="NEW-1")
    assert (depot.level, depot.region.name_fr, depot.province.name_fr) == ("warehouse", "Reg X", "Prov X")
    assert Medicine.objects.get(code="AMX").inn == "Amoxicilline 500 mg"
    assert month_of("NEW-1", "AMX", dt.date(2024, 2, 1)).stockout_days == 3
    client = api_client_for(personas.hospital_a_user)
    assert [report["ordered"] for report in client.get("/api/v1/monthly-reports/").json()["results"]] == [12]


def test_a_mapping_without_a_required_column_is_refused_by_name(tmp_path, lmis_files):
    mapping = tmp_path / "broken.json"
    mapping.write_text(
        json.dumps({"columns": {key: value for key, value in CUSTOM["columns"].items() if key != "closing_count"}}),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="columns: missing closing_count"):
        load(lmis_files[0], "--mapping", mapping)
    assert not Establishment.objects.filter(code="S1").exists()


def test_a_file_without_the_mapped_columns_is_refused_by_name(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("site;product;month\nS1;P1;2024-01\n", encoding="utf-8")

    with pytest.raises(CommandError, match="columns not found: site_code, product_code, year, stock_initial"):
        load(export, "--mapping", "lmis-civ")
    with pytest.raises(CommandError, match="Unknown mapping 'elsewhere'"):
        load(export, "--mapping", "elsewhere")
