"""Comparing areas with a benchmark: significance categories, funnel plots, overdispersion.

The comparison follows the national public health (PHE Fingertips) convention: an area is
*similar* to the benchmark when the benchmark **value** lies inside the area's confidence interval
(limits inclusive); otherwise it is *better* or *worse* according to the indicator's polarity, or
*higher* / *lower* when the polarity is neutral. See ``docs/methods/statistics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import stats

from lsr.core.ci import Z95
from lsr.core.indicators import Polarity, Statistic

FloatResult: TypeAlias = float | npt.NDArray[np.float64]

#: Statistics whose values come with a confidence interval and so can be compared.
INTERVAL_STATISTICS: frozenset[Statistic] = frozenset({Statistic.RATE, Statistic.PROPORTION})


class Outcome(StrEnum):
    """The result of comparing an area with a benchmark."""

    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"
    NOT_COMPARED = "not compared"


def supports_interval(statistic: Statistic | str) -> bool:
    """Whether indicators computed with ``statistic`` have a confidence interval to compare."""
    return Statistic(statistic) in INTERVAL_STATISTICS


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(np.isnan(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _above_outcome(polarity: Polarity) -> Outcome:
    """Outcome when the area is significantly above the benchmark."""
    if polarity is Polarity.HIGH_IS_GOOD:
        return Outcome.BETTER
    if polarity is Polarity.LOW_IS_GOOD:
        return Outcome.WORSE
    return Outcome.HIGHER


def _below_outcome(polarity: Polarity) -> Outcome:
    """Outcome when the area is significantly below the benchmark."""
    if polarity is Polarity.HIGH_IS_GOOD:
        return Outcome.WORSE
    if polarity is Polarity.LOW_IS_GOOD:
        return Outcome.BETTER
    return Outcome.LOWER


def compare(
    lower: float | None,
    upper: float | None,
    benchmark: float | None,
    polarity: Polarity | str | None,
    *,
    statistic: Statistic | str | None = None,
) -> Outcome:
    """Compare one area's confidence interval with a benchmark value.

    * ``lower <= benchmark <= upper`` -> :attr:`Outcome.SIMILAR`;
    * ``benchmark < lower`` (area above) -> better if high is good, worse if low is good,
      higher if neutral;
    * ``benchmark > upper`` (area below) -> worse if high is good, better if low is good,
      lower if neutral;
    * any input missing (``None`` or ``NaN``), or ``statistic`` given and without an interval
      (see :func:`supports_interval`) -> :attr:`Outcome.NOT_COMPARED`.

    Raises:
        ValueError: if ``lower > upper`` or ``polarity`` is not a :class:`Polarity` value.
    """
    if statistic is not None and not supports_interval(statistic):
        return Outcome.NOT_COMPARED
    if polarity is None or _missing(lower) or _missing(upper) or _missing(benchmark):
        return Outcome.NOT_COMPARED
    pol = Polarity(polarity)
    lo, hi, bm = float(lower), float(upper), float(benchmark)  # type: ignore[arg-type]
    if lo > hi:
        raise ValueError(f"lower limit {lo} exceeds upper limit {hi}")
    if bm < lo:
        return _above_outcome(pol)
    if bm > hi:
        return _below_outcome(pol)
    return Outcome.SIMILAR


def compare_many(
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    polarity: Polarity | str | npt.ArrayLike,
) -> npt.NDArray[np.str_]:
    """Vectorised :func:`compare`: the outcome strings for arrays of intervals.

    ``lower``, ``upper``, ``benchmark`` and ``polarity`` broadcast against each other (a single
    benchmark and polarity for many areas is the usual case). ``NaN`` in any numeric input gives
    ``"not compared"``.

    Returns:
        A numpy array of ``str`` (the :class:`Outcome` values).

    Raises:
        ValueError: if any ``lower > upper`` or a polarity is not a :class:`Polarity` value.
    """
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    bm = np.asarray(benchmark, dtype=np.float64)
    pol = np.asarray(polarity, dtype=object)
    lo, hi, bm, pol = np.broadcast_arrays(lo, hi, bm, pol)
    if np.any(lo > hi):
        raise ValueError("a lower limit exceeds its upper limit")
    pol_values = pol.astype(str)
    for value in np.unique(pol_values):  # validate each distinct polarity once
        Polarity(value)
    high_good = pol_values == Polarity.HIGH_IS_GOOD.value
    low_good = pol_values == Polarity.LOW_IS_GOOD.value
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(bm)
    above = bm < lo
    below = bm > hi
    above_out = np.where(
        high_good,
        Outcome.BETTER.value,
        np.where(low_good, Outcome.WORSE.value, Outcome.HIGHER.value),
    )
    below_out = np.where(
        high_good,
        Outcome.WORSE.value,
        np.where(low_good, Outcome.BETTER.value, Outcome.LOWER.value),
    )
    result = np.select(
        [missing, above, below],
        [Outcome.NOT_COMPARED.value, above_out, below_out],
        default=Outcome.SIMILAR.value,
    )
    return np.asarray(result, dtype=np.str_)


def _check_statistic(statistic: Statistic | str) -> Statistic:
    stat = Statistic(statistic)
    if stat not in INTERVAL_STATISTICS:
        raise ValueError(f"funnel limits are defined for rates and proportions, not {stat.value!r}")
    return stat


def _standard_error(
    denominators: npt.NDArray[np.float64], benchmark: float, stat: Statistic, multiplier: float
) -> npt.NDArray[np.float64]:
    """Standard error of an area's value at the benchmark, on the indicator's scale."""
    theta = benchmark / multiplier
    if stat is Statistic.PROPORTION:
        if not 0.0 <= theta <= 1.0:
            raise ValueError("a proportion benchmark must lie between 0 and the multiplier")
        return np.asarray(multiplier * np.sqrt(theta * (1.0 - theta) / denominators))
    if theta < 0:
        raise ValueError("a rate benchmark must be non-negative")
    return np.asarray(multiplier * np.sqrt(theta / denominators))


def _denominators(denominators: npt.ArrayLike) -> npt.NDArray[np.float64]:
    d = np.asarray(denominators, dtype=np.float64)
    if np.any(d <= 0):
        raise ValueError("denominators must be positive")
    return d


def funnel_limits(
    denominators: npt.ArrayLike,
    benchmark: float,
    statistic: Statistic | str,
    z: float = Z95,
    *,
    multiplier: float = 1.0,
) -> tuple[FloatResult, FloatResult]:
    """Funnel-plot control limits around a benchmark value, by denominator.

    Values are on the indicator's scale (``numerator / denominator × multiplier``), so pass the
    indicator's ``multiplier`` and a benchmark on the same scale.

    * Proportions (normal approximation to the binomial), with ``p = benchmark / multiplier``:
      ``(p ± z·sqrt(p(1 − p)/n)) × multiplier``, clipped to ``[0, multiplier]``.
    * Rates (Poisson): the expected count ``E = benchmark / multiplier × n`` is given exact
      chi-square limits ``chi2.ppf(α/2, 2E)/2`` and ``chi2.ppf(1 − α/2, 2E + 2)/2`` (``α`` from
      ``z``), which are divided by ``n`` and multiplied by ``multiplier``.

    Source: Spiegelhalter DJ, "Funnel plots for comparing institutional performance",
    Statistics in Medicine 2005;24:1185-1202; PHE funnel-plot tools.

    Args:
        denominators: Denominators at which to evaluate the limits (``> 0``).
        benchmark: The benchmark (e.g. England) value on the indicator scale.
        statistic: :attr:`Statistic.RATE` or :attr:`Statistic.PROPORTION`.
        z: Two-sided normal quantile (e.g. :data:`~lsr.core.ci.Z95`, :data:`~lsr.core.ci.Z998`).
        multiplier: The indicator's multiplier.

    Returns:
        ``(lower, upper)``; floats for a scalar denominator, arrays otherwise.

    Raises:
        ValueError: for other statistics, non-positive denominators or an impossible benchmark.
    """
    stat = _check_statistic(statistic)
    d = _denominators(denominators)
    if not z > 0:
        raise ValueError("z must be positive")
    theta = benchmark / multiplier
    if stat is Statistic.PROPORTION:
        se = _standard_error(d, benchmark, stat, multiplier)
        lower = np.clip(benchmark - z * se, 0.0, multiplier)
        upper = np.clip(benchmark + z * se, 0.0, multiplier)
    else:
        if theta < 0:
            raise ValueError("a rate benchmark must be non-negative")
        alpha = 2.0 * stats.norm.sf(z)
        expected = theta * d
        with np.errstate(invalid="ignore"):
            lo_count = np.where(
                expected > 0,
                stats.chi2.ppf(alpha / 2.0, 2.0 * np.maximum(expected, 1e-300)) / 2.0,
                0.0,
            )
        hi_count = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * expected + 2.0) / 2.0
        lower = lo_count / d * multiplier
        upper = hi_count / d * multiplier
    lower = np.asarray(lower, dtype=np.float64)
    upper = np.asarray(upper, dtype=np.float64)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's (2005) overdispersion estimate for a set of areas.

    Attributes:
        phi: Overdispersion factor, the mean of the squared winsorised z-scores.
        tau2: Additive random-effects variance ``τ²`` on the indicator's scale (squared units);
            0 when there is no evidence of overdispersion.
        z_scores: Unadjusted z-scores ``(y − θ₀)/s``.
        winsorised_z_scores: The z-scores winsorised at the 10th and 90th percentiles.
        adjusted_z_scores: Overdispersion-adjusted z-scores ``(y − θ₀)/sqrt(s² + τ²)``.
        benchmark: The benchmark ``θ₀`` on the indicator's scale.
        statistic: The statistic used for the standard errors.
        multiplier: The indicator's multiplier.
    """

    phi: float
    tau2: float
    z_scores: npt.NDArray[np.float64]
    winsorised_z_scores: npt.NDArray[np.float64]
    adjusted_z_scores: npt.NDArray[np.float64]
    benchmark: float
    statistic: Statistic
    multiplier: float

    def limits(
        self, denominators: npt.ArrayLike, z: float = Z95
    ) -> tuple[FloatResult, FloatResult]:
        """Overdispersion-adjusted funnel limits ``θ₀ ± z·sqrt(s² + τ²)`` at ``denominators``."""
        return overdispersed_limits(
            denominators,
            self.benchmark,
            self.statistic,
            self.tau2,
            z,
            multiplier=self.multiplier,
        )


