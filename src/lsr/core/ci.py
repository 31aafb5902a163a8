"""Confidence intervals for counts, rates, proportions and directly standardised rates.

Every function is vectorised: arguments may be scalars or array-likes that broadcast against
each other. A function returns Python ``float`` values when all of its arguments are scalars and
``numpy`` arrays of ``float64`` otherwise. Missing inputs (``NaN``) give ``NaN`` results rather
than errors; impossible inputs (negative counts, non-positive denominators, more events than
trials) raise ``ValueError``.

The methods follow the Public Health England "Technical Guide: Confidence Intervals" (the
conventions used in Fingertips); see ``docs/methods/statistics.md`` for the formulas and sources.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import stats

#: Two-sided 95% normal quantile, as used in the PHE tools (six decimal places).
Z95: float = 1.959964
#: Two-sided 99.8% normal quantile, as used in the PHE tools (six decimal places).
Z998: float = 3.090232

#: Below this many events an exact Poisson interval is used; at or above it, Byar's method.
BYAR_THRESHOLD: int = 10
#: A directly standardised rate is not reported when the total count is below this.
DSR_MIN_COUNT: int = 10

ArrayInput: TypeAlias = float | int | npt.ArrayLike
FloatResult: TypeAlias = float | npt.NDArray[np.float64]


def z_for(confidence: float) -> float:
    """The two-sided normal quantile for a confidence level.

    ``0.95`` gives :data:`Z95` and ``0.998`` gives :data:`Z998` (the rounded constants used in
    published tools, so figures match to the last decimal place); any other level in (0, 1) gives
    ``scipy.stats.norm.ppf(1 - (1 - confidence) / 2)``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    if confidence == 0.95:
        return Z95
    if confidence == 0.998:
        return Z998
    return float(stats.norm.ppf(1.0 - (1.0 - confidence) / 2.0))


def _alpha(z: float) -> float:
    """The two-sided significance level ``alpha`` that corresponds to the quantile ``z``."""
    if not z > 0:
        raise ValueError(f"z must be positive, got {z!r}")
    return float(2.0 * stats.norm.sf(z))


def _as_float(value: ArrayInput) -> npt.NDArray[np.float64]:
    return np.asarray(value, dtype=np.float64)


def _out(arr: npt.NDArray[np.float64], scalar: bool) -> FloatResult:
    if scalar:
        return float(arr)
    return arr


def _all_scalar(*values: ArrayInput) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def _check_count(x: npt.NDArray[np.float64], name: str = "x") -> None:
    if np.any(x < 0):  # NaN compares False, so missing values pass through
        raise ValueError(f"{name} must be non-negative")


def wilson(x: ArrayInput, n: ArrayInput, z: float = Z95) -> tuple[FloatResult, FloatResult]:
    """Wilson score interval for the proportion ``x / n``.

    ``lower, upper = (2x + z² ∓ z·sqrt(z² + 4x(1 − x/n))) / (2(n + z²))``. The formula gives
    exactly 0 at ``x = 0`` and 1 at ``x = n``; those values are set exactly (floating-point
    rounding would otherwise leave e.g. 0.9999999999999998).

    Args:
        x: Number of events (numerator), ``0 <= x <= n``.
        n: Number of trials (denominator), ``n > 0``.
        z: Two-sided normal quantile (:data:`Z95` by default; see :func:`z_for`).

    Returns:
        ``(lower, upper)`` as proportions in [0, 1].

    Raises:
        ValueError: if ``x < 0``, ``n <= 0`` or ``x > n``.
    """
    xa, na = _as_float(x), _as_float(n)
    _check_count(xa)
    if np.any(na <= 0):
        raise ValueError("n must be positive")
    if np.any(xa > na):
        raise ValueError("x must not exceed n")
    _alpha(z)
    z2 = z * z
    with np.errstate(invalid="ignore"):
        root = z * np.sqrt(np.maximum(z2 + 4.0 * xa * (1.0 - xa / na), 0.0))
    denom = 2.0 * (na + z2)
    lower = np.clip((2.0 * xa + z2 - root) / denom, 0.0, 1.0)
    upper = np.clip((2.0 * xa + z2 + root) / denom, 0.0, 1.0)
    # At the boundaries the formula is exactly 0 (x = 0) or 1 (x = n); remove rounding error.
    lower = np.where(xa == 0, 0.0, lower)
    upper = np.where(xa == na, 1.0, upper)
    scalar = _all_scalar(x, n)
    return _out(lower, scalar), _out(upper, scalar)


