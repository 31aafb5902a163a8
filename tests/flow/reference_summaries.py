"""A slow reference copy of the summaries as they were before they were made fast (2026-11-29):
``outputs.summarise`` and the experiment's ``daily_bands``, ``monthly_indicators`` and
``monthly_bands``, unchanged. tests/flow/test_summaries_fast.py checks the fast versions give
the same numbers."""

# ruff: noqa

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lsr.flow.engine_reference import (
    R_C,
    R_DI,
    R_DII,
    R_E,
    R_G,
    REASON_AGENCY,
    REASONS,
    PatientRecords,
)
from lsr.flow.parameters import PATHWAY_SERVICE, FlowParameters
from lsr.flow.sampling import FlowInputs

#: Waiting-for-service reason codes with their names (reason A is derived from assessments).
_WAIT_REASONS = {R_C: "C", R_DI: "Di", R_DII: "Dii", R_E: "E", R_G: "G"}
AGENCIES: tuple[str, ...] = ("nhs", "social_care", "both")
#: Destinations of patients leaving the acute bed (daily columns and totals ``flow_<dest>``):
#: home without a service, each service, and placed elsewhere because a service was full.
FLOW_DESTINATIONS: tuple[str, ...] = (
    "home",
    *(s for s in PATHWAY_SERVICE.values() if s is not None),
    *(f"overflow_{s}" for s in PATHWAY_SERVICE.values() if s is not None),
)
#: Daily flow columns: out of the acute bed by destination, then readmissions arriving.
FLOW_COLUMNS: tuple[str, ...] = (*(f"flow_{d}" for d in FLOW_DESTINATIONS), "flow_readmitted")


@dataclass(frozen=True, eq=False)
class RunSummary:
    """One run's outputs: ``daily`` (one row per day of the period) and ``totals``."""

    daily: pd.DataFrame
    totals: dict[str, float]


