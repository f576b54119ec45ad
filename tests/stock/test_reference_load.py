"""Loading the shipped reference data into the database (``load_reference``).

The data is loaded once for the class (``setUpTestData``: inside a transaction that is rolled back
afterwards, so other test modules never see it); each test runs in its own savepoint.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from stock.models import Establishment, Medicine, Product, Province, Region
from stock.services.reference import (
    ReferenceLoad,
    reference_load_establishments,
    reference_load_medicines,
    reference_load_territory,
)


def load_everything() -> list[ReferenceLoad]:
    return [reference_load_territory(), reference_load_establishments(), reference_load_medicines()]


class ReferenceLoadTests(TestCase):
    first_run: list[ReferenceLoad]

    @classmethod
    def setUpTestData(cls):
        cls.first_run = load_everything()

    def test_it_loads_every_region_province_establishment_medicine_and_product(self):
        assert Region.objects.count() == 12
        assert Province.objects.count() == 83
        assert Establishment.objects.count() == 3344
        assert Medicine.objects.count() == 2706
        assert Product.objects.count() == 5917
        created = {counts.table: counts.created for load in self.first_run for counts in load.counts}
        assert created == {
            "regions": 12,
            "provinces": 83,
            "establishments": 3344,
            "medicines": 2706,
            "products": 5917,
        }

    def test_every_establishment_has_its_region_and_95_percent_a_province_of_that_region(self):
        with_province = Establishment.objects.filter(province__isnull=False)

        assert not Establishment.objects.filter(region__isnull=True).exists()
        assert with_province.count() >= 0.95 * 3344
        assert not with_province.exclude(province__region=F("region")).exists()
        assert Establishment.objects.filter(level="hospital").count() == 170
        assert Establishment.objects.get(code="01-HP-0001").name == "Mohamed V"

    def test_a_second_run_changes_nothing_with_a_bounded_number_of_queries(self):
        with CaptureQueriesContext(connection) as queries:
            second_run = load_everything()

        for counts in (counts for load in second_run for counts in load.counts):
            assert (counts.created, counts.updated) == (0, 0), counts.summary()
        assert len(queries) < 40  # bulk reads and writes, never one query per row

    def test_it_restores_reference_fields_and_leaves_other_rows_alone(self):
        # given a medicine and a product edited by hand, and an establishment that is not in the files
        amoxicillin = Medicine.objects.get(inn="AMOXICILLINE", strength="500 MG", dosage_form="GELULE")
        Medicine.objects.filter(pk=amoxicillin.pk).update(atc_code="X", is_essential=False, lead_time_months=2)
        Product.objects.filter(ean="6118010116230").update(public_price=Decimal("1.00"))
        depot = Establishment.objects.create(
            code="DEP-01", name="Dépôt régional", category="DEP", level="warehouse", region=Region.objects.first()
        )

        # when the medicines are loaded again
        load = reference_load_medicines()

        # then only the edited rows are updated, and what the files do not carry is kept
        assert [(c.table, c.updated) for c in load.counts] == [("medicines", 1), ("products", 1)]
        amoxicillin.refresh_from_db()
        assert (amoxicillin.atc_code, amoxicillin.is_essential) == ("J01CA04", True)
        assert amoxicillin.lead_time_months == 2
        assert Product.objects.get(ean="6118010116230").public_price == Decimal("2882.00")
        assert Establishment.objects.filter(pk=depot.pk).exists()

    def test_medicines_carry_the_essential_flag_atc_code_and_section(self):
        amoxicillin_clavulanate = Medicine.objects.filter(inn="AMOXICILLINE / ACIDE CLAVULANIQUE").first()
        eloxatine = Product.objects.select_related("medicine").get(ean="6118010116230")

        assert amoxicillin_clavulanate.is_essential
        assert amoxicillin_clavulanate.atc_code == "J01CR02"
        assert amoxicillin_clavulanate.on_who_eml
        assert eloxatine.medicine.inn == "OXALIPLATINE"
        assert eloxatine.medicine.atc_code == "L01XA03"
        assert eloxatine.hospital_price == Decimal("2555.00")
        assert eloxatine.is_originator
        assert not Medicine.objects.get(inn="SILDENAFIL", strength="50 MG", dosage_form="COMPRIME").is_essential
        # "Anti-hemorrhoidal" is listed as a class: its two CNOPS products (suppository, ointment).
        assert Product.objects.get(ean="6118000180289").medicine.is_essential
        assert Product.objects.get(ean="6118000180272").medicine.is_essential
        assert Medicine.objects.filter(is_essential=True).count() > 1000
        assert Medicine.objects.exclude(atc_code="").count() == 1059

    def test_it_reports_the_match_rates(self):
        reports = {report.step: report for load in self.first_run for report in load.reports}

        assert reports["establishment regions"].rate == 1.0
        assert reports["establishment provinces"].rate >= 0.95
        neml = reports["NEML INNs (Morocco list) -> CNOPS DCI"]
        assert (neml.total, neml.matched) == (344, 310)
        assert "Quinine" in neml.unmatched

    def test_the_command_prints_one_summary_line_by_default(self):
        out = StringIO()

        call_command("load_reference", stdout=out)

        printed = out.getvalue()
        assert printed.count("\n") == 1
        assert "12 regions, 83 provinces, 3,344 establishments" in printed
        assert "5,917 products (0 created, 0 updated)" in printed
        assert "%" not in printed and "Quinine" not in printed

    def test_the_command_prints_counts_and_the_match_report_with_verbosity_2(self):
        out = StringIO()

        call_command("load_reference", verbosity=2, stdout=out)

        printed = out.getvalue()
        assert "products: 0 created, 0 updated, 5917 unchanged" in printed
        assert "establishment provinces: 3344/3344 matched (100.0%)" in printed
        assert "NEML INNs (Morocco list) -> CNOPS DCI: 310/344 matched (90.1%)" in printed
        assert "  - Quinine" in printed
