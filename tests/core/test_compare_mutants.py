"""Funnel limits, overdispersion and winsorising: the rules test_compare.py left open, found by
mutation testing (docs/mutation-testing.md). Expected values are worked by hand here from the
formulas in docs/methods/statistics.md (closed forms, not the code under test): the edges of
the valid benchmarks (0 and 100%), clipping to the indicator's range, non-default settings
being honoured, scalar inputs giving floats, and each error naming what is wrong."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest

from lsr.core.ci import Z95
from lsr.core.compare import (
    Overdispersion,
    funnel_limits,
    overdispersed_limits,
    overdispersion,
    winsorise,
)
from lsr.core.indicators import Statistic

RATE, PROPORTION = Statistic.RATE, Statistic.PROPORTION


def _exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: funnel_limits(100, 0.5, Statistic.DTOC_BEDS),
            "funnel limits are defined for rates and proportions, not 'dtoc_beds'",
        ),
        (lambda: funnel_limits([10, 0], 0.5, PROPORTION), "denominators must be positive"),
        (lambda: funnel_limits(100, 0.5, PROPORTION, z=0.0), "z must be positive"),
        (lambda: funnel_limits(100, -1.0, RATE), "a rate benchmark must be non-negative"),
        (
            lambda: funnel_limits(100, 101.0, PROPORTION, multiplier=100),
            "a proportion benchmark must lie between 0 and the multiplier",
        ),
        (
            lambda: overdispersed_limits(100, 0.5, PROPORTION, -0.1),
            "tau2 must be non-negative",
        ),
        (
            lambda: overdispersed_limits(100, -2.0, RATE, 0.0),
            "a rate benchmark must be non-negative",
        ),
        (
            lambda: overdispersion([0.1, 0.2], [10], 0.5, PROPORTION),
            "values and denominators must have the same length",
        ),
        (
            lambda: overdispersion([0.1, np.nan], [10, 10], 0.5, PROPORTION),
            "overdispersion needs at least two areas",
        ),
        (
            lambda: overdispersion([0.1, 0.2], [10, 10], 0.0, PROPORTION),
            "the standard error at the benchmark is zero; choose 0 < benchmark",
        ),
        (lambda: winsorise([1.0, 2.0], 0.5), "fraction must be in [0, 0.5)"),
    ],
    ids=[
        "statistic",
        "denominator",
        "z",
        "rate_benchmark",
        "proportion_benchmark",
        "tau2",
        "overdispersed_rate_benchmark",
        "lengths",
        "two_areas",
        "zero_standard_error",
        "winsor_fraction",
    ],
)
def test_every_error_says_what_is_wrong(call: Any, message: str) -> None:
    """One line, naming the setting or value that is wrong."""
    with pytest.raises(ValueError, match=_exactly(message)):
        call()


def test_proportion_funnel_at_0_and_100_percent_is_a_point() -> None:
    """A benchmark of 0% or 100% is a valid proportion: no variation, limits on it."""
    assert funnel_limits(50, 0.0, PROPORTION, multiplier=100) == (0.0, 0.0)
    assert funnel_limits(50, 100.0, PROPORTION, multiplier=100) == (100.0, 100.0)


def test_proportion_funnel_is_clipped_at_100_percent() -> None:
    """p = 98%, n = 10: p ± 1.96·sqrt(p(1-p)/n) runs past 100%, which is where it stops."""
    lower, upper = funnel_limits(10, 98.0, PROPORTION, multiplier=100)
    assert upper == 100.0
    assert lower == pytest.approx(100 * (0.98 - Z95 * math.sqrt(0.98 * 0.02 / 10)), rel=1e-12)


def test_any_positive_z_is_a_level() -> None:
    """z = 0.5 (a 38% band) is allowed: p = 0.5, n = 100 gives 0.5 ± 0.5·0.05."""
    assert funnel_limits(100, 0.5, PROPORTION, z=0.5) == pytest.approx((0.475, 0.525), rel=1e-12)


def test_rate_funnel_at_a_zero_benchmark() -> None:
    """An expected count of 0 has lower limit 0 and upper limit ``-ln(alpha/2)`` (the chi-square
    quantile with 2 degrees of freedom in closed form), per denominator, times the multiplier;
    computed without warnings."""
    alpha = math.erfc(Z95 / math.sqrt(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower, upper = funnel_limits([200.0, 1_000.0], 0.0, RATE, multiplier=1_000)
    assert lower.tolist() == [0.0, 0.0]
    expected = [-math.log(alpha / 2) / d * 1_000 for d in (200.0, 1_000.0)]
    assert upper == pytest.approx(expected, rel=1e-9)


def _half_width(
    benchmark: float, d: float, tau2: float, multiplier: float, stat: Statistic
) -> float:
    theta = benchmark / multiplier
    var = theta * (1 - theta) / d if stat is PROPORTION else theta / d
    return Z95 * math.sqrt(multiplier**2 * var + tau2)


def test_overdispersed_limits_by_hand_with_the_default_multiplier() -> None:
    """p = 0.2, n = 100, tau2 = 0.001 (multiplier 1 by default): 0.2 ± 1.96·sqrt(0.0016 + 0.001);
    a scalar denominator gives floats."""
    lower, upper = overdispersed_limits(100, 0.2, PROPORTION, 0.001)
    assert type(lower) is float and type(upper) is float
    half = Z95 * math.sqrt(0.0016 + 0.001)
    assert (lower, upper) == pytest.approx((0.2 - half, 0.2 + half), rel=1e-12)


def test_overdispersed_limits_clip_proportions_to_the_range_and_rates_at_zero() -> None:
    """Proportion limits stay within [0, multiplier]; rate limits stop at 0 below and are not
    capped above (a rate may exceed its multiplier)."""
    lower, upper = overdispersed_limits([50.0], 95.0, PROPORTION, 25.0, multiplier=100)
    assert upper.tolist() == [100.0]
    assert lower[0] == pytest.approx(95 - _half_width(95, 50, 25, 100, PROPORTION), rel=1e-12)
    lower, upper = overdispersed_limits([100.0], 0.5, RATE, 1.0)
    half = _half_width(0.5, 100, 1.0, 1.0, RATE)
    assert lower.tolist() == [0.0]
    assert upper[0] == pytest.approx(0.5 + half, rel=1e-12) and upper[0] > 1.0


def test_overdispersed_limits_at_a_zero_rate_benchmark() -> None:
    """A zero rate benchmark has no Poisson variation: the limits are 0 and z·sqrt(tau2)."""
    lower, upper = overdispersed_limits(100, 0.0, RATE, 4.0)
    assert (lower, upper) == (0.0, pytest.approx(2 * Z95, rel=1e-12))


def test_the_result_limits_use_its_multiplier() -> None:
    """:meth:`Overdispersion.limits` are on the indicator's scale (here per cent)."""
    values = [12.0, 30.0, 18.0, 25.0, 9.0, 22.0]
    denominators = [400, 250, 900, 300, 500, 650]
    od = overdispersion(values, denominators, 20.0, PROPORTION, multiplier=100)
    assert isinstance(od, Overdispersion) and od.multiplier == 100
    lower, upper = od.limits([100.0, 1_000.0])
    for d, lo, hi in zip((100.0, 1_000.0), lower, upper, strict=True):
        half = Z95 * math.sqrt(100**2 * 0.2 * 0.8 / d + od.tau2)
        assert (lo, hi) == pytest.approx((20 - half, 20 + half), rel=1e-12)


