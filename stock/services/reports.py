"""Monthly stock reports of health centres (LMIS), uploaded as CSV or XLSX.

A file lands whole or not at all: it is read (:mod:`stock.uploads`), every row is checked, and
only when no row has an error is everything written in one transaction. The job then keeps every
error (line, column, reason), or the number of rows written and a summary.

A month is reported once it has ended (from its last day on), so that nothing is dated after
today. Writing one report (establishment, medicine, month M) records, dated the last day of M:

- the month's flows as movements: a receipt (received), an issue (issued), a loss (losses, with the
  ``loss_reason`` column, ``expired`` by default), an adjustment (adjustments, signed);
- a physical count bringing the balance at the end of M to the counted ``closing_count``;
- the month's ``ConsumptionMonth`` straight from the report (issued, received, losses, stockout
  days, closing balance), replacing what movements had summed for that month.

The optional ``ordered`` column (the quantity ordered or requested in the month) is kept on the
report row only: an order moves no stock, so it writes no movement.

When M is the position's latest period, the stock level ends at the counted closing. When later
movements are already on record, the report is history: an adjustment dated the 1st of the next
month offsets the count, so the current level (which later data already fixed) does not change,
while the balance read in business-date order is still the count at the end of M.

Within each report, increases are written before decreases, so no intermediate balance is negative.

A report that does not balance (opening + received - issued - losses + adjustments differs from
the count) is accepted; ``discrepancy`` keeps the difference and the summary counts such rows.

**A period that is already there** (same establishment, medicine and month) is refused with an
explicit error on its row, unless the upload says ``replace=true``. Then the new report replaces the
old one: the movements written are the differences between the two reports (more received is a
receipt, less received a negative adjustment, and so on; the count again lands on the new closing),
the monthly summary is overwritten, and the old report row is replaced. Nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stock.choices import LossReason
from stock.dates import month_refusal, shown_date
from stock.models import Establishment, ImportJob, Medicine, MonthlyReport
from stock.selectors import writable_establishment_ids
from stock.services.ledger import month_end, position_batches, positions_q
from stock.services.report_writing import ReportRowsRejected, expected_closing, monthly_reports_write
from stock.uploads import ColumnSpec, RowError, UploadRejected, read_table
from stock.uploads.budget import budget_check

__all__ = ["REPORT_COLUMNS", "TEMPLATE_EXAMPLE", "ReportRowsRejected", "monthly_report_file_import"]

REPORT_COLUMNS = [
    ColumnSpec("establishment", max_length=20, help=gettext_lazy("Code de l'établissement")),
    ColumnSpec("medicine", max_length=32, help=gettext_lazy("Code du médicament")),
    ColumnSpec("month", kind="month", help=gettext_lazy("Mois du rapport")),
    ColumnSpec("opening_balance", kind="int", min_value=0, help=gettext_lazy("Stock au début du mois")),
    ColumnSpec("received", kind="int", min_value=0, required=False, default=0, help=gettext_lazy("Quantité reçue")),
    ColumnSpec("issued", kind="int", min_value=0, required=False, default=0, help=gettext_lazy("Quantité consommée")),
    ColumnSpec("losses", kind="int", min_value=0, required=False, default=0, help=gettext_lazy("Pertes")),
    ColumnSpec("adjustments", kind="int", required=False, default=0, help=gettext_lazy("Ajustements (signés)")),
    ColumnSpec("closing_count", kind="int", min_value=0, help=gettext_lazy("Stock compté en fin de mois")),
    ColumnSpec(
        "stockout_days",
        kind="int",
        min_value=0,
        max_value=31,
        required=False,
        default=0,
        help=gettext_lazy("Jours de rupture"),
    ),
    ColumnSpec(
        "loss_reason",
        choices=tuple(LossReason.values),
        required=False,
        optional_column=True,
        default=LossReason.EXPIRED,
        help=gettext_lazy("Motif des pertes (expired par défaut)"),
    ),
    ColumnSpec(
        "ordered",
        kind="int",
        min_value=0,
        required=False,
        optional_column=True,
        default=0,
        help=gettext_lazy("Quantité commandée dans le mois (facultatif)"),
    ),
]
TEMPLATE_EXAMPLE = {
    "establishment": "CS-0001",
    "medicine": "MED-00001",
    "month": "2026-03",
    "opening_balance": 120,
    "received": 200,
    "issued": 180,
    "losses": 5,
    "adjustments": 0,
    "closing_count": 135,
    "stockout_days": 0,
    "loss_reason": "expired",
    "ordered": 150,
}

Progress = Callable[[int, int], None]


@dataclass
class ReportImportResult:
    """What an import wrote, or the errors that stopped it (then nothing was written): the first
    ``UPLOAD_MAX_ERRORS`` of the file's cells and every error of the rows' checks; ``errors_total``
    counts them all."""

    rows_written: int = 0
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    summary: dict[str, Any] = field(default_factory=dict)


def monthly_report_file_import(
    *, user: Any, file: Any, replace: bool = False, job: ImportJob | None = None, progress: Progress | None = None
) -> ReportImportResult:
    """Read, check and import a monthly report file; all rows or none."""
    try:
        table = read_table(file, columns=REPORT_COLUMNS)
    except UploadRejected as rejected:
        return ReportImportResult(errors=rejected.errors, errors_total=len(rejected.errors))
    total = len(table.rows) + table.error_lines
    if progress is not None:
        progress(0, total)
    rows, row_errors, existing = _resolve(user=user, rows=table.rows, replace=replace)
    code_errors = _code_errors(user=user, rows=table.partial_rows)
    if table.errors or row_errors or code_errors:
        return ReportImportResult(
            total_rows=total,
            errors=[*table.errors, *code_errors, *row_errors],
            errors_total=table.error_total + len(code_errors) + len(row_errors),
            summary={"warnings": table.warnings},
        )
    summary = monthly_reports_write(
        user=user,
        rows=rows,
        existing=existing,
        job=job,
        progress=(lambda done: progress(done, total)) if progress is not None else None,
    )
    summary["warnings"] = table.warnings
    summary["discrepancy_rows"] = _discrepancy_rows(rows)
    return ReportImportResult(rows_written=len(rows), total_rows=total, summary=summary)


def _discrepancy_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows accepted that do not balance (the first ``UPLOAD_MAX_ERRORS``), by line, so that the
    uploader can find and check each one: the balance the flows give beside the count."""
    found: list[dict[str, Any]] = []
    for row in rows:
        expected = expected_closing(row)
        if expected != row["closing_count"]:
            found.append(
                {
                    "line": row["_line"],
                    "medicine": row["medicine"].code,
                    "month": row["month"].strftime("%Y-%m"),
                    "expected": expected,
                    "counted": row["closing_count"],
                }
            )
            if len(found) >= settings.UPLOAD_MAX_ERRORS:
                break
    return found


