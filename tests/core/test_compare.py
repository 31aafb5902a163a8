"""Tests for lsr.core.compare: benchmark comparison, funnel limits and overdispersion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import optimize, stats
from scipy.stats import mstats

from lsr.core.ci import Z95, Z998
from lsr.core.compare import (
    Outcome,
    compare,
    compare_many,
    funnel_limits,
    overdispersed_limits,
    overdispersion,
    supports_interval,
    winsorise,
)
from lsr.core.indicators import Polarity, Statistic

LOW, HIGH, NEUTRAL = Polarity.LOW_IS_GOOD, Polarity.HIGH_IS_GOOD, Polarity.NEUTRAL

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


# --- compare -----------------------------------------------------------------------------------


def test_outcome_values() -> None:
    assert [o.value for o in Outcome] == [
        "better",
        "similar",
        "worse",
        "higher",
        "lower",
        "not compared",
    ]


@pytest.mark.parametrize(
    ("lower", "upper", "benchmark", "polarity", "expected"),
    [
        (10, 20, 15, LOW, "similar"),
        (10, 20, 10, LOW, "similar"),  # limits are inclusive
        (10, 20, 20, HIGH, "similar"),
        (10, 20, 5, LOW, "worse"),  # area above the benchmark, low is good
        (10, 20, 5, HIGH, "better"),
        (10, 20, 5, NEUTRAL, "higher"),
        (10, 20, 25, LOW, "better"),  # area below the benchmark
        (10, 20, 25, HIGH, "worse"),
        (10, 20, 25, NEUTRAL, "lower"),
        (10, 20, 9.999999, LOW, "worse"),
    ],
)
def test_compare_cases(
    lower: float, upper: float, benchmark: float, polarity: Polarity, expected: str
) -> None:
    assert compare(lower, upper, benchmark, polarity) == expected
    assert compare(lower, upper, benchmark, polarity.value) == expected


@pytest.mark.parametrize(
    "args",
    [
        (None, 20, 15, LOW),
        (10, math.nan, 15, LOW),
        (10, 20, None, LOW),
        (10, 20, math.nan, HIGH),
        (10, 20, 15, None),
    ],
)
def test_compare_missing_is_not_compared(args: tuple) -> None:
    assert compare(*args) is Outcome.NOT_COMPARED


def test_compare_method_without_interval() -> None:
    assert not supports_interval(Statistic.DTOC_BEDS)
    assert supports_interval(Statistic.RATE) and supports_interval("proportion")
    assert compare(1, 2, 5, LOW, statistic=Statistic.DTOC_BEDS) is Outcome.NOT_COMPARED
    assert compare(1, 2, 5, LOW, statistic=Statistic.RATE) is Outcome.BETTER


def test_compare_rejects_inverted_interval_and_bad_polarity() -> None:
    with pytest.raises(ValueError):
        compare(3, 2, 1, LOW)
    with pytest.raises(ValueError):
        compare(1, 2, 3, "sideways")


@st.composite
def interval_and_benchmark(draw: st.DrawFn) -> tuple[float, float, float]:
    a, b = draw(finite), draw(finite)
    return min(a, b), max(a, b), draw(finite)


@given(ib=interval_and_benchmark())
def test_flipping_polarity_swaps_better_and_worse(ib: tuple[float, float, float]) -> None:
    lower, upper, bm = ib
    low = compare(lower, upper, bm, LOW)
    high = compare(lower, upper, bm, HIGH)
    swap = {Outcome.BETTER: Outcome.WORSE, Outcome.WORSE: Outcome.BETTER}
    assert high == swap.get(low, low)


@given(ib=interval_and_benchmark())
def test_similar_exactly_when_benchmark_inside(ib: tuple[float, float, float]) -> None:
    lower, upper, bm = ib
    inside = lower <= bm <= upper
    for pol in Polarity:
        assert (compare(lower, upper, bm, pol) is Outcome.SIMILAR) == inside
    neutral = compare(lower, upper, bm, NEUTRAL)
    if bm < lower:
        assert neutral is Outcome.HIGHER
    elif bm > upper:
        assert neutral is Outcome.LOWER


@given(
    rows=st.lists(
        st.tuples(
            interval_and_benchmark(),
            st.sampled_from(list(Polarity)),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_compare_many_matches_compare(rows: list) -> None:
    lowers, uppers, bms, pols = [], [], [], []
    for (lo, hi, bm), pol, blank in rows:
        lowers.append(math.nan if blank else lo)
        uppers.append(hi)
        bms.append(bm)
        pols.append(pol)
    out = compare_many(lowers, uppers, bms, pols)
    assert out.dtype.kind == "U"
    expected = [compare(*args) for args in zip(lowers, uppers, bms, pols, strict=True)]
    assert out.tolist() == [e.value for e in expected]


def test_compare_many_scalar_benchmark_and_polarity() -> None:
    out = compare_many([1, 1, 1, np.nan], [2, 2, 2, 3], 1.5, HIGH)
    assert out.tolist() == ["similar", "similar", "similar", "not compared"]
    out = compare_many([1, 1], [2, 2], [0, 3], "neutral")
    assert out.tolist() == ["higher", "lower"]


def test_compare_many_rejects_inverted_interval() -> None:
    with pytest.raises(ValueError):
        compare_many([1, 5], [2, 4], 3, LOW)


# --- funnel limits -----------------------------------------------------------------------------


def test_funnel_proportion_normal_approximation() -> None:
    n = np.array([50.0, 200.0, 1000.0, 10_000.0])
    lower, upper = funnel_limits(n, 30.0, Statistic.PROPORTION, Z95, multiplier=100)
    half = [Z95 * math.sqrt(0.3 * 0.7 / k) * 100 for k in n]
    np.testing.assert_allclose(lower, [30 - h for h in half], rtol=1e-12)
    np.testing.assert_allclose(upper, [30 + h for h in half], rtol=1e-12)


def test_funnel_proportion_clipped_to_range() -> None:
    lower, upper = funnel_limits(5, 0.05, "proportion", Z998)
    assert lower == 0.0
    assert upper == pytest.approx(0.05 + Z998 * math.sqrt(0.05 * 0.95 / 5))


@pytest.mark.parametrize("n", [40.0, 733.0, 5_000.0, 250_000.0])
def test_funnel_rate_exact_poisson(n: float) -> None:
    """Limits on the count solve the Poisson definition for the expected count, then / n."""
    benchmark, mult = 2_500.0, 100_000.0  # 2,500 per 100,000
    expected = benchmark / mult * n
    alpha = 2 * stats.norm.sf(Z998)
    # Garwood limits for a (possibly non-integer) count E via the gamma distribution:
    # P(X >= E | L) = alpha/2 and P(X <= E | U) = alpha/2, continuous in E.
    lo_count = optimize.brentq(lambda m: stats.gamma.cdf(m, expected) - alpha / 2, 1e-12, expected)
    hi_count = optimize.brentq(
        lambda m: stats.gamma.sf(m, expected + 1) - alpha / 2, expected, 10 * expected + 50
    )
    lower, upper = funnel_limits(n, benchmark, Statistic.RATE, Z998, multiplier=mult)
    assert lower == pytest.approx(lo_count / n * mult, rel=1e-8)
    assert upper == pytest.approx(hi_count / n * mult, rel=1e-8)


@given(
    n=st.floats(min_value=1, max_value=1e6),
    p=st.floats(min_value=0.001, max_value=0.999),
    stat=st.sampled_from([Statistic.RATE, Statistic.PROPORTION]),
)
def test_funnel_contains_benchmark_narrows_and_nests(n: float, p: float, stat: Statistic) -> None:
    lo, hi = funnel_limits(n, p, stat, Z95)
    lo2, hi2 = funnel_limits(n * 4, p, stat, Z95)
    lo998, hi998 = funnel_limits(n, p, stat, Z998)
    assert lo <= p <= hi
    assert lo <= lo2 + 1e-12 and hi2 <= hi + 1e-12
    assert lo998 <= lo and hi <= hi998


def test_funnel_rejects_other_statistics_and_bad_denominators() -> None:
    with pytest.raises(ValueError):
        funnel_limits([10], 5.0, Statistic.DTOC_BEDS)
    with pytest.raises(ValueError):
        funnel_limits([0, 10], 0.5, Statistic.PROPORTION)
    with pytest.raises(ValueError):
        funnel_limits([10], 150.0, Statistic.PROPORTION, multiplier=100)


# --- overdispersion ----------------------------------------------------------------------------


def spiegelhalter_by_hand(
    y: np.ndarray, n: np.ndarray, p0: float
) -> tuple[float, float, np.ndarray]:
    """Spiegelhalter (2005) for proportions, with scipy's winsorize as the independent check."""
    s = np.sqrt(p0 * (1 - p0) / n)
    z = (y - p0) / s
    zw = np.asarray(mstats.winsorize(z, limits=(0.1, 0.1)))
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    k = len(y)
    tau2 = max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, tau2, z


