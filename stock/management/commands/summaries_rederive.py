"""``manage.py summaries_rederive [--all]``: the monthly summaries' closing balance and stockout days
derived from the ledger again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stock.services.consumption import summaries_rederive


class Command(BaseCommand):
    help = (
        "Derive again, from the ledger, the closing balance and stockout days of the monthly summaries "
        "on record (months set by a monthly report keep the report's figures). By default only the "
        "positions holding a lot expired by today, from the month of that lot: run it once on a database "
        "whose summaries were written before they left expired units out of the usable balance. --all "
        "does every position with a movement, from its first one. Each batch of positions is written "
        "in its own transaction; running it again changes nothing more. Prints the months changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Every position with a movement, not only those holding expired lots."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = summaries_rederive(expired_only=not options["all"])
        self.stdout.write(f"{changed} monthly summaries changed.")