@dataclass
class _Codes:
    """The establishments and medicines some rows name (one query each) and the establishments among
    them the user may declare for."""

    establishments: dict[str, Establishment]
    medicines: dict[str, Medicine]
    writable: set[int]

    @classmethod
    def of(cls, *, user: Any, rows: list[dict[str, Any]]) -> _Codes:
        establishments = {
            row.code: row
            for row in Establishment.objects.filter(
                code__in={row["establishment"] for row in rows if row.get("establishment")}
            )
        }
        medicines = {
            row.code: row
            for row in Medicine.objects.filter(code__in={row["medicine"] for row in rows if row.get("medicine")})
        }
        writable = writable_establishment_ids(user, {row.pk for row in establishments.values()})
        return cls(establishments, medicines, writable)

    def errors(self, row: dict[str, Any]) -> list[RowError]:
        """What is wrong with the codes ``row`` gives (a code the row could not read is left out)."""
        line, errors = row["_line"], []
        if code := row.get("establishment"):
            establishment = self.establishments.get(code)
            if establishment is None:
                errors.append(RowError(line, "establishment", _("Établissement inconnu : %s.") % code))
            elif establishment.pk not in self.writable:
                errors.append(
                    RowError(line, "establishment", _("Vous ne pouvez pas déclarer le stock de cet établissement."))
                )
        if (code := row.get("medicine")) and code not in self.medicines:
            errors.append(RowError(line, "medicine", _("Médicament inconnu : %s.") % code))
        return errors