@pytest.mark.parametrize("k", [2, 9, 10, 23, 150])
def test_winsorise_matches_scipy(k: int) -> None:
    rng = np.random.default_rng(k)
    x = rng.normal(size=k)
    np.testing.assert_array_equal(winsorise(x), np.asarray(mstats.winsorize(x, limits=(0.1, 0.1))))


def test_overdispersion_matches_longhand_on_overdispersed_data() -> None:
    rng = np.random.default_rng(20240501)
    n = rng.integers(200, 5_000, size=150).astype(float)
    true_p = np.clip(rng.normal(0.2, 0.04, size=150), 0.01, 0.99)  # tau = 0.04
    y = rng.binomial(n.astype(int), true_p) / n
    result = overdispersion(y * 100, n, 20.0, Statistic.PROPORTION, multiplier=100)
    phi, tau2, z = spiegelhalter_by_hand(y, n, 0.2)
    assert result.phi == pytest.approx(phi, rel=1e-10)
    assert result.tau2 == pytest.approx(tau2 * 100**2, rel=1e-10)  # indicator scale (%)²
    np.testing.assert_allclose(result.z_scores, z, rtol=1e-10)
    assert result.phi > 3  # clearly overdispersed
    # the estimate recovers the simulated between-area SD of 4 percentage points, roughly
    assert math.sqrt(result.tau2) == pytest.approx(4.0, rel=0.25)
    adjusted = (y * 100 - 20) / np.sqrt(100**2 * 0.2 * 0.8 / n + result.tau2)
    np.testing.assert_allclose(result.adjusted_z_scores, adjusted, rtol=1e-10)


