"""Figures of the "delays by reason and responsible organisation" section: charts, their text
alternatives and their data tables.

In the house style of :mod:`lsr.report.charts`: the area, England and the comparator average
differ by colour *and* point shape *and* line dash (never colour alone); axis text is dark
(#212b32); a month missing between two loaded months breaks the line instead of bridging it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from lsr.core.delay_reasons import (
    AGENCIES,
    GROUPS,
    CategoryResult,
    DelayReasonsResult,
    Measure,
    PeriodBreakdown,
)
from lsr.report.charts import AREA_LINE, CHART_WIDTH, ENGLAND_LINE
from lsr.report.sections import SectionTable
from lsr.report.sentences import possessive

__all__ = [
    "CHANGE_COLUMNS",
    "OVER_TIME_COLUMNS",
    "REASON_COLUMNS",
    "SERIES_STYLE",
    "changes_table",
    "format_days",
    "format_rate",
    "format_share",
    "month_label",
    "over_time_alt",
    "over_time_chart",
    "over_time_tables",
    "reasons_alt",
    "reasons_chart",
    "reasons_tables",
]

COMPARATOR_COLOUR = "#7c2855"  # NHS plum: 9.6:1 on white
SERIES_STYLE: dict[str, tuple[str, str, list[int]]] = {
    "area": (AREA_LINE, "circle", [1, 0]),
    "England": (ENGLAND_LINE, "diamond", [10, 3]),
    "comparators": (COMPARATOR_COLOUR, "square", [4, 3]),
}
"""Series key -> (colour, point shape, line dash): never colour alone."""
FONT = "DejaVu Sans, Arial, sans-serif"
TEXT = "#212b32"


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def format_share(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.1f}%"


def format_rate(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.1f}"


def format_days(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:,.0f}"


def month_label(p: PeriodBreakdown) -> str:
    return f"{p.period:%B %Y}"


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _series_names(area_name: str) -> dict[str, str]:
    return {"area": area_name, "England": "England", "comparators": "Comparator average"}


def _encodings(area_name: str, present: Sequence[str]) -> dict[str, Any]:
    names = _series_names(area_name)
    domain = [names[k] for k in SERIES_STYLE if k in present]
    keys = [k for k in SERIES_STYLE if k in present]
    legend = alt.Legend(title=None, orient="bottom", labelLimit=300)
    return {
        "color": alt.Color(
            "series:N",
            scale=alt.Scale(domain=domain, range=[SERIES_STYLE[k][0] for k in keys]),
            legend=legend,
        ),
        "shape": alt.Shape(
            "series:N",
            scale=alt.Scale(domain=domain, range=[SERIES_STYLE[k][1] for k in keys]),
            legend=legend,
        ),
        "dash": alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=domain, range=[SERIES_STYLE[k][2] for k in keys]),
            legend=legend,
        ),
    }


def _measures(r: CategoryResult, has_peers: bool) -> list[tuple[str, Measure]]:
    out = [("area", r.area), ("England", r.england)]
    if has_peers:
        out.append(("comparators", r.comparators))
    return out


def reasons_chart(result: DelayReasonsResult, area_name: str) -> alt.Chart:
    """Dot chart: the latest month's share of delayed days by reason, area against England
    and the comparators, reasons in the order of the area's shares."""
    latest = result.latest
    assert latest is not None
    names = _series_names(area_name)
    rows = [
        {"reason": r.label, "series": names[key], "share": m.share}
        for r in latest.reasons
        for key, m in _measures(r, bool(result.comparator_codes))
        if m.share is not None
    ]
    order = [latest.get(c).label for c in latest.ranking]  # type: ignore[union-attr]
    enc = _encodings(
        area_name, [k for k in SERIES_STYLE if any(r["series"] == names[k] for r in rows)]
    )
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_point(filled=True, size=90, opacity=0.9, stroke=TEXT, strokeWidth=0.5)
        .encode(
            x=alt.X("share:Q", title="Share of delayed days (%)", scale=alt.Scale(zero=True)),
            y=alt.Y("reason:N", sort=order, title=None, axis=alt.Axis(labelLimit=330)),
            yOffset=alt.YOffset("series:N", sort=[names[k] for k in SERIES_STYLE]),
            color=enc["color"],
            shape=enc["shape"],
            tooltip=["reason:N", "series:N", alt.Tooltip("share:Q", format=".1f")],
        )
    )
    return (
        chart.properties(
            width=CHART_WIDTH - 340,
            height=24 * len(order),
            title=alt.TitleParams(
                f"Share of delayed days by reason, {month_label(latest)}",
                subtitle=[f"{area_name}, England and the comparator average"],
                anchor="start",
                color=TEXT,
                subtitleColor=TEXT,
            ),
        )
        .configure(font=FONT)
        .configure_axis(labelColor=TEXT, titleColor=TEXT)
        .configure_legend(labelColor=TEXT, titleColor=TEXT)
    )


