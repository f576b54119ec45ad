"""Benchmark of the stock write paths, each beside a plain bulk insert of the same rows.

    manage.py bench_stock [--movements 1000] [--establishments 100 --medicines 100 --months 10]

1. A bulk movement request (through the API, as a pharmacy's software sends it) of ``--movements``
   movements; reference: ``bulk_create`` of the same ledger rows.
2. A monthly report file of establishments x medicines x months rows (100,000 by default), read,
   checked and written by the import service; reference: ``bulk_create`` of the same reports,
   monthly summaries and ledger rows.

Everything runs inside one transaction that is rolled back at the end: the database is left as it
was. Figures are wall-clock times on this machine; they are printed, never asserted.
"""

from __future__ import annotations

import datetime as dt
import io
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from stock import roles
from stock.choices import EstablishmentCategory, EstablishmentLevel, MovementKind, MovementSource
from stock.models import (
    ApiToken,
    ConsumptionMonth,
    Establishment,
    Medicine,
    MonthlyReport,
    Region,
    StockMovement,
)
from stock.services.reports import monthly_report_file_import


class Rollback(Exception):
    """Raised to undo everything the benchmark wrote."""


class Command(BaseCommand):
    help = "Time a 1,000-movement bulk request and a 100,000-row monthly report upload against plain bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--movements", type=int, default=1000)
        parser.add_argument("--establishments", type=int, default=100)
        parser.add_argument("--medicines", type=int, default=100)
        parser.add_argument("--months", type=int, default=10)

    def handle(self, *args, **options):
        self.stdout.write(f"database: {connection.vendor}")
        try:
            with transaction.atomic():
                user, establishments, medicines = self._fixtures(options)
                self._bench_bulk(user, establishments[0], medicines, options["movements"])
                self._bench_upload(user, establishments, medicines, options["months"])
                raise Rollback
        except Rollback:
            self.stdout.write("(everything written by the benchmark was rolled back)")

    # --- data -------------------------------------------------------------------------------------

    def _fixtures(self, options):
        user = get_user_model().objects.create(username="bench-stock-user", is_active=True)
        user.groups.add(Group.objects.get_or_create(name=roles.ANALYST)[0])
        region = Region.objects.create(code="ZZ", name_fr="Région de mesure")
        establishments = Establishment.objects.bulk_create(
            [
                Establishment(
                    code=f"BENCH-E{n:05d}",
                    name=f"Centre de mesure {n}",
                    category=EstablishmentCategory.CSU1,
                    level=EstablishmentLevel.PRIMARY,
                    region=region,
                )
                for n in range(options["establishments"])
            ]
        )
        medicines = Medicine.objects.bulk_create(
            [
                Medicine(code=f"BENCH-M{n:05d}", inn=f"BENCH MOLECULE {n}", strength="1 MG", dosage_form="COMPRIME")
                for n in range(options["medicines"])
            ]
        )
        return user, establishments, medicines

    # --- 1. bulk movement request -----------------------------------------------------------------

    def _bench_bulk(self, user, establishment, medicines, count):
        day = timezone.localdate() - dt.timedelta(days=1)
        items = []
        for index in range(count):
            medicine = medicines[index % len(medicines)]
            kind = MovementKind.RECEIPT if index < len(medicines) else MovementKind.ISSUE
            quantity = 10 * count if kind == MovementKind.RECEIPT else 1
            items.append(
                {
                    "establishment": establishment.code,
                    "medicine": medicine.code,
                    "kind": kind,
                    "quantity": quantity,
                    "business_date": day.isoformat(),
                }
            )
        rows = self._ledger_rows(establishment, medicines, items, day, user)
        with transaction.atomic():
            started = time.perf_counter()
            StockMovement.objects.bulk_create(rows, batch_size=2000)
            reference = time.perf_counter() - started
            transaction.set_rollback(True)

        _, raw = ApiToken.issue(user=user, name="bench")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.post("/api/v1/movements/bulk/", {"movements": items[:1]}, format="json")  # warm-up
        started = time.perf_counter()
        response = client.post("/api/v1/movements/bulk/", {"movements": items}, format="json")
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            self.stderr.write(f"bulk request failed: {response.status_code} {response.content[:500]!r}")
            return
        self.stdout.write(
            f"bulk movements: {count} movements in one request: {elapsed * 1000:.0f} ms "
            f"({count / elapsed:,.0f} movements/s); plain bulk insert of the same {len(rows)} ledger rows: "
            f"{reference * 1000:.0f} ms (x{elapsed / reference:.1f})"
        )

    def _ledger_rows(self, establishment, medicines, items, day, user):
        balances: dict[str, int] = {}
        by_code = {medicine.code: medicine for medicine in medicines}
        rows = []
        for item in items:
            delta = item["quantity"] if item["kind"] == MovementKind.RECEIPT else -item["quantity"]
            balances[item["medicine"]] = balances.get(item["medicine"], 0) + delta
            rows.append(
                StockMovement(
                    establishment=establishment,
                    medicine=by_code[item["medicine"]],
                    kind=item["kind"],
                    business_date=day,
                    quantity=delta,
                    balance_after=balances[item["medicine"]],
                    source=MovementSource.API,
                    created_by=user,
                )
            )
        return rows

    # --- 2. monthly report upload -----------------------------------------------------------------

    def _bench_upload(self, user, establishments, medicines, months_count):
        first = (timezone.localdate().replace(day=1) - dt.timedelta(days=31 * (months_count + 1))).replace(day=1)
        months = []
        month = first
        for _ in range(months_count):
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        buffer = io.StringIO()
        buffer.write(
            "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days\n"
        )
        reports, summaries, ledger = [], [], []
        for establishment in establishments:
            for medicine in medicines:
                opening = 0
                for month in months:
                    received, issued, losses = 60, 45, 1
                    closing = opening + received - issued - losses
                    buffer.write(
                        f"{establishment.code};{medicine.code};{month:%Y-%m};{opening};{received};{issued};"
                        f"{losses};0;{closing};0\n"
                    )
                    reports.append((establishment, medicine, month, opening, received, issued, losses, closing))
                    opening = closing
        data = buffer.getvalue().encode()
        rows = len(reports)
        for establishment, medicine, month, opening, received, issued, losses, closing in reports:
            summaries.append(
                ConsumptionMonth(
                    establishment=establishment,
                    medicine=medicine,
                    month=month,
                    issued=issued,
                    received=received,
                    losses=losses,
                    closing_balance=closing,
                )
            )
            day = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            for kind, delta, after in (
                (MovementKind.RECEIPT, received, opening + received),
                (MovementKind.ISSUE, -issued, opening + received - issued),
                (MovementKind.LOSS, -losses, closing),
                (MovementKind.COUNT, 0, closing),
            ):
                ledger.append(
                    StockMovement(
                        establishment=establishment,
                        medicine=medicine,
                        kind=kind,
                        business_date=day,
                        quantity=delta,
                        balance_after=after,
                        loss_reason="expired" if kind == MovementKind.LOSS else "",
                        source=MovementSource.REPORT,
                        created_by=user,
                    )
                )
        with transaction.atomic():
            started = time.perf_counter()
            MonthlyReport.objects.bulk_create(
                [
                    MonthlyReport(
                        establishment=e,
                        medicine=m,
                        month=month,
                        opening_balance=o,
                        received=r,
                        issued=i,
                        losses=lo,
                        closing_count=c,
                        created_by=user,
                    )
                    for e, m, month, o, r, i, lo, c in reports
                ],
                batch_size=2000,
            )
            ConsumptionMonth.objects.bulk_create(summaries, batch_size=2000)
            StockMovement.objects.bulk_create(ledger, batch_size=2000)
            reference = time.perf_counter() - started
            transaction.set_rollback(True)

        file = io.BytesIO(data)
        file.name = "bench.csv"
        started = time.perf_counter()
        result = monthly_report_file_import(user=user, file=file)
        elapsed = time.perf_counter() - started
        if result.errors:
            self.stderr.write(f"upload failed: {result.errors[:5]}")
            return
        self.stdout.write(
            f"monthly report upload: {rows:,} rows ({len(data) / 1e6:.1f} MB CSV) in {elapsed:.1f} s = "
            f"{rows / elapsed:,.0f} rows/s, {result.summary['movements']:,} ledger rows; plain bulk insert of the "
            f"same {rows:,} reports + {rows:,} summaries + {len(ledger):,} ledger rows: {reference:.1f} s = "
            f"{rows / reference:,.0f} rows/s (x{elapsed / reference:.1f})"
        )
