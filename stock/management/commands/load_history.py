"""``manage.py load_history FILE``: load a monthly LMIS history into the current database."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from stock.history.mapping import MappingError
from stock.history.source import HistoryFileError
from stock.services.history_load import HistoryLoadFailed, HistoryLoadResult, history_file_load

SHOWN_REFUSALS = 20


class Command(BaseCommand):
    help = (
        "Load a monthly LMIS history (CSV, one row per establishment, medicine and month) into the CURRENT "
        "database through the monthly-report import, creating the establishments and medicines it names. "
        "Run it against a scratch database unless the history belongs in this one. Prints what was read, "
        "written and created, and the first refused rows with their line and reason (all with -v 2 or "
        "--refused OUT.csv). Fails (after its report) when it writes no row: a file with no data line, every "
        "row refused, or the same file loaded again (every month is already declared); then nothing stays."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The monthly history (CSV: comma, semicolon or tab separated).")
        parser.add_argument(
            "--mapping",
            default="lmis-civ",
            help="A shipped mapping name (lmis-civ) or the path of a JSON mapping file (docs/history-import.md).",
        )
        parser.add_argument("--sites", help="A sites file (CSV): level, region and province of each establishment.")
        parser.add_argument("--products", help="A products file (CSV): the name of each medicine.")
        parser.add_argument("--refused", help="Write every refused row (line, column, reason) to this CSV file.")

    def handle(self, *args, **options) -> None:
        try:
            result = history_file_load(
                path=options["file"],
                mapping=options["mapping"],
                sites_path=options["sites"],
                products_path=options["products"],
            )
        except (MappingError, HistoryFileError, HistoryLoadFailed) as error:
            raise CommandError(str(error)) from error
        if options["refused"]:
            refused_write(result, Path(options["refused"]))
        self.stdout.write(summary_text(result, database=connection.vendor, all_refused=options["verbosity"] > 1))
        if not result.rows_written:
            raise CommandError(f"{Path(options['file']).name}: no row written (every row refused): nothing kept.")


def summary_text(result: HistoryLoadResult, *, database: str, all_refused: bool = False) -> str:
    """The command's report: counts, refusals by reason, then the refused rows."""
    lines = [
        f"History {result.mapping} into {database}: {result.rows_read:,} rows read, {result.rows_written:,} "
        f"written, {result.rows_refused:,} refused ({result.seconds:.1f} s, import passes: {result.import_passes}).",
        f"Establishments: {result.establishments_created:,} created, {result.establishments_found:,} already there "
        f"({result.regions_created} regions and {result.provinces_created} provinces created); medicines: "
        f"{result.medicines_created:,} created, {result.medicines_found:,} already there.",
        f"Movements written: {result.movements:,}; reports that do not balance: {result.discrepancies:,}.",
    ]
    if result.refused:
        lines.append("Refused, by reason:")
        lines.extend(f"  {count:,} × {reason}" for reason, count in result.refusal_counts())
        shown = result.refused if all_refused else result.refused[:SHOWN_REFUSALS]
        lines.append("Refused rows (source line: reason):")
        lines.extend(f"  {row.line}: {row.reason}" for row in shown)
        if len(shown) < len(result.refused):
            lines.append(f"  ... {len(result.refused) - len(shown):,} more (all of them: -v 2 or --refused OUT.csv).")
    return "\n".join(lines)


def refused_write(result: HistoryLoadResult, path: Path) -> None:
    """One line per refusal: the source line, the source column and the reason."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "reason"])
        for row in result.refused:
            writer.writerows([row.line, column, message] for column, message in row.errors)
