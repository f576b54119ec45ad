"""``manage.py load_reference``: load the shipped territory, establishments and medicines."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from stock.services.reference import (
    ReferenceLoad,
    reference_load_establishments,
    reference_load_medicines,
    reference_load_territory,
)


class Command(BaseCommand):
    help = (
        "Load regions, provinces, public establishments, CNOPS medicines and products (essential "
        "flag, ATC code, WHO EML section) from stock/data/reference/. Safe to run again: it only "
        "creates or updates what differs. Prints a one-line summary; -v 2 adds the count of each "
        "table and how the reference lists matched, with every name that found no counterpart."
    )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        loads = [
            ("Territory", reference_load_territory()),
            ("Establishments", reference_load_establishments()),
            ("Medicines", reference_load_medicines()),
        ]
        if verbosity > 1:
            for title, load in loads:
                self.stdout.write(self.style.MIGRATE_HEADING(title))
                self._print_details(load)
        elif verbosity == 1:
            self.stdout.write(summary_line([load for _, load in loads]))

    def _print_details(self, load: ReferenceLoad) -> None:
        for counts in load.counts:
            self.stdout.write(f"  {counts.summary()}")
        for report in load.reports:
            self.stdout.write("\n".join(f"  {line}" for line in report.lines()))


def summary_line(loads: list[ReferenceLoad]) -> str:
    """``Reference data: 12 regions, ... (8,072 created, 0 updated). Details: -v 2.``"""
    counts = [counts for load in loads for counts in load.counts]
    tables = ", ".join(f"{c.created + c.updated + c.unchanged:,} {c.table}" for c in counts)
    created, updated = sum(c.created for c in counts), sum(c.updated for c in counts)
    return (
        f"Reference data: {tables} ({created:,} created, {updated:,} updated). "
        "How the national and WHO lists matched: -v 2."
    )
