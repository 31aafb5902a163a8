"""Bands over replications: the experiment's summaries of many runs.

- :func:`summarise_totals`: per scenario and total, the mean and 5/50/95% quantiles over
  replications and the difference from the base case paired by replication with its 95% CI;
- :func:`daily_bands`: per scenario, day and daily column, the mean and 5/95% quantiles;
- :func:`monthly_indicators` / :func:`monthly_bands`: the profile's indicators per calendar
  month, per replication and over replications.

Vectorised over metrics, days and replications (2026-11-29); the numbers are those of the
earlier per-metric loops, bit for bit: each mean, standard deviation and quantile is taken
along a contiguous row holding one metric's values, as the loops did on that metric alone
(tests/flow/test_summaries_fast.py compares them with a copy of the earlier code).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from lsr.flow.scenario import BASE_NAME

__all__ = [
    "PROFILE_INDICATORS",
    "daily_bands",
    "experiment_monthly",
    "monthly_bands",
    "monthly_indicators",
    "summarise_totals",
]


def summarise_totals(totals: pd.DataFrame, base_name: str = BASE_NAME) -> pd.DataFrame:
    """Per scenario and metric: mean and 5%, 50%, 95% quantiles over replications, and the
    difference from ``base_name`` paired by replication with its 95% CI.

    ``totals`` has columns ``scenario``, ``replication`` and one column per metric."""
    metrics = [c for c in totals.columns if c not in ("scenario", "replication")]
    base = totals[totals["scenario"] == base_name].set_index("replication").sort_index()
    base_values = _by_metric(base, metrics)
    parts = []
    for scenario, frame in totals.groupby("scenario", sort=False):
        frame = frame.set_index("replication").sort_index()
        x = _by_metric(frame, metrics)  # metric x replication, each row contiguous
        p05, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95], axis=1)
        part = {
            "scenario": scenario,
            "metric": metrics,
            "mean": x.mean(axis=1),
            "p05": p05,
            "p50": p50,
            "p95": p95,
        }
        if scenario == base_name:
            diff = np.full((3, len(metrics)), math.nan)
        elif frame.index.equals(base.index):
            diff = _paired_differences(x, base_values)
        else:
            common = frame.index.intersection(base.index)
            diff = _paired_differences(
                _by_metric(frame.loc[common], metrics), _by_metric(base.loc[common], metrics)
            )
        part.update(diff_mean=diff[0], diff_lo=diff[1], diff_hi=diff[2])
        parts.append(pd.DataFrame(part))
    columns = ["scenario", "metric", "mean", "p05", "p50", "p95", "diff_mean", "diff_lo", "diff_hi"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _by_metric(frame: pd.DataFrame, metrics: list[str]) -> np.ndarray:
    """``float64[metric, replication]``, C-contiguous: reductions along a row give the numbers
    the same reductions of that metric's values alone give."""
    return np.ascontiguousarray(frame[metrics].to_numpy(dtype=float).T)