def _panel_label(kind: str, category: str) -> str:
    if kind == "group":
        return next(g.short_label or g.label for g in GROUPS if g.id == category)
    return next(a.label for a in AGENCIES if a.id == category)


def _over_time_rows(result: DelayReasonsResult, area_name: str, kind: str) -> list[dict[str, Any]]:
    """One row per month, panel and series; a month missing between two loaded months gets
    an empty row so that the line breaks there instead of bridging the gap."""
    names = _series_names(area_name)
    rows: list[dict[str, Any]] = []
    previous = None
    for p in result.periods:
        items = p.groups if kind == "group" else p.agencies
        gap = (
            previous is not None
            and (p.period.year * 12 + p.period.month) - (previous.year * 12 + previous.month) > 1
        )
        for r in items:
            for key, m in _measures(r, bool(result.comparator_codes)):
                base = {"panel": _panel_label(kind, r.category), "series": names[key]}
                if gap and previous is not None:
                    month = previous.month % 12 + 1
                    year = previous.year + (previous.month == 12)
                    rows.append({**base, "period": f"{year:04d}-{month:02d}-01", "share": None})
                if m.share is not None:
                    rows.append({**base, "period": p.period.isoformat(), "share": m.share})
        previous = p.period
    return rows


def over_time_chart(result: DelayReasonsResult, area_name: str, kind: str) -> alt.Chart:
    """Small multiples, one per group of reasons (``kind="group"``) or responsible organisation
    (``kind="agency"``): the share of delayed days each month, area against England and the
    comparators (lines differ by dash and point shape as well as colour)."""
    rows = _over_time_rows(result, area_name, kind)
    names = _series_names(area_name)
    present = [k for k in SERIES_STYLE if any(r["series"] == names[k] for r in rows)]
    enc = _encodings(area_name, present)
    panels = (
        [_panel_label(kind, g.id) for g in GROUPS]
        if kind == "group"
        else [a.label for a in AGENCIES]
    )
    x = alt.X(
        "utcyearmonth(period):T",
        title=None,
        axis=alt.Axis(format="%b %Y", formatType="utc", labelAngle=-45, labelOverlap="greedy"),
    )
    y = alt.Y("share:Q", title="Share of delayed days (%)", scale=alt.Scale(zero=True))
    base = alt.Chart().encode(x=x, y=y, color=enc["color"])
    lines = base.mark_line(strokeWidth=2).encode(strokeDash=enc["dash"], detail="series:N")
    points = base.mark_point(filled=True, size=45, stroke=TEXT, strokeWidth=0.4).encode(
        shape=enc["shape"]
    )
    what = "groups of reasons" if kind == "group" else "responsible organisation"
    return (
        alt.layer(lines, points, data=pd.DataFrame(rows))
        .properties(width=(CHART_WIDTH - 60) // (2 if kind == "group" else 3), height=150)
        .facet(
            facet=alt.Facet("panel:N", sort=panels, title=None, header=alt.Header(labelLimit=300)),
            columns=2 if kind == "group" else 3,
        )
        .properties(
            title=alt.TitleParams(
                f"Share of delayed days by {what}, {area_name}, England and comparators",
                anchor="start",
                color=TEXT,
            )
        )
        .configure(font=FONT)
        .configure_axis(labelColor=TEXT, titleColor=TEXT)
        .configure_header(labelColor=TEXT, labelFontSize=11)
        .configure_legend(labelColor=TEXT, titleColor=TEXT, symbolStrokeWidth=2)
    )


# --------------------------------------------------------------------------------------------
# Text alternatives and tables
# --------------------------------------------------------------------------------------------


def reasons_alt(result: DelayReasonsResult, area_name: str) -> str:
    latest = result.latest
    assert latest is not None
    top = [latest.get(c) for c in latest.ranking[:3]]
    described = "; ".join(
        f"{r.label} {format_share(r.area.share)} (England {format_share(r.england.share)}"
        + (
            f", comparators {format_share(r.comparators.share)})"
            if result.comparator_codes
            else ")"
        )
        for r in top
        if r is not None
    )
    missing = (
        f" Not collected that month: {', '.join(latest.missing_codes)}."
        if (latest.missing_codes)
        else ""
    )
    return (
        f"Dot chart of the share of delayed days by reason in {month_label(latest)} for "
        f"{area_name}, England and the comparator average, reasons ordered by "
        f"{possessive(area_name)} share. Largest in {area_name}: {described}.{missing}"
    )


def over_time_alt(result: DelayReasonsResult, area_name: str, kind: str) -> str:
    first, last = result.periods[0], result.periods[-1]
    items = [g.id for g in GROUPS] if kind == "group" else [a.id for a in AGENCIES]
    parts = []
    for cid in items:
        a, b = first.get(cid), last.get(cid)
        if a is None or b is None:
            continue
        parts.append(
            f"{b.label}: {area_name} {format_share(a.area.share)} to "
            f"{format_share(b.area.share)}, England {format_share(a.england.share)} to "
            f"{format_share(b.england.share)}"
        )
    what = "group of reasons" if kind == "group" else "responsible organisation"
    return (
        f"Line charts, one per {what}, of the share of delayed days in each of "
        f"{len(result.periods)} months from {month_label(first)} to {month_label(last)}, for "
        f"{area_name}, England and the comparator average. " + "; ".join(parts) + "."
    )


def _reason_row(r: CategoryResult, missing: bool) -> dict[str, str]:
    if missing:
        gap = "not collected"
        return {
            "reason": r.label,
            "days": gap,
            "share": gap,
            "england": format_share(r.england.share) if r.england.share is not None else gap,
            "comparators": format_share(r.comparators.share)
            if r.comparators.share is not None
            else gap,
            "vs_england": "Not compared",
            "vs_comparators": "Not compared",
            "rate": gap,
            "england_rate": format_rate(r.england.rate) if r.england.rate is not None else gap,
            "comparators_rate": (
                format_rate(r.comparators.rate) if r.comparators.rate is not None else gap
            ),
        }
    return {
        "reason": r.label,
        "days": format_days(r.area.days),
        "share": format_share(r.area.share),
        "england": format_share(r.england.share),
        "comparators": format_share(r.comparators.share),
        "vs_england": r.share_vs_england.capitalize(),
        "vs_comparators": r.share_vs_comparators.capitalize(),
        "rate": format_rate(r.area.rate),
        "england_rate": format_rate(r.england.rate),
        "comparators_rate": format_rate(r.comparators.rate),
    }


REASON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("reason", "Reason for delay"),
    ("days", "Delayed days"),
    ("share", "Share of delayed days"),
    ("england", "England share"),
    ("comparators", "Comparator share"),
    ("vs_england", "Share compared with England (by value)"),
    ("vs_comparators", "Share compared with comparators (by value)"),
    ("rate", "Delayed beds per day per 100,000 adults"),
    ("england_rate", "England rate"),
    ("comparators_rate", "Comparator rate"),
)
OVER_TIME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "Month"),
    ("category", "Category"),
    ("share", "Share of delayed days"),
    ("england", "England share"),
    ("comparators", "Comparator share"),
    ("vs_england", "Compared with England (by value)"),
    ("rate", "Delayed beds per day per 100,000 adults"),
    ("england_rate", "England rate"),
    ("comparators_rate", "Comparator rate"),
)
CHANGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("category", "Reason or group"),
    ("from", "Share, baseline month"),
    ("to", "Share, latest month"),
    ("points", "Change (percentage points)"),
    ("judged", "Change in share (by value)"),
    ("rate_from", "Rate, baseline month"),
    ("rate_to", "Rate, latest month"),
    ("rate_judged", "Change in rate (by value)"),
)


