"""Confidence intervals: rules test_ci.py left open, found by mutation testing
(docs/mutation-testing.md). Expected values are worked by hand from the formulas in
docs/methods/statistics.md, not from the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

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


def test_a_negative_population_is_refused_with_its_reason() -> None:
    with pytest.raises(ValueError, match=r"^populations must be non-negative$"):
        dsr_dobson([1, 2], [100, -1], [1, 1])


def test_standard_populations_per_row_weight_each_row_by_its_own_total() -> None:
    """A 2-D standard population (one per area) is normalised row by row: each row's DSR
    equals the 1-D call with that row's standard. By hand, row 0: weights (1/4, 3/4),
    (1/4·20/1000 + 3/4·30/1000)·1000 = 27.5."""
    counts = np.array([[20.0, 30.0, 0.0], [12.0, 8.0, 5.0]])
    populations = np.array([[1_000.0, 1_000.0, 500.0], [2_000.0, 400.0, 100.0]])
    standard = np.array([[1.0, 3.0, 0.0], [2.0, 2.0, 6.0]])
    value, lower, upper = dsr_dobson(counts, populations, standard, multiplier=1_000)
    assert value[0] == pytest.approx(27.5, rel=1e-12)
    for row in range(2):
        one = dsr_dobson(counts[row], populations[row], standard[row], multiplier=1_000)
        assert (value[row], lower[row], upper[row]) == pytest.approx(one, rel=1e-12)