def _paired_differences(x: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Rows mean, lo, hi of :func:`paired_difference` for every metric (row of ``x``) at once."""
    d = np.ascontiguousarray(x - base)
    n = d.shape[1]
    mean = d.mean(axis=1) if n else np.full(d.shape[0], math.nan)
    if n < 2:
        return np.vstack([mean, np.full_like(mean, math.nan), np.full_like(mean, math.nan)])
    hw = stdtrit(n - 1, 0.5 + 0.95 / 2) * d.std(axis=1, ddof=1) / math.sqrt(n)
    return np.vstack([mean, mean - hw, mean + hw])


def daily_bands(daily: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """Per scenario, day and metric: the mean and 5% and 95% quantiles over replications of the
    daily series. Columns ``scenario, day, date, metric, mean, p05, p95``."""
    frames = []
    for scenario, runs in daily.items():
        first = runs[0]
        metrics = [c for c in first.columns if c not in ("day", "date")]
        cube = np.stack([r[metrics].to_numpy(dtype=float) for r in runs])  # rep x day x metric
        mean = cube.mean(axis=0)
        p05, p95 = np.quantile(cube, [0.05, 0.95], axis=0)
        n_days = cube.shape[1]
        frames.append(
            pd.DataFrame(
                {
                    "scenario": scenario,
                    "day": np.repeat(first["day"].to_numpy(), len(metrics)),
                    "date": np.repeat(first["date"].to_numpy(), len(metrics)),
                    "metric": np.tile(metrics, n_days),
                    "mean": mean.ravel(),
                    "p05": p05.ravel(),
                    "p95": p95.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


#: The profile's indicators the simulation reproduces (ids as in :mod:`lsr.core.indicators`),
#: with their multipliers (values are in the profile's units).
PROFILE_INDICATORS: dict[str, float] = {
    "dtoc_18": 100_000.0,  # delayed beds a day per 100,000 adults aged 18+
    "long_stays_65": 100.0,  # % of patients leaving the acute bed whose stay was over 7 days
    "readmissions_30d_65": 100.0,  # % of them readmitted as an emergency within 30 days
}

_MONTHLY_COLUMNS = ["month", "indicator", "numerator", "denominator", "value", "days"]


def monthly_indicators(daily: pd.DataFrame, adult_population: float) -> pd.DataFrame:
    """The profile's indicators per calendar month, from one replication's daily frame.

    Columns ``month`` (first day of the month), ``indicator``, ``numerator``, ``denominator``,
    ``value`` (in the profile's units) and ``days`` (days of the month used). Only the days of
    the month inside the simulated period are used (a month cut by the start or end of the
    period is partial; ``days`` says how much of it):

    - ``dtoc_18``: delayed patients at midday (``acute_delayed``) averaged over the month's
      days, / ``adult_population`` x 100,000 (NaN when ``adult_population`` is not set);
    - ``long_stays_65``: ``left_acute_over_7`` / ``left_acute`` x 100, by month of leaving the
      acute bed;
    - ``readmissions_30d_65``: ``readmissions_within_30`` / ``left_acute`` x 100, by month of
      leaving the acute bed, over days at least 30 days before the end of the period (all of it
      when it is no longer than 30 days), as for the run's readmission rate: a later discharge
      could be readmitted after the run ends.
    """
    d = daily
    dates = pd.to_datetime(d["date"]).to_numpy()
    month = dates.astype("datetime64[M]")
    months, which = np.unique(month, return_inverse=True)
    which = which.ravel()
    k = months.shape[0]
    n_days = len(d)
    cut = n_days - 30 if n_days > 30 else n_days
    early = d["day"].to_numpy() < cut

    def per_month(column: str, sel: np.ndarray | None = None) -> np.ndarray:
        w = d[column].to_numpy(dtype=np.float64)
        if sel is None:
            return np.bincount(which, weights=w, minlength=k)
        return np.bincount(which[sel], weights=w[sel], minlength=k)

    days = np.bincount(which, minlength=k)
    days_e = np.bincount(which[early], minlength=k)
    delayed = per_month("acute_delayed")
    den = days.astype(np.float64) * adult_population
    with np.errstate(divide="ignore", invalid="ignore"):
        dtoc = delayed / den * 100_000.0 if adult_population > 0 else np.full(k, math.nan)
        left = per_month("left_acute")
        over = per_month("left_acute_over_7")
        long_stays = np.where(left != 0, over / left * 100.0, math.nan)
        left_e = per_month("left_acute", early)
        readm = per_month("readmissions_within_30", early)
        readm_rate = np.where(left_e != 0, readm / left_e * 100.0, math.nan)
    indicators = ["dtoc_18", "long_stays_65", "readmissions_30d_65"]
    return pd.DataFrame(
        {
            "month": np.repeat(pd.PeriodIndex(months, freq="M").to_timestamp().to_numpy(), 3),
            "indicator": np.tile(np.array(indicators, dtype=object), k),
            "numerator": np.column_stack([delayed, over, readm]).ravel(),
            "denominator": np.column_stack([den, left, left_e]).ravel(),
            "value": np.column_stack([dtoc, long_stays, readm_rate]).ravel(),
            "days": np.column_stack([days, days, days_e]).ravel().astype(np.int64),
        },
        columns=_MONTHLY_COLUMNS,
    )


def monthly_bands(monthly: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """Per scenario, month and indicator: the mean and 5% and 95% quantiles over replications
    of :func:`monthly_indicators` (replications with no value that month are left out).
    Columns ``scenario, month, indicator, mean, p05, p95, days, replications``."""
    rows = []
    for scenario, runs in monthly.items():
        if not runs:
            continue
        first = runs[0]
        keys = first[["month", "indicator"]]
        if any(len(r) != len(first) or not r[["month", "indicator"]].equals(keys) for r in runs):
            rows.append(_monthly_bands_grouped(scenario, runs))
            continue
        values = np.stack([r["value"].to_numpy(float) for r in runs]).T
        rows.append(_bands_of(scenario, first, values))
    columns = ["scenario", "month", "indicator", "mean", "p05", "p95", "days", "replications"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def _bands_of(scenario: str, first: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """:func:`monthly_bands` rows of one scenario: ``first`` is one replication's
    :func:`monthly_indicators` frame, ``values`` every replication's values (row x
    replication)."""
    # rows x replications, contiguous: each row's mean and quantiles are computed exactly as
    # for that row's values alone
    values = np.ascontiguousarray(values, dtype=float)
    missing = np.isnan(values)
    complete = ~missing.any(axis=1)
    mean = np.full(len(first), math.nan)
    p05 = np.full(len(first), math.nan)
    p95 = np.full(len(first), math.nan)
    if complete.any():
        mean[complete] = values[complete].mean(axis=1)
        p05[complete], p95[complete] = np.quantile(values[complete], [0.05, 0.95], axis=1)
    for i in np.flatnonzero(~complete):
        x = values[i][~missing[i]]
        if x.size:
            mean[i] = x.mean()
            p05[i], p95[i] = np.quantile(x, [0.05, 0.95])
    order = np.lexsort((first["indicator"].to_numpy(), first["month"].to_numpy()))
    return pd.DataFrame(
        {
            "scenario": scenario,
            "month": first["month"].to_numpy()[order],
            "indicator": first["indicator"].to_numpy()[order],
            "mean": mean[order],
            "p05": p05[order],
            "p95": p95[order],
            "days": first["days"].to_numpy()[order].astype(int),
            "replications": (~missing).sum(axis=1)[order].astype(int),
        }
    )


def experiment_monthly(
    daily: dict[str, list[pd.DataFrame]], populations: dict[str, float]
) -> pd.DataFrame:
    """``monthly_bands({name: [monthly_indicators(d, population) for d in runs]})`` without a
    frame per replication: each scenario's replications (same dates) are summed by month at
    once. Same numbers (sums of whole counts are exact in any order)."""
    parts = []
    columns = ["scenario", "month", "indicator", "mean", "p05", "p95", "days", "replications"]
    for scenario, runs in daily.items():
        if not runs:
            continue
        pop = populations[scenario]
        first = monthly_indicators(runs[0], pop)
        dates = runs[0]["date"]
        if any(not r["date"].equals(dates) for r in runs):
            parts.append(monthly_bands({scenario: [monthly_indicators(r, pop) for r in runs]}))
            continue
        month = pd.to_datetime(dates).to_numpy().astype("datetime64[M]")
        _, which = np.unique(month, return_inverse=True)
        which = which.ravel()
        k = int(which.max()) + 1
        n_days = len(dates)
        cut = n_days - 30 if n_days > 30 else n_days
        onehot = np.zeros((n_days, k))
        onehot[np.arange(n_days), which] = 1.0
        early = onehot * (runs[0]["day"].to_numpy() < cut)[:, None]

        def cube(column: str, runs: list[pd.DataFrame] = runs) -> np.ndarray:
            return np.stack([r[column].to_numpy(dtype=np.float64) for r in runs])

        left_all = cube("left_acute")
        delayed = cube("acute_delayed") @ onehot  # replication x month, whole numbers: exact
        left = left_all @ onehot
        over = cube("left_acute_over_7") @ onehot
        left_e = left_all @ early
        readm = cube("readmissions_within_30") @ early
        den = onehot.sum(axis=0) * pop
        with np.errstate(divide="ignore", invalid="ignore"):
            dtoc = delayed / den * 100_000.0 if pop > 0 else np.full(delayed.shape, math.nan)
            long_stays = np.where(left != 0, over / left * 100.0, math.nan)
            readm_rate = np.where(left_e != 0, readm / left_e * 100.0, math.nan)
        values = np.stack([dtoc, long_stays, readm_rate], axis=2).reshape(len(runs), 3 * k)
        parts.append(_bands_of(scenario, first, values.T))
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _monthly_bands_grouped(scenario: str, runs: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`monthly_bands` of one scenario whose replications have different months."""
    rows = []
    cube = pd.concat(runs, keys=range(len(runs)), names=["replication", "row"])
    for (month, indicator), g in cube.groupby(["month", "indicator"], sort=True):
        x = g["value"].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        if x.size:
            mean = float(x.mean())
            p05, p95 = (float(v) for v in np.quantile(x, [0.05, 0.95]))
        else:
            mean = p05 = p95 = math.nan
        rows.append(
            {
                "scenario": scenario,
                "month": month,
                "indicator": indicator,
                "mean": mean,
                "p05": p05,
                "p95": p95,
                "days": int(g["days"].iloc[0]),
                "replications": int(x.size),
            }
        )
    return pd.DataFrame(rows)
