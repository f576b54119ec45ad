"""``manage.py load_medicine_classes FILE [--dry-run] [--by USERNAME]``: the Ministry's VEN classes and
therapeutic alternatives of the medicines, the whole file or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from stock.choices import VenClass
from stock.services.medicine_classes import MedicineClassesLoad, MedicineClassesRejected, medicine_classes_load


class Command(BaseCommand):
    help = (
        "Set the VEN class (vital, essential, non-essential) and the therapeutic alternatives of medicines "
        "from the Ministry's file: CSV (comma or semicolon; UTF-8 with or without BOM, or Windows-1252) or "
        "XLSX, with the columns medicine (the medicine's code, as in the API; once per file), ven_class (V, E "
        "or N, or vital / essentiel / non essentiel, case and accents aside) and, optionally, alternatives "
        "(medicine codes separated by | or spaces). Alternatives go both ways (B an alternative of A makes A "
        "one of B): a non-empty cell replaces the medicine's alternatives by its list, removing on both sides "
        "the links to medicines it does not list; an empty cell, or no such column, leaves them as they are, "
        "but for the links other rows add or remove; two rows that both list alternatives must agree. Every "
        "row is checked first: if any is refused (unknown medicine or alternative, unknown class, a medicine "
        "given twice or listed as its own alternative, two rows that disagree), nothing is written, each "
        "error is printed with its line and column, and the command fails. Otherwise it writes everything in "
        "one transaction, with one audit entry per medicine changed, and prints the counts. Medicines the file "
        "does not name keep their class. The next full scoring run (nightly, or manage.py score) evaluates "
        "every alert with the new classes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The classes file (CSV or XLSX).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and print the counts; write nothing."
        )
        parser.add_argument("--by", metavar="USERNAME", help="The user recorded in the audit trail as the author.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        actor = _actor(options["by"])
        try:
            with path.open("rb") as handle:
                data = handle.read(settings.UPLOAD_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        with translation.override("fr"):
            try:
                load = medicine_classes_load(data=data, file_name=path.name, dry_run=options["dry_run"], actor=actor)
            except MedicineClassesRejected as rejected:
                raise CommandError(refusal_text(path.name, rejected)) from rejected
        self.stdout.write(summary_text(path.name, load))


def _actor(username: str | None) -> Any:
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user named {username!r}.")


def refusal_text(name: str, rejected: MedicineClassesRejected) -> str:
    """Every kept error on a line of its own: ``line 3, column ven_class: message``."""
    lines = [f"{name} refused, nothing written: {rejected.total:,} error(s)."]
    lines.extend(f"Warning: {warning}" for warning in rejected.warnings)
    for error in rejected.errors:
        where = [f"line {error['line']}"] if error["line"] is not None else []
        if error["column"]:
            where.append(f"column {error['column']}")
        lines.append(f"  {', '.join(where) or 'file'}: {error['message']}")
    return "\n".join(lines)


def summary_text(name: str, load: MedicineClassesLoad) -> str:
    """The counts of what was written (or, for a dry run, of what would be)."""
    lines = [f"Dry run, nothing written: {name} is valid." if not load.written else f"{name} loaded."]
    lines.extend(f"Warning: {warning}" for warning in load.warnings)
    changed = ", ".join(f"{ven} {load.classes_changed[ven]:,}" for ven in VenClass.values)
    lines.append(
        f"Rows: {load.rows:,}. Classes changed, by new class: {changed} ({load.classes_unchanged:,} unchanged)."
    )
    lines.append(
        f"Alternatives: {load.alternatives_replaced:,} medicines' lists replaced, {load.alternatives_unchanged:,} "
        f"already as listed, {load.alternatives_by_symmetry:,} other medicines changed on their side; "
        f"{load.links_added:,} links added, {load.links_removed:,} removed."
    )
    if load.written:
        lines.append(f"Audit trail: {load.audit_entries:,} entries (stock.medicine, update).")
    if load.written and sum(load.classes_changed.values()):
        lines.append(
            "The next full scoring run (nightly, or manage.py score) evaluates every alert with the new classes."
        )
    return "\n".join(lines)
