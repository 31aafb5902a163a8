"""The flow-model simulation report: a self-contained, accessible HTML page (and optional PDF).

Figures (:mod:`lsr.report.simulation_charts`), each with a text alternative (``role="img"``,
``aria-label``, ``<title>``/``<desc>``) and a data table with a caption and ``th scope``. Costs
are shown with their sources. The comparison table, the acute bed occupancy table and the table
of flows out of acute beds are shared with the command line (:func:`comparison_rows`,
:func:`occupancy_rows`, :func:`flow_rows`).
"""

from __future__ import annotations

import functools
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from lsr.core.indicators import get_indicator
from lsr.flow.experiment import PROFILE_INDICATORS, ExperimentResult
from lsr.flow.parameters import SERVICES
from lsr.flow.scenario import BASE_NAME
from lsr.report.render import check_formats, template_environment, write_report
from lsr.report.sentences import SYNTHETIC_LABEL
from lsr.report.simulation_charts import (
    REASONS,
    SCENARIO_COLOURS,
    SERVICE_LABELS,
    ObservedArea,
    _daily,
    _indicator_frames,
    _observed_label,
    _reason_frame,
    _window_start,
    delayed_chart,
    figure_svg,
    indicator_comparison_chart,
    occupancy_chart,
    reasons_chart,
)
from lsr.report.simulation_rows import (
    FLOW_LABELS,
    MODEL_COVERAGE,
    OCCUPANCY_HIGH,
    comparison_rows,
    flow_rows,
    format_metric,
    occupancy_level,
    occupancy_rows,
)
from lsr.report.simulation_tables import breakable, split_cells, split_figure_table

__all__ = [
    "FLOW_LABELS",
    "REASONS",
    "SCENARIO_COLOURS",
    "ObservedArea",
    "comparison_rows",
    "delayed_chart",
    "figure_svg",
    "flow_rows",
    "format_metric",
    "occupancy_level",
    "occupancy_rows",
    "render_simulation",
    "render_simulation_html",
    "simulation_context",
]

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
                "tables": split_figure_table(fig, result.scenario_names, BASE_NAME),
            }
        )
        figures.append(fig)
    cost_rows = _cost_rows(result)
    comparison = comparison_rows(result)
    flows = flow_rows(result)
    p = result.precision
    return {
        "title": f"{result.name}: flow model simulation",
        "result": result,
        "generated": f"{generated.day} {generated:%B %Y}",
        "generated_iso": generated.isoformat(),
        "comparison": comparison,
        "comparison_tables": split_cells(comparison, result.scenario_names, BASE_NAME),
        "flows": flows,
        "flow_tables": split_cells(flows, result.scenario_names, BASE_NAME),
        "occupancy": occupancy_rows(result),
        "occupancy_high": f"{OCCUPANCY_HIGH:.0%}",
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
    templates = Path(__file__).parent / "templates"
    css = "\n".join(  # the profile's styles, then this report's own print rules
        (templates / name).read_text(encoding="utf-8") for name in ("base.css", "simulation.css")
    )
    context["css"] = Markup(css)
    env = template_environment()
    env.filters["breakable"] = breakable
    return env.get_template("simulation.html.j2").render(**context)


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
