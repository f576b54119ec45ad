"""Writing checked monthly report rows: movements, reports and monthly summaries.

The rules (what a report writes, older periods, ``replace``) are in :mod:`stock.services.reports`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from stock.choices import MovementKind, MovementSource
from stock.models import ConsumptionMonth, ImportJob, MonthlyReport, StockMovement
from stock.services.ledger import (
    WRITE_BATCH,
    Entry,
    LedgerRejected,
    entries_apply,
    levels_lock,
    month_end,
    position_batches,
    positions_q,
)
from stock.uploads import RowError
from stock.uploads.budget import budget_check

CHUNK_ROWS = 2000


class ReportRowsRejected(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} errors")


def expected_closing(row: dict) -> int:
    """The closing a report's flows give: opening + received - issued - losses + adjustments (a report
    whose count differs is accepted, the difference kept as its ``discrepancy``)."""
    return row["opening_balance"] + row["received"] - row["issued"] - row["losses"] + row["adjustments"]


@transaction.atomic
def monthly_reports_write(
    *,
    user: Any,
    rows: list[dict[str, Any]],
    existing: dict[tuple[int, int, dt.date], MonthlyReport],
    job: ImportJob | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write checked report rows (see the module docstring), in chunks of whole positions."""
    rows = sorted(rows, key=lambda row: row["key"])
    summary = {"reports": 0, "replaced": 0, "discrepancies": 0, "movements": 0}
    done = 0
    for chunk in _chunks_by_position(rows):
        budget_check()  # past the import's time budget, the transaction rolls back
        _write_chunk(user=user, rows=chunk, existing=existing, job=job, summary=summary)
        done += len(chunk)
        if progress is not None:
            progress(done)
    return summary


def _chunks_by_position(rows: list[dict[str, Any]]):
    chunk: list[dict[str, Any]] = []
    for row in rows:
        if len(chunk) >= CHUNK_ROWS and chunk[-1]["key"][:2] != row["key"][:2]:
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


def _write_chunk(
    *,
    user: Any,
    rows: list[dict[str, Any]],
    existing: dict[tuple[int, int, dt.date], MonthlyReport],
    job: ImportJob | None,
    summary: dict[str, int],
) -> None:
    positions = {row["key"][:2] for row in rows}
    levels = levels_lock(positions)
    last_dates = _last_movement_dates(positions)
    history_sums = _sums_up_to(
        {row["key"] for row in rows if (last_dates.get(row["key"][:2]) or dt.date.min) > month_end(row["key"][2])}
    )
    running = {position: level.quantity for position, level in levels.items()}
    in_file: dict[tuple[int, int], list[tuple[dt.date, int]]] = defaultdict(list)
    entries: list[Entry] = []
    reports: list[MonthlyReport] = []
    consumption: list[ConsumptionMonth] = []
    replaced_ids: list[int] = []
    for row in rows:
        position, month = row["key"][:2], row["key"][2]
        last_day = month_end(month)
        previous = existing.get(row["key"])
        is_history = (last_dates.get(position) or dt.date.min) > last_day
        if is_history:
            balance_at_end = history_sums.get(row["key"], 0) + sum(
                delta for day, delta in in_file[position] if day <= last_day
            )
        else:
            balance_at_end = running[position]
        row_entries = _flow_entries(row, previous, last_day)
        flows = sum(entry.delta for entry in row_entries)
        count = row["closing_count"] - (balance_at_end + flows)
        row_entries.append(
            _entry(row, MovementKind.COUNT, count, last_day, _("Inventaire du rapport %s") % _label(month))
        )
        if is_history and row["closing_count"] != balance_at_end:
            offset = -(row["closing_count"] - balance_at_end)
            kind = MovementKind.ADJUSTMENT_PLUS if offset > 0 else MovementKind.ADJUSTMENT_MINUS
            reason = _("Rapprochement : données postérieures au rapport %s déjà enregistrées") % _label(month)
            row_entries.append(_entry(row, kind, offset, last_day + dt.timedelta(days=1), reason))
        row_entries.sort(key=lambda entry: entry.delta < 0)
        entries.extend(row_entries)
        for entry in row_entries:
            running[position] += entry.delta
            in_file[position].append((entry.business_date, entry.delta))
        discrepancy = expected_closing(row) - row["closing_count"]
        if previous is not None:
            replaced_ids.append(previous.pk)
        reports.append(
            MonthlyReport(
                establishment=row["establishment"],
                medicine=row["medicine"],
                month=month,
                opening_balance=row["opening_balance"],
                received=row["received"],
                issued=row["issued"],
                losses=row["losses"],
                adjustments=row["adjustments"],
                closing_count=row["closing_count"],
                stockout_days=row["stockout_days"],
                ordered=row["ordered"],
                discrepancy=discrepancy,
                import_job=job,
                created_by=user,
            )
        )
        consumption.append(
            ConsumptionMonth(
                establishment=row["establishment"],
                medicine=row["medicine"],
                month=month,
                issued=row["issued"],
                received=row["received"],
                losses=row["losses"],
                stockout_days=row["stockout_days"],
                closing_balance=row["closing_count"],
                reported=True,
            )
        )
        summary["discrepancies"] += discrepancy != 0
    try:
        movements = entries_apply(entries, levels=levels, user=user, source=MovementSource.REPORT, summarise=False)
    except LedgerRejected as rejected:  # pragma: no cover - the entries are built never to go negative
        raise ReportRowsRejected([RowError(None, None, str(rejected))])
    if replaced_ids:
        MonthlyReport.objects.filter(pk__in=replaced_ids).delete()
    MonthlyReport.objects.bulk_create(reports, batch_size=WRITE_BATCH)
    ConsumptionMonth.objects.bulk_create(
        consumption,
        update_conflicts=True,
        unique_fields=["establishment", "medicine", "month"],
        update_fields=["issued", "received", "losses", "stockout_days", "closing_balance", "reported"],
        batch_size=WRITE_BATCH,
    )
    summary["reports"] += len(reports)
    summary["replaced"] += len(replaced_ids)
    summary["movements"] += len(movements)