def reasons_tables(result: DelayReasonsResult, area_name: str) -> tuple[SectionTable, ...]:
    latest = result.latest
    assert latest is not None
    rows = tuple(_reason_row(r, r.category in latest.missing_codes) for r in latest.reasons)
    caption = f"Delayed days by reason, {area_name}, {month_label(latest)}"
    whole = SectionTable(caption, REASON_COLUMNS, rows)
    by_code = {r.category: row for r, row in zip(latest.reasons, rows, strict=True)}
    short = SectionTable(
        f"Largest reasons, {area_name}, {month_label(latest)}",
        REASON_COLUMNS[:5],
        tuple({k: by_code[c][k] for k, _ in REASON_COLUMNS[:5]} for c in latest.ranking[:3]),
    )
    return whole, short


def over_time_tables(
    result: DelayReasonsResult, area_name: str, kind: str
) -> tuple[SectionTable, SectionTable]:
    rows = []
    for p in result.periods:
        for r in p.groups if kind == "group" else p.agencies:
            rows.append(
                {
                    "period": f"{p.period:%b %Y}",
                    "category": r.label,
                    "share": format_share(r.area.share),
                    "england": format_share(r.england.share),
                    "comparators": format_share(r.comparators.share),
                    "vs_england": r.share_vs_england.capitalize(),
                    "rate": format_rate(r.area.rate),
                    "england_rate": format_rate(r.england.rate),
                    "comparators_rate": format_rate(r.comparators.rate),
                }
            )
    what = "groups of reasons" if kind == "group" else "responsible organisation"
    whole = SectionTable(
        f"Share of delayed days by {what}, {area_name}, by month", OVER_TIME_COLUMNS, tuple(rows)
    )
    latest = f"{result.periods[-1].period:%b %Y}"
    short = SectionTable(
        f"Share of delayed days by {what}, {area_name}, {latest}",
        OVER_TIME_COLUMNS[1:6],
        tuple({k: r[k] for k, _ in OVER_TIME_COLUMNS[1:6]} for r in rows if r["period"] == latest),
    )
    return whole, short


def changes_table(result: DelayReasonsResult, area_name: str) -> SectionTable | None:
    if not result.changes:
        return None
    c0 = result.changes[0]
    rows = tuple(
        {
            "category": c.label,
            "from": format_share(c.share_from) if c.share_from is not None else "not collected",
            "to": format_share(c.share_to) if c.share_to is not None else "not collected",
            "points": "–" if c.share_points is None else f"{c.share_points:+.1f}",
            "judged": c.share_change.capitalize(),
            "rate_from": format_rate(c.rate_from),
            "rate_to": format_rate(c.rate_to),
            "rate_judged": c.rate_change.capitalize(),
        }
        for c in result.changes
        if c.kind in ("reason", "group")
    )
    return SectionTable(
        f"Change in {possessive(area_name)} delays by reason, {c0.from_period:%B %Y} to "
        f"{c0.to_period:%B %Y}",
        CHANGE_COLUMNS,
        rows,
    )
