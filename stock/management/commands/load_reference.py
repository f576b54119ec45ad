"""``manage.py load_reference``: load the shipped territory, establishments and medicines."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from stock.services.reference import (
    ReferenceLoad,
    reference_load_establishments,
    reference_load_medicines,
    reference_load_territory,
)

#: Reports whose unmatched names are only listed with ``-v 2`` (hundreds of names).
LONG_REPORTS = ("WHO EML", "CNOPS medicines with an ATC")


class Command(BaseCommand):
    help = (
        "Load regions, provinces, public establishments, CNOPS medicines and products (essential "
        "flag, ATC code, WHO EML section) from stock/data/reference/. Safe to run again: it only "
        "creates or updates what differs. Prints what was matched and what was not."
    )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        for title, loader in (
            ("Territory", reference_load_territory),
            ("Establishments", reference_load_establishments),
            ("Medicines", reference_load_medicines),
        ):
            self.stdout.write(self.style.MIGRATE_HEADING(title))
            self._print(loader(), verbosity)

    def _print(self, load: ReferenceLoad, verbosity: int) -> None:
        for counts in load.counts:
            self.stdout.write(f"  {counts.summary()}")
        for report in load.reports:
            long_list = report.step.startswith(LONG_REPORTS)
            lines = report.lines() if verbosity > 1 or not long_list else [report.summary()]
            self.stdout.write("\n".join(f"  {line}" for line in lines))
            if long_list and report.unmatched and verbosity < 2:
                self.stdout.write(f"    ({report.unmatched_count} unmatched, listed with -v 2)")
