"""Incremental scoring: only the changed positions are scored again, and they end up with the
figures a full run gives them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from shortages.choices import RunScope, RunStatus
from shortages.models import RiskScore
from shortages.services.incremental import POSITION_KEYS, changed_positions, scoring_run_incremental_execute
from shortages.services.scores import scoring_run_execute
from tooling.benchmarks.scoring_bench import positions_change

AS_OF = dt.date(2026, 7, 1)
FIGURES = ["stock", "usable_stock", "amc", "months_of_stock", "stockout_probability", "score", "level"]


def _positions() -> dict:
    rows = RiskScore.objects.positions().filter(as_of=AS_OF).values_list("establishment_id", "medicine_id", *FIGURES)
    return {(row[0], row[1]): row[2:] for row in rows}


@pytest.mark.services
@pytest.mark.django_db
def test_an_incremental_run_rescores_the_changed_positions_only():
    # given a scored tiny dataset
    call_command(
        "generate_national",
        *["--scale", "0.003", "--medicines", "40", "--months", "7", "--ledger-days", "0", "--end", "2026-06-30"],
        stdout=io.StringIO(),
        verbosity=0,
    )
    first = scoring_run_execute(as_of=AS_OF, trigger="test")
    before = _positions()
    changed = positions_change(share=0.2)
    # the changed positions come in the order of their keys, which the run's keyed reads follow
    found = changed_positions(since=first.started_at)
    assert len(found) == changed
    assert found[POSITION_KEYS].equals(found[POSITION_KEYS].sort_values(POSITION_KEYS, ignore_index=True))
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    after = _positions()
    # then
    assert run.scope == RunScope.INCREMENTAL and run.status == RunStatus.SUCCEEDED
    assert 0 < run.positions == changed < first.positions
    assert after.keys() == before.keys()
    assert RiskScore.objects.positions().filter(as_of=AS_OF, run=run).count() == changed
    differing = [key for key in after if after[key] != before[key]]
    assert 0 < len(differing) <= changed
    # and a full run agrees with what the incremental run stored
    scoring_run_execute(as_of=AS_OF, trigger="test")
    assert _positions() == after


@pytest.mark.services
@pytest.mark.django_db
def test_without_a_run_for_the_day_an_incremental_run_is_a_full_run():
    # given
    call_command(
        "generate_national",
        *["--scale", "0.002", "--medicines", "20", "--months", "4", "--ledger-days", "0", "--end", "2026-06-30"],
        stdout=io.StringIO(),
        verbosity=0,
    )
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then
    assert run.scope == RunScope.FULL and run.positions == RiskScore.objects.positions().count() > 0
