"""Per-indicator control charts, their text alternatives and accessible data tables.

Each chart follows the report's figures: the area's series (line and points), the England
average, the area's own average (the SPC centre line) and the upper and lower control limits
(dashed). Points are coloured with the NHS "Making Data Count" colours *and* drawn with a
different shape per SPC point type, so that colour is never the only cue. Charts are rendered to
SVG (or PNG) with :mod:`vl_convert`, which needs no browser.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from lsr.core.indicators import Statistic
from lsr.core.profile import period_step
from lsr.core.profile_types import IndicatorProfile, ProfilePoint
from lsr.report.sentences import (
    SYNTHETIC_LABEL,
    describe_periods,
    format_number,
    format_value,
    judge,
    period_ranges,
    rule_description,
)
from lsr.report.svg import vega_svg

__all__ = [
    "DATA_TABLE_COLUMNS",
    "POINT_STYLES",
    "PointStyle",
    "chart_data_table",
    "chart_png",
    "chart_svg",
    "chart_text_alternative",
    "confidence_label",
    "data_table_columns",
    "indicator_chart",
    "point_type_label",
]

#: NHS Making Data Count colours. Grey is for marks only, never for text.
COMMON_CAUSE_GREY = "#a6a6a6"
IMPROVEMENT_BLUE = "#00b0f0"
CONCERN_ORANGE = "#e46c0a"
NEUTRAL_PURPLE = "#490092"
NOT_ASSESSED = "#595959"

AREA_LINE = "#005eb8"
ENGLAND_LINE = "#212b32"
CENTRE_LINE = "#595959"
LIMIT_LINE = "#595959"
SYNTHETIC_RED = "#b00020"  # 6.9:1 on white
WATERMARK_PINK = "#f2d2d8"  # SYNTHETIC_RED at 18% on white, as a solid colour (decorative)


class PointStyle:
    """How one SPC point type is drawn and described."""

    __slots__ = ("colour", "label", "shape")

    def __init__(self, label: str, colour: str, shape: str) -> None:
        self.label = label
        self.colour = colour
        self.shape = shape

    def __repr__(self) -> str:
        return f"PointStyle({self.label!r}, {self.colour!r}, {self.shape!r})"


#: Style per SPC point type; ``None`` is a point with no control-chart result.
POINT_STYLES: dict[str | None, PointStyle] = {
    "common_cause": PointStyle("Common cause variation", COMMON_CAUSE_GREY, "circle"),
    "special_cause_improvement": PointStyle(
        "Special cause improvement", IMPROVEMENT_BLUE, "square"
    ),
    "special_cause_concern": PointStyle("Special cause concern", CONCERN_ORANGE, "diamond"),
    "special_cause_neutral_high": PointStyle(
        "Special cause variation (neutral, high)", NEUTRAL_PURPLE, "triangle-up"
    ),
    "special_cause_neutral_low": PointStyle(
        "Special cause variation (neutral, low)", NEUTRAL_PURPLE, "triangle-down"
    ),
    None: PointStyle("No control chart result", NOT_ASSESSED, "cross"),
}


def confidence_label(confidence: float) -> str:
    """A confidence level as the report writes it: 0.95 -> "95%", 0.998 -> "99.8%"."""
    return f"{confidence:.1%}".replace(".0%", "%")


def data_table_columns(confidence: float = 0.95) -> tuple[tuple[str, str], ...]:
    """Column keys and headers of :func:`chart_data_table`, in order (the interval's header
    names the confidence level used)."""
    return (
        ("period", "Period"),
        ("numerator", "Numerator"),
        ("denominator", "Denominator"),
        ("value", "Value"),
        ("ci", f"{confidence_label(confidence)} confidence interval"),
        ("england", "England average"),
        ("comparators", "Comparator average"),
        ("vs_england", "Compared with England"),
        ("vs_comparators", "Compared with comparators"),
        ("spc", "Control chart (SPC) result"),
    )


#: Column keys and headers of :func:`chart_data_table` at the default 95% level.
DATA_TABLE_COLUMNS: tuple[tuple[str, str], ...] = data_table_columns(0.95)

CHART_WIDTH = 620
CHART_HEIGHT = 280


def point_type_label(point_type: str | None) -> str:
    """The words for an SPC point type (unknown types are shown as they are)."""
    style = POINT_STYLES.get(point_type)
    if style is None:
        return str(point_type).replace("_", " ")
    return style.label


def _wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most about ``width`` characters (for axis titles)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


def _short_unit(ind: IndicatorProfile) -> str:
    if ind.indicator.statistic is Statistic.PROPORTION:
        return "%"
    return ind.indicator.unit


# --------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------


def _valid(v: float | None) -> bool:
    return v is not None and v == v


def _month_number(d: date) -> int:
    return d.year * 12 + d.month - 1


def _line_rows(ind: IndicatorProfile, area_name: str) -> list[dict[str, Any]]:
    """One row per (period, line). ``piece`` numbers each line's unbroken stretches: a line
    never joins across missing periods or a missing value (the chart shows the gap)."""
    rows: list[dict[str, Any]] = []
    step = period_step([_month_number(p.period) for p in ind.points])
    last_seen: dict[str, int] = {}
    piece: dict[str, int] = {}
    for p in ind.points:
        series: list[tuple[str, float | None]] = [
            (area_name, p.value),
            ("England average", p.england),
        ]
        if p.spc is not None:
            series += [
                (f"{area_name} average", p.spc.centre),
                ("Upper control limit (UCL)", p.spc.upper_limit),
                ("Lower control limit (LCL)", p.spc.lower_limit),
            ]
        month = _month_number(p.period)
        for name, value in series:
            if not _valid(value):
                continue
            if name in last_seen and month - last_seen[name] > step:
                piece[name] = piece.get(name, 0) + 1
            last_seen[name] = month
            rows.append(
                {
                    "period": p.period.isoformat(),
                    "series": name,
                    "value": value,
                    "piece": piece.get(name, 0),
                }
            )
    return rows


def _gap_rows(ind: IndicatorProfile) -> list[dict[str, str]]:
    """Spans of missing periods, as (start, end) dates for shading."""
    if not ind.missing_periods:
        return []
    step = period_step([_month_number(p.period) for p in ind.points])
    spans: list[list[int]] = []
    for d in ind.missing_periods:
        n = _month_number(d)
        if spans and n == spans[-1][1] + step:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    out = []
    for start, end in spans:
        end_excl = end + step
        out.append(
            {
                "start": date(start // 12, start % 12 + 1, 1).isoformat(),
                "end": date(end_excl // 12, end_excl % 12 + 1, 1).isoformat(),
                "label": "No data",
            }
        )
    return out


def _point_rows(ind: IndicatorProfile) -> list[dict[str, Any]]:
    rows = []
    for p in ind.points:
        if not _valid(p.value):
            continue
        point_type = p.spc.point_type if p.spc is not None else None
        rows.append(
            {
                "period": p.period.isoformat(),
                "label": p.period_label,
                "value": p.value,
                "point_type": point_type_label(point_type),
                "rule": rule_description(p.spc.rule) if p.spc and p.spc.rule else "",
            }
        )
    return rows


def indicator_chart(ind: IndicatorProfile, area_name: str, number: int | None = None) -> alt.Chart:
    """An Altair chart for one indicator (``number`` prefixes the title "Figure N:").

    A synthetic series carries a "SYNTHETIC DATA" subtitle and a watermark label.
    """
    name = ind.indicator.name
    title_text = f"Figure {number}: {name}" if number is not None else name
    subtitle = [f"{area_name}, {_short_unit(ind)}"] if ind.points else [area_name]
    if ind.synthetic:
        subtitle = [f"SYNTHETIC DATA — {SYNTHETIC_LABEL.split('—')[1].strip()}", *subtitle]
    if any(p.spc is not None and p.spc.trial_limits for p in ind.points):
        subtitle = [*subtitle, "Trial control limits: fewer than 13 points"]
    title = alt.TitleParams(
        text=title_text,
        subtitle=subtitle,
        subtitleColor=SYNTHETIC_RED if ind.synthetic else "#212b32",
        subtitleFontWeight="bold" if ind.synthetic else "normal",
        anchor="start",
        color="#212b32",
    )
    line_rows = _line_rows(ind, area_name)
    point_rows = _point_rows(ind)

    if not line_rows:
        empty = pd.DataFrame({"text": ["No data available for this indicator"]})
        return (
            alt.Chart(empty, title=title)
            .mark_text(fontSize=14, color="#212b32")
            .encode(text="text:N")
            .properties(width=CHART_WIDTH, height=80)
        )

    series_order = [
        area_name,
        "England average",
        f"{area_name} average",
        "Upper control limit (UCL)",
        "Lower control limit (LCL)",
    ]
    present = {r["series"] for r in line_rows}
    series_domain = [s for s in series_order if s in present]
    colours = {
        area_name: AREA_LINE,
        "England average": ENGLAND_LINE,
        f"{area_name} average": CENTRE_LINE,
        "Upper control limit (UCL)": LIMIT_LINE,
        "Lower control limit (LCL)": LIMIT_LINE,
    }
    dashes = {
        area_name: [1, 0],
        "England average": [10, 3],
        f"{area_name} average": [1, 0],
        "Upper control limit (UCL)": [4, 4],
        "Lower control limit (LCL)": [4, 4],
    }
    widths = {
        area_name: 2.5,
        "England average": 2,
        f"{area_name} average": 1.5,
        "Upper control limit (UCL)": 1.2,
        "Lower control limit (LCL)": 1.2,
    }
    y_title = _wrap(ind.indicator.unit, 34)
    line_legend = alt.Legend(title="Lines", orient="right", labelLimit=320, symbolType="stroke")
    months = ind.points[-1].period.year * 12 + ind.points[-1].period.month if ind.points else 0
    months -= ind.points[0].period.year * 12 + ind.points[0].period.month if ind.points else 0
    step = 1 if months <= 12 else 3 if months <= 36 else 6
    x = alt.X(
        "utcyearmonth(period):T",
        title="Period",
        axis=alt.Axis(
            format="%b %Y",
            formatType="utc",
            tickCount={"interval": "month", "step": step},
            labelAngle=-45,
            labelOverlap="greedy",
            labelColor="#212b32",
            titleColor="#212b32",
        ),
    )
    y = alt.Y(
        "value:Q",
        title=y_title,
        scale=alt.Scale(zero=False),
        axis=alt.Axis(labelColor="#212b32", titleColor="#212b32"),
    )
    lines = (
        alt.Chart(pd.DataFrame(line_rows))
        .mark_line()
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series_domain, range=[colours[s] for s in series_domain]),
                legend=line_legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=series_domain, range=[dashes[s] for s in series_domain]),
                legend=line_legend,
            ),
            strokeWidth=alt.StrokeWidth(
                "series:N",
                scale=alt.Scale(domain=series_domain, range=[widths[s] for s in series_domain]),
                legend=line_legend,
            ),
            detail=["series:N", "piece:Q"],
        )
    )
    type_order = [s.label for s in POINT_STYLES.values()]
    present_types = {r["point_type"] for r in point_rows}
    type_domain = [t for t in type_order if t in present_types]
    styles = {s.label: s for s in POINT_STYLES.values()}
    points = (
        alt.Chart(pd.DataFrame(point_rows))
        .mark_point(filled=True, size=70, opacity=1, stroke="#212b32", strokeWidth=0.6)
        .encode(
            x=x,
            y=y,
            fill=alt.Fill(
                "point_type:N",
                scale=alt.Scale(domain=type_domain, range=[styles[t].colour for t in type_domain]),
                legend=alt.Legend(title="Points", orient="right", labelLimit=260),
            ),
            shape=alt.Shape(
                "point_type:N",
                scale=alt.Scale(domain=type_domain, range=[styles[t].shape for t in type_domain]),
                legend=alt.Legend(title="Points", orient="right", labelLimit=260),
            ),
        )
    )
    layers: list[Any] = []
    gap_rows = _gap_rows(ind)
    if gap_rows:
        gap_x = alt.X("start:T", title="Period")
        gaps = alt.Chart(pd.DataFrame(gap_rows))
        layers += [
            gaps.mark_rect(color="#f0f4f5", stroke="#aeb7bd", strokeDash=[2, 2]).encode(
                x=gap_x, x2="end:T"
            ),
            gaps.mark_text(
                align="left", baseline="top", dx=3, dy=3, fontSize=10, color="#4c6272"
            ).encode(x=gap_x, y=alt.value(2), text="label:N"),
        ]
    layers += [lines, points]
    if ind.synthetic:
        # A solid pale colour drawn beneath the data, not a translucent one on top: WeasyPrint
        # clips translucent centred SVG text in PDFs (the watermark read "IC DATA").
        watermark = (
            alt.Chart(pd.DataFrame({"text": ["SYNTHETIC DATA"]}))
            .mark_text(
                fontSize=40,
                fontWeight="bold",
                color=WATERMARK_PINK,
                align="center",
                baseline="middle",
            )
            .encode(text="text:N", x=alt.value(CHART_WIDTH / 2), y=alt.value(CHART_HEIGHT / 2))
        )
        layers.insert(0, watermark)
    return (
        alt.layer(*layers, title=title)
        .properties(width=CHART_WIDTH, height=CHART_HEIGHT)
        .configure(font="DejaVu Sans, Arial, sans-serif")
        .configure_legend(labelColor="#212b32", titleColor="#212b32", symbolStrokeWidth=2)
    )


def chart_svg(
    ind: IndicatorProfile, area_name: str, number: int | None = None, id_prefix: str = "chart"
) -> str:
    """The chart rendered to an SVG string (no XML declaration; ids prefixed with
    ``id_prefix``)."""
    return vega_svg(indicator_chart(ind, area_name, number).to_dict(), id_prefix)


def chart_png(ind: IndicatorProfile, area_name: str, number: int | None = None) -> bytes:
    """The chart rendered to PNG bytes (scale 2)."""
    spec = indicator_chart(ind, area_name, number).to_dict()
    return vlc.vegalite_to_png(spec, scale=2)


# --------------------------------------------------------------------------------------------
# Text alternative and data table
# --------------------------------------------------------------------------------------------


def chart_text_alternative(ind: IndicatorProfile, area_name: str) -> str:
    """A concise description of the chart: what is plotted, the range, the latest value against
    England, and any special causes."""
    indicator = ind.indicator
    parts: list[str] = []
    if ind.synthetic:
        parts.append(f"{SYNTHETIC_LABEL}.")
    valued = [p for p in ind.points if _valid(p.value)]
    if not valued:
        parts.append(f"Chart of {indicator.name} for {area_name}: no data available.")
        return " ".join(parts)
    first, last = ind.points[0].period_label, ind.points[-1].period_label
    has_spc = any(p.spc is not None for p in ind.points)
    extras = "the England average"
    if has_spc:
        extras += f", {area_name}'s own average and upper and lower control limits"
    parts.append(
        f"Control chart of {indicator.name} for {area_name} ({indicator.unit}), "
        f"{len(ind.points)} periods from {first} to {last}, with {extras}."
    )
    if ind.missing_periods:
        parts.append(
            f"No data for {period_ranges(ind.missing_periods)}: the lines are broken there."
        )
    low = min(valued, key=lambda p: p.value if p.value is not None else 0.0)
    high = max(valued, key=lambda p: p.value if p.value is not None else 0.0)
    parts.append(
        f"Values range from {format_value(low.value, indicator)} ({low.period_label}) to "
        f"{format_value(high.value, indicator)} ({high.period_label})."
    )
    latest = ind.points[-1]
    if _valid(latest.value):
        text = f"Latest ({latest.period_label}): {format_value(latest.value, indicator)}"
        if _valid(latest.england):
            text += f" against England {format_value(latest.england, indicator)}"
            judgement = judge(latest.vs_england, latest.value, latest.england, indicator.polarity)
            if judgement is not None:
                text += f" ({judgement.short()})"
        parts.append(text + ".")
    else:
        parts.append(f"No value for the latest period ({latest.period_label}).")
    specials = [p for p in ind.points if p.spc is not None and p.spc.point_type != "common_cause"]
    if specials:
        by_type: dict[str, list[int]] = {}
        for i, p in enumerate(ind.points):
            if p.spc is not None and p.spc.point_type != "common_cause":
                by_type.setdefault(point_type_label(p.spc.point_type), []).append(i)
        labels = [p.period_label for p in ind.points]
        described = [
            f"{label} {describe_periods(indices, labels)}" for label, indices in by_type.items()
        ]
        parts.append("; ".join(described) + ".")
    elif has_spc:
        parts.append("All points show common cause variation.")
    return " ".join(parts)


def _numerator_text(p: ProfilePoint) -> str:
    """The numerator as published (rounded to 5, or "*", for person-level counts)."""
    if p.numerator_display:
        return p.numerator_display
    if p.suppressed:
        return "*"
    if p.numerator is None:
        return "–"
    return format_number(p.numerator, 0)


def _denominator_text(p: ProfilePoint) -> str:
    if p.denominator_display:
        return p.denominator_display
    return format_number(p.denominator, 0) if _valid(p.denominator) else "–"


def _comparison_text(p: ProfilePoint, ind: IndicatorProfile, which: str) -> str:
    if which == "england":
        comparison, benchmark = p.vs_england, p.england
    else:
        comparison, benchmark = p.vs_comparators, p.comparators
    judgement = judge(comparison, p.value, benchmark, ind.indicator.polarity)
    if judgement is None:
        return "Not compared"
    text = judgement.short()
    if not judgement.significant and comparison.outcome == "not compared":
        text += " (by value; not tested)"
    return text[0].upper() + text[1:]


def chart_data_table(ind: IndicatorProfile) -> list[dict[str, str]]:
    """One row per period for an accessible data table, keyed as in
    :data:`DATA_TABLE_COLUMNS`. Suppressed numerators show their display text, never the
    number; missing values show an en dash."""
    indicator = ind.indicator
    rows: list[dict[str, str]] = []
    for p in ind.points:
        if _valid(p.ci_lower) and _valid(p.ci_upper):
            ci = f"{format_value(p.ci_lower, indicator)} to {format_value(p.ci_upper, indicator)}"
        else:
            ci = "–"
        if p.spc is None:
            spc = "No control chart result"
        else:
            spc = point_type_label(p.spc.point_type)
            if p.spc.rule:
                spc += f": {rule_description(p.spc.rule)}"
        rows.append(
            {
                "period": p.period_label,
                "numerator": _numerator_text(p),
                "denominator": _denominator_text(p),
                "value": format_value(p.value, indicator) if _valid(p.value) else "–",
                "ci": ci,
                "england": format_value(p.england, indicator) if _valid(p.england) else "–",
                "comparators": (
                    format_value(p.comparators, indicator) if _valid(p.comparators) else "–"
                ),
                "vs_england": _comparison_text(p, ind, "england"),
                "vs_comparators": _comparison_text(p, ind, "comparators"),
                "spc": spc,
            }
        )
    return rows
