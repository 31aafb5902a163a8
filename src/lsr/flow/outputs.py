"""Summaries of one run, computed with numpy from the patient records (both engines share it).

Only days ``0 .. days-1`` are reported: the warm-up is discarded. Daily counts are taken at
midday (time ``day + 0.5``); totals over the period (bed days, delayed days) are exact integrals
of the piecewise-constant counts, computed from the patients' intervals.

Flows between services (:data:`FLOW_COLUMNS`) count patients on the day they leave the acute
bed, by destination: ``flow_home`` (left without a service: pathway 0), ``flow_<service>``
(moved into the service), ``flow_overflow_<service>`` (placed elsewhere because the service was
full, overflow rule ``"lose"``); every patient leaving the acute bed in the period is in exactly
one of these, so they add up to ``left_acute``. ``flow_readmitted`` counts readmissions arriving
that day. ``left_acute_over_7`` and ``readmissions_within_30`` count, by day of leaving the
acute bed, the patients whose acute stay was over 7 days and those readmitted as an emergency
within 30 days (a readmission after the end of the run is not seen), so the profile's
indicators can be formed for any month of the period.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date

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
from lsr.flow.parameters import PATHWAY_SERVICE, SERVICES, FlowParameters
from lsr.flow.sampling import FlowInputs
from lsr.flow.summary_kernel import COUNTS, DAILY_COLUMNS, TERMS, summary_pass

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


@functools.lru_cache(maxsize=64)
def _dates(start: date, days: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), periods=days, freq="D")


def summarise(params: FlowParameters, inputs: FlowInputs, records: PatientRecords) -> RunSummary:
    """Daily counts and period totals for days ``0 .. params.days - 1``.

    One compiled pass over the records (:func:`lsr.flow.summary_kernel.summary_pass`); the
    numbers are those of the earlier numpy code, bit for bit (tests/flow/test_summaries_fast.py
    compares them with a copy of it)."""
    r = records
    n = r.n
    days = int(params.days)
    horizon = float(days)
    # readmission rate: discharges in [0, days - 30) (all of the period if it is shorter), with
    # an emergency readmission within 30 days; every such readmission falls inside the run.
    cut = horizon - 30.0 if horizon > 30.0 else horizon
    counts, terms, used, c = summary_pass(
        np.ascontiguousarray(r.arrival, dtype=np.float64),
        np.ascontiguousarray(r.fit, dtype=np.float64),
        np.ascontiguousarray(r.assess_start, dtype=np.float64),
        np.ascontiguousarray(r.assess_end, dtype=np.float64),
        np.ascontiguousarray(r.leave_acute, dtype=np.float64),
        np.ascontiguousarray(r.service_start, dtype=np.float64),
        np.ascontiguousarray(r.service_end, dtype=np.float64),
        np.ascontiguousarray(r.overflowed, dtype=np.bool_),
        np.ascontiguousarray(r.delay_reason, dtype=np.int8),
        np.ascontiguousarray(r.is_readmission, dtype=np.bool_),
        np.ascontiguousarray(r.index_patient, dtype=np.int64),
        np.ascontiguousarray(inputs.pathway[:n], dtype=np.int64),
        np.ascontiguousarray(inputs.needs_chc[:n], dtype=np.bool_),
        bool(inputs.chc_in_hospital),
        days,
        cut,
    )
    col = {name: counts[i] for i, name in enumerate(DAILY_COLUMNS)}
    count = {name: int(c[i]) for i, name in enumerate(COUNTS)}
    term = {name: terms[i, : used[i]] for i, name in enumerate(TERMS)}

    daily: dict[str, np.ndarray] = {"day": np.arange(days)}
    daily.update((k, col[k]) for k in DAILY_COLUMNS[:9])
    for agency in AGENCIES:
        names = [k for k, v in REASON_AGENCY.items() if v == agency]
        daily[f"delayed_{agency}"] = sum(
            (col[f"delayed_{k}"] for k in names), start=np.zeros(days, dtype=np.int64)
        )
    daily.update((k, col[k]) for k in DAILY_COLUMNS[9:])
    # one int64 block (much faster to build and to read back than one array per column)
    frame = pd.DataFrame(np.column_stack(list(daily.values())), columns=list(daily), copy=False)
    frame.insert(1, "date", _dates(params.start, days))

    t: dict[str, float] = {"days": float(days)}
    t["admissions"] = float(count["admissions"])
    t["readmissions"] = float(count["readmissions"])
    t["discharges"] = float(count["discharges"])
    t["overflow"] = float(count["overflow"])
    delayed_days = float(np.sum(term["delayed_days"]))
    t["delayed_days"] = delayed_days
    for name in REASONS[1:]:
        t[f"delayed_days_{name}"] = float(np.sum(term[f"delayed_days_{name}"]))
    for agency in AGENCIES:
        t[f"delayed_days_{agency}"] = float(
            sum(t[f"delayed_days_{k}"] for k, v in REASON_AGENCY.items() if v == agency)
        )
    los = term["los"]
    t["mean_acute_los"] = float(los.mean()) if los.size else math.nan
    left = count["discharges"]
    t["share_los_over_7"] = float(count["los_over_7"] / left) if left else math.nan
    t["share_los_over_21"] = float(count["los_over_21"] / left) if left else math.nan
    base = count["readmission_base"]
    t["readmission_rate"] = float(count["readmitted_base"] / base) if base else math.nan
    t["dtoc_per_100k"] = (
        delayed_days / days / params.adult_population * 100000.0
        if params.adult_population > 0
        else math.nan
    )
    acute_bed_days = float(np.sum(term["acute_bed_days"]))
    t["acute_bed_days"] = acute_bed_days
    t["acute_occupancy_mean"] = acute_bed_days / days
    t["acute_bed_occupancy"] = (
        acute_bed_days / days / params.acute_beds if params.acute_beds > 0 else math.nan
    )
    t["assessor_days"] = float(np.sum(term["assessor_days"]))
    costs = params.costs
    t["cost_acute_delayed"] = delayed_days * costs.acute_delayed_day
    t["cost_acute"] = (acute_bed_days - delayed_days) * costs.acute_bed_day
    total = t["cost_acute_delayed"] + t["cost_acute"]
    for svc in SERVICES:
        bed_days = float(np.sum(term[f"bed_days_{svc}"]))
        t[f"bed_days_{svc}"] = bed_days
        t[f"overflow_{svc}"] = float(col[f"overflow_{svc}"].sum())
        t[f"cost_{svc}"] = bed_days * params.service(svc).unit_cost
        total += t[f"cost_{svc}"]
    t["cost_total"] = total
    for name in FLOW_COLUMNS:
        t[name] = float(col[name].sum())
    t["events"] = float(r.events)
    t["dropped_readmissions"] = float(r.dropped_readmissions)
    return RunSummary(daily=frame, totals=t)
