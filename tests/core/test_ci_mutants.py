"""Confidence intervals: rules test_ci.py left open, found by mutation testing
(docs/mutation-testing.md). Expected values are worked by hand from the formulas in
docs/methods/statistics.md, not from the code under test."""

from __future__ import annotations

import math

import numpy as np

from lsr.core.ci import dsr_dobson


def test_a_missing_population_gives_a_missing_rate_not_a_rate_per_person() -> None:
    """A NaN population is unknown, not 1 person: the DSR of that area is NaN, while an area
    with every population known beside it is computed (row by row, as the national profile
    calls it). Bug found by the mutation run: NaN was replaced by 1."""
    counts = np.array([[5.0, 10.0], [5.0, 10.0]])
    populations = np.array([[np.nan, 1_000.0], [500.0, 1_000.0]])
    value, lower, upper = dsr_dobson(counts, populations, [1, 1], multiplier=1_000)
    assert math.isnan(value[0]) and math.isnan(lower[0]) and math.isnan(upper[0])
    # Known populations: (5/500 + 10/1000) / 2 per 1,000 = 10.
    assert value[1] == 10.0
    assert lower[1] < 10.0 < upper[1]
    # One area, one missing stratum even without events.
    single = dsr_dobson([0, 12], [np.nan, 1_000], [1, 1])
    assert all(math.isnan(v) for v in single)
