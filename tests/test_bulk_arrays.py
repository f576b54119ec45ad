"""Whole numbers handed to PostgreSQL as one array parameter: the same array as a list gives, and
nothing but whole numbers accepted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from bulk.arrays import int8_array


def test_the_text_is_the_array_of_the_numbers():
    assert int8_array([3, -1, 9_007_199_254_740_993]) == "{3,-1,9007199254740993}"
    assert int8_array(np.array([], dtype=np.int64)) == "{}"
    # keys often come as floats from a frame with missing values elsewhere: whole ones pass
    assert int8_array(pd.Series([4.0, 12.0])) == "{4,12}"


@pytest.mark.parametrize("values", [[1.5], [np.nan], [np.inf], ["1); DROP TABLE x; --"], [None]])
def test_anything_but_whole_numbers_is_refused(values):
    with pytest.raises(ValueError, match="whole numbers"):
        int8_array(values)


@pytest.mark.services
@pytest.mark.django_db
def test_postgresql_reads_the_same_array_as_from_a_list():
    keys = np.random.default_rng(7).integers(1, 10**12, size=5_000)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::bigint[] = %s::bigint[], cardinality(%s::bigint[])",
            [int8_array(keys), keys.tolist(), int8_array(keys)],
        )
        assert cursor.fetchone() == (True, 5_000)
