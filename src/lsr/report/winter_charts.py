"""Charts and data tables of the winter dashboard: daily Making Data Count (XmR) charts of a
daily series, and the six-week forecast with its 90% band and the 92% / 100% occupancy lines.

Each function returns an accessible SVG (:func:`lsr.report.svg.accessible_svg`: ``role="img"``,
a label, ``<title>`` and ``<desc>``) and the chart's data table as ``(headers, rows of cell
text)``, so that a page shows every chart with its numbers. A synthetic series carries
"SYNTHETIC DATA" in its title.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from lsr.core.spc import Direction, SpcOptions, SpcResult, xmr
from lsr.report.charts import (
    AREA_LINE,
    CENTRE_LINE,
    COMMON_CAUSE_GREY,
    CONCERN_ORANGE,
    IMPROVEMENT_BLUE,
    LIMIT_LINE,
    NEUTRAL_PURPLE,
    SYNTHETIC_RED,
)
from lsr.report.svg import accessible_svg, vega_svg

__all__ = ["ChartWithTable", "forecast_chart", "point_label", "spc_chart"]

WIDTH = 640
HEIGHT = 220
_FONT = "DejaVu Sans, Arial, sans-serif"
_TYPE_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: high",
    "special_cause_neutral_low": "Special cause: low",
}
_TYPE_COLOURS = {
    "Common cause": COMMON_CAUSE_GREY,
    "Special cause: improvement": IMPROVEMENT_BLUE,
    "Special cause: concern": CONCERN_ORANGE,
    "Special cause: high": NEUTRAL_PURPLE,
    "Special cause: low": NEUTRAL_PURPLE,
}


class ChartWithTable(dict[str, Any]):
    """``svg`` (Markup), ``title``, ``caption`` (of the data table), ``headers``, ``cells``."""


def point_label(point_type: str) -> str:
    """A point type in words."""
    return _TYPE_LABELS.get(point_type, point_type)


def _fmt(value: float, decimals: int) -> str:
    if value is None or not np.isfinite(value):
        return ""
    return f"{value:,.{decimals}f}"


def _title(title: str, synthetic: bool) -> dict[str, Any]:
    return {
        "text": title,
        "subtitle": ["SYNTHETIC DATA (demonstration, not real)"] if synthetic else [],
        "subtitleColor": SYNTHETIC_RED,
        "subtitleFontWeight": "bold",
        "anchor": "start",
        "color": "#212b32",
    }


def spc_chart(
    dates: Sequence[date],
    values: Sequence[float],
    *,
    title: str,
    unit: str,
    prefix: str,
    improvement: Direction = Direction.NEUTRAL,
    decimals: int = 0,
    synthetic: bool = False,
) -> ChartWithTable:
    """A daily XmR chart (Making Data Count: :func:`lsr.core.spc.xmr`, trend and shift runs of
    7) of ``values`` by date, with its data table (date, value, centre, limits, point type)."""
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(y)
    days = [d for d, k in zip(dates, keep, strict=True) if k]
    y = y[keep]
    headers = ["Date", unit, "Centre", "Lower limit", "Upper limit", "Variation"]
    if len(y) < 2:
        return ChartWithTable(
            svg=Markup(""), title=title, caption=f"Data for {title}", headers=headers, cells=[]
        )
    result: SpcResult = xmr(y, SpcOptions(improvement=improvement, trend_length=7, shift_length=7))
    rows = [
        {
            "date": d.isoformat(),
            "value": float(v),
            "centre": float(c),
            "lcl": float(lo),
            "ucl": float(hi),
            "type": point_label(str(t)),
        }
        for d, v, c, lo, hi, t in zip(
            days,
            result.values,
            result.centre,
            result.lower_limit,
            result.upper_limit,
            result.point_type,
            strict=True,
        )
    ]
    line = {"x": {"field": "date", "type": "temporal", "title": None}}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": HEIGHT,
        "title": _title(title, synthetic),
        "config": {"font": _FONT, "legend": {"labelColor": "#212b32", "titleColor": "#212b32"}},
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "line", "color": LIMIT_LINE, "strokeDash": [4, 4]},
                "encoding": {**line, "y": {"field": "ucl", "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "color": LIMIT_LINE, "strokeDash": [4, 4]},
                "encoding": {**line, "y": {"field": "lcl", "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "color": CENTRE_LINE},
                "encoding": {**line, "y": {"field": "centre", "type": "quantitative"}},
            },
            {
                "mark": {"type": "line", "color": AREA_LINE},
                "encoding": {
                    **line,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": unit,
                        "scale": {"zero": False},
                    },
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 28},
                "encoding": {
                    **line,
                    "y": {"field": "value", "type": "quantitative"},
                    "color": {
                        "field": "type",
                        "type": "nominal",
                        "title": "Variation",
                        "scale": {
                            "domain": list(_TYPE_COLOURS),
                            "range": list(_TYPE_COLOURS.values()),
                        },
                        "legend": {"orient": "bottom"},
                    },
                },
            },
        ],
    }
    last = rows[-1]
    label = (
        f"{title}: daily control chart from {rows[0]['date']} to {last['date']}. "
        f"Latest {_fmt(last['value'], decimals)} {unit}; centre {_fmt(last['centre'], decimals)}, "
        f"limits {_fmt(last['lcl'], decimals)} to {_fmt(last['ucl'], decimals)}. "
        f"Latest point: {last['type']}. {result.rule_set}"
    )
    svg = accessible_svg(vega_svg(spec, prefix), label, title, prefix)
    cells = [
        [
            r["date"],
            _fmt(r["value"], decimals),
            _fmt(r["centre"], decimals),
            _fmt(r["lcl"], decimals),
            _fmt(r["ucl"], decimals),
            r["type"],
        ]
        for r in reversed(rows)
    ]
    caption = f"Data for {title}" + (" (SYNTHETIC DATA)" if synthetic else "")
    return ChartWithTable(
        svg=svg, title=title, caption=caption, headers=headers, cells=cells, label=label
    )


def forecast_chart(
    bands: pd.DataFrame,
    *,
    measure: str,
    title: str,
    unit: str,
    prefix: str,
    history: pd.DataFrame | None = None,
    lever_bands: pd.DataFrame | None = None,
    thresholds: Sequence[tuple[float, str]] = (),
    decimals: int = 1,
    synthetic: bool = False,
) -> ChartWithTable:
    """The forecast of one measure: the base median with its 90% band (p05 to p95), the lever
    median when levers were set, the recent history (``history``: columns date, value) and
    horizontal lines (``thresholds``: value, label). Data table: date, base p05 / median /
    p95, and with levers the lever median and the difference."""
    base = bands[bands["measure"] == measure].sort_values("date")
    lever = (
        lever_bands[lever_bands["measure"] == measure].sort_values("date")
        if lever_bands is not None
        else None
    )
    rows: list[dict[str, Any]] = []
    for r in base.itertuples(index=False):
        rows.append(
            {
                "date": pd.Timestamp(r.date).date().isoformat(),
                "series": "Forecast (median)",
                "value": float(r.p50),
                "p05": float(r.p05),
                "p95": float(r.p95),
            }
        )
    if lever is not None:
        for r in lever.itertuples(index=False):
            rows.append(
                {
                    "date": pd.Timestamp(r.date).date().isoformat(),
                    "series": "With levers (median)",
                    "value": float(r.p50),
                }
            )
    if history is not None:
        for r in history.itertuples(index=False):
            rows.append(
                {
                    "date": pd.Timestamp(r.date).date().isoformat(),
                    "series": "Observed",
                    "value": float(r.value),
                }
            )
    series = ["Observed", "Forecast (median)"] + (
        ["With levers (median)"] if lever is not None else []
    )
    colours = ["#212b32", AREA_LINE, CONCERN_ORANGE][: len(series)]
    x = {"field": "date", "type": "temporal", "title": None}
    layers: list[dict[str, Any]] = [
        {
            "transform": [{"filter": "datum.series == 'Forecast (median)'"}],
            "mark": {"type": "area", "color": AREA_LINE, "opacity": 0.18},
            "encoding": {
                "x": x,
                "y": {
                    "field": "p05",
                    "type": "quantitative",
                    "title": unit,
                    "scale": {"zero": False},
                },
                "y2": {"field": "p95"},
            },
        },
        {
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": series, "range": colours},
                    "legend": {"orient": "bottom"},
                },
                "strokeDash": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {"domain": series, "range": [[1, 0], [1, 0], [6, 3]][: len(series)]},
                    "legend": None,
                },
            },
        },
    ]
    for value, text in thresholds:
        layers.append(
            {
                "data": {"values": [{"y": value, "text": text}]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": SYNTHETIC_RED, "strokeDash": [2, 2]},
                        "encoding": {"y": {"field": "y", "type": "quantitative"}},
                    },
                    {
                        "mark": {
                            "type": "text",
                            "align": "left",
                            "dx": 4,
                            "dy": -6,
                            "color": SYNTHETIC_RED,
                        },
                        "encoding": {
                            "y": {"field": "y", "type": "quantitative"},
                            "x": {"value": 0},
                            "text": {"field": "text"},
                        },
                    },
                ],
            }
        )
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": HEIGHT,
        "title": _title(title, synthetic),
        "config": {"font": _FONT},
        "data": {"values": rows},
        "layer": layers,
    }
    headers = ["Date", f"{unit}: low (5%)", "median", "high (95%)"]
    if lever is not None:
        headers += ["with levers (median)", "difference (levers - base, paired)"]
    lever_by_date = (
        {pd.Timestamp(r.date).date(): float(r.p50) for r in lever.itertuples(index=False)}
        if lever is not None
        else {}
    )
    cells = []
    for r in base.itertuples(index=False):
        day = pd.Timestamp(r.date).date()
        row = [day.isoformat(), _fmt(r.p05, decimals), _fmt(r.p50, decimals), _fmt(r.p95, decimals)]
        if lever is not None:
            lv = lever_by_date.get(day, float("nan"))
            row += [_fmt(lv, decimals), _fmt(lv - float(r.p50), decimals)]
        cells.append(row)
    first, last = (base.iloc[0], base.iloc[-1]) if len(base) else (None, None)
    label = title
    if first is not None and last is not None:
        label = (
            f"{title}: forecast median from {_fmt(first.p50, decimals)} on "
            f"{pd.Timestamp(first.date).date()} to {_fmt(last.p50, decimals)} on "
            f"{pd.Timestamp(last.date).date()} ({unit}), 90% band "
            f"{_fmt(last.p05, decimals)} to {_fmt(last.p95, decimals)} on the last day."
        )
    svg = accessible_svg(vega_svg(spec, prefix), label, title, prefix)
    caption = f"Data for {title}" + (" (SYNTHETIC DATA)" if synthetic else "")
    return ChartWithTable(
        svg=svg, title=title, caption=caption, headers=headers, cells=cells, label=label
    )
