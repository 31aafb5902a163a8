"""Tests for lsr.core.ci: every expected value is computed here independently of the library."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from lsr.core.ci import (
    Z95,
    Z998,
    dsr_dobson,
    poisson_count,
    proportion,
    rate,
    wilson,
    z_for,
)

ALPHA95 = 2 * stats.norm.sf(Z95)

counts = st.integers(min_value=0, max_value=5_000)


def byar_by_hand(x: float, z: float) -> tuple[float, float]:
    """Byar's limits written out longhand (PHE Technical Guide formula)."""
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    return lower, upper


def garwood_by_root(x: int, alpha: float) -> tuple[float, float]:
    """Exact Poisson limits from their definition, by root-finding on the Poisson CDF.

    The lower limit L solves P(X >= x | L) = alpha/2, the upper U solves P(X <= x | U) = alpha/2.
    """
    upper = optimize.brentq(lambda m: stats.poisson.cdf(x, m) - alpha / 2, 1e-9, 10 * x + 50)
    if x == 0:
        return 0.0, upper
    lower = optimize.brentq(lambda m: stats.poisson.sf(x - 1, m) - alpha / 2, 1e-12, x)
    return lower, upper


# --- z_for ---------------------------------------------------------------------------------


def test_z_constants_match_normal_quantiles() -> None:
    assert pytest.approx(stats.norm.ppf(0.975), abs=5e-7) == Z95
    assert pytest.approx(stats.norm.ppf(0.999), abs=5e-7) == Z998


def test_z_for_named_and_other_levels() -> None:
    assert z_for(0.95) == Z95
    assert z_for(0.998) == Z998
    assert z_for(0.90) == pytest.approx(1.6448536269514722, rel=1e-12)
    assert z_for(0.99) == pytest.approx(2.5758293035489004, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 95.0])
def test_z_for_rejects_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError):
        z_for(bad)


# --- Poisson count ---------------------------------------------------------------------------


def test_byar_at_100_matches_published_check() -> None:
    lower, upper = poisson_count(100)
    assert lower == pytest.approx(81.4, abs=0.05)
    assert upper == pytest.approx(121.6, abs=0.05)
    hand = byar_by_hand(100, Z95)
    assert lower == pytest.approx(hand[0], rel=1e-12)
    assert upper == pytest.approx(hand[1], rel=1e-12)


def test_zero_count_has_zero_lower_limit() -> None:
    lower, upper = poisson_count(0)
    assert lower == 0.0
    # P(X = 0 | U) = alpha/2  =>  U = -ln(alpha/2)
    assert upper == pytest.approx(-math.log(ALPHA95 / 2), rel=1e-9)
    assert upper == pytest.approx(3.689, abs=5e-4)


@pytest.mark.parametrize("x", range(10))
def test_exact_limits_below_ten_solve_poisson_definition(x: int) -> None:
    lower, upper = poisson_count(x)
    ref_lower, ref_upper = garwood_by_root(x, ALPHA95)
    assert lower == pytest.approx(ref_lower, rel=1e-7, abs=1e-10)
    assert upper == pytest.approx(ref_upper, rel=1e-7)


@pytest.mark.parametrize("x", [10, 11, 25, 100, 1234, 10**6])
def test_byar_used_from_ten(x: int) -> None:
    assert poisson_count(x, Z998) == pytest.approx(byar_by_hand(x, Z998), rel=1e-12)


def test_poisson_vectorised_matches_scalar_and_nan_passes_through() -> None:
    xs = np.array([0, 3, 9, 10, 57, np.nan])
    lower, upper = poisson_count(xs)
    assert isinstance(lower, np.ndarray)
    for i, x in enumerate(xs[:-1]):
        lo, hi = poisson_count(float(x))
        assert lower[i] == pytest.approx(lo)
        assert upper[i] == pytest.approx(hi)
    assert np.isnan(lower[-1]) and np.isnan(upper[-1])


def test_poisson_rejects_negative() -> None:
    with pytest.raises(ValueError):
        poisson_count(-1)
    with pytest.raises(ValueError):
        poisson_count([3, -2])


def test_switch_at_ten_is_close_to_exact() -> None:
    """Byar at 10 is within 0.5% (95%) / 2% (99.8%) of the exact limits at 10: no visible jump
    at the switch from exact to Byar."""
    for z, tolerance in ((Z95, 0.005), (Z998, 0.02)):
        alpha = 2 * stats.norm.sf(z)
        exact_lower, exact_upper = garwood_by_root(10, alpha)
        lower, upper = poisson_count(10, z)
        assert abs(lower / exact_lower - 1) < tolerance
        assert abs(upper / exact_upper - 1) < tolerance
        # and the limits keep increasing across the switch
        lower9, upper9 = poisson_count(9, z)
        assert lower9 < lower and upper9 < upper


@given(x=counts)
def test_poisson_interval_contains_count(x: int) -> None:
    lower, upper = poisson_count(x)
    assert 0 <= lower <= x <= upper


