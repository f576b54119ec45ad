"""Frames read through COPY are the frames built from the queryset's rows."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from django.core.management import call_command

from bulk import copy_out
from shortages.services import inputs
from shortages.services.scores import scoring_run_execute
from stock.models import Establishment


@pytest.mark.services
@pytest.mark.django_db
def test_copy_frames_equal_the_row_frames(monkeypatch):
    # given a tiny dataset, scored once so that stored positions exist
    call_command(
        "generate_national",
        *["--scale", "0.003", "--medicines", "40", "--months", "7", "--ledger-days", "0", "--end", "2026-06-30"],
        stdout=io.StringIO(),
        verbosity=0,
    )
    as_of = dt.date(2026, 7, 1)
    scoring_run_execute(as_of=as_of, trigger="test")
    ids = list(Establishment.objects.values_list("id", flat=True))

    def read():
        data = inputs.position_inputs(as_of=as_of, establishment_ids=ids, months=6)
        return [data.positions, data.consumption, data.lots, inputs.stored_positions_frame(as_of=as_of)]

    # when
    copied = read()
    monkeypatch.setattr(copy_out, "copy_supported", lambda: False)
    from_rows = read()
    # then
    assert all(len(frame) > 0 for frame in copied)
    for fast, slow in zip(copied, from_rows, strict=True):
        assert list(fast.columns) == list(slow.columns)
        keys = [column for column in ("establishment_id", "medicine_id", "month", "expiry_date") if column in fast]
        fast = fast.sort_values(keys).reset_index(drop=True)
        slow = slow.sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(fast, slow, check_dtype=False)


@pytest.mark.parametrize("shuffled", [False, True])
def test_the_rows_of_some_establishments_are_those_a_mask_keeps_in_the_same_order(shuffled):
    # given a run's frames sorted by establishment (as run_frames leaves them), or the same shuffled
    levels = pd.DataFrame(
        {"establishment_id": [1, 1, 2, 4, 4, 4, 7], "medicine_id": [1, 2, 1, 1, 2, 3, 1], "stock": range(7)}
    )
    if shuffled:
        levels = levels.sample(frac=1.0, random_state=5).reset_index(drop=True)
    empty = levels.iloc[0:0]
    frames = inputs.RunFrames(establishments=levels, levels=levels, consumption=empty, lots=levels)
    wanted = [7, 4, 3, 1]  # 3 has no row; out of order
    # when
    chunk = frames.of(wanted)
    # then every frame keeps the rows of those establishments, in the frame's own order
    expected = levels.loc[levels["establishment_id"].isin(wanted)].reset_index(drop=True)
    pd.testing.assert_frame_equal(chunk.levels, expected)
    pd.testing.assert_frame_equal(chunk.lots, expected)
    assert chunk.consumption.empty
