"""The flow-model simulation report: a self-contained, accessible HTML page (and optional PDF).

Figures (Altair, rendered to SVG by :mod:`vl_convert`), each with a text alternative
(``role="img"``, ``aria-label``, ``<title>``/``<desc>``) and a data table with a caption and
``th scope``:

1. delayed patients in acute beds each day, per scenario, mean with a 5%-95% band over
   replications;
2. delayed days by reason, per scenario;
3. mean daily occupancy of each downstream service, per scenario;
4.-6. when an area is given (:class:`ObservedArea`), one figure per profile indicator the
   model reproduces (delayed transfers of care per 100,000 adults, stays over 7 days, 30-day
   readmissions): the area's observed monthly series as ``lsr profile`` shows it, and each
   scenario's simulated monthly values (mean, 5%-95% band) on the same time axis.

Scenarios are told apart by colour *and* line dash (never colour alone). Costs are shown with
their sources. The comparison table and the table of flows out of acute beds are shared with the
command line (:func:`comparison_rows`, :func:`flow_rows`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
from markupsafe import Markup

from lsr.core.indicators import get_indicator
from lsr.flow.experiment import METRICS, PROFILE_INDICATORS, ExperimentResult, Metric
from lsr.flow.outputs import FLOW_COLUMNS
from lsr.flow.parameters import SERVICES
from lsr.flow.scenario import BASE_NAME
from lsr.report.charts import SYNTHETIC_RED
from lsr.report.render import check_formats, template_environment, write_report
from lsr.report.sentences import SYNTHETIC_LABEL
from lsr.report.svg import accessible_svg, vega_svg

__all__ = [
    "FLOW_LABELS",
    "REASONS",
    "SCENARIO_COLOURS",
    "ObservedArea",
    "comparison_rows",
    "flow_rows",
    "format_metric",
    "render_simulation",
    "render_simulation_html",
    "simulation_context",
]

#: Line colours for scenarios (NHS identity colours, each at least 4.5:1 on white).
SCENARIO_COLOURS = ("#005eb8", "#d5281b", "#007f3b", "#330072", "#7c2855", "#425563", "#003087")
SCENARIO_DASHES = ([1, 0], [8, 4], [2, 3], [12, 3, 3, 3], [4, 2], [1, 0], [8, 4])

#: National DToC reason codes used by the model, with their meanings.
REASONS: dict[str, str] = {
    "A": "A: completion of assessment",
    "C": "C: further non-acute NHS care",
    "Di": "Di: residential home placement",
    "Dii": "Dii: nursing home placement",
    "E": "E: care package in own home",
    "G": "G: patient or family choice",
}
SERVICE_LABELS = {
    "home_care": "Home care / reablement packages (pathway 1)",
    "step_down": "Step-down beds (pathway 2)",
    "care_home": "Care home beds (pathway 3)",
}
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
WIDTH = 620
HEIGHT = 260
FONT = "DejaVu Sans, Arial, sans-serif"
TEXT = "#212b32"
#: Colour of an area's observed series (the scenarios use SCENARIO_COLOURS).
OBSERVED_COLOUR = TEXT
MODEL_COVERAGE = (
    "The model covers emergency admissions of people aged 65 and over only, while the delayed "
    "transfers of care rate counts delays of all adults aged 18 and over, so the simulated rate "
    "counts only part of what the observed rate counts (a scenario calibrated to the area with "
    "lsr calibrate absorbs the difference in its fitted capacities)."
)


@dataclass(frozen=True)
class ObservedArea:
    """An area's observed monthly series of the profile indicators the model reproduces.

    ``series`` has columns ``indicator, period, value, suppressed, synthetic, source`` (as
    :func:`lsr.data.flow_store.observed_indicator_series` returns them)."""

    code: str
    name: str
    series: pd.DataFrame


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


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _scenario_scales(names: list[str]) -> tuple[alt.Scale, alt.Scale]:
    colours = [SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i in range(len(names))]
    dashes = [SCENARIO_DASHES[i % len(SCENARIO_DASHES)] for i in range(len(names))]
    return alt.Scale(domain=names, range=colours), alt.Scale(domain=names, range=dashes)


def _title(text: str, subtitle: str) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=[subtitle], anchor="start", color=TEXT)


def _finish(chart: Any) -> Any:
    return (
        chart.configure(font=FONT)
        .configure_axis(labelColor=TEXT, titleColor=TEXT)
        .configure_legend(labelColor=TEXT, titleColor=TEXT, labelLimit=320, symbolStrokeWidth=2)
        .configure_header(labelColor=TEXT, titleColor=TEXT)
    )


def _daily(result: ExperimentResult, metric: str) -> pd.DataFrame:
    d = result.daily[result.daily["metric"] == metric].copy()
    d["date"] = pd.to_datetime(d["date"])
    return d


def delayed_chart(result: ExperimentResult, number: int) -> Any:
    """Figure: delayed patients in acute beds each day, mean and 5%-95% band per scenario."""
    names = result.scenario_names
    colour, dash = _scenario_scales(names)
    d = _daily(result, "acute_delayed")
    x = alt.X("date:T", title="Date", axis=alt.Axis(format="%d %b %Y", labelAngle=-45))
    band = (
        alt.Chart(d)
        .mark_area(opacity=0.12)
        .encode(
            x=x,
            y=alt.Y("p05:Q", title="Delayed patients in acute beds"),
            y2="p95:Q",
            fill=alt.Fill("scenario:N", scale=colour, legend=None),
        )
    )
    lines = (
        alt.Chart(d)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y="mean:Q",
            color=alt.Color("scenario:N", scale=colour, title="Scenario"),
            strokeDash=alt.StrokeDash("scenario:N", scale=dash, title="Scenario"),
        )
    )
    title = _title(
        f"Figure {number}: delayed patients in acute beds each day",
        f"Mean over {result.replications} replications; shaded: 5% to 95% of replications",
    )
    chart = alt.layer(band, lines, title=title).resolve_legend(fill="independent")
    return _finish(chart.properties(width=WIDTH, height=HEIGHT))


def _reason_frame(result: ExperimentResult) -> pd.DataFrame:
    rows = []
    for name in result.scenario_names:
        for code, label in REASONS.items():
            key = f"delayed_days_{code}"
            if key in set(result.results["metric"]):
                rows.append(
                    {"scenario": name, "reason": label, "days": result.result(name, key)["mean"]}
                )
    return pd.DataFrame(rows)


def reasons_chart(result: ExperimentResult, number: int) -> Any:
    """Figure: mean delayed days by reason, per scenario (grouped bars)."""
    names = result.scenario_names
    colour, _ = _scenario_scales(names)
    d = _reason_frame(result)
    chart = (
        alt.Chart(d)
        .mark_bar(stroke=TEXT, strokeWidth=0.5)
        .encode(
            x=alt.X("reason:N", title="Reason for delay", sort=list(REASONS.values())),
            xOffset=alt.XOffset("scenario:N", sort=names),
            y=alt.Y("days:Q", title="Delayed days over the period (mean)"),
            color=alt.Color("scenario:N", scale=colour, title="Scenario"),
            opacity=alt.Opacity(
                "scenario:N",
                scale=alt.Scale(
                    domain=names, range=[1.0, 0.8, 0.65, 0.5, 0.9, 0.7, 0.55][: len(names)]
                ),
                legend=None,
            ),
        )
        .properties(
            width=WIDTH,
            height=HEIGHT,
            title=_title(
                f"Figure {number}: delayed days by reason",
                f"Mean over {result.replications} replications, by national reason code",
            ),
        )
    )
    return _finish(chart)


def occupancy_chart(result: ExperimentResult, number: int) -> Any:
    """Figure: mean daily occupancy of each downstream service, per scenario."""
    names = result.scenario_names
    colour, dash = _scenario_scales(names)
    frames = []
    for service in SERVICES:
        d = _daily(result, f"{service}_occupied")
        d["service"] = SERVICE_LABELS[service]
        frames.append(d)
    d = pd.concat(frames, ignore_index=True)
    chart = (
        alt.Chart(d)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X(
                "date:T",
                title="Date",
                axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 1}),
            ),
            y=alt.Y("mean:Q", title="Places in use (mean)", scale=alt.Scale(zero=False)),
            color=alt.Color("scenario:N", scale=colour, title="Scenario"),
            strokeDash=alt.StrokeDash("scenario:N", scale=dash, title="Scenario"),
        )
        .properties(width=WIDTH, height=130)
        .facet(
            row=alt.Row(
                "service:N",
                title=None,
                sort=[SERVICE_LABELS[s] for s in SERVICES],
                header=alt.Header(labelOrient="top", labelAnchor="start", labelFontWeight="bold"),
            ),
            title=_title(
                f"Figure {number}: occupancy of community services",
                f"Mean places in use each day over {result.replications} replications",
            ),
        )
        .resolve_scale(y="independent")
    )
    return _finish(chart)


#: Short axis titles of the profile indicators drawn beside the simulation.
INDICATOR_AXIS = {
    "dtoc_18": "Delayed beds a day per 100,000 aged 18+",
    "long_stays_65": "% of stays over 7 days",
    "readmissions_30d_65": "% readmitted within 30 days",
}
#: The charts show observed months from this many months before the simulated period (the
#: data tables show every month).
OBSERVED_MONTHS_BEFORE = 24


def _window_start(result: ExperimentResult) -> pd.Timestamp:
    """First month drawn: ``OBSERVED_MONTHS_BEFORE`` months before the simulated start."""
    start = pd.Timestamp(pd.to_datetime(result.daily["date"]).min()).to_period("M")
    return (start - OBSERVED_MONTHS_BEFORE).to_timestamp()


def _observed_label(observed: ObservedArea, synthetic: bool) -> str:
    return f"Observed: {observed.name}" + (" (SYNTHETIC)" if synthetic else "")


def _indicator_frames(
    result: ExperimentResult, observed: ObservedArea, indicator: str
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The observed series (``period, value``; suppressed values NaN), the simulated monthly
    bands (``scenario, month, mean, p05, p95, days``) and whether the observed is synthetic.
    The simulated DToC rate is left out when the adult population is not set."""
    obs = observed.series[observed.series["indicator"] == indicator].copy()
    obs["period"] = pd.to_datetime(obs["period"])
    obs.loc[obs["suppressed"].astype(bool), "value"] = math.nan
    synthetic = bool(obs["synthetic"].any()) if len(obs) else False
    m = result.monthly
    if m.empty or (indicator == "dtoc_18" and not result.adult_population > 0):
        sim = pd.DataFrame(columns=["scenario", "month", "mean", "p05", "p95", "days"])
    else:
        sim = m[(m["indicator"] == indicator) & m["mean"].notna()].copy()
        sim["month"] = pd.to_datetime(sim["month"])
    return obs, sim, synthetic


