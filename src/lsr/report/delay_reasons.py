"""The report section "Delays by reason and responsible organisation".

Turns a :class:`lsr.core.delay_reasons.DelayReasonsResult` into a
:class:`lsr.report.sections.ReportSection`: sentences in the voice of a local system review
progress report, for example::

    In October 2018, awaiting a care package in their own home (community support) remained the
    largest reason for delayed days in Oxfordshire (51.6%), as in June 2018; its share was much
    higher than the England average (21.0%) and the comparator average (26.6%).

three figures (the latest month's shares by reason, area against England and comparators; the
main groups of reasons over time; the split between the NHS and social care over time), each
with a text alternative and its data as a table, and a table of the changes since the baseline
month. Every comparison is by value (see :class:`lsr.core.delay_reasons.ValueThresholds`): no
sentence says "significantly". Charts keep the report's house style (:mod:`lsr.report.charts`):
the area, England and the comparators differ by shape and line dash as well as colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from lsr.core.delay_reasons import (
    AGENCIES,
    GROUPS,
    NOT_COMPARED,
    REASONS,
    CategoryResult,
    DelayReasonsResult,
    Measure,
    PeriodBreakdown,
)
from lsr.report.charts import AREA_LINE, CHART_WIDTH, ENGLAND_LINE
from lsr.report.sections import ReportSection, SectionFigure, SectionTable
from lsr.report.sentences import possessive
from lsr.report.svg import accessible_svg, vega_svg

__all__ = [
    "SECTION_ID",
    "SOURCE",
    "THEMES",
    "agency_sentence",
    "care_home_sentence",
    "change_sentence",
    "delay_reasons_section",
    "largest_reason_sentence",
    "section_sentences",
]

SECTION_ID = "delay-reasons"
TITLE = "Delays by reason and responsible organisation"
THEMES: tuple[str, ...] = ("Market shaping", "Review of pathways, points of access and services")
SOURCE = (
    "NHS England, Delayed Transfers of Care, monthly 'Total Delayed Days Local Authority' "
    "workbooks (sheets 'LA - by reason' and 'LA - by responsible org'); ONS mid-year population "
    "estimates, adults aged 18+. Open Government Licence v3."
)

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


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.1f}%"


def _rate(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:.1f}"


def _days(x: float | None) -> str:
    return "–" if x is None or x != x else f"{x:,.0f}"


def _month(p: PeriodBreakdown) -> str:
    return f"{p.period:%B %Y}"


def _than(outcome: str) -> str:
    return "similar to" if outcome == "similar" else f"{outcome} than"


def _versus(
    r: CategoryResult, measure: str, fmt: Any, england: str, comparators: str, has_peers: bool
) -> str:
    """E.g. ``much higher than the England average (21.0%) and the comparator average
    (26.6%)``; outcomes that differ are stated separately."""
    eng_outcome = getattr(r, f"{measure}_vs_england")
    cmp_outcome = getattr(r, f"{measure}_vs_comparators")
    eng_value = fmt(getattr(r.england, measure))
    cmp_value = fmt(getattr(r.comparators, measure))
    eng = f"{england} ({eng_value})"
    cmp = f"{comparators} ({cmp_value})"
    if not has_peers or cmp_outcome == NOT_COMPARED:
        return f"{_than(eng_outcome)} {eng}" if eng_outcome != NOT_COMPARED else ""
    if eng_outcome == NOT_COMPARED:
        return f"{_than(cmp_outcome)} {cmp}"
    if eng_outcome == cmp_outcome:
        return f"{_than(eng_outcome)} {eng} and {cmp}"
    return f"{_than(eng_outcome)} {eng} and {_than(cmp_outcome)} {cmp}"


def _reason(code: str) -> Any:
    return next(r for r in REASONS if r.code == code)


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------


def _baseline(result: DelayReasonsResult) -> PeriodBreakdown | None:
    return result.period(result.baseline) if result.baseline is not None else None


def largest_reason_sentence(result: DelayReasonsResult, area_name: str) -> str | None:
    """The area's largest reason in the latest month, whether it was already the largest in
    the baseline month, and how its share compares with England and the comparators."""
    latest = result.latest
    if latest is None or not latest.ranking:
        return None
    code = latest.ranking[0]
    top = latest.get(code)
    assert top is not None
    what = _reason(code).phrase
    base = _baseline(result)
    before = base.ranking[0] if base is not None and base.ranking else None
    if before == code and base is not None:
        verb, since = "remained", f", as in {_month(base)}"
    elif before is not None and base is not None:
        verb, since = "was", f" (in {_month(base)} it was {_reason(before).phrase})"
    else:
        verb, since = "was", ""
    text = (
        f"In {_month(latest)}, {what} {verb} the largest reason for delayed days in "
        f"{area_name} ({_pct(top.area.share)}){since}"
    )
    if not latest.compared:
        return text + "; too few delayed days that month to compare with England."
    phrase = _versus(
        top,
        "share",
        _pct,
        "the England average",
        "the comparator average",
        bool(result.comparator_codes),
    )
    return f"{text}; its share was {phrase}." if phrase else f"{text}."


def care_home_sentence(result: DelayReasonsResult, area_name: str) -> str | None:
    """Delays awaiting a residential or nursing home placement (Di + Dii): share, change since
    the baseline and the rate against England and the comparators."""
    latest = result.latest
    group = latest.get("care_home") if latest is not None else None
    if latest is None or group is None or group.area.share is None:
        return None
    text = (
        f"Delays {_phrase_of('care_home')} accounted for {_pct(group.area.share)} of delayed "
        f"days in {_month(latest)}"
    )
    change = result.change("care_home")
    if change is not None and change.share_from is not None:
        word = {
            "reduced": "down from",
            "increased": "up from",
            "little changed": "little changed from",
        }.get(change.share_change, "against")
        text += f", {word} {_pct(change.share_from)} in {change.from_period:%B %Y}"
    if not latest.compared or group.area.rate is None:
        return text + "."
    peers = bool(result.comparator_codes)
    rate = _versus(group, "rate", _rate, "England", "the comparator average", peers)
    outcomes = [group.rate_vs_england] + ([group.rate_vs_comparators] if peers else [])
    averages = "the England and comparator averages" if peers else "the England average"
    beds = f"{_rate(group.area.rate)} delayed beds a day per 100,000 adults, {rate}"
    if all(o.endswith("lower") for o in outcomes):
        return f"{text}. Fewer people were delayed for this reason than {averages}: {beds}."
    if all(o.endswith("higher") for o in outcomes):
        return f"{text}. More people were delayed for this reason than {averages}: {beds}."
    return f"{text}; {beds}."


def _short_versus(r: CategoryResult, has_peers: bool) -> str:
    eng, cmp = r.share_vs_england, r.share_vs_comparators
    if not has_peers or cmp == NOT_COMPARED:
        return f"{_than(eng)} England's"
    if eng == cmp:
        return f"{_than(eng)} England's and the comparators'"
    return f"{_than(eng)} England's and {_than(cmp)} the comparators'"


def agency_sentence(result: DelayReasonsResult, area_name: str) -> str | None:
    """The split of the latest month's delayed days between the NHS, social care and both."""
    latest = result.latest
    if latest is None or all(a.area.share is None for a in latest.agencies):
        return None
    nhs, social, both = (latest.get(a.id) for a in AGENCIES)
    assert nhs is not None and social is not None and both is not None
    peers = bool(result.comparator_codes)
    text = (
        f"Of {possessive(area_name)} delayed days in {_month(latest)}, "
        f"{_pct(nhs.area.share)} were attributed to the NHS, {_pct(social.area.share)} to "
        f"social care and {_pct(both.area.share)} to both (England {_pct(nhs.england.share)}, "
        f"{_pct(social.england.share)} and {_pct(both.england.share)}"
    )
    if peers:
        text += (
            f"; comparators {_pct(nhs.comparators.share)}, {_pct(social.comparators.share)} "
            f"and {_pct(both.comparators.share)}"
        )
    text += ")."
    if not latest.compared:
        return text
    notable = [
        f"the share attributed to {a.phrase} was {_short_versus(r, peers)}"
        for a in AGENCIES
        if (r := latest.get(a.id)) is not None
        and r.share_vs_england not in ("similar", NOT_COMPARED)
    ]
    if notable:
        sentence = "; ".join(notable)
        text += f" {sentence[0].upper()}{sentence[1:]}."
    return text