def _exact_poisson(
    x: npt.NDArray[np.float64], alpha: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Exact (Garwood) Poisson limits for a count via chi-square quantiles."""
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * np.maximum(x, 1e-300)) / 2.0, 0.0)
        upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower.astype(np.float64), np.asarray(upper, dtype=np.float64)


def _byar(
    x: npt.NDArray[np.float64], z: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Byar's approximation to the Poisson limits for a count (intended for ``x >= 10``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x))) ** 3
        x1 = x + 1.0
        upper = x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1))) ** 3
    return lower, upper


def poisson_count(x: ArrayInput, z: float = Z95) -> tuple[FloatResult, FloatResult]:
    """Confidence interval for a Poisson count ``x``.

    Below :data:`BYAR_THRESHOLD` (10) events the exact interval is used::

        lower = chi2.ppf(alpha/2, 2x) / 2        (0 when x = 0)
        upper = chi2.ppf(1 - alpha/2, 2x + 2) / 2

    with ``alpha = 2·(1 − Φ(z))``. From 10 events, Byar's approximation::

        lower = x (1 − 1/(9x) − z/(3√x))³
        upper = (x+1) (1 − 1/(9(x+1)) + z/(3√(x+1)))³

    Args:
        x: Observed count(s), ``x >= 0``.
        z: Two-sided normal quantile.

    Returns:
        ``(lower, upper)`` limits for the expected count.

    Raises:
        ValueError: if any count is negative.
    """
    xa = _as_float(x)
    _check_count(xa)
    alpha = _alpha(z)
    el, eu = _exact_poisson(xa, alpha)
    bl, bu = _byar(xa, z)
    use_exact = xa < BYAR_THRESHOLD
    lower = np.where(use_exact, el, bl)
    upper = np.where(use_exact, eu, bu)
    lower = np.where(np.isnan(xa), np.nan, lower)
    upper = np.where(np.isnan(xa), np.nan, upper)
    scalar = _all_scalar(x)
    return _out(lower, scalar), _out(upper, scalar)


def rate(
    x: ArrayInput, denominator: ArrayInput, multiplier: float, z: float = Z95
) -> tuple[FloatResult, FloatResult, FloatResult]:
    """Crude rate ``x / denominator × multiplier`` with its Poisson confidence interval.

    The limits are those of :func:`poisson_count` for ``x``, divided by the denominator and
    multiplied by ``multiplier``.

    Args:
        x: Event count(s), ``x >= 0``.
        denominator: Population (or person-time), ``> 0``.
        multiplier: Scale of the rate, e.g. ``100_000`` for "per 100,000".
        z: Two-sided normal quantile.

    Returns:
        ``(value, lower, upper)``.

    Raises:
        ValueError: if a count is negative or a denominator is not positive.
    """
    xa, da = _as_float(x), _as_float(denominator)
    if np.any(da <= 0):
        raise ValueError("denominator must be positive")
    lo, hi = poisson_count(xa, z)
    scale = multiplier / da
    value = xa * scale
    lower = np.asarray(lo) * scale
    upper = np.asarray(hi) * scale
    scalar = _all_scalar(x, denominator)
    return _out(value, scalar), _out(lower, scalar), _out(upper, scalar)


def proportion(
    x: ArrayInput, n: ArrayInput, multiplier: float = 100, z: float = Z95
) -> tuple[FloatResult, FloatResult, FloatResult]:
    """Proportion ``x / n × multiplier`` (a percentage by default) with its Wilson interval.

    Args:
        x: Number of events, ``0 <= x <= n``.
        n: Number of trials, ``n > 0``.
        multiplier: Scale, ``100`` for a percentage.
        z: Two-sided normal quantile.

    Returns:
        ``(value, lower, upper)``.

    Raises:
        ValueError: if ``x < 0``, ``n <= 0`` or ``x > n``.
    """
    xa, na = _as_float(x), _as_float(n)
    lo, hi = wilson(xa, na, z)
    value = xa / na * multiplier
    lower = np.asarray(lo) * multiplier
    upper = np.asarray(hi) * multiplier
    scalar = _all_scalar(x, n)
    return _out(value, scalar), _out(lower, scalar), _out(upper, scalar)


def dsr_dobson(
    counts: npt.ArrayLike,
    populations: npt.ArrayLike,
    standard_populations: npt.ArrayLike,
    multiplier: float = 100_000,
    z: float = Z95,
) -> tuple[FloatResult, FloatResult, FloatResult]:
    """Directly standardised rate with Dobson's confidence interval.

    Age bands (or other strata) run along the last axis, so ``counts`` and ``populations`` may be
    1-D (one area) or N-D (one row per area); ``standard_populations`` must broadcast against them
    (usually a 1-D array of standard population weights, such as the European Standard Population
    2013). With ``w_i = N_i / ΣN`` the standard-population weights::

        DSR      = Σ w_i x_i / n_i × multiplier
        var(DSR) = Σ w_i² x_i / n_i² × multiplier²
        O        = Σ x_i, with Poisson limits (O_L, O_U) from :func:`poisson_count`
        lower    = DSR + sqrt(var(DSR) / O) × (O_L − O)
        upper    = DSR + sqrt(var(DSR) / O) × (O_U − O)

    Following the PHE convention, a DSR is **not reported when the total count O is below 10**:
    value and limits are then ``NaN``. A stratum with zero population and zero events contributes
    nothing.

    Args:
        counts: Events per stratum, ``>= 0``.
        populations: Population per stratum, ``>= 0`` (and ``> 0`` wherever events occurred).
        standard_populations: Standard population per stratum, ``>= 0`` with a positive total.
        multiplier: Scale of the rate.
        z: Two-sided normal quantile.

    Returns:
        ``(value, lower, upper)``; scalars for 1-D input, arrays over the leading axes otherwise.

    Raises:
        ValueError: on negative inputs, events in a stratum with no population, or a zero
            standard-population total.
    """
    x = _as_float(counts)
    pop = _as_float(populations)
    std = _as_float(standard_populations)
    if x.ndim == 0:
        raise ValueError("counts must have at least one stratum (last axis)")
    x, pop, std = np.broadcast_arrays(x, pop, std)
    _check_count(x, "counts")
    if np.any(pop < 0):
        raise ValueError("populations must be non-negative")
    if np.any(std < 0):
        raise ValueError("standard_populations must be non-negative")
    if np.any((x > 0) & (pop <= 0)):
        raise ValueError("a stratum with events must have a positive population")
    std_total = std.sum(axis=-1, keepdims=True)
    if np.any(std_total <= 0):
        raise ValueError("standard_populations must have a positive total")
    weights = std / std_total
    # A stratum without population has no events (checked above) and adds nothing; a missing
    # population (NaN) stays missing, so the rate is NaN rather than counted per 1 person.
    safe_pop = np.where((pop > 0) | np.isnan(pop), pop, 1.0)
    value = np.sum(weights * x / safe_pop, axis=-1) * multiplier
    variance = np.sum(weights**2 * x / safe_pop**2, axis=-1) * multiplier**2
    total = x.sum(axis=-1)
    o_lower, o_upper = poisson_count(total, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.sqrt(variance / total)
    lower = value + factor * (np.asarray(o_lower) - total)
    upper = value + factor * (np.asarray(o_upper) - total)
    reportable = total >= DSR_MIN_COUNT  # NaN totals are not reportable either
    value = np.where(reportable, value, np.nan)
    lower = np.where(reportable, lower, np.nan)
    upper = np.where(reportable, upper, np.nan)
    scalar = value.ndim == 0
    return _out(value, scalar), _out(lower, scalar), _out(upper, scalar)