def indicator_comparison_chart(
    result: ExperimentResult, number: int, *, observed: ObservedArea, indicator: str
) -> Any:
    """Figure: an area's observed monthly series of a profile indicator and each scenario's
    simulated monthly values (mean, 5%-95% band over replications), on one time axis."""
    ind = get_indicator(indicator)
    obs, sim, synthetic = _indicator_frames(result, observed, indicator)
    names = result.scenario_names
    obs_label = _observed_label(observed, synthetic)
    domain = [obs_label, *names]
    colours = [
        OBSERVED_COLOUR,
        *(SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i in range(len(names))),
    ]
    dashes = [[1, 0], *(SCENARIO_DASHES[i % len(SCENARIO_DASHES)] for i in range(len(names)))]
    colour = alt.Scale(domain=domain, range=colours)
    dash = alt.Scale(domain=domain, range=dashes)
    first = _window_start(result)
    cut = bool((obs["period"] < first).any())
    obs = obs[obs["period"] >= first]
    lines = pd.concat(
        [
            pd.DataFrame({"series": obs_label, "date": obs["period"], "value": obs["value"]}),
            pd.DataFrame({"series": sim["scenario"], "date": sim["month"], "value": sim["mean"]}),
        ],
        ignore_index=True,
    )
    x = alt.X("date:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=-45))
    y_title = INDICATOR_AXIS[indicator]
    layers: list[Any] = []
    if len(sim):
        layers.append(
            alt.Chart(sim.rename(columns={"scenario": "series", "month": "date"}))
            .mark_area(opacity=0.15)
            .encode(
                x=x,
                y=alt.Y("p05:Q", title=y_title),
                y2="p95:Q",
                fill=alt.Fill("series:N", scale=colour, legend=None),
            )
        )
    layers.append(
        alt.Chart(lines)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", scale=colour, title="Series"),
            strokeDash=alt.StrokeDash("series:N", scale=dash, title="Series"),
        )
    )
    layers.append(  # a dot on every month (a lone month still shows); no legend of its own
        alt.Chart(lines)
        .mark_circle(size=30, opacity=1)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title),
            fill=alt.Fill("series:N", scale=colour, legend=None),
        )
    )
    subtitle = [
        f"Observed: {observed.name}, monthly, from the profile store"
        + (f" (from {first:%b %Y}; the data table has every month)" if cut else ""),
        f"Simulated: mean over {result.replications} replications; shaded: 5% to 95% of "
        "replications",
    ]
    if synthetic:
        subtitle = [f"SYNTHETIC DATA — {SYNTHETIC_LABEL.split('—')[1].strip()}", *subtitle]
    title = alt.TitleParams(
        text=f"Figure {number}: {ind.name}, observed and simulated",
        subtitle=subtitle,
        subtitleColor=SYNTHETIC_RED if synthetic else TEXT,
        subtitleFontWeight="bold" if synthetic else "normal",
        anchor="start",
        color=TEXT,
    )
    chart = alt.layer(*layers, title=title).resolve_legend(fill="independent")
    return _finish(chart.properties(width=WIDTH, height=HEIGHT))