def _code_errors(*, user: Any, rows: list[dict[str, Any]]) -> list[RowError]:
    """The establishment and medicine codes of the lines refused for a cell, checked as
    :func:`_resolve` checks them, so that such a line's report names every fault at once instead of
    one upload after the other."""
    if not rows:
        return []
    codes = _Codes.of(user=user, rows=rows)
    return [error for row in rows for error in codes.errors(row)]


def _resolve(
    *, user: Any, rows: list[dict[str, Any]], replace: bool
) -> tuple[list[dict[str, Any]], list[RowError], dict[tuple[int, int, dt.date], MonthlyReport]]:
    """Attach establishments and medicines to rows and check the rules that need the database."""
    errors: list[RowError] = []
    codes = _Codes.of(user=user, rows=rows)
    today = timezone.localdate()
    first_line: dict[tuple[int, int, dt.date], int] = {}
    good: list[dict[str, Any]] = []
    for row in rows:
        budget_check()
        line = row["_line"]
        establishment = codes.establishments.get(row["establishment"])
        medicine = codes.medicines.get(row["medicine"])
        code_errors = codes.errors(row)
        errors.extend(code_errors)
        ok = not code_errors
        if refusal := month_refusal(row["month"], today=today):
            errors.append(RowError(line, "month", refusal))
            ok = False
        elif month_end(row["month"]) > today:
            # Its flows and count are dated the month's last day: never a movement dated after today.
            message = _("Le mois n'est pas terminé : le rapport se déclare à partir du %s.")
            errors.append(RowError(line, "month", message % shown_date(month_end(row["month"]))))
            ok = False
        elif row["stockout_days"] > month_end(row["month"]).day:
            errors.append(RowError(line, "stockout_days", _("Plus de jours de rupture que de jours dans le mois.")))
            ok = False
        if not ok:
            continue
        key = (establishment.pk, medicine.pk, row["month"])
        if key in first_line:
            message = _("Même établissement, médicament et mois qu'à la ligne %d.") % first_line[key]
            errors.append(RowError(line, "month", message, same_as_line=first_line[key]))
            continue
        first_line[key] = line
        good.append({**row, "establishment": establishment, "medicine": medicine, "key": key})
    existing = _existing_reports(list(first_line))
    if not replace:
        for row in good:
            previous = existing.get(row["key"])
            if previous is not None:
                errors.append(
                    RowError(
                        row["_line"],
                        "month",
                        _(
                            "Ce mois est déjà déclaré pour ce médicament (rapport du %(date)s). Pour le "
                            "remplacer, renvoyez le fichier en cochant « Remplacer les mois déjà déclarés » "
                            "(replace=true par l'API)."
                        )
                        % {"date": shown_date(timezone.localtime(previous.created_at).date())},
                    )
                )
    return good, errors, existing


def _existing_reports(keys: list[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], MonthlyReport]:
    wanted = set(keys)
    months = {key[2] for key in keys}
    found: dict[tuple[int, int, dt.date], MonthlyReport] = {}
    for chunk in position_batches(key[:2] for key in keys):
        for report in MonthlyReport.objects.filter(positions_q(chunk), month__in=months):
            key = (report.establishment_id, report.medicine_id, report.month)
            if key in wanted:
                found[key] = report
    return found
