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