def figure_svg(chart: Any, prefix: str, label: str, title: str) -> Markup:
    """Render a chart to accessible SVG markup with ids unique to ``prefix``."""
    return accessible_svg(vega_svg(chart.to_dict(), prefix), label, title, prefix)


# --------------------------------------------------------------------------------------------
# Text alternatives and data tables
# --------------------------------------------------------------------------------------------


def _delayed_figure(result: ExperimentResult) -> dict[str, Any]:
    d = _daily(result, "acute_delayed")
    parts = [
        f"Line chart of the number of delayed patients in acute beds each day from "
        f"{d['date'].min():%d %B %Y} to {d['date'].max():%d %B %Y}, one line per scenario "
        f"(mean over {result.replications} replications) with a shaded 5% to 95% band."
    ]
    weekly = []
    for name in result.scenario_names:
        s = d[d["scenario"] == name].set_index("date")
        peak_day = s["mean"].idxmax()
        parts.append(
            f"{name}: average {s['mean'].mean():,.0f} delayed patients a day, highest "
            f"{s['mean'].max():,.0f} on {peak_day:%d %B %Y}."
        )
        w = s[["mean", "p05", "p95"]].resample("7D", origin="start").mean()
        w["scenario"] = name
        weekly.append(w.reset_index())
    wk = pd.concat(weekly)
    rows = []
    for week, frame in wk.groupby("date", sort=True):
        row = {"head": f"Week from {week:%d %b %Y}"}
        for _, r in frame.iterrows():
            row[r["scenario"]] = f"{r['mean']:,.1f} ({r['p05']:,.1f} to {r['p95']:,.1f})"
        rows.append(row)
    return {
        "alt": " ".join(parts),
        "columns": ["Week", *[f"{n}: mean (5% to 95%)" for n in result.scenario_names]],
        "fields": ["head", *result.scenario_names],
        "rows": rows,
        "caption": "Delayed patients in acute beds, average per day by week: mean over "
        "replications and the 5% to 95% range",
    }