def _label(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def _entry(row: dict[str, Any], kind: str, delta: int, day: dt.date, reason: str, loss_reason: str = "") -> Entry:
    return Entry(
        establishment=row["establishment"],
        medicine=row["medicine"],
        kind=kind,
        business_date=day,
        delta=delta,
        reason=reason,
        loss_reason=loss_reason,
    )


def _flow_entries(row: dict[str, Any], previous: MonthlyReport | None, day: dt.date) -> list[Entry]:
    """The month's flows, or with a previous report the differences from it, as signed entries."""
    label = _label(row["key"][2])
    received = row["received"] - (previous.received if previous else 0)
    issued = row["issued"] - (previous.issued if previous else 0)
    losses = row["losses"] - (previous.losses if previous else 0)
    adjustments = row["adjustments"] - (previous.adjustments if previous else 0)
    correction = _("Correction du rapport %(month)s : %(what)s")
    entries: list[Entry] = []
    if received > 0:
        entries.append(_entry(row, MovementKind.RECEIPT, received, day, _("Rapport %s") % label))
    elif received < 0:
        reason = correction % {"month": label, "what": _("réceptions")}
        entries.append(_entry(row, MovementKind.ADJUSTMENT_MINUS, received, day, reason))
    if issued > 0:
        entries.append(_entry(row, MovementKind.ISSUE, -issued, day, _("Rapport %s") % label))
    elif issued < 0:
        reason = correction % {"month": label, "what": _("sorties")}
        entries.append(_entry(row, MovementKind.ADJUSTMENT_PLUS, -issued, day, reason))
    if losses > 0:
        entries.append(
            _entry(row, MovementKind.LOSS, -losses, day, _("Rapport %s") % label, loss_reason=row["loss_reason"])
        )
    elif losses < 0:
        reason = correction % {"month": label, "what": _("pertes")}
        entries.append(_entry(row, MovementKind.ADJUSTMENT_PLUS, -losses, day, reason))
    if adjustments:
        kind = MovementKind.ADJUSTMENT_PLUS if adjustments > 0 else MovementKind.ADJUSTMENT_MINUS
        entries.append(_entry(row, kind, adjustments, day, _("Ajustements du rapport %s") % label))
    return entries


def _last_movement_dates(positions: set[tuple[int, int]]) -> dict[tuple[int, int], dt.date]:
    found: dict[tuple[int, int], dt.date] = {}
    for chunk in position_batches(positions):
        for row in (
            StockMovement.objects.filter(positions_q(chunk))
            .values("establishment_id", "medicine_id")
            .annotate(last=Max("business_date"))
            .order_by()
        ):
            found[(row["establishment_id"], row["medicine_id"])] = row["last"]
    return found


def _sums_up_to(keys: set[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], int]:
    """Balance in business-date order at the end of each key's month, for reports that are history."""
    by_month: dict[dt.date, set[tuple[int, int]]] = defaultdict(set)
    for establishment_id, medicine_id, month in keys:
        by_month[month].add((establishment_id, medicine_id))
    sums: dict[tuple[int, int, dt.date], int] = {}
    for month, positions in by_month.items():
        for chunk in position_batches(positions):
            for row in (
                StockMovement.objects.filter(positions_q(chunk), business_date__lte=month_end(month))
                .values("establishment_id", "medicine_id")
                .annotate(total=Sum("quantity"))
                .order_by()
            ):
                sums[(row["establishment_id"], row["medicine_id"], month)] = row["total"]
    return sums
