"""The "Social care outcomes" section of the profile report (ASCOF and Oflog measures).

Turns :class:`~lsr.core.outcomes.SocialCareOutcomes` into a
:class:`~lsr.report.sections.ReportSection`: sentences in the voice of a local system review
progress report ("Analysis of the data showed that ... had increased ... although it was in
line with the England average and lower than comparator areas"), one chart per measure with
its text alternative and data table, a summary table, and notes.

Significance words ("significantly", "similar to") are used only for points compared by a
confidence interval. Survey scores and published percentages are compared by value ("higher
than", "in line with") and placed among all councils by rank and quartile, and the sentence
says that they were not tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from lsr.core.indicators import Polarity
from lsr.core.outcomes import (
    THEMES,
    Method,
    OutcomeMeasure,
    OutcomePoint,
    OutcomeSeries,
    SocialCareOutcomes,
)
from lsr.report.charts import AREA_LINE, CENTRE_LINE, CHART_WIDTH, ENGLAND_LINE
from lsr.report.sections import ReportSection, SectionFigure, SectionTable
from lsr.report.svg import accessible_svg, vega_svg

__all__ = [
    "FIGURE_COLUMNS",
    "SECTION_ID",
    "SUMMARY_COLUMNS",
    "figure_alt_text",
    "measure_sentence",
    "ordinal",
    "outcome_chart",
    "outcome_sentences",
    "sentences_by_theme",
    "series_rows",
    "series_table",
    "social_care_section",
    "summary_table",
]

SECTION_ID = "social-care-outcomes"
SECTION_TITLE = "Social care outcomes"

FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "Year"),
    ("value", "Value"),
    ("ci", "95% confidence interval"),
    ("england", "England"),
    ("comparators", "Comparator average"),
    ("vs_england", "Compared with England"),
    ("vs_comparators", "Compared with comparators"),
    ("rank", "Rank among councils (1 = best)"),
    ("quartile", "Quartile (1st = best)"),
    ("source", "Source"),
)
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("measure", "Measure"),
    ("themes", "Report themes"),
    ("year", "Latest year"),
    ("value", "Value"),
    ("england", "England"),
    ("comparators", "Comparator average"),
    ("result", "How it compares"),
    ("source", "Source"),
)

COMPARATOR_LINE = CENTRE_LINE
_SERIES_STYLE = {
    # series key -> (colour, dash, shape)
    "area": (AREA_LINE, [1, 0], "circle"),
    "england": (ENGLAND_LINE, [8, 3], "square"),
    "comparators": (COMPARATOR_LINE, [2, 2], "triangle-up"),
}
_QUARTILE_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_SOURCE_NAMES = {"ascof": "ASCOF", "oflog": "Oflog"}
_EDITION_NAMES = {"official": "official data", "compiled": "compiled table"}


# --- words ------------------------------------------------------------------------------------


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``2`` -> ``2nd``, ``11`` -> ``11th``, ``23`` -> ``23rd``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _valid(v: float | None) -> bool:
    return v is not None and v == v


def _with_unit(measure: OutcomeMeasure, value: float | None) -> str:
    text = measure.format(value)
    if not _valid(value) or measure.unit.startswith("%"):
        return text
    if measure.unit.startswith("score out of"):
        return f"{text} {measure.unit.removeprefix('score ')}"
    return f"{text} {measure.unit}"


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _by_value(measure: OutcomeMeasure, value: float, benchmark: float) -> str:
    """``in line with`` (same at the published precision), ``higher than`` or ``lower than``."""
    if measure.format(value) == measure.format(benchmark):
        return "in line with"
    return "higher than" if value > benchmark else "lower than"


def _tested_phrase(measure: OutcomeMeasure, point: OutcomePoint, which: str) -> str | None:
    """``significantly lower than the England average of 498.2 (better)`` and the like."""
    comparison = point.vs_england if which == "england" else point.vs_comparators
    benchmark = point.england if which == "england" else point.comparators
    if not _valid(benchmark) or not _valid(point.value):
        return None
    assert benchmark is not None and point.value is not None
    name = "the England average" if which == "england" else "the comparator average"
    bench_text = f"{name} of {measure.format(benchmark)}"
    outcome = comparison.outcome
    if outcome == "similar":
        return f"similar to {bench_text}"
    if outcome in ("better", "worse", "higher", "lower"):
        direction = "higher" if point.value > benchmark else "lower"
        judged = f" ({outcome})" if outcome in ("better", "worse") else ""
        return f"significantly {direction} than {bench_text}{judged}"
    return f"{_by_value(measure, point.value, benchmark)} {bench_text}"


def _value_phrase(measure: OutcomeMeasure, point: OutcomePoint, which: str) -> str | None:
    benchmark = point.england if which == "england" else point.comparators
    if not _valid(benchmark) or not _valid(point.value):
        return None
    assert benchmark is not None and point.value is not None
    name = "the England average" if which == "england" else "the comparator average"
    return f"{_by_value(measure, point.value, benchmark)} {name} of {measure.format(benchmark)}"


def _rank_phrase(measure: OutcomeMeasure, point: OutcomePoint, area_name: str) -> str | None:
    if point.rank is None:
        return None
    best = "highest" if measure.polarity is not Polarity.LOW_IS_GOOD else "lowest"
    text = (
        f"In {point.year} {area_name} ranked {ordinal(point.rank)} of the {point.councils} "
        "councils with a published value"
    )
    if point.quartile is not None:
        text += f", in the {_QUARTILE_WORDS[point.quartile]} quartile"
    if measure.polarity is Polarity.NEUTRAL:
        return text + " (1st = highest)"
    return text + f" (1st = best, the {best} value)"


def _trend_phrase(measure: OutcomeMeasure, points: Sequence[OutcomePoint]) -> str:
    valued = [p for p in points if _valid(p.value)]
    last = valued[-1]
    if len(valued) == 1:
        return f"was {_with_unit(measure, last.value)} in {last.year}"
    first = valued[0]
    assert first.value is not None and last.value is not None
    if measure.format(first.value) == measure.format(last.value):
        return f"was {_with_unit(measure, last.value)} in {last.year}, as in {first.year}"
    word = "increased" if last.value > first.value else "decreased"
    return (
        f"had {word} from {measure.format(first.value)} in {first.year} to "
        f"{_with_unit(measure, last.value)} in {last.year}"
    )


def _good(measure: OutcomeMeasure, went_up: bool) -> bool | None:
    """Whether a rise (``went_up``) or a fall is good for the measure (``None`` if neutral)."""
    if measure.polarity is Polarity.NEUTRAL:
        return None
    return went_up == (measure.polarity is Polarity.HIGH_IS_GOOD)


def _contrast(measure: OutcomeMeasure, points: Sequence[OutcomePoint]) -> bool:
    """Whether the trend and the latest position against England (or, without England, the
    comparators) point different ways: a worsening trend while in line with or better than the
    benchmark, or an improving trend while worse. Used to join them with "although"."""
    valued = [p for p in points if _valid(p.value)]
    if len(valued) < 2:
        return False
    first, last = valued[0], valued[-1]
    assert first.value is not None and last.value is not None
    if measure.format(first.value) == measure.format(last.value):
        return False
    trend_good = _good(measure, last.value > first.value)
    benchmark = last.england if _valid(last.england) else last.comparators
    if trend_good is None or not _valid(benchmark):
        return False
    assert benchmark is not None
    if measure.format(last.value) == measure.format(benchmark):
        position_good = True
    else:
        position_good = bool(_good(measure, last.value > benchmark))
    return trend_good != position_good


def measure_sentence(series: OutcomeSeries, area_name: str) -> str | None:
    """The sentences for one measure: its trend and its latest year against England and the
    comparators (by interval where counts allow, otherwise by value, saying it was not tested,
    with the area's rank among councils). ``None`` for an empty series."""
    measure = series.measure
    latest = series.latest
    if latest is None:
        if not series.points:
            return None
        years = ", ".join(f"{p.year} ({p.status})" for p in series.points)
        return f"No value of {_lower_first(measure.name)} was published for {area_name}: {years}."
    subject = measure.subject or _lower_first(measure.name)
    sentence = (
        f"Analysis of the data showed that {subject} in {area_name} "
        f"{_trend_phrase(measure, series.points)}"
    )
    tested = latest.method == Method.INTERVAL
    phrase = _tested_phrase if tested else _value_phrase
    parts = [p for p in (phrase(measure, latest, w) for w in ("england", "comparators")) if p]
    if parts:
        several = len([p for p in series.points if _valid(p.value)]) > 1
        if not several:
            sentence += f", {' and '.join(parts)}"
        elif _contrast(measure, series.points):
            sentence += f", although it was {' and '.join(parts)}"
        else:
            sentence += f"; in {latest.year} it was {' and '.join(parts)}"
    if tested:
        return sentence + "."
    reason = (
        measure.not_tested_short
        if measure.not_tested is not None
        else "no numerator and denominator published for this year"
    )
    sentence += f" (not tested for significance: {reason})."
    rank = _rank_phrase(measure, latest, area_name)
    return f"{sentence} {rank}." if rank else sentence


def outcome_sentences(result: SocialCareOutcomes) -> tuple[str, ...]:
    """The section's sentences, one per measure with data, in the report's measure order."""
    return tuple(s for series in result.series if (s := measure_sentence(series, result.area_name)))


def sentences_by_theme(result: SocialCareOutcomes) -> dict[str, tuple[str, ...]]:
    """The sentences grouped under the report's themes (a measure can serve two themes)."""
    out: dict[str, list[str]] = {theme: [] for theme in THEMES}
    for series in result.series:
        sentence = measure_sentence(series, result.area_name)
        if sentence is None:
            continue
        for theme in series.measure.themes:
            out.setdefault(theme, []).append(sentence)
    return {theme: tuple(items) for theme, items in out.items() if items}


# --- tables -----------------------------------------------------------------------------------


def _source_text(point: OutcomePoint) -> str:
    source = _SOURCE_NAMES.get(point.source, point.source)
    edition = _EDITION_NAMES.get(point.edition, point.edition)
    return f"{source} {point.measure_code}, {edition} ({point.file_name})"


def _comparison_text(measure: OutcomeMeasure, point: OutcomePoint, which: str) -> str:
    benchmark = point.england if which == "england" else point.comparators
    if not _valid(benchmark) or not _valid(point.value):
        return "–"
    assert benchmark is not None and point.value is not None
    if point.method == Method.INTERVAL:
        outcome = (point.vs_england if which == "england" else point.vs_comparators).outcome
        if outcome == "similar":
            return "Similar"
        if outcome in ("better", "worse", "higher", "lower"):
            return f"Significantly {outcome}"
        return "Not compared"
    word = _by_value(measure, point.value, benchmark).removesuffix(" than")
    word = "In line" if word == "in line with" else word
    return f"{word[0].upper()}{word[1:]} (not tested)"


def series_rows(series: OutcomeSeries) -> list[dict[str, str]]:
    """One row per year, keyed as :data:`FIGURE_COLUMNS` (missing values as an en dash)."""
    m = series.measure
    rows = []
    for p in series.points:
        value = m.format(p.value) if _valid(p.value) else f"– ({p.status})"
        ci = (
            f"{m.format(p.ci_lower)} to {m.format(p.ci_upper)}"
            if _valid(p.ci_lower) and _valid(p.ci_upper)
            else "–"
        )
        rows.append(
            {
                "year": p.year,
                "value": value,
                "ci": ci,
                "england": m.format(p.england) if _valid(p.england) else "–",
                "comparators": m.format(p.comparators) if _valid(p.comparators) else "–",
                "vs_england": _comparison_text(m, p, "england"),
                "vs_comparators": _comparison_text(m, p, "comparators"),
                "rank": f"{p.rank} of {p.councils}" if p.rank is not None else "–",
                "quartile": ordinal(p.quartile) if p.quartile is not None else "–",
                "source": _source_text(p),
            }
        )
    return rows


def series_table(series: OutcomeSeries, area_name: str) -> SectionTable:
    """A measure's whole data table."""
    return SectionTable(
        caption=f"{series.measure.name} ({series.measure.label}), {area_name}, "
        f"{series.measure.unit}",
        columns=FIGURE_COLUMNS,
        rows=tuple(series_rows(series)),
    )


def _result_text(series: OutcomeSeries, point: OutcomePoint) -> str:
    m = series.measure
    if point.method == Method.INTERVAL:
        return f"{_comparison_text(m, point, 'england')} than England".replace(
            "Similar than", "Similar to"
        )
    parts = []
    if point.rank is not None:
        rank = f"Ranked {point.rank} of {point.councils}"
        if point.quartile is not None:
            rank += f" ({ordinal(point.quartile)} quartile)"
        parts.append(rank)
    parts.append(f"not tested ({m.not_tested_short})")
    return "; ".join(parts)


def summary_table(result: SocialCareOutcomes) -> SectionTable:
    """One row per measure with data: its latest year, England, comparators and result."""
    rows = []
    for series in result.series:
        latest = series.latest
        if latest is None:
            continue
        m = series.measure
        rows.append(
            {
                "measure": f"{m.name} ({m.label})",
                "themes": "; ".join(m.themes),
                "year": latest.year,
                "value": m.format(latest.value),
                "england": m.format(latest.england) if _valid(latest.england) else "–",
                "comparators": m.format(latest.comparators) if _valid(latest.comparators) else "–",
                "result": _result_text(series, latest),
                "source": _source_text(latest),
            }
        )
    return SectionTable(
        caption=f"Social care outcomes for {result.area_name}: latest year of each measure",
        columns=SUMMARY_COLUMNS,
        rows=tuple(rows),
    )


# --- charts -----------------------------------------------------------------------------------


def _chart_rows(series: OutcomeSeries, area_name: str) -> list[dict[str, Any]]:
    """One row per plotted value; ``segment`` numbers each unbroken run of a series, so that a
    year without a value is a gap in the line, not a line drawn across it."""
    names = {"area": area_name, "england": "England average", "comparators": "Comparator average"}
    rows: list[dict[str, Any]] = []
    segment = dict.fromkeys(names, 0)
    for p in series.points:
        for key, value in (
            ("area", p.value),
            ("england", p.england),
            ("comparators", p.comparators),
        ):
            if not _valid(value):
                segment[key] += 1
                continue
            row: dict[str, Any] = {
                "year": p.year,
                "series": names[key],
                "value": value,
                "segment": f"{key}-{segment[key]}",
            }
            if key == "area" and _valid(p.ci_lower) and _valid(p.ci_upper):
                row["lower"], row["upper"] = p.ci_lower, p.ci_upper
            rows.append(row)
    return rows


def outcome_chart(series: OutcomeSeries, area_name: str, number: int | None = None) -> Any:
    """An Altair chart of one measure over the years: the area (solid line, circles), the
    England average (dashed, squares) and the comparator average (dotted, triangles), with the
    area's 95% confidence interval as a vertical bar where counts were published."""
    m = series.measure
    title = alt.TitleParams(
        text=f"Figure {number}: {m.name}" if number is not None else m.name,
        subtitle=[f"{area_name}, {m.unit} ({m.label})"]
        + (
            ["Vertical bar: the area's 95% confidence interval (years with published counts)"]
            if any(_valid(p.ci_lower) for p in series.points)
            else []
        ),
        anchor="start",
        color="#212b32",
        subtitleColor="#212b32",
    )
    rows = _chart_rows(series, area_name)
    if not rows:
        empty = pd.DataFrame({"text": ["No data available for this measure"]})
        return (
            alt.Chart(empty, title=title)
            .mark_text(fontSize=14, color="#212b32")
            .encode(text="text:N")
            .properties(width=CHART_WIDTH, height=80)
        )
    years = [p.year for p in series.points]
    present = [
        n
        for n in (area_name, "England average", "Comparator average")
        if any(r["series"] == n for r in rows)
    ]
    keys = {area_name: "area", "England average": "england", "Comparator average": "comparators"}
    colours = [_SERIES_STYLE[keys[n]][0] for n in present]
    dashes = [_SERIES_STYLE[keys[n]][1] for n in present]
    shapes = [_SERIES_STYLE[keys[n]][2] for n in present]
    legend = alt.Legend(title="Series", orient="bottom", labelLimit=320)
    x = alt.X(
        "year:O",
        sort=years,
        title="Financial year",
        axis=alt.Axis(labelAngle=0, labelColor="#212b32", titleColor="#212b32"),
    )
    y = alt.Y(
        "value:Q",
        title=m.unit,
        scale=alt.Scale(zero=False),
        axis=alt.Axis(labelColor="#212b32", titleColor="#212b32"),
    )
    colour = alt.Color("series:N", scale=alt.Scale(domain=present, range=colours), legend=legend)
    data = pd.DataFrame(rows)
    base = alt.Chart(data)
    lines = base.mark_line(strokeWidth=2).encode(
        x=x,
        y=y,
        color=colour,
        strokeDash=alt.StrokeDash(
            "series:N", scale=alt.Scale(domain=present, range=dashes), legend=legend
        ),
        detail="segment:N",
    )
    points = (
        alt.Chart(data[data["value"].notna()])
        .mark_point(filled=True, size=80, opacity=1)
        .encode(
            x=x,
            y=y,
            color=colour,
            shape=alt.Shape(
                "series:N", scale=alt.Scale(domain=present, range=shapes), legend=legend
            ),
            tooltip=["year:N", "series:N", alt.Tooltip("value:Q", format=",.1f")],
        )
    )
    layers: list[Any] = [lines, points]
    if "lower" in data.columns and data["lower"].notna().any():
        bars = (
            alt.Chart(data[data["lower"].notna()])
            .mark_rule(color=AREA_LINE, strokeWidth=1.5)
            .encode(x=x, y="lower:Q", y2="upper:Q")
        )
        layers.insert(0, bars)
    return (
        alt.layer(*layers, title=title)
        .properties(width=CHART_WIDTH, height=240)
        .configure(font="DejaVu Sans, Arial, sans-serif")
        .configure_legend(labelColor="#212b32", titleColor="#212b32", symbolStrokeWidth=2)
    )


def figure_alt_text(series: OutcomeSeries, area_name: str) -> str:
    """What the chart shows, in words: the years, the latest value against England and the
    comparators, and whether it was tested or ranked."""
    m = series.measure
    valued = [p for p in series.points if _valid(p.value)]
    if not valued:
        return f"Chart of {m.name} for {area_name}: no published value."
    first, last = valued[0], valued[-1]
    has_ci = any(_valid(p.ci_lower) for p in series.points)
    text = (
        f"Line chart of {_lower_first(m.name)} for {area_name} ({m.unit}), "
        f"{len(series.points)} year(s) from {series.points[0].year} to "
        f"{series.points[-1].year}, with the England average and the comparator average"
        + (" and 95% confidence intervals where counts were published" if has_ci else "")
        + "."
    )
    if first is not last:
        text += (
            f" {area_name}: {m.format(first.value)} in {first.year}, "
            f"{m.format(last.value)} in {last.year}."
        )
    else:
        text += f" {area_name}: {m.format(last.value)} in {last.year}."
    if _valid(last.england):
        text += f" England {m.format(last.england)}."
    if last.method == Method.INTERVAL or last.rank is not None:
        text += f" {_result_text(series, last)}."
    return text


# --- the section ------------------------------------------------------------------------------


def _sources(result: SocialCareOutcomes) -> str:
    used = {p.source for s in result.series for p in s.points}
    parts = []
    if "ascof" in used:
        parts.append(
            "NHS Digital, Measures from the Adult Social Care Outcomes Framework (official open "
            "data; earlier years from the social_care_datahub compilation of it)"
        )
    if "oflog" in used:
        parts.append(
            "Office for Local Government (Oflog), adult social care metrics (workforce turnover "
            "from Skills for Care)"
        )
    if not parts:
        return "ASCOF (NHS Digital) and Oflog: no data loaded for this area"
    return "; ".join(parts) + ". Open Government Licence v3.0."


def social_care_section(result: SocialCareOutcomes, *, charts: bool = True) -> ReportSection:
    """The report section: sentences, one figure per measure with data (chart, text
    alternative, whole table and the latest two years beside it), the summary table, notes.

    ``charts=False`` leaves the SVGs out (fast, e.g. for tests and JSON)."""
    figures: list[SectionFigure] = []
    number = 0
    for series in result.series:
        if not series.points:
            continue
        number += 1
        anchor = f"outcome-{series.measure.id.replace('_', '-')}"
        alt_text = figure_alt_text(series, result.area_name)
        table = series_table(series, result.area_name)
        svg = None
        if charts:
            chart = outcome_chart(series, result.area_name)  # the report numbers figures
            svg = accessible_svg(
                vega_svg(chart.to_dict(), anchor), alt_text, series.measure.name, anchor
            )
        figures.append(
            SectionFigure(
                anchor=anchor,
                title=series.measure.name,
                alt_text=alt_text,
                table=table,
                svg=svg,
                short_table=SectionTable(
                    caption=table.caption, columns=table.columns, rows=table.rows[-2:]
                ),
            )
        )
    themes = tuple(
        t for t in THEMES if any(t in s.measure.themes for s in result.series if s.points)
    )
    notes = [
        "Care home admissions (ASCOF 2A(2)) and reablement (2B(1)) are compared with England "
        f"by a {result.confidence:.0%} confidence interval where NHS Digital published the "
        "numerator and denominator; for years taken from the compiled tables (published "
        "values only) they are ranked instead.",
        "Quality of life, control and carers' measures are survey estimates and workforce "
        "turnover is a published percentage: they are not tested for significance but placed "
        "among all councils with a value that year (rank 1 and the first quartile are best).",
        "Comparator averages pool the comparators' numerators and denominators where every "
        "comparator has them, and are otherwise the unweighted mean of their published values.",
    ]
    if result.comparator_method:
        notes.append(f"Comparator areas: {result.comparator_method}")
    notes.extend(result.notes)
    for series in result.series:
        notes.extend(f"{series.measure.name}: {note}" for note in series.notes)
    has_data = any(s.points for s in result.series)
    return ReportSection(
        id=SECTION_ID,
        title=SECTION_TITLE,
        status="real" if has_data else "not available",
        source=_sources(result),
        themes=themes,
        sentences=outcome_sentences(result),
        figures=tuple(figures),
        tables=(summary_table(result),) if has_data else (),
        notes=tuple(notes),
    )
