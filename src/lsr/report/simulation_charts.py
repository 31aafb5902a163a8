"""The figures of the flow-model simulation report (Altair, rendered to SVG by
:mod:`vl_convert`), shared by the report and the web application's run page.

1. delayed patients in acute beds each day, per scenario, mean with a 5%-95% band over
   replications;
2. delayed days by reason, per scenario;
3. mean daily occupancy of each downstream service, per scenario;
4.-6. with an area (:class:`ObservedArea`), one figure per profile indicator the model
   reproduces: the area's observed monthly series and each scenario's simulated monthly values.

Scenarios are told apart by colour *and* line dash or bar pattern (never colour alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
from markupsafe import Markup

from lsr.core.indicators import get_indicator
from lsr.flow.experiment import ExperimentResult
from lsr.flow.parameters import SERVICES
from lsr.report.charts import SYNTHETIC_RED
from lsr.report.sentences import SYNTHETIC_LABEL
from lsr.report.svg import accessible_svg, vega_svg

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
WIDTH = 620
HEIGHT = 260
FONT = "DejaVu Sans, Arial, sans-serif"
TEXT = "#212b32"
#: Colour of an area's observed series (the scenarios use SCENARIO_COLOURS).
OBSERVED_COLOUR = TEXT


@dataclass(frozen=True)
class ObservedArea:
    """An area's observed monthly series of the profile indicators the model reproduces.

    ``series`` has columns ``indicator, period, value, suppressed, synthetic, source`` (as
    :func:`lsr.data.flow_store.observed_indicator_series` returns them)."""

    code: str
    name: str
    series: pd.DataFrame


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


#: Most rows of data one chart draws. Altair refuses a chart of more than 5,000 rows
#: (``MaxRowsError``), and a line of thousands of points is unreadable anyway: a long run is
#: drawn as averages over :data:`BIN_DAYS` days (the fewest that fit); the data tables and the
#: store (``flow_daily``) keep the values.
MAX_CHART_ROWS = 4000
BIN_DAYS = (1, 7, 14, 28, 56, 91, 182, 364, 728)


def chart_bin_days(days: int, series: int) -> int:
    """Days averaged into one point so that ``series`` lines of ``days`` days draw at most
    :data:`MAX_CHART_ROWS` points in all (1: every day)."""
    for k in BIN_DAYS:
        if math.ceil(days / k) * max(series, 1) <= MAX_CHART_ROWS:
            return k
    return BIN_DAYS[-1]


def chart_frame(d: pd.DataFrame, by: list[str], series: int) -> tuple[pd.DataFrame, int]:
    """The daily frame ``d`` (``date`` and ``mean``, ``p05``, ``p95``) as the chart draws it:
    every day, or averages over bins of days (dated by their first day) when there are too many
    for :data:`MAX_CHART_ROWS`; with the number of days in a bin."""
    days = int(d["date"].nunique()) if len(d) else 0
    k = chart_bin_days(days, series)
    values = [c for c in ("mean", "p05", "p95") if c in d.columns]
    if k == 1:
        return d[[*by, "date", *values]], 1
    start = d["date"].min()
    d = d.assign(bin=(d["date"] - start).dt.days // k)
    out = d.groupby([*by, "bin"], sort=False).agg(
        date=("date", "min"), **{v: (v, "mean") for v in values}
    )
    return out.reset_index().drop(columns="bin"), k


def _bin_note(k: int) -> str:
    return "" if k == 1 else f"; drawn as averages over {k} days (every day is in the store)"


def _date_axis(d: pd.DataFrame, title: str = "Date") -> alt.X:
    """A date axis readable over weeks or years: month ticks up to two years, then years."""
    span = (d["date"].max() - d["date"].min()).days if len(d) else 0
    if span > 730:
        return alt.X("date:T", title=title, axis=alt.Axis(format="%Y", tickCount="year"))
    return alt.X("date:T", title=title, axis=alt.Axis(format="%d %b %Y", labelAngle=-45))


def delayed_chart(result: ExperimentResult, number: int) -> Any:
    """Figure: delayed patients in acute beds each day, mean and 5%-95% band per scenario."""
    names = result.scenario_names
    colour, dash = _scenario_scales(names)
    d, k = chart_frame(_daily(result, "acute_delayed"), ["scenario"], 2 * len(names))
    x = _date_axis(d)
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
        f"Mean over {result.replications} replications; shaded: 5% to 95% of replications"
        + _bin_note(k),
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
                title="Scenario",  # merged with the colour legend: one legend, both cues
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
    d, k = chart_frame(
        pd.concat(frames, ignore_index=True), ["scenario", "service"], len(names) * len(SERVICES)
    )
    chart = (
        alt.Chart(d)
        .mark_line(strokeWidth=2)
        .encode(
            x=_date_axis(d),
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
                f"Mean places in use each day over {result.replications} replications"
                + _bin_note(k),
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