@given(x=counts)
def test_poisson_intervals_nest(x: int) -> None:
    lo95, hi95 = poisson_count(x, Z95)
    lo998, hi998 = poisson_count(x, Z998)
    assert lo998 <= lo95 and hi95 <= hi998


@given(x=st.integers(min_value=0, max_value=5_000))
def test_poisson_monotonic_in_count(x: int) -> None:
    lo1, hi1 = poisson_count(x)
    lo2, hi2 = poisson_count(x + 1)
    assert lo1 <= lo2 and hi1 < hi2


# --- Wilson ------------------------------------------------------------------------------------


def test_wilson_at_zero_and_n() -> None:
    n = 40
    z2 = Z95**2
    lower, upper = wilson(0, n)
    assert lower == 0.0
    assert upper == pytest.approx(z2 / (n + z2), rel=1e-12)
    lower, upper = wilson(n, n)
    assert upper == 1.0
    assert lower == pytest.approx(n / (n + z2), rel=1e-12)


def test_wilson_known_value() -> None:
    # 5 of 20 at 95%: the roots p of (0.25 - p)^2 = z^2 p (1 - p) / 20, solved as a quadratic.
    n, phat, z2 = 20, 0.25, Z95**2
    a, b, c = 1 + z2 / n, -(2 * phat + z2 / n), phat**2
    disc = math.sqrt(b * b - 4 * a * c)
    lower, upper = wilson(5, 20)
    assert lower == pytest.approx((-b - disc) / (2 * a), rel=1e-10)
    assert upper == pytest.approx((-b + disc) / (2 * a), rel=1e-10)
    assert (lower, upper) == pytest.approx((0.1119, 0.4687), abs=1e-4)


@pytest.mark.parametrize(("x", "n"), [(-1, 10), (1, 0), (1, -3), (11, 10)])
def test_wilson_rejects_bad_input(x: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson(x, n)


@st.composite
def x_and_n(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=100_000))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@given(xn=x_and_n())
def test_wilson_limits_solve_score_equation(xn: tuple[int, int]) -> None:
    x, n = xn
    lower, upper = wilson(x, n)
    phat = x / n
    for p in (lower, upper):
        assert abs(phat - p) == pytest.approx(Z95 * math.sqrt(p * (1 - p) / n), abs=1e-9)


@given(xn=x_and_n())
def test_wilson_inside_unit_interval_and_contains_estimate(xn: tuple[int, int]) -> None:
    x, n = xn
    lower, upper = wilson(x, n)
    assert 0.0 <= lower <= x / n <= upper <= 1.0


@given(xn=x_and_n())
def test_wilson_nests(xn: tuple[int, int]) -> None:
    x, n = xn
    lo95, hi95 = wilson(x, n, Z95)
    lo998, hi998 = wilson(x, n, Z998)
    assert lo998 <= lo95 and hi95 <= hi998


@given(xn=x_and_n())
def test_wilson_monotonic_in_x(xn: tuple[int, int]) -> None:
    x, n = xn
    if x == n:
        x -= 1
    if x < 0:
        return
    lo1, hi1 = wilson(x, n)
    lo2, hi2 = wilson(x + 1, n)
    assert lo1 < lo2 and hi1 <= hi2


# --- rate and proportion -------------------------------------------------------------------


def test_rate_scales_count_interval() -> None:
    value, lower, upper = rate(100, 25_000, 100_000)
    assert value == pytest.approx(400.0)
    bl, bu = byar_by_hand(100, Z95)
    assert lower == pytest.approx(bl / 25_000 * 100_000)
    assert upper == pytest.approx(bu / 25_000 * 100_000)


def test_rate_small_count_uses_exact() -> None:
    value, lower, upper = rate(4, 2_000, 1_000)
    ref_lower, ref_upper = garwood_by_root(4, ALPHA95)
    assert value == pytest.approx(2.0)
    assert lower == pytest.approx(ref_lower / 2, rel=1e-7)
    assert upper == pytest.approx(ref_upper / 2, rel=1e-7)


def test_rate_rejects_zero_denominator() -> None:
    with pytest.raises(ValueError):
        rate(3, 0, 1000)


def test_rate_vectorised() -> None:
    value, lower, upper = rate(np.array([0, 50]), np.array([1000, 2000]), 1000)
    assert isinstance(value, np.ndarray)
    np.testing.assert_allclose(value, [0.0, 25.0])
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-math.log(ALPHA95 / 2))


@given(x=counts, d=st.floats(min_value=1.0, max_value=1e7), m=st.sampled_from([100.0, 1e5]))
def test_rate_interval_contains_value(x: int, d: float, m: float) -> None:
    value, lower, upper = rate(x, d, m)
    assert lower <= value <= upper
    assert value == pytest.approx(x / d * m)


