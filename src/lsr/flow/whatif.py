"""What-if: one area's base case against one changed case, on common random numbers, fast.

:func:`run_whatif` runs replications ``0 .. replications-1`` of both parameter sets with the same
seed and the same arrival thinning rate, so replication ``r`` of both sees the same patients
(see :mod:`lsr.flow.sampling`), and returns the daily bands of each (mean, 5% and 95% over
replications) and the paired differences (changed - base) per day, with their 95% confidence
intervals, plus the same for the period totals.

Speed: when the change leaves the patients alone (capacities, overflow rules, where CHC
assessments happen: :func:`~lsr.flow.sampling.patient_key` is unchanged), the patients are drawn
once per replication and only the system is swapped (:func:`~lsr.flow.sampling.with_system`);
when only the arrival rate changes (a surge), both cases share the candidate arrivals and their
attributes (:func:`~lsr.flow.sampling.draw_inputs_many`). Either way the inputs are exactly
those of separate draws.
With the compiled functions loaded (:func:`warm`, once per process), 40 replications of a
mid-sized council's winter take well under a second (``bench/bench_whatif.py``).

Pure computation: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from lsr.flow.engine import simulate
from lsr.flow.experiment import DEFAULT_SEED, daily_bands, experiment_max_rate
from lsr.flow.outputs import RunSummary, summarise
from lsr.flow.parameters import FlowParameters
from lsr.flow.sampling import draw_inputs, draw_inputs_many, patient_key, with_system

__all__ = ["WhatIfResult", "run_whatif", "warm"]

BASE = "base"
CHANGED = "changed"


@dataclass(frozen=True)
class WhatIfResult:
    """Both cases' daily bands and their paired differences.

    ``daily``: columns ``scenario`` (``"base"`` / ``"changed"``), ``day``, ``date``, ``metric``,
    ``mean``, ``p05``, ``p95`` (as :func:`lsr.flow.experiment.daily_bands`).
    ``difference``: per ``day``, ``date`` and ``metric``, the changed minus the base case paired
    by replication: ``mean``, ``lo`` and ``hi`` (95% confidence interval of the mean difference,
    Student t), ``p05`` and ``p95`` (5% and 95% quantiles of the per-replication differences).
    ``totals``: per period total (``metric``), ``base``, ``changed`` (means over replications)
    and the paired difference ``diff_mean``, ``diff_lo``, ``diff_hi``.
    ``same_patients``: the change left the patients alone (drawn once, system swapped).
    """

    daily: pd.DataFrame
    difference: pd.DataFrame
    totals: pd.DataFrame
    replications: int
    seed: int
    max_rate: float
    same_patients: bool


def _t_half_width(sd: np.ndarray, n: int) -> np.ndarray:
    if n < 2:
        return np.full(sd.shape, math.nan)
    return stdtrit(n - 1, 0.975) * sd / math.sqrt(n)


def _runs(
    base: FlowParameters,
    changed: FlowParameters,
    replications: int,
    seed: int,
    max_rate: float,
) -> tuple[list[RunSummary], list[RunSummary], bool]:
    same = patient_key(base) == patient_key(changed)
    out_b: list[RunSummary] = []
    out_c: list[RunSummary] = []
    for rep in range(replications):
        if same:
            xb = draw_inputs(base, seed, rep, max_rate=max_rate)
            xc = with_system(xb, changed)
        else:  # shares what it can (all of it when only the arrival rate changes)
            xb, xc = draw_inputs_many([base, changed], seed, rep, max_rate=max_rate)
        out_b.append(summarise(base, xb, simulate(xb)))
        out_c.append(summarise(changed, xc, simulate(xc)))
    return out_b, out_c, same


def run_whatif(
    params_base: FlowParameters,
    params_changed: FlowParameters,
    replications: int = 40,
    seed: int = DEFAULT_SEED,
    max_rate: float | None = None,
) -> WhatIfResult:
    """Run ``params_base`` and ``params_changed`` for ``replications`` replications each on
    common random numbers (same seed, same replications, same thinning rate: ``max_rate``, by
    default the larger of the two defaults) and compare them day by day.

    Both must describe the same period (``start`` and ``days``)."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if (params_base.start, params_base.days) != (params_changed.start, params_changed.days):
        raise ValueError("the base and changed cases must cover the same period (start, days)")
    rate = experiment_max_rate([params_base, params_changed]) if max_rate is None else max_rate
    base, changed, same = _runs(params_base, params_changed, replications, seed, rate)
    daily = daily_bands({BASE: [s.daily for s in base], CHANGED: [s.daily for s in changed]})

    first = base[0].daily
    metrics = [c for c in first.columns if c not in ("day", "date")]
    cube_b = np.stack([s.daily[metrics].to_numpy(dtype=float) for s in base])
    cube_c = np.stack([s.daily[metrics].to_numpy(dtype=float) for s in changed])
    d = cube_c - cube_b  # replication x day x metric
    mean = d.mean(axis=0)
    hw = _t_half_width(
        d.std(axis=0, ddof=1) if replications > 1 else np.zeros_like(mean), replications
    )
    p05, p95 = np.quantile(d, [0.05, 0.95], axis=0)
    n_days = d.shape[1]
    difference = pd.DataFrame(
        {
            "day": np.repeat(first["day"].to_numpy(), len(metrics)),
            "date": np.repeat(first["date"].to_numpy(), len(metrics)),
            "metric": np.tile(metrics, n_days),
            "mean": mean.ravel(),
            "lo": (mean - hw).ravel(),
            "hi": (mean + hw).ravel(),
            "p05": p05.ravel(),
            "p95": p95.ravel(),
        }
    )

    keys = list(base[0].totals)
    tb = np.array([[s.totals[k] for k in keys] for s in base])
    tc = np.array([[s.totals[k] for k in keys] for s in changed])
    dt = tc - tb
    with np.errstate(invalid="ignore"):
        dmean = dt.mean(axis=0)
        dhw = _t_half_width(dt.std(axis=0, ddof=1) if replications > 1 else dmean * 0, replications)
        totals = pd.DataFrame(
            {
                "metric": keys,
                "base": tb.mean(axis=0),
                "changed": tc.mean(axis=0),
                "diff_mean": dmean,
                "diff_lo": dmean - dhw,
                "diff_hi": dmean + dhw,
            }
        )
    return WhatIfResult(daily, difference, totals, replications, seed, float(rate), same)


def warm(params: FlowParameters | None = None) -> None:
    """Load the compiled engine and summaries (from numba's cache, or compile them) so that the
    first :func:`run_whatif` of a process is as fast as the next ones."""
    if params is None:
        from datetime import date

        from lsr.flow.parameters import Arrivals, CapacityStep, Duration, Service

        params = FlowParameters(
            start=date(2024, 1, 1),
            days=3,
            arrivals=Arrivals(2.0),
            acute_length_of_stay=Duration(1.0, 0.5),
            pathway_split=(0.25, 0.25, 0.25, 0.25),
            services=tuple(
                Service(n, (CapacityStep(-1e9, 1),), Duration(1.0, 0.5))
                for n in ("home_care", "step_down", "care_home")
            ),
            warm_up_days=1,
        )
    run_whatif(params, params, replications=1)