def _reasons_figure(result: ExperimentResult) -> dict[str, Any]:
    d = _reason_frame(result)
    parts = ["Grouped bar chart of delayed days over the period by reason, one bar per scenario."]
    rows = []
    for reason, frame in d.groupby("reason", sort=False):
        row = {"head": reason}
        row.update({r["scenario"]: f"{r['days']:,.0f}" for _, r in frame.iterrows()})
        rows.append(row)
    base = d[d["scenario"] == BASE_NAME]
    if not base.empty:
        top = base.sort_values("days", ascending=False).iloc[0]
        parts.append(
            f"In the base case the most common reason is {top['reason']} "
            f"({top['days']:,.0f} days of {base['days'].sum():,.0f})."
        )
    return {
        "alt": " ".join(parts),
        "columns": ["Reason", *result.scenario_names],
        "fields": ["head", *result.scenario_names],
        "rows": rows,
        "caption": "Delayed days over the period by reason (mean over replications)",
    }


def _occupancy_figure(result: ExperimentResult) -> dict[str, Any]:
    parts = [
        "Line charts, one per community service, of the mean number of places in use each "
        "day, one line per scenario."
    ]
    rows = []
    for service in SERVICES:
        d = _daily(result, f"{service}_occupied")
        for name in result.scenario_names:
            s = d[d["scenario"] == name]["mean"]
            rows.append(
                {
                    "head": f"{SERVICE_LABELS[service]}, {name}",
                    "mean": f"{s.mean():,.1f}",
                    "max": f"{s.max():,.1f}",
                }
            )
        base = d[d["scenario"] == BASE_NAME]["mean"]
        parts.append(
            f"{SERVICE_LABELS[service]}: base case average {base.mean():,.0f} in use, "
            f"at most {base.max():,.0f}."
        )
    return {
        "alt": " ".join(parts),
        "columns": ["Service and scenario", "Mean places in use", "Highest daily mean"],
        "fields": ["head", "mean", "max"],
        "rows": rows,
        "caption": "Community service occupancy: places in use per day (mean over replications)",
    }