def test_proportion_percentage() -> None:
    value, lower, upper = proportion(5, 20)
    assert value == pytest.approx(25.0)
    lo, hi = wilson(5, 20)
    assert (lower, upper) == pytest.approx((100 * lo, 100 * hi))


@given(xn=x_and_n(), m=st.sampled_from([1.0, 100.0, 1000.0]))
def test_proportion_interval_contains_value(xn: tuple[int, int], m: float) -> None:
    x, n = xn
    value, lower, upper = proportion(x, n, m)
    tol = 1e-12 * m
    assert lower - tol <= value <= upper + tol
    assert lower >= 0 and upper <= m


# --- Dobson DSR --------------------------------------------------------------------------------


def dobson_by_hand(
    counts: list[int], pops: list[float], std: list[float], mult: float, z: float
) -> tuple[float, float, float]:
    """Dobson's method written out with loops (PHE Technical Guide, DSR section)."""
    total_std = sum(std)
    dsr = 0.0
    var = 0.0
    for x, n, s in zip(counts, pops, std, strict=True):
        w = s / total_std
        dsr += w * x / n
        var += w * w * x / (n * n)
    o = sum(counts)
    alpha = 2 * stats.norm.sf(z)
    if o < 10:
        o_lower = stats.chi2.ppf(alpha / 2, 2 * o) / 2 if o > 0 else 0.0
        o_upper = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    else:
        o_lower, o_upper = byar_by_hand(o, z)
    lower = dsr + math.sqrt(var / o) * (o_lower - o)
    upper = dsr + math.sqrt(var / o) * (o_upper - o)
    return dsr * mult, lower * mult, upper * mult


def test_dsr_matches_longhand() -> None:
    counts_ = [2, 8, 25, 61]
    pops = [12_000.0, 9_500.0, 6_100.0, 2_300.0]
    std = [5_500.0, 5_500.0, 4_000.0, 2_500.0]
    expected = dobson_by_hand(counts_, pops, std, 100_000, Z95)
    assert dsr_dobson(counts_, pops, std) == pytest.approx(expected, rel=1e-10)


def test_dsr_single_stratum_equals_crude_rate() -> None:
    value, lower, upper = dsr_dobson([150], [40_000], [1])
    crude = rate(150, 40_000, 100_000)
    assert (value, lower, upper) == pytest.approx(crude, rel=1e-12)


def test_dsr_equal_specific_rates_give_that_rate() -> None:
    pops = np.array([1_000.0, 4_000.0, 2_500.0])
    cnts = pops * 0.01
    value, _, _ = dsr_dobson(cnts, pops, [10, 20, 30], multiplier=1_000)
    assert value == pytest.approx(10.0)


def test_dsr_under_ten_events_not_reported() -> None:
    value, lower, upper = dsr_dobson([2, 3, 4], [1000, 1000, 1000], [1, 1, 1])
    assert math.isnan(value) and math.isnan(lower) and math.isnan(upper)
    value, lower, upper = dsr_dobson([2, 3, 5], [1000, 1000, 1000], [1, 1, 1])
    assert not math.isnan(value) and lower < value < upper


def test_dsr_rows_are_areas() -> None:
    cnts = np.array([[5, 10, 20], [1, 1, 1], [30, 40, 50]])
    pops = np.array([[1000, 2000, 3000], [500, 500, 500], [4000, 4000, 4000]])
    std = [3, 2, 1]
    value, lower, upper = dsr_dobson(cnts, pops, std)
    assert isinstance(value, np.ndarray) and value.shape == (3,)
    for i in (0, 2):
        expected = dobson_by_hand(list(cnts[i]), list(pops[i]), std, 100_000, Z95)
        assert (value[i], lower[i], upper[i]) == pytest.approx(expected, rel=1e-10)
    assert np.isnan(value[1]) and np.isnan(lower[1]) and np.isnan(upper[1])


def test_dsr_rejects_events_without_population() -> None:
    with pytest.raises(ValueError):
        dsr_dobson([5, 10], [0, 100], [1, 1])
    # an empty stratum with no events is fine
    value, _, _ = dsr_dobson([0, 20], [0, 100], [1, 1], multiplier=1)
    assert value == pytest.approx(0.5 * 20 / 100)


@settings(max_examples=60)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 50_000), st.integers(1, 10_000)),
        min_size=1,
        max_size=8,
    )
)
def test_dsr_interval_contains_value_and_nests(data: list[tuple[int, int, int]]) -> None:
    cnts, pops, std = (list(col) for col in zip(*data, strict=True))
    v95, lo95, hi95 = dsr_dobson(cnts, pops, std, z=Z95)
    v998, lo998, hi998 = dsr_dobson(cnts, pops, std, z=Z998)
    if sum(cnts) < 10:
        assert math.isnan(v95) and math.isnan(v998)
        return
    assert lo95 <= v95 <= hi95
    assert lo998 <= lo95 and hi95 <= hi998
    assert v95 == pytest.approx(dobson_by_hand(cnts, pops, std, 100_000, Z95)[0], rel=1e-9)
