"""``manage.py evaluate_history FILE``: judge the prediction on a monthly LMIS history of one's own.

The file is loaded into a scratch database of its own (a new SQLite file in a temporary folder,
or the empty PostgreSQL database of ``--database-url``), never into the live one unless
``--into-current`` says so, through the same monthly-report import a health centre's upload uses
(``load_history``). Then, in that database, models are trained walk-forward and the backtest's report
is printed; ``--predictions`` writes one row per position and month end.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shortages.services import walkforward
from shortages.services.backtest_text import outcome_write
from stock.history.mapping import MappingError, mapping_resolve


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)


class Command(BaseCommand):
    help = (
        "Load a monthly LMIS history into a scratch database through the monthly-report import, train the "
        "learned prediction walk-forward (each month-end predicted by models trained on earlier months only), "
        "and print the backtest: AUC, calibration, Brier skill and recall at the naive rule's precision of P "
        "for positions in stock (A) and all (C), against the analytical formula; MASE of the demand forecast "
        "against a 3-month moving average."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the monthly history (CSV, one row per site, product and month)")
        parser.add_argument("--mapping", default="lmis-civ", help="a shipped mapping name or a JSON mapping file")
        parser.add_argument("--sites", help="a sites file (CSV): level, region and district of each site")
        parser.add_argument("--products", help="a products file (CSV): the name of each product")
        parser.add_argument("--predictions", help="write one row per position and month end to this CSV")
        parser.add_argument(
            "--from",
            dest="first",
            default=None,
            help=(
                "first month-end tested, YYYY-MM (default: 24 months after the first month of the file, 12 for a "
                "history too short to leave 6 months tested)"
            ),
        )
        parser.add_argument(
            "--database-url", help="an empty PostgreSQL database to load into instead of a scratch SQLite file"
        )
        parser.add_argument(
            "--into-current", action="store_true", help="load into the database of the current settings (not scratch)"
        )
        parser.add_argument("--keep", action="store_true", help="keep the scratch database and say where it is")

    def handle(self, *args, **options):
        for name in ("file", "sites", "products"):
            if options[name] and not Path(options[name]).is_file():
                raise CommandError(f"{name}: no such file: {options[name]}")
        if options["first"]:
            try:
                _month(options["first"])
            except ValueError as error:
                raise CommandError(f"--from: a month YYYY-MM, not {options['first']!r}") from error
        if options["predictions"] and not Path(options["predictions"]).resolve().parent.is_dir():
            raise CommandError(f"predictions: no such folder: {Path(options['predictions']).resolve().parent}")
        try:
            # Before the scratch database is made: a wrong name or file is told at once.
            mapping_resolve(options["mapping"])
        except MappingError as error:
            raise CommandError(str(error)) from error
        if options["into_current"]:
            self._evaluate(options)
            return
        self._in_scratch(options)

    def _in_scratch(self, options) -> None:
        """Run this command again with ``--into-current`` in a child process whose settings point at
        the scratch database (a fresh process: no connection of this one is reused)."""
        live = settings.DATABASES["default"]
        scratch_dir = Path(tempfile.mkdtemp(prefix="evaluate-history-"))
        env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
        env["PYTHONUNBUFFERED"] = "1"  # the child's lines are relayed as they come
        if options["database_url"]:
            if live.get("ENGINE", "").endswith("postgresql") and options["database_url"].rstrip("/").endswith(
                "/" + str(live.get("NAME"))
            ):
                raise CommandError("--database-url: that is the live database; give an empty one of its own")
            env["DATABASE_URL"] = options["database_url"]
        else:
            env["SQLITE_PATH"] = str(scratch_dir / "history.sqlite3")
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        self.stdout.write(f"Base de travail : {env.get('DATABASE_URL') or env['SQLITE_PATH']}")
        self.stdout.flush()
        steps = [
            manage + ["migrate", "-v", "0"],
            manage + ["evaluate_history", "--into-current", *self._passed(options)],
        ]
        try:
            for command in steps:
                code = self._relay(command, env)
                if code:
                    raise CommandError(f"evaluation failed ({' '.join(command[2:4])} exited {code})")
        finally:
            if options["keep"] or options["database_url"]:
                self.stdout.write(f"Base conservée : {env.get('DATABASE_URL') or env['SQLITE_PATH']}")
            else:
                for path in scratch_dir.iterdir():
                    path.unlink()
                scratch_dir.rmdir()

    def _relay(self, command: list[str], env: dict[str, str]) -> int:
        """Run ``command`` and pass its output on, line by line, to this command's output."""
        # argv of this interpreter and manage.py, no shell: nothing from the user is executed.
        with subprocess.Popen(  # noqa: S603
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as child:
            for line in child.stdout:
                self.stdout.write(line.rstrip("\n"))
                self.stdout.flush()
            return child.wait()

    def _passed(self, options) -> list[str]:
        passed = [str(Path(options["file"]).resolve()), "--mapping", options["mapping"]]
        for name in ("sites", "products", "predictions"):
            if options[name]:
                passed += [f"--{name}", str(Path(options[name]).resolve())]
        if options["first"]:
            passed += ["--from", options["first"]]
        if options["verbosity"] != 1:
            passed += ["-v", str(options["verbosity"])]
        return passed

    def _evaluate(self, options) -> None:
        load = {"mapping": options["mapping"], "verbosity": options["verbosity"], "stdout": self.stdout}
        for name in ("sites", "products"):
            if options[name]:
                load[name] = options[name]
        call_command("load_history", options["file"], **load)

        def progress(text: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {text}")

        first = _month(options["first"]) if options["first"] else None
        try:
            outcome = walkforward.backtest_run(first=first, progress=progress)
        except ValueError as error:
            raise CommandError(str(error))
        self.stdout.write("")
        if not outcome_write(outcome, write=self.stdout.write, predictions_path=options["predictions"]):
            raise CommandError("history: no month-end could be tested")