def winsorise(values: npt.ArrayLike, fraction: float = 0.1) -> npt.NDArray[np.float64]:
    """Winsorise: the ``k = floor(fraction · n)`` smallest values are set to the ``(k+1)``-th
    smallest and the ``k`` largest to the ``(k+1)``-th largest (Spiegelhalter 2005 uses 10%)."""
    if not 0.0 <= fraction < 0.5:
        raise ValueError("fraction must be in [0, 0.5)")
    arr = np.array(values, dtype=np.float64, copy=True).ravel()
    n = arr.size
    k = int(fraction * n)
    if k == 0:
        return arr
    ordered = np.sort(arr)
    return np.clip(arr, ordered[k], ordered[n - 1 - k])


def overdispersion(
    values: npt.ArrayLike,
    denominators: npt.ArrayLike,
    benchmark: float,
    statistic: Statistic | str,
    *,
    multiplier: float = 1.0,
    winsor_fraction: float = 0.1,
) -> Overdispersion:
    """Estimate overdispersion among areas with Spiegelhalter's additive random-effects method.

    1. ``s_i`` is the standard error of area ``i`` at the benchmark ``θ₀`` (binomial
       ``sqrt(θ₀(1 − θ₀)/n_i)`` for proportions, Poisson ``sqrt(θ₀/n_i)`` for rates, on the
       indicator's scale) and ``z_i = (y_i − θ₀)/s_i``.
    2. The z-scores are winsorised at 10%/90% (:func:`winsorise`) and
       ``φ = (1/n) Σ z_w²``.
    3. With ``w_i = 1/s_i²``,
       ``τ² = max(0, (n·φ − (n − 1)) / (Σw − Σw²/Σw))``.
    4. Adjusted limits are ``θ₀ ± z·sqrt(s² + τ²)`` (:meth:`Overdispersion.limits`).

    Source: Spiegelhalter DJ, "Handling over-dispersion of performance indicators", Quality and
    Safety in Health Care 2005;14:347-351; and Spiegelhalter DJ, "Funnel plots for comparing
    institutional performance", Statistics in Medicine 2005;24:1185-1202.

    Areas with a missing value or denominator are left out.

    Raises:
        ValueError: for fewer than two areas, non-positive denominators, a benchmark at which the
            standard error is zero, or a statistic without an interval.
    """
    stat = _check_statistic(statistic)
    y = np.asarray(values, dtype=np.float64).ravel()
    d = np.asarray(denominators, dtype=np.float64).ravel()
    if y.shape != d.shape:
        raise ValueError("values and denominators must have the same length")
    keep = ~(np.isnan(y) | np.isnan(d))
    y, d = y[keep], _denominators(d[keep])
    n = y.size
    if n < 2:
        raise ValueError("overdispersion needs at least two areas")
    se = _standard_error(d, benchmark, stat, multiplier)
    if np.any(se <= 0):
        raise ValueError("the standard error at the benchmark is zero; choose 0 < benchmark")
    z_scores = (y - benchmark) / se
    z_w = winsorise(z_scores, winsor_fraction)
    phi = float(np.mean(z_w**2))
    w = 1.0 / se**2
    tau2 = max(0.0, float((n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum())))
    adjusted = (y - benchmark) / np.sqrt(se**2 + tau2)
    return Overdispersion(
        phi=phi,
        tau2=tau2,
        z_scores=z_scores,
        winsorised_z_scores=z_w,
        adjusted_z_scores=adjusted,
        benchmark=float(benchmark),
        statistic=stat,
        multiplier=float(multiplier),
    )


def overdispersed_limits(
    denominators: npt.ArrayLike,
    benchmark: float,
    statistic: Statistic | str,
    tau2: float,
    z: float = Z95,
    *,
    multiplier: float = 1.0,
) -> tuple[FloatResult, FloatResult]:
    """Funnel limits inflated for overdispersion: ``θ₀ ± z·sqrt(s² + τ²)``.

    ``s`` is the standard error at the benchmark for each denominator (see :func:`overdispersion`)
    and ``τ²`` is on the indicator's scale. Proportion limits are clipped to ``[0, multiplier]``
    and rate limits at 0.
    """
    stat = _check_statistic(statistic)
    if tau2 < 0:
        raise ValueError("tau2 must be non-negative")
    d = _denominators(denominators)
    se = _standard_error(d, benchmark, stat, multiplier)
    half = z * np.sqrt(se**2 + tau2)
    top = multiplier if stat is Statistic.PROPORTION else np.inf
    lower = np.asarray(np.clip(benchmark - half, 0.0, top), dtype=np.float64)
    upper = np.asarray(np.clip(benchmark + half, 0.0, top), dtype=np.float64)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper
