"""Spreadsheet upload of declarations: the whole file or nothing, with a per-row error report.

The file is read by ``stock.uploads.read_table`` (CSV in UTF-8 or Windows-1252, or XLSX; every
missing and every unknown column named; the second and third deliveries' columns may be left out,
each set of three whole: a partial set is refused naming its missing columns), each typed row is
checked by
:func:`~partners.services.declaration_rows.declaration_row_parse`, and only when no row of the file
has an error are all rows submitted, in one transaction. The ``ImportJob`` keeps the outcome and the
error report (``{"line", "column", "message"}``) either way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.services.declaration_rows import (
    COLUMNS,
    EXAMPLE_ROW,
    OPTIONAL_SUPPLY_SETS,
    RowContext,
    declaration_row_parse,
)
from partners.services.declarations import DeclarationData, declarations_submit_many
from stock.audit import audit_write
from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob
from stock.uploads import RowError, Table, UploadRejected, read_table, template_csv, template_workbook
from stock.uploads.budget import ImportTimeExceeded, budget_check, budget_message, import_budget
from stock.uploads.limits import error_report

# The template's formats: content type and file name of each (the page and the API serve the same).
TEMPLATE_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "modele-declarations.csv"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "modele-declarations.xlsx",
    ),
}


def declaration_template(*, file_format: str) -> bytes:
    """The downloadable template (``csv`` or ``xlsx``): the header and one example row. It has the
    columns of all three deliveries, although a file may leave out those of the second and third."""
    if file_format == "xlsx":
        # Help texts are lazy translations; the workbook needs plain strings in the active language.
        columns = [replace(spec, help=str(spec.help)) for spec in COLUMNS]
        return template_workbook(columns, examples=[EXAMPLE_ROW], title="declarations")
    return template_csv(COLUMNS, examples=[EXAMPLE_ROW])


def _partial_supply_sets(header: list[str] | None) -> list[RowError]:
    """One error for each optional delivery whose columns are in the file only in part, naming the
    missing ones (a set is in the file whole or not at all). ``header``: the column names as
    ``read_table`` read them (the file is not opened again: a workbook's other sheets stay unread)."""
    present = set(header or ())
    errors = []
    for n, names in OPTIONAL_SUPPLY_SETS.items():
        missing = [name for name in names if name not in present]
        if 0 < len(missing) < len(names):
            message = _(
                "Livraison %(n)s incomplète, colonnes manquantes : %(names)s. "
                "Donnez les trois colonnes de cette livraison, ou aucune."
            ) % {"n": n, "names": ", ".join(missing)}
            errors.append(RowError(1, None, message))
    return errors


def _read(file: Any, *, file_name: str) -> Table:
    """``read_table`` with the delivery column sets checked: a partial optional set is a file-level
    error, reported together with the other header errors (missing or unknown columns)."""
    try:
        table = read_table(file, columns=COLUMNS, file_name=file_name)
    except UploadRejected as rejected:
        if rejected.errors and all(error.line == 1 for error in rejected.errors):  # the header was read
            raise UploadRejected([*rejected.errors, *_partial_supply_sets(rejected.header)])
        raise
    if errors := _partial_supply_sets(table.header):
        raise UploadRejected(errors)
    return table


def _check_rows(*, user, table: Table) -> tuple[list[DeclarationData], list[RowError]]:
    context = RowContext.load(user=user, rows=table.rows)
    items: list[DeclarationData] = []
    errors = list(table.errors)
    first_line_of_period: dict[tuple, int] = {}
    for row in table.rows:
        budget_check()
        data, row_errors = declaration_row_parse(row, context=context)
        if data is not None:
            period = (data.company.pk, data.medicine.pk, data.month)
            if period in first_line_of_period:
                row_errors.setdefault("medicament", []).append(
                    _("Même entreprise, médicament et mois qu'à la ligne %(n)s.") % {"n": first_line_of_period[period]}
                )
                data = None
            first_line_of_period.setdefault(period, row["_line"])
        for column, messages in row_errors.items():
            errors.extend(RowError(row["_line"], column, message) for message in messages)
        if data is not None:
            items.append(data)
    errors.sort(key=lambda error: (error.line or 0, error.column or ""))
    return items, errors


def declarations_import(*, user, file: Any, file_name: str) -> ImportJob:
    """Import an uploaded declaration file for ``user``: all rows or none. Returns the job: status
    succeeded or failed, ``errors`` listing ``{line, column, message}``, ``summary`` with counts."""
    job = ImportJob.objects.create(
        kind=ImportKind.DECLARATION, status=ImportStatus.RUNNING, file_name=file_name[:255], created_by=user
    )
    errors: list[RowError] = []
    errors_total = 0
    warnings: list[str] = []
    written = 0
    # The import runs inside the web request: its budget ends it before the server's timeout would.
    budget = settings.UPLOAD_REQUEST_TIME_BUDGET_SECONDS
    try:
        with import_budget(seconds=budget):
            table = _read(file, file_name=file_name)
            warnings = table.warnings
            job.total_rows = len(table.rows) + table.error_lines
            items, errors = _check_rows(user=user, table=table)
            errors_total = table.error_total + len(errors) - len(table.errors)
            if not errors and not items:
                errors = [RowError(None, None, _("Le fichier ne contient aucune ligne de données."))]
            if not errors:
                with transaction.atomic():
                    declarations = declarations_submit_many(user=user, items=items, import_job=job)
                    written = len(declarations)
                    audit_write(
                        actor=user,
                        action="import",
                        obj=job,
                        file=file_name,
                        declarations=written,
                        ids=[declaration.pk for declaration in declarations],
                    )
    except UploadRejected as rejected:
        errors = rejected.errors
    except ImportTimeExceeded:
        errors = [RowError(None, None, budget_message(budget))]
    except (PermissionDenied, ValidationError) as error:  # the data changed between check and write
        errors = [RowError(None, None, " ".join(getattr(error, "messages", [str(error)])))]
    except Exception:
        # Nothing was written (one transaction); the job must not stay "running".
        message = _("Erreur interne pendant l'import : rien n'a été enregistré. Réessayez ou contactez l'équipe.")
        _job_finish(job, errors=[RowError(None, None, message)], warnings=warnings, written=0)
        raise
    _job_finish(job, errors=errors, errors_total=errors_total, warnings=warnings, written=written)
    return job


def _job_finish(
    job: ImportJob, *, errors: list[RowError], warnings: list[str], written: int, errors_total: int = 0
) -> None:
    """Keep the outcome on the job: failed with the first ``UPLOAD_MAX_ERRORS`` errors (nothing
    written) and the count of all, or succeeded."""
    job.status = ImportStatus.FAILED if errors else ImportStatus.SUCCEEDED
    job.errors, total = error_report(errors, total=errors_total)
    job.processed_rows = job.total_rows
    job.rows_written = written
    job.summary = {"declarations": written, "errors": total, "errors_total": total, "warnings": warnings}
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "errors", "total_rows", "processed_rows", "rows_written", "summary", "finished_at"]
    )