def _fmt(value: float, decimals: int) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.{decimals}f}"


def _indicator_figure(
    result: ExperimentResult, *, observed: ObservedArea, indicator: str
) -> dict[str, Any]:
    ind = get_indicator(indicator)
    obs, sim, synthetic = _indicator_frames(result, observed, indicator)
    decimals = 1
    first = _window_start(result)
    parts = [
        f"Line chart by month of {ind.name} ({ind.unit}): the observed series for "
        f"{observed.name} and the simulated values of each scenario, on one time axis."
    ]
    if (obs["period"] < first).any():
        parts.append(
            f"The chart shows observed months from {first:%B %Y}; the data table has every month."
        )
    shown = obs.dropna(subset=["value"])
    if len(shown):
        last = shown.iloc[-1]
        parts.append(
            ("Synthetic data: observed" if synthetic else "Observed")
            + f" from {shown['period'].min():%B %Y} to {shown['period'].max():%B %Y}, latest "
            f"{_fmt(last['value'], decimals)} in {last['period']:%B %Y}."
        )
    else:
        parts.append(f"There is no observed data for {observed.name} for this indicator.")
    note = ""
    if indicator == "dtoc_18" and not result.adult_population > 0:
        note = (
            "The simulated rate cannot be compared: the scenario file does not set "
            "base.adult_population (population aged 18+), so no simulated values are shown. "
        )
        parts.append("No simulated values: the adult population is not set.")
    elif len(sim):
        parts.append(
            f"Simulated from {sim['month'].min():%B %Y} to {sim['month'].max():%B %Y} "
            f"(mean over {result.replications} replications):"
        )
        for name in result.scenario_names:
            s = sim[sim["scenario"] == name]
            if len(s):
                parts.append(
                    f"{name}: monthly means from {_fmt(s['mean'].min(), decimals)} to "
                    f"{_fmt(s['mean'].max(), decimals)}."
                )
    if indicator == "dtoc_18":
        note += MODEL_COVERAGE + " "
    note += (
        "Simulated values are for the system the scenario file describes, not scaled to the "
        "area; months cut by the start or end of the simulated period are partial (the data "
        "table says how many days)."
    )
    if indicator == "readmissions_30d_65":
        note += (
            " Simulated readmissions use discharges at least 30 days before the end of the "
            "period, whose readmissions all fall inside the simulation."
        )
    obs_col = _observed_label(observed, synthetic)
    months = sorted(set(obs["period"]) | set(sim["month"]))
    rows = []
    for month in months:
        head = f"{month:%b %Y}"
        s = sim[sim["month"] == month]
        if len(s):
            days_used = int(s["days"].iloc[0])
            if days_used < month.days_in_month:
                head += f" (simulated: {days_used} of {month.days_in_month} days)"
        row: dict[str, str] = {"head": head}
        o = obs[obs["period"] == month]
        if len(o):
            row["observed"] = (
                "*" if bool(o["suppressed"].iloc[0]) else _fmt(o["value"].iloc[0], decimals)
            )
        for _, r in s.iterrows():
            row[r["scenario"]] = (
                f"{_fmt(r['mean'], decimals)} ({_fmt(r['p05'], decimals)} to "
                f"{_fmt(r['p95'], decimals)})"
            )
        rows.append(row)
    return {
        "alt": " ".join(parts),
        "note": note,
        "synthetic": synthetic,
        "columns": [
            "Month",
            obs_col,
            *[f"{n}: simulated mean (5% to 95%)" for n in result.scenario_names],
        ],
        "fields": ["head", "observed", *result.scenario_names],
        "rows": rows,
        "caption": f"{ind.name} ({ind.unit}) by month: observed for {observed.name}"
        + (" (SYNTHETIC data)" if synthetic else "")
        + " and simulated per scenario (mean over replications, 5% to 95% range); * = "
        "suppressed (small number); – = no value",
    }