def count_at(start: np.ndarray, end: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Number of intervals ``[start, end)`` containing each of ``times``.

    NaN starts are ignored (never began); NaN ends mean still open."""
    ok = ~np.isnan(start)
    s = np.sort(start[ok])
    e = np.sort(np.where(np.isnan(end[ok]), np.inf, end[ok]))
    return np.searchsorted(s, times, side="right") - np.searchsorted(e, times, side="right")


def integral(start: np.ndarray, end: np.ndarray, t0: float, t1: float) -> float:
    """Total time the intervals ``[start, end)`` spend inside ``[t0, t1)`` (in days)."""
    ok = ~np.isnan(start)
    s = np.maximum(start[ok], t0)
    e = np.minimum(np.where(np.isnan(end[ok]), np.inf, end[ok]), t1)
    return float(np.sum(np.clip(e - s, 0.0, None)))


def _in(x: np.ndarray, t0: float, t1: float) -> np.ndarray:
    return (x >= t0) & (x < t1)


def delay_intervals(
    inputs: FlowInputs, records: PatientRecords
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Start and end of each slot's delay by reason (NaN start where not delayed for it)."""
    n = records.n
    nan = np.full(n, np.nan)
    chc_h = inputs.needs_chc[:n] & bool(inputs.chc_in_hospital)
    out = {"A": (np.where(chc_h, records.fit, np.nan), records.assess_end)}
    wait_start = np.where(chc_h, records.assess_end, records.fit)
    for code, name in _WAIT_REASONS.items():
        sel = records.delay_reason == code
        out[name] = (np.where(sel, wait_start, nan), records.leave_acute)
    return out


def _readmitted_within_30(r: PatientRecords) -> np.ndarray:
    """``bool[n]``: the slot left the acute bed and was readmitted as an emergency within 30
    days (the readmission arriving before the end of the run)."""
    readm = np.zeros(r.n, dtype=bool)
    q = np.flatnonzero(r.is_readmission & ~np.isnan(r.arrival))
    idx = r.index_patient[q]
    readm[idx[r.arrival[q] - r.leave_acute[idx] <= 30.0]] = True
    return readm


def summarise(params: FlowParameters, inputs: FlowInputs, records: PatientRecords) -> RunSummary:
    """Daily counts and period totals for days ``0 .. params.days - 1``."""
    r = records
    n = r.n
    days = int(params.days)
    horizon = float(days)
    day = np.arange(days)
    midday = day + 0.5
    pathway = inputs.pathway[:n]

    daily: dict[str, np.ndarray] = {"day": day}
    arrived = r.arrival[_in(r.arrival, 0.0, horizon)]
    daily["arrivals"] = np.bincount(np.floor(arrived).astype(np.int64), minlength=days)[:days]
    daily["acute_occupied"] = count_at(r.arrival, r.leave_acute, midday)
    daily["acute_delayed"] = count_at(r.fit, r.leave_acute, midday)
    delays = delay_intervals(inputs, r)
    for name, (s, e) in delays.items():
        daily[f"delayed_{name}"] = count_at(s, e, midday)
    for agency in AGENCIES:
        names = [k for k, v in REASON_AGENCY.items() if v == agency]
        daily[f"delayed_{agency}"] = sum(
            (daily[f"delayed_{k}"] for k in names), start=np.zeros(days, dtype=np.int64)
        )
    for pw, svc in PATHWAY_SERVICE.items():
        if svc is None:
            continue
        sel = pathway == pw
        daily[f"{svc}_occupied"] = count_at(r.service_start[sel], r.service_end[sel], midday)
    daily["assessors_busy"] = count_at(r.assess_start, r.assess_end, midday)
    for pw, svc in PATHWAY_SERVICE.items():
        if svc is None:
            continue
        sel = r.overflowed & (pathway == pw) & _in(r.leave_acute, 0.0, horizon)
        daily[f"overflow_{svc}"] = np.bincount(
            np.floor(r.leave_acute[sel]).astype(np.int64), minlength=days
        )[:days]
    left = _in(r.leave_acute, 0.0, horizon)
    leave_day = np.floor(np.where(left, r.leave_acute, 0.0)).astype(np.int64)

    def per_leave_day(sel: np.ndarray) -> np.ndarray:
        """Patients with ``sel`` leaving the acute bed on each day of the period."""
        return np.bincount(leave_day[sel & left], minlength=days)[:days]

    los = r.leave_acute - r.arrival
    readm = _readmitted_within_30(r)
    daily["left_acute"] = per_leave_day(left)
    daily["left_acute_over_7"] = per_leave_day(los > 7)
    daily["readmissions_within_30"] = per_leave_day(readm)
    # flows out of the acute bed, by destination: each leaver is counted once, on its day
    started = ~np.isnan(r.service_start)
    daily["flow_home"] = per_leave_day(~started & ~r.overflowed)
    for pw, svc in PATHWAY_SERVICE.items():
        if svc is not None:
            daily[f"flow_{svc}"] = per_leave_day(started & ~r.overflowed & (pathway == pw))
    for pw, svc in PATHWAY_SERVICE.items():
        if svc is not None:
            daily[f"flow_overflow_{svc}"] = per_leave_day(r.overflowed & (pathway == pw))
    readmitted = np.floor(r.arrival[r.is_readmission & _in(r.arrival, 0.0, horizon)])
    daily["flow_readmitted"] = np.bincount(readmitted.astype(np.int64), minlength=days)[:days]
    frame = pd.DataFrame(daily)
    frame.insert(1, "date", pd.date_range(pd.Timestamp(params.start), periods=days, freq="D"))

    t: dict[str, float] = {"days": float(days)}
    in_window = _in(r.arrival, 0.0, horizon)
    t["admissions"] = float(in_window.sum())
    t["readmissions"] = float((in_window & r.is_readmission).sum())
    t["discharges"] = float(left.sum())
    t["overflow"] = float((r.overflowed & left).sum())
    delayed_days = integral(r.fit, r.leave_acute, 0.0, horizon)
    t["delayed_days"] = delayed_days
    for name in REASONS[1:]:
        s, e = delays[name]
        t[f"delayed_days_{name}"] = integral(s, e, 0.0, horizon)
    for agency in AGENCIES:
        t[f"delayed_days_{agency}"] = float(
            sum(t[f"delayed_days_{k}"] for k, v in REASON_AGENCY.items() if v == agency)
        )
    los = los[left]
    t["mean_acute_los"] = float(los.mean()) if los.size else math.nan
    t["share_los_over_7"] = float((los > 7).mean()) if los.size else math.nan
    t["share_los_over_21"] = float((los > 21).mean()) if los.size else math.nan
    # readmission rate: discharges in [0, days - 30) (all of the period if it is shorter), with
    # an emergency readmission within 30 days; every such readmission falls inside the run.
    cut = horizon - 30.0 if horizon > 30.0 else horizon
    base = _in(r.leave_acute, 0.0, cut)
    t["readmission_rate"] = float(readm[base].sum() / base.sum()) if base.any() else math.nan
    t["dtoc_per_100k"] = (
        delayed_days / days / params.adult_population * 100000.0
        if params.adult_population > 0
        else math.nan
    )
    acute_bed_days = integral(r.arrival, r.leave_acute, 0.0, horizon)
    t["acute_bed_days"] = acute_bed_days
    t["acute_occupancy_mean"] = acute_bed_days / days
    t["acute_bed_occupancy"] = (
        acute_bed_days / days / params.acute_beds if params.acute_beds > 0 else math.nan
    )
    t["assessor_days"] = integral(r.assess_start, r.assess_end, 0.0, horizon)
    costs = params.costs
    t["cost_acute_delayed"] = delayed_days * costs.acute_delayed_day
    t["cost_acute"] = (acute_bed_days - delayed_days) * costs.acute_bed_day
    total = t["cost_acute_delayed"] + t["cost_acute"]
    for pw, svc in PATHWAY_SERVICE.items():
        if svc is None:
            continue
        sel = pathway == pw
        bed_days = integral(r.service_start[sel], r.service_end[sel], 0.0, horizon)
        t[f"bed_days_{svc}"] = bed_days
        t[f"overflow_{svc}"] = float(daily[f"overflow_{svc}"].sum())
        t[f"cost_{svc}"] = bed_days * params.service(svc).unit_cost
        total += t[f"cost_{svc}"]
    t["cost_total"] = total
    for name in FLOW_COLUMNS:
        t[name] = float(daily[name].sum())
    t["events"] = float(r.events)
    t["dropped_readmissions"] = float(r.dropped_readmissions)
    return RunSummary(daily=frame, totals=t)


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
    month = pd.to_datetime(d["date"]).dt.to_period("M").dt.to_timestamp()
    n_days = len(d)
    cut = n_days - 30 if n_days > 30 else n_days
    rows = []
    for m, idx in d.groupby(month, sort=True).groups.items():
        g = d.loc[idx]
        delayed = float(g["acute_delayed"].sum())
        den = float(len(g)) * adult_population
        value = delayed / den * 100_000.0 if adult_population > 0 else math.nan
        rows.append([m, "dtoc_18", delayed, den, value, len(g)])
        left = float(g["left_acute"].sum())
        over = float(g["left_acute_over_7"].sum())
        rows.append(
            [m, "long_stays_65", over, left, over / left * 100.0 if left else math.nan, len(g)]
        )
        e = g[g["day"] < cut]
        left_e = float(e["left_acute"].sum())
        readm = float(e["readmissions_within_30"].sum())
        value = readm / left_e * 100.0 if left_e else math.nan
        rows.append([m, "readmissions_30d_65", readm, left_e, value, len(e)])
    return pd.DataFrame(rows, columns=_MONTHLY_COLUMNS)


def monthly_bands(monthly: dict[str, list[pd.DataFrame]]) -> pd.DataFrame:
    """Per scenario, month and indicator: the mean and 5% and 95% quantiles over replications
    of :func:`monthly_indicators` (replications with no value that month are left out).
    Columns ``scenario, month, indicator, mean, p05, p95, days, replications``."""
    rows = []
    for scenario, runs in monthly.items():
        if not runs:
            continue
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
    columns = ["scenario", "month", "indicator", "mean", "p05", "p95", "days", "replications"]
    return pd.DataFrame(rows, columns=columns)


def _precision(values, confidence=0.95):
    from scipy import stats

    x = np.asarray(values, dtype=float)
    n = int(x.size)
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return n, mean, math.inf
    sd = float(x.std(ddof=1))
    hw = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return n, mean, hw


def paired_difference(scenario, base, confidence=0.95):
    d = np.asarray(scenario, dtype=float) - np.asarray(base, dtype=float)
    n, mean, hw = _precision(d, confidence)
    if n < 2:
        return mean, math.nan, math.nan
    return mean, mean - hw, mean + hw


def summarise_totals(totals: pd.DataFrame, base_name: str = "Base case") -> pd.DataFrame:
    """Per scenario and metric: mean and 5%, 50%, 95% quantiles over replications, and the
    difference from ``base_name`` paired by replication with its 95% CI.

    ``totals`` has columns ``scenario``, ``replication`` and one column per metric."""
    metrics = [c for c in totals.columns if c not in ("scenario", "replication")]
    base = totals[totals["scenario"] == base_name].set_index("replication").sort_index()
    rows = []
    for scenario, frame in totals.groupby("scenario", sort=False):
        frame = frame.set_index("replication").sort_index()
        for metric in metrics:
            x = frame[metric].to_numpy(dtype=float)
            p05, p50, p95 = np.quantile(x, [0.05, 0.5, 0.95])
            if scenario == base_name:
                diff = (math.nan, math.nan, math.nan)
            else:
                common = frame.index.intersection(base.index)
                diff = paired_difference(
                    frame.loc[common, metric].to_numpy(float),
                    base.loc[common, metric].to_numpy(float),
                )
            rows.append(
                {
                    "scenario": scenario,
                    "metric": metric,
                    "mean": float(x.mean()),
                    "p05": float(p05),
                    "p50": float(p50),
                    "p95": float(p95),
                    "diff_mean": diff[0],
                    "diff_lo": diff[1],
                    "diff_hi": diff[2],
                }
            )
    return pd.DataFrame(rows)