def change_sentence(result: DelayReasonsResult) -> str | None:
    """Which reasons' shares moved since the baseline month (by the similarity threshold)."""
    if not result.changes:
        return None
    first = result.changes[0]
    since = f"{first.from_period:%B %Y}"
    moved = [
        c
        for c in result.changes
        if c.kind == "reason" and c.share_change in ("increased", "reduced")
    ]
    care_home = result.change("care_home")
    if (
        care_home is not None
        and care_home.share_change in ("increased", "reduced")
        and not any(c.category in ("Di", "Dii") for c in moved)
    ):
        moved.append(care_home)
    if all(c.share_change == NOT_COMPARED for c in result.changes):
        return f"Changes since {since} are not compared: too few delayed days."
    if not moved:
        points = result.thresholds.share_similar_points
        return (
            f"Since {since}, the shares of delayed days by reason changed little (none moved by "
            f"{points:g} percentage points or more)."
        )
    parts = [
        f"{_phrase_of(c.category)} {c.share_change} from {_pct(c.share_from)} to {_pct(c.share_to)}"
        for c in sorted(moved, key=lambda c: -abs(c.share_points or 0.0))
    ]
    return f"Since {since}, the share of delayed days {'; '.join(parts)}."


def _phrase_of(category: str) -> str:
    for r in REASONS:
        if r.code == category:
            return r.phrase
    for g in GROUPS:
        if g.id == category:
            return g.phrase
    return category


