"""``manage.py generate_demo``: a deterministic demo history over the loaded reference data."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tooling.demo.batches import DemoAlreadyPresent
from tooling.demo.generate import DemoSummary, demo_generate
from tooling.demo.options import DemoOptions
from tooling.demo.people import DEFAULT_PASSWORD
from tooling.demo.selection import MissingReferenceData


def print_logins(command: BaseCommand, summary: DemoSummary, password: str) -> None:
    command.stdout.write(f"Demo logins (password for all: {password}):")
    for login in summary.logins:
        command.stdout.write(f"  {login.role:<14} {login.username:<18} {login.linked_to}")


class Command(BaseCommand):
    help = (
        "Generate a deterministic demo history (monthly consumption, stock, lots, transfers, a daily "
        "ledger slice, companies and their declarations, demo users) over the loaded establishments "
        "and medicines. Same database and seed give the same figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = DemoOptions()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--months", type=int, default=defaults.months, help="months of history (>= 12)")
        parser.add_argument("--hospitals", type=int, default=defaults.hospitals)
        parser.add_argument(
            "--centres", type=int, default=defaults.centres, help="health centres, spread over provinces"
        )
        parser.add_argument("--medicines", type=int, default=defaults.medicines, help="essential medicines used")
        parser.add_argument("--hospital-medicines", type=int, default=defaults.hospital_medicines)
        parser.add_argument("--centre-medicines", type=int, default=defaults.centre_medicines)
        parser.add_argument("--ledger-hospitals", type=int, default=defaults.ledger_hospitals)
        parser.add_argument("--shortages", type=int, default=defaults.shortages, help="national shortage episodes")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of the demo users")
        parser.add_argument("--reset", action="store_true", help="wipe a previous demo first")

    def handle(self, *args, **opts) -> None:
        options = DemoOptions(
            seed=opts["seed"],
            months=opts["months"],
            hospitals=opts["hospitals"],
            centres=opts["centres"],
            medicines=opts["medicines"],
            hospital_medicines=opts["hospital_medicines"],
            centre_medicines=opts["centre_medicines"],
            ledger_hospitals=opts["ledger_hospitals"],
            shortages=opts["shortages"],
            **({"as_of": opts["as_of"]} if opts["as_of"] else {}),
        )
        months = options.month_starts
        self.stdout.write(
            f"Generating the demo history: seed {options.seed}, {months[0]:%Y-%m} to {months[-1]:%Y-%m}, "
            f"as of {options.as_of}"
        )
        try:
            summary = demo_generate(
                options=options, password=opts["password"], reset=opts["reset"], log=self.stdout.write
            )
        except (ValueError, MissingReferenceData, DemoAlreadyPresent) as error:
            raise CommandError(str(error))
        except ValidationError as error:
            raise CommandError(f"--password: {' '.join(error.messages)}")
        if summary.deleted:
            wiped = ", ".join(f"{name} {count}" for name, count in summary.deleted.items() if count)
            self.stdout.write(f"Previous demo wiped: {wiped or 'nothing'}")
        if summary.created_bodies:
            self.stdout.write("Registry not loaded: created demo associations for " + ", ".join(summary.created_bodies))
        self.stdout.write("Rows written:")
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<22} {count:>10,}")
        self.stdout.write(f"Total time: {sum(summary.timings.values()):.1f} s")
        print_logins(self, summary, opts["password"])
