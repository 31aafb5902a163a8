"""The report section "Delays by reason and responsible organisation".

Turns a :class:`lsr.core.delay_reasons.DelayReasonsResult` into a
:class:`lsr.report.sections.ReportSection`: sentences in the voice of a local system review
progress report, for example::

    In October 2018, the largest reason for delayed days in Oxfordshire remained awaiting care
    package in own home (community support), as in June 2018: 51.6% of delayed days, much higher
    than the England average (21.0%) and the comparator average (26.6%).

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

from lsr.core.delay_reasons import (
    AGENCIES,
    GROUPS,
    NOT_COMPARED,
    REASONS,
    CategoryResult,
    DelayReasonsResult,
    PeriodBreakdown,
    reason,
)
from lsr.report.delay_reason_charts import (
    changes_table,
    over_time_alt,
    over_time_chart,
    over_time_tables,
    reasons_alt,
    reasons_chart,
    reasons_tables,
)
from lsr.report.delay_reason_charts import format_rate as _rate
from lsr.report.delay_reason_charts import format_share as _pct
from lsr.report.delay_reason_charts import month_label as _month
from lsr.report.sections import ReportSection, SectionFigure
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
    base = _baseline(result)
    before = base.ranking[0] if base is not None and base.ranking else None
    if before == code and base is not None:
        verb, since = "remained", f", as in {_month(base)}"
    elif before is not None and base is not None:
        verb, since = "was", f" (in {_month(base)} it was {reason(before).name})"
    else:
        verb, since = "was", ""
    text = (
        f"In {_month(latest)}, the largest reason for delayed days in {area_name} {verb} "
        f"{reason(code).name}{since}: {_pct(top.area.share)} of delayed days"
    )
    if not latest.compared:
        return text + ", too few delayed days that month to compare with England."
    phrase = _versus(
        top,
        "share",
        _pct,
        "the England average",
        "the comparator average",
        bool(result.comparator_codes),
    )
    return f"{text}, {phrase}." if phrase else f"{text}."


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
        f"delays {_phrase_of(c.category)} {c.share_change} from {_pct(c.share_from)} to "
        f"{_pct(c.share_to)}"
        for c in sorted(moved, key=lambda c: -abs(c.share_points or 0.0))
    ]
    return f"Since {since}, the share of {'; '.join(parts)}."


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
            reasons_alt(result, area_name),
            reasons_chart(result, area_name) if charts and latest.ranking else None,
            reasons_tables(result, area_name),
        ),
        _figure(
            f"{SECTION_ID}-groups",
            "Main groups of reasons over time",
            over_time_alt(result, area_name, "group"),
            over_time_chart(result, area_name, "group") if charts else None,
            over_time_tables(result, area_name, "group"),
        ),
        _figure(
            f"{SECTION_ID}-agencies",
            "Responsible organisation over time",
            over_time_alt(result, area_name, "agency"),
            over_time_chart(result, area_name, "agency") if charts else None,
            over_time_tables(result, area_name, "agency"),
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
    changes = changes_table(result, area_name)
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
