"""``manage.py demo``: everything the README's first command needs, in order: migrate, load the
reference data and the registry, generate the demo history, score it, print where to log in."""

from __future__ import annotations

import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shortages.demo.batches import demo_presence
from shortages.demo.options import DEMO_USERS
from shortages.demo.people import DEFAULT_PASSWORD

SITE_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Set up the demo: migrate, load_reference, load_registry (when present), generate_demo, score "
        "(when present), then print the URL and the demo logins. Re-running keeps an existing demo "
        "history unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="regenerate the demo history")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of the demo users")
        parser.add_argument("--skip-score", action="store_true", help="do not run the scoring")
        for size in ("hospitals", "centres", "medicines"):
            parser.add_argument(f"--{size}", type=int, default=None, help=f"passed to generate_demo --{size}")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        quiet = {"verbosity": max(options["verbosity"] - 1, 0), "stdout": self.stdout, "stderr": self.stderr}
        commands = get_commands()
        steps: list[tuple[str, float]] = []

        def step(title: str, name: str, **kwargs) -> None:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {title}"))
            begin = time.perf_counter()
            call_command(name, **quiet, **kwargs)
            steps.append((title, time.perf_counter() - begin))

        step("Database schema (migrate)", "migrate", interactive=False)
        step("Reference data (load_reference)", "load_reference")
        if "load_registry" in commands:
            step("Partners registry (load_registry)", "load_registry")
        else:
            self.stdout.write("load_registry is not available: the demo creates its own associations.")

        presence = demo_presence()
        kept = bool(presence["demo_organizations"]) and not options["reset"]
        if kept:
            self.stdout.write(
                f"A demo history is already there ({presence['consumption_rows']:,} consumption rows): kept. "
                "Run `manage.py demo --reset` to regenerate it."
            )
        else:
            sizes = ("seed", "hospitals", "centres", "medicines")
            extra = {name: options[name] for name in sizes if options[name] is not None}
            self.stdout.write(self.style.MIGRATE_HEADING("== Demo history (generate_demo)"))
            begin = time.perf_counter()
            try:
                call_command(
                    "generate_demo",
                    reset=options["reset"],
                    password=options["password"],
                    stdout=self.stdout,
                    stderr=self.stderr,
                    **extra,
                )
            except CommandError as error:
                raise CommandError(f"generate_demo: {error}")
            steps.append(("Demo history (generate_demo)", time.perf_counter() - begin))

        if options["skip_score"]:
            self.stdout.write("Scoring skipped (--skip-score).")
        elif "score" in commands:
            step("Risk scoring (score)", "score")
        else:
            self.stdout.write("The `score` command is not available yet: the demo is not scored.")

        self.stdout.write(self.style.MIGRATE_HEADING("== Ready"))
        for title, seconds in steps:
            self.stdout.write(f"  {title:<40} {seconds:7.1f} s")
        self.stdout.write(f"  {'total':<40} {time.perf_counter() - started:7.1f} s")
        self.stdout.write(f"Start the site with `python manage.py runserver 127.0.0.1:8000`, then open {SITE_URL}")
        password = f"the one given when it was generated (default {DEFAULT_PASSWORD})" if kept else options["password"]
        self.stdout.write(f"Demo logins (password: {password}):")
        for role, username in DEMO_USERS:
            self.stdout.write(f"  {role:<14} {username}")
