"""Whole numbers handed to PostgreSQL as one array parameter.

psycopg2 adapts a Python list element by element into ``ARRAY[...]``: about 3.5 microseconds each,
50 ms for the two key columns of 7,000 positions, spent in Python under the interpreter lock while
the reads that run beside it wait (docs/performance.md, sixteenth round). :func:`int8_array` writes
the array's text (``{1,2,3}``) at once, 6 ms for the same keys, for the statement to cast with
``::bigint[]``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def int8_array(values: Iterable[int] | np.ndarray) -> str:
    """``values`` (whole numbers) as the text of a PostgreSQL array, for a ``%s::bigint[]``
    parameter. Raises ``ValueError`` for a value that is not a whole number (NaN included), so that
    nothing but digits and commas reaches the statement."""
    numbers = np.asarray(values if isinstance(values, np.ndarray) else list(values))
    if numbers.size and not np.issubdtype(numbers.dtype, np.integer):
        if not np.issubdtype(numbers.dtype, np.floating) or not np.all(np.isfinite(numbers)):
            raise ValueError("an array of whole numbers was expected")
        if not np.all(numbers == np.round(numbers)):
            raise ValueError("an array of whole numbers was expected")
    return "{" + ",".join(map(str, numbers.astype(np.int64).tolist())) + "}"