def _cost_rows(result: ExperimentResult) -> list[dict[str, str]]:
    labels = {"acute_delayed_day": "Acute bed day occupied by a delayed patient"}
    labels.update(SERVICE_LABELS)
    return [
        {
            "item": labels.get(k, k),
            "cost": f"£{result.unit_costs[k]:,.2f}" if k in result.unit_costs else "–",
            "source": v or "Not stated",
        }
        for k, v in result.cost_sources.items()
    ]


def simulation_context(
    result: ExperimentResult,
    generated: date | None = None,
    *,
    charts: bool = True,
    observed: ObservedArea | None = None,
) -> dict[str, Any]:
    """Everything the template needs; ``charts=False`` leaves out the SVGs (faster).
    ``observed`` adds a figure per profile indicator comparing the area with the simulation."""
    generated = generated or date.today()
    specs: list[tuple[str, Any, Any]] = [
        ("Daily delayed patients", delayed_chart, _delayed_figure),
        ("Delayed days by reason", reasons_chart, _reasons_figure),
        ("Community service occupancy", occupancy_chart, _occupancy_figure),
    ]
    if observed is not None:
        for indicator in PROFILE_INDICATORS:
            specs.append(
                (
                    f"{get_indicator(indicator).name}, {observed.name} observed and simulated",
                    functools.partial(
                        indicator_comparison_chart, observed=observed, indicator=indicator
                    ),
                    functools.partial(_indicator_figure, observed=observed, indicator=indicator),
                )
            )
    figures = []
    for number, (name, chart_fn, fig_fn) in enumerate(specs, start=1):
        fig = fig_fn(result)
        title = f"Figure {number}: {name}"
        prefix = f"simfig{number}"
        fig.update(
            {
                "number": number,
                "anchor": f"figure-{number}",
                "title": title,
                "svg": figure_svg(chart_fn(result, number), prefix, fig["alt"], title)
                if charts
                else None,
            }
        )
        figures.append(fig)
    cost_rows = _cost_rows(result)
    p = result.precision
    return {
        "title": f"{result.name}: flow model simulation",
        "result": result,
        "generated": f"{generated.day} {generated:%B %Y}",
        "generated_iso": generated.isoformat(),
        "comparison": comparison_rows(result),
        "flows": flow_rows(result),
        "observed": observed,
        "figures": figures,
        "cost_rows": cost_rows,
        "base_name": BASE_NAME,
        "synthetic_label": SYNTHETIC_LABEL,
        "precision_text": (
            f"{result.replications} replications ({result.stopped_because}). Base case mean "
            f"delayed days {p.mean:,.0f}, 95% confidence interval ± {p.half_width:,.0f} "
            f"({p.relative:.1%} of the mean)."
        ),
    }


def render_simulation_html(
    result: ExperimentResult,
    generated: date | None = None,
    *,
    charts: bool = True,
    observed: ObservedArea | None = None,
) -> str:
    """The simulation report as one self-contained HTML document (CSS and SVG inline);
    ``observed`` adds the comparison with an area's observed indicators."""
    context = simulation_context(result, generated, charts=charts, observed=observed)
    css = (Path(__file__).parent / "templates" / "base.css").read_text(encoding="utf-8")
    context["css"] = Markup(css)
    return template_environment().get_template("simulation.html.j2").render(**context)


def render_simulation(
    result: ExperimentResult,
    out_dir: Path,
    formats: tuple[str, ...] = ("html",),
    *,
    observed: ObservedArea | None = None,
) -> list[Path]:
    """Write ``simulation.html`` (and ``simulation.pdf`` if asked) into ``out_dir``
    (``observed``: an area's observed indicators drawn beside the simulated ones)."""
    check_formats(formats)
    return write_report(
        render_simulation_html(result, observed=observed), out_dir, "simulation", formats
    )
