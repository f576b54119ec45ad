"""What ``manage.py load_history`` says of a history it cannot load whole: source lines in every
message, no data line, every row refused (nothing created stays), a tab-separated export."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from stock.models import Establishment, Medicine, MonthlyReport, Province, Region

pytestmark = pytest.mark.django_db

LMIS_HEADER = (
    "year,month,region,district,site_code,product_code,stock_initial,stock_received,stock_distributed,"
    "stock_adjustment,stock_end,average_monthly_consumption,stock_stockout_days,stock_ordered"
)


def load(path, *args, **options) -> str:
    out = io.StringIO()
    try:
        call_command("load_history", str(path), *map(str, args), stdout=out, **options)
    except CommandError as error:
        raise CommandError(f"{error}\n{out.getvalue()}") from error
    return out.getvalue()


def test_a_row_given_twice_names_the_source_line_of_the_first(tmp_path):
    # given two positions, the second row of S1/P1 given again at the end of the file
    monthly = tmp_path / "monthly.csv"
    rows = [
        "2024,1,R,D,S1,P1,10,0,5,0,5,5,0,0",  # line 2
        "2024,1,R,D,S2,P2,10,0,5,0,5,5,0,0",  # line 3
        "2024,2,R,D,S1,P1,5,0,5,0,0,5,0,0",  # line 4
        "2024,2,R,D,S2,P2,5,0,5,0,0,5,0,0",  # line 5
        "2024,2,R,D,S1,P1,5,0,5,0,0,5,0,0",  # line 6: line 4 again
    ]
    monthly.write_text("\n".join([LMIS_HEADER, *rows]) + "\n", encoding="utf-8")

    # when
    output = load(monthly, refused=str(tmp_path / "refused.csv"))

    # then the message names line 4 of the file (not the line of the file the import was given)
    assert "5 rows read, 4 written, 1 refused" in output
    assert "\n  6: year/month : Même établissement, médicament et mois qu'à la ligne 4." in output
    assert '6,year/month,"Même établissement, médicament et mois qu\'à la ligne 4."' in (
        (tmp_path / "refused.csv").read_text(encoding="utf-8")
    )


def test_a_file_with_no_data_line_is_refused(tmp_path):
    monthly = tmp_path / "monthly.csv"
    monthly.write_text(LMIS_HEADER + "\n,,,,,,,,,,,,,\n\n", encoding="utf-8")

    with pytest.raises(CommandError, match="monthly.csv: no data line under the header"):
        load(monthly)


def test_a_load_that_writes_no_row_fails_and_leaves_nothing_created(tmp_path):
    # given rows that all name an unreadable month
    mapping = tmp_path / "pays-y.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "establishment": "Code établissement",
                    "medicine": "Code produit",
                    "month": "Période",
                    "opening_balance": "Stock début",
                    "closing_count": "Stock fin",
                    "region": "Région",
                    "province": "District",
                }
            }
        ),
        encoding="utf-8",
    )
    export = tmp_path / "export.csv"
    export.write_text(
        "Code établissement;Code produit;Période;Stock début;Stock fin;Région;District\n"
        "Y-1;Y-MED;janv. 2024;10;5;Région Y;District Y\n"
        "Y-1;Y-MED;févr. 2024;5;5;Région Y;District Y\n",
        encoding="cp1252",
    )

    # when
    with pytest.raises(CommandError) as raised:
        load(export, "--mapping", mapping)

    # then every row is reported, the command fails, and what it had created is gone
    message = str(raised.value)
    assert "export.csv: no row written" in message
    assert "2 rows read, 0 written, 2 refused" in message
    assert "\n  2: Période : Mois attendu (AAAA-MM), pas « janv. 2024 »." in message
    assert "Establishments: 0 created" in message
    assert not Establishment.objects.filter(code="Y-1").exists()
    assert not Medicine.objects.filter(code="Y-MED").exists()
    assert not Region.objects.filter(name_fr="Région Y").exists()
    assert not Province.objects.filter(name_fr="District Y").exists()


def test_a_tab_separated_export_is_read(tmp_path):
    export = tmp_path / "monthly.tsv"
    export.write_text(LMIS_HEADER.replace(",", "\t") + "\n2024\t1\tR\tD\tS1\tP1\t10\t0\t5\t0\t5\t5\t0\t0\n")

    output = load(export)

    assert "1 rows read, 1 written, 0 refused" in output
    assert MonthlyReport.objects.filter(establishment__code="S1", medicine__code="P1").count() == 1