def test_overdispersion_honours_the_winsor_fraction() -> None:
    """With ``winsor_fraction=0`` nothing is winsorised: phi is the plain mean of z²."""
    values = [0.05, 0.40, 0.18, 0.22, 0.31, 0.12, 0.20, 0.26, 0.15, 0.35]
    denominators = [200] * 10
    od = overdispersion(values, denominators, 0.2, PROPORTION, winsor_fraction=0.0)
    se = math.sqrt(0.2 * 0.8 / 200)
    z = [(v - 0.2) / se for v in values]
    assert od.phi == pytest.approx(sum(x * x for x in z) / 10, rel=1e-12)
    assert od.winsorised_z_scores.tolist() == pytest.approx(z, rel=1e-12)


def test_winsorise_edges_and_its_result() -> None:
    """Fraction 0 leaves the values as they are; fractions of a half or more are refused; the
    result is a new float array (integers in, floats out; the input is never changed)."""
    ints = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10]
    out = winsorise(ints, 0.1)
    assert out.dtype == np.float64
    assert out.tolist() == [5.0, 2.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 9.0]
    data = np.array([3.0, 1.0, 2.0])
    same = winsorise(data, 0.0)
    assert same.tolist() == [3.0, 1.0, 2.0]
    same[0] = 99.0
    assert data.tolist() == [3.0, 1.0, 2.0]
    for bad in (0.5, 0.7, -0.1):
        with pytest.raises(ValueError):
            winsorise(ints, bad)