def test_no_overdispersion_gives_phi_near_one_and_tau2_small() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(1_000, 20_000, size=400).astype(float)
    counts_ = rng.poisson(0.03 * n)
    result = overdispersion(counts_ / n * 1000, n, 30.0, Statistic.RATE, multiplier=1000)
    # winsorising shrinks phi below 1 for pure Poisson noise; it should not be far from 1
    assert 0.6 < result.phi < 1.2
    assert result.tau2 == 0.0 or math.sqrt(result.tau2) < 0.5


def test_values_at_benchmark_give_zero() -> None:
    result = overdispersion([5.0, 5.0, 5.0], [100, 1_000, 10_000], 5.0, Statistic.RATE)
    assert result.phi == 0.0 and result.tau2 == 0.0
    np.testing.assert_array_equal(result.z_scores, [0.0, 0.0, 0.0])


def test_rate_z_scores_use_poisson_standard_error() -> None:
    result = overdispersion([12.0, 8.0], [100.0, 400.0], 10.0, Statistic.RATE, multiplier=1)
    expected = [(12 - 10) / math.sqrt(10 / 100), (8 - 10) / math.sqrt(10 / 400)]
    np.testing.assert_allclose(result.z_scores, expected, rtol=1e-12)


def test_overdispersed_limits_widen_and_reduce_to_funnel() -> None:
    n = np.array([100.0, 1_000.0, 10_000.0])
    lo0, hi0 = overdispersed_limits(n, 25.0, Statistic.PROPORTION, 0.0, Z95, multiplier=100)
    flo, fhi = funnel_limits(n, 25.0, Statistic.PROPORTION, Z95, multiplier=100)
    np.testing.assert_allclose(lo0, flo)
    np.testing.assert_allclose(hi0, fhi)
    lo, hi = overdispersed_limits(n, 25.0, Statistic.PROPORTION, 4.0, Z95, multiplier=100)
    se2 = 100**2 * 0.25 * 0.75 / n
    np.testing.assert_allclose(hi, 25 + Z95 * np.sqrt(se2 + 4.0))
    np.testing.assert_allclose(lo, 25 - Z95 * np.sqrt(se2 + 4.0))
    assert np.all(hi > fhi) and np.all(lo < flo)


def test_result_limits_method() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(500, 3_000, size=40).astype(float)
    y = rng.binomial(n.astype(int), np.clip(rng.normal(0.3, 0.05, 40), 0, 1)) / n
    result = overdispersion(y, n, 0.3, "proportion")
    assert result.statistic is Statistic.PROPORTION
    lo, hi = result.limits([1_000.0], Z998)
    half = Z998 * math.sqrt(0.3 * 0.7 / 1_000 + result.tau2)
    assert lo[0] == pytest.approx(0.3 - half)
    assert hi[0] == pytest.approx(0.3 + half)


def test_overdispersion_drops_missing_and_validates() -> None:
    result = overdispersion([0.2, np.nan, 0.3, 0.1], [100, 100, 100, np.nan], 0.2, "proportion")
    assert result.z_scores.shape == (2,)
    with pytest.raises(ValueError):
        overdispersion([0.2], [100], 0.2, "proportion")
    with pytest.raises(ValueError):
        overdispersion([0.2, 0.3], [100, 100], 0.0, "proportion")
    with pytest.raises(ValueError):
        overdispersion([0.2, 0.3], [100], 0.2, "rate")


@given(
    data=st.lists(
        st.tuples(st.floats(0.0, 1.0), st.integers(10, 100_000)), min_size=2, max_size=60
    ),
    p0=st.floats(0.01, 0.99),
)
def test_overdispersion_invariants(data: list[tuple[float, int]], p0: float) -> None:
    y = np.array([d[0] for d in data])
    n = np.array([float(d[1]) for d in data])
    result = overdispersion(y, n, p0, Statistic.PROPORTION)
    assume(np.all(np.isfinite(result.z_scores)))
    assert result.tau2 >= 0.0
    assert result.phi >= 0.0
    # winsorised scores never exceed the raw range and the adjusted ones are never larger
    assert np.max(np.abs(result.winsorised_z_scores)) <= np.max(np.abs(result.z_scores)) + 1e-9
    assert np.all(np.abs(result.adjusted_z_scores) <= np.abs(result.z_scores) + 1e-9)
    phi, tau2, _ = spiegelhalter_by_hand(y, n, p0)
    assert result.phi == pytest.approx(phi, rel=1e-9)
    assert result.tau2 == pytest.approx(tau2, rel=1e-9, abs=1e-15)
