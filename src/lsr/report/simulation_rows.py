"""The simulation's summary rows as text: the comparison of scenarios, the flows out of acute
beds and acute occupancy against the bed base, shared by the terminal (``lsr simulate``) and the
HTML/PDF report. Kept free of the report's rendering and chart libraries so that the command
can print its tables without loading them."""

from __future__ import annotations

import math
from typing import Any

from lsr.flow.experiment import METRICS, ExperimentResult, Metric
from lsr.flow.outputs import FLOW_COLUMNS
from lsr.flow.scenario import BASE_NAME

#: Destinations of patients leaving acute beds (totals ``flow_<dest>``), then readmissions.
FLOW_LABELS: dict[str, str] = {
    "flow_home": "Home without new support (pathway 0)",
    "flow_home_care": "Home care / reablement (pathway 1)",
    "flow_step_down": "Step-down bed (pathway 2)",
    "flow_care_home": "Care home bed (pathway 3)",
    "flow_overflow_home_care": "Placed elsewhere: home care full",
    "flow_overflow_step_down": "Placed elsewhere: step-down beds full",
    "flow_overflow_care_home": "Placed elsewhere: care home beds full",
    "flow_readmitted": "Emergency readmissions arriving",
}
assert set(FLOW_LABELS) == set(FLOW_COLUMNS)
MODEL_COVERAGE = (
    "The model covers emergency admissions of people aged 65 and over only, while the delayed "
    "transfers of care rate counts delays of all adults aged 18 and over, so the simulated rate "
    "counts only part of what the observed rate counts (a scenario calibrated to the area with "
    "lsr calibrate absorbs the difference in its fitted capacities)."
)


def format_metric(metric: Metric, value: float, *, signed: bool = False) -> str:
    """A metric value for display (scaled, rounded; £ for costs)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = value * metric.scale
    sign = "+" if signed and v > 0 else ""
    if metric.unit == "£":
        return f"{sign}{'-' if v < 0 else ''}£{abs(v):,.0f}"
    return f"{sign}{v:,.{metric.decimals}f}"


def comparison_rows(result: ExperimentResult) -> list[dict[str, Any]]:
    """One row per headline metric: label, unit and per scenario the mean and 5%-95% range;
    for scenarios other than the base case the paired difference and its 95% CI, as text."""
    rows = []
    for metric in METRICS:
        if metric.key not in set(result.results["metric"]):
            continue
        row: dict[str, Any] = {"metric": metric, "label": metric.label, "unit": metric.unit}
        cells = []
        for name in result.scenario_names:
            r = result.result(name, metric.key)
            cell = {
                "scenario": name,
                "mean": format_metric(metric, r["mean"]),
                "range": f"{format_metric(metric, r['p05'])} to {format_metric(metric, r['p95'])}",
                "diff": "",
                "ci": "",
                "significant": False,
            }
            if name != BASE_NAME:
                cell["diff"] = format_metric(metric, r["diff_mean"], signed=True)
                if not math.isnan(r["diff_lo"]):
                    lo = format_metric(metric, r["diff_lo"])
                    hi = format_metric(metric, r["diff_hi"])
                    cell["ci"] = f"{lo} to {hi}"
                    cell["significant"] = r["diff_lo"] > 0 or r["diff_hi"] < 0
            cells.append(cell)
        row["cells"] = cells
        rows.append(row)
    return rows


def flow_rows(result: ExperimentResult) -> list[dict[str, Any]]:
    """One row per destination of patients leaving acute beds (and readmissions arriving): per
    scenario the mean over replications of the number over the period and per day, as text.
    A last row (``total``) gives all patients leaving acute beds. Empty when the results have
    no flows."""
    have = set(result.results["metric"])
    if not set(FLOW_LABELS) <= have:
        return []
    days = {name: result.result(name, "days")["mean"] for name in result.scenario_names}
    rows = []
    keys = [k for k in FLOW_LABELS if k != "flow_readmitted"]
    for key in [*keys, "discharges", "flow_readmitted"]:
        label = FLOW_LABELS.get(key, "All leaving acute beds")
        cells = []
        for name in result.scenario_names:
            mean = float(result.result(name, key)["mean"])
            cells.append(
                {"scenario": name, "total": f"{mean:,.0f}", "per_day": f"{mean / days[name]:,.1f}"}
            )
        rows.append({"key": key, "label": label, "total": key == "discharges", "cells": cells})
    return rows


#: Acute bed occupancy flagged: above 92% (the level NHS England asks hospitals to stay below
#: for safe flow) and above 100% (more patients than beds).
OCCUPANCY_HIGH = 0.92
OCCUPANCY_OVER = 1.00
#: The flags, in words with a symbol (never colour alone).
OCCUPANCY_FLAGS = {
    "over": "▲▲ over 100%",
    "high": "▲ above 92%",
    "ok": "at or below 92%",
    "unknown": "no bed base set",
}


def occupancy_level(share: float) -> str:
    """``over`` (above 100% of beds), ``high`` (above 92%), ``ok``, or ``unknown`` (NaN)."""
    if share is None or math.isnan(share):
        return "unknown"
    if share > OCCUPANCY_OVER:
        return "over"
    return "high" if share > OCCUPANCY_HIGH else "ok"


def _metric_mean(result: Any, scenario: str, metric: str) -> float:
    try:
        value = float(result.result(scenario, metric)["mean"])
    except KeyError:
        return math.nan
    return value


def occupancy_rows(result: Any) -> list[dict[str, Any]]:
    """Acute bed occupancy per scenario against its bed base: mean beds occupied, the beds,
    the mean as a % of beds with its flag (:func:`occupancy_level`) and, when the daily series is
    there, the days whose mean occupancy was above 92% and above 100% of the beds.

    The bed base is the scenario's ``acute_beds``, recovered from the summaries
    (``acute_occupancy_mean / acute_bed_occupancy``, both means over replications of a run
    with a fixed bed number), so stored runs need no scenario file. Empty without the
    occupancy metric."""
    rows: list[dict[str, Any]] = []
    daily = getattr(result, "daily", None)
    for name in result.scenario_names:
        occupied = _metric_mean(result, name, "acute_occupancy_mean")
        if math.isnan(occupied):
            return []
        share = _metric_mean(result, name, "acute_bed_occupancy")
        beds = occupied / share if share > 0 else math.nan
        level = occupancy_level(share)
        row = {
            "scenario": name,
            "occupied": f"{occupied:,.1f}",
            "beds": "–" if math.isnan(beds) else f"{round(beds):,}",
            "percent": "–" if math.isnan(share) else f"{share:.1%}",
            "level": level,
            "flag": OCCUPANCY_FLAGS[level],
            "days_high": "–",
            "days_over": "–",
            "days": "",
        }
        if daily is not None and not math.isnan(beds) and "metric" in daily.columns:
            d = daily[(daily["scenario"] == name) & (daily["metric"] == "acute_occupied")]
            if len(d):
                beds_int = round(beds)
                row["days_high"] = f"{int((d['mean'] > OCCUPANCY_HIGH * beds_int).sum()):,}"
                row["days_over"] = f"{int((d['mean'] > OCCUPANCY_OVER * beds_int).sum()):,}"
                row["days"] = f"{len(d):,}"
        rows.append(row)
    return rows