def section_sentences(result: DelayReasonsResult, area_name: str) -> tuple[str, ...]:
    """All the section's sentences, in order."""
    found = (
        largest_reason_sentence(result, area_name),
        care_home_sentence(result, area_name),
        agency_sentence(result, area_name),
        change_sentence(result),
    )
    return tuple(s for s in found if s)


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
                f"Share of delayed days by reason, {_month(latest)}",
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


def _reasons_alt(result: DelayReasonsResult, area_name: str) -> str:
    latest = result.latest
    assert latest is not None
    top = [latest.get(c) for c in latest.ranking[:3]]
    described = "; ".join(
        f"{r.label} {_pct(r.area.share)} (England {_pct(r.england.share)}"
        + (f", comparators {_pct(r.comparators.share)})" if result.comparator_codes else ")")
        for r in top
        if r is not None
    )
    missing = (
        f" Not collected that month: {', '.join(latest.missing_codes)}."
        if (latest.missing_codes)
        else ""
    )
    return (
        f"Dot chart of the share of delayed days by reason in {_month(latest)} for "
        f"{area_name}, England and the comparator average, reasons ordered by "
        f"{possessive(area_name)} share. Largest in {area_name}: {described}.{missing}"
    )


def _over_time_alt(result: DelayReasonsResult, area_name: str, kind: str) -> str:
    first, last = result.periods[0], result.periods[-1]
    items = [g.id for g in GROUPS] if kind == "group" else [a.id for a in AGENCIES]
    parts = []
    for cid in items:
        a, b = first.get(cid), last.get(cid)
        if a is None or b is None:
            continue
        parts.append(
            f"{b.label}: {area_name} {_pct(a.area.share)} to {_pct(b.area.share)}, England "
            f"{_pct(a.england.share)} to {_pct(b.england.share)}"
        )
    what = "group of reasons" if kind == "group" else "responsible organisation"
    return (
        f"Line charts, one per {what}, of the share of delayed days in each of "
        f"{len(result.periods)} months from {_month(first)} to {_month(last)}, for "
        f"{area_name}, England and the comparator average. " + "; ".join(parts) + "."
    )


