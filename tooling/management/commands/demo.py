"""``manage.py demo``: everything the README's first command needs, in order: migrate, load the
reference data and the registry, generate the demo history, score it, print where to log in, and
with ``--serve`` serve the site.

Each step's own output is kept back (shown with ``-v 2``, or when the step fails), so that a first
run prints one line per step and ends with the address and the logins."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shortages.services import learning
from tooling.demo.batches import demo_presence
from tooling.demo.people import DEFAULT_PASSWORD, demo_logins

ADDRESS = "127.0.0.1:8000"
SITE_URL = f"http://{ADDRESS}/"


DEMO_TRAINING_POSITIONS = 3000


class Command(BaseCommand):
    help = (
        "Set up the demo: migrate, load_reference, load_registry (when present), generate_demo, score "
        "(when present), then print the URL and the demo logins; --serve then serves the site on "
        f"{ADDRESS}. Re-running keeps an existing demo history unless --reset is given. -v 2 shows "
        "each step's own output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="regenerate the demo history")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of the demo users")
        parser.add_argument("--skip-score", action="store_true", help="do not run the scoring")
        parser.add_argument("--serve", action="store_true", help=f"serve the site on {ADDRESS} once it is ready")
        for size in ("hospitals", "centres", "medicines"):
            parser.add_argument(f"--{size}", type=int, default=None, help=f"passed to generate_demo --{size}")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        self.verbose = options["verbosity"] > 1
        commands = get_commands()
        self.stdout.write(f"Setting up the demo in {settings.DATABASES['default']['NAME']}:")

        self._step("database schema", "migrate", interactive=False)
        self._step("reference data", "load_reference")
        if "load_registry" in commands:
            self._step("partners registry", "load_registry")
        presence = demo_presence()
        kept = bool(presence["demo_organizations"]) and not options["reset"]
        if kept:
            self._note("demo history", f"kept ({presence['consumption_rows']:,} consumption rows; --reset rebuilds it)")
        else:
            sizes = ("seed", "hospitals", "centres", "medicines")
            extra = {name: options[name] for name in sizes if options[name] is not None}
            self._step("demo history", "generate_demo", reset=options["reset"], password=options["password"], **extra)
        if not options["skip_score"]:
            # A sample of the demo's positions, replayed with a model kept three months: about a minute.
            self._step(
                "learned model", "train_model", max_positions=DEMO_TRAINING_POSITIONS, backtest=True, retrain_every=3
            )
        if not options["skip_score"] and not settings.PREDICTIONS_COMPUTED_IN_RUNS:
            # the services profile: the worker computes a month's predictions, and runs only read
            # them; the demo computes them here so that its first scores are the model's
            begin = time.perf_counter()
            computed = learning.month_predictions_refresh(as_of=timezone.localdate())
            self._note("predictions", f"{time.perf_counter() - begin:5.1f} s  {computed} model(s)")
        if options["skip_score"]:
            self._note("risk scores", "skipped (--skip-score)")
        elif "score" in commands:
            self._step("risk scores", "score")

        self.stdout.write(f"Ready in {time.perf_counter() - started:.0f} s.")
        if options["serve"]:
            self.stdout.write(f"\nMedWatch is served at {SITE_URL} (Ctrl-C stops it).")
        else:
            self.stdout.write(f"\nServe it with `python manage.py runserver {ADDRESS}`, then open {SITE_URL}")
        password = f"the one chosen when it was built (default {DEFAULT_PASSWORD})" if kept else options["password"]
        self.stdout.write(f"Sign in with one of these logins, password {password}:")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<18} {login.role:<14} {login.linked_to}")
        if options["serve"]:
            self._serve()

    def _step(self, title: str, name: str, **kwargs) -> None:
        """Run one command, its output kept back unless -v 2; on failure, show it before the error."""
        output = self.stdout if self.verbose else StringIO()
        begin = time.perf_counter()
        try:
            with self._quiet_logs():
                call_command(name, stdout=output, stderr=output, verbosity=2 if self.verbose else 1, **kwargs)
        except CommandError as error:
            if not self.verbose:
                self.stderr.write(output.getvalue())
            raise CommandError(f"{name}: {error}") from error
        summary = output.getvalue().strip().splitlines()[-1] if name == "load_reference" and not self.verbose else ""
        self._note(title, f"{time.perf_counter() - begin:5.1f} s  {_short(summary)}".rstrip())

    def _note(self, title: str, text: str) -> None:
        self.stdout.write(f"  {title:<18} {text}")

    @contextmanager
    def _quiet_logs(self) -> Iterator[None]:
        """The steps' progress log lines (INFO) belong to -v 2, like their printed output."""
        if self.verbose:
            yield
            return
        logging.disable(logging.INFO)
        try:
            yield
        finally:
            logging.disable(logging.NOTSET)

    def _serve(self) -> None:
        # Without the reloader: it would start this command again in a child process. The server's
        # banner is kept back; its errors (a port already in use) still reach stderr.
        call_command("runserver", ADDRESS, use_reloader=False, skip_checks=True, stdout=StringIO())


def _short(summary: str) -> str:
    """The counts of the reference data's summary line, without its pointer to -v 2."""
    return summary.removeprefix("Reference data: ").split(" (")[0]