def _reason_row(r: CategoryResult, missing: bool) -> dict[str, str]:
    if missing:
        gap = "not collected"
        return {
            "reason": r.label,
            "days": gap,
            "share": gap,
            "england": _pct(r.england.share) if r.england.share is not None else gap,
            "comparators": _pct(r.comparators.share) if r.comparators.share is not None else gap,
            "vs_england": "Not compared",
            "vs_comparators": "Not compared",
            "rate": gap,
            "england_rate": _rate(r.england.rate) if r.england.rate is not None else gap,
            "comparators_rate": (
                _rate(r.comparators.rate) if r.comparators.rate is not None else gap
            ),
        }
    return {
        "reason": r.label,
        "days": _days(r.area.days),
        "share": _pct(r.area.share),
        "england": _pct(r.england.share),
        "comparators": _pct(r.comparators.share),
        "vs_england": r.share_vs_england.capitalize(),
        "vs_comparators": r.share_vs_comparators.capitalize(),
        "rate": _rate(r.area.rate),
        "england_rate": _rate(r.england.rate),
        "comparators_rate": _rate(r.comparators.rate),
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


def _reasons_table(result: DelayReasonsResult, area_name: str) -> tuple[SectionTable, ...]:
    latest = result.latest
    assert latest is not None
    rows = tuple(_reason_row(r, r.category in latest.missing_codes) for r in latest.reasons)
    caption = f"Delayed days by reason, {area_name}, {_month(latest)}"
    whole = SectionTable(caption, REASON_COLUMNS, rows)
    by_code = {r.category: row for r, row in zip(latest.reasons, rows, strict=True)}
    short = SectionTable(
        f"Largest reasons, {area_name}, {_month(latest)}",
        REASON_COLUMNS[:5],
        tuple({k: by_code[c][k] for k, _ in REASON_COLUMNS[:5]} for c in latest.ranking[:3]),
    )
    return whole, short


def _over_time_table(
    result: DelayReasonsResult, area_name: str, kind: str
) -> tuple[SectionTable, SectionTable]:
    rows = []
    for p in result.periods:
        for r in p.groups if kind == "group" else p.agencies:
            rows.append(
                {
                    "period": f"{p.period:%b %Y}",
                    "category": r.label,
                    "share": _pct(r.area.share),
                    "england": _pct(r.england.share),
                    "comparators": _pct(r.comparators.share),
                    "vs_england": r.share_vs_england.capitalize(),
                    "rate": _rate(r.area.rate),
                    "england_rate": _rate(r.england.rate),
                    "comparators_rate": _rate(r.comparators.rate),
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


def _changes_table(result: DelayReasonsResult, area_name: str) -> SectionTable | None:
    if not result.changes:
        return None
    c0 = result.changes[0]
    rows = tuple(
        {
            "category": c.label,
            "from": _pct(c.share_from) if c.share_from is not None else "not collected",
            "to": _pct(c.share_to) if c.share_to is not None else "not collected",
            "points": "–" if c.share_points is None else f"{c.share_points:+.1f}",
            "judged": c.share_change.capitalize(),
            "rate_from": _rate(c.rate_from),
            "rate_to": _rate(c.rate_to),
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


# --------------------------------------------------------------------------------------------
# The section
# --------------------------------------------------------------------------------------------


def _figure(
    anchor: str, title: str, alt_text: str, chart: alt.Chart | None, tables: Sequence[Any]
) -> SectionFigure:
    svg = None
    if chart is not None:
        svg = accessible_svg(vega_svg(chart.to_dict(), anchor), alt_text, title, anchor)
    return SectionFigure(
        anchor=anchor,
        title=title,
        alt_text=alt_text,
        table=tables[0],
        svg=svg,
        short_table=tables[1] if len(tables) > 1 else None,
    )


def delay_reasons_section(
    result: DelayReasonsResult,
    area_name: str,
    *,
    comparator_method: str | None = None,
    charts: bool = True,
) -> ReportSection:
    """The report section for one area (``charts=False`` skips drawing the SVGs)."""
    if not result.periods:
        return ReportSection(
            id=SECTION_ID,
            title=TITLE,
            status="not available",
            source=SOURCE,
            themes=THEMES,
            notes=(f"No delayed days by reason are loaded for {area_name}.",),
        )
    latest = result.latest
    assert latest is not None
    figures = [
        _figure(
            f"{SECTION_ID}-latest",
            f"Share of delayed days by reason, {_month(latest)}",
            _reasons_alt(result, area_name),
            reasons_chart(result, area_name) if charts and latest.ranking else None,
            _reasons_table(result, area_name),
        ),
        _figure(
            f"{SECTION_ID}-groups",
            "Main groups of reasons over time",
            _over_time_alt(result, area_name, "group"),
            over_time_chart(result, area_name, "group") if charts else None,
            _over_time_table(result, area_name, "group"),
        ),
        _figure(
            f"{SECTION_ID}-agencies",
            "Responsible organisation over time",
            _over_time_alt(result, area_name, "agency"),
            over_time_chart(result, area_name, "agency") if charts else None,
            _over_time_table(result, area_name, "agency"),
        ),
    ]
    notes = [
        f"Compared {result.method}.",
        f"{result.england_definition}; comparators pool their days (and adults aged 18+) "
        f"over {len(result.comparator_codes)} councils.",
        *(f"{n}." for n in result.notes),
    ]
    if comparator_method:
        notes.append(f"Comparators: {comparator_method}")
    if not result.comparator_codes:
        notes.append("No comparator councils have data: compared with England only.")
    changes = _changes_table(result, area_name)
    return ReportSection(
        id=SECTION_ID,
        title=TITLE,
        status="real",
        source=SOURCE,
        themes=THEMES,
        sentences=section_sentences(result, area_name),
        figures=tuple(figures),
        tables=(changes,) if changes is not None else (),
        notes=tuple(notes),
    )
