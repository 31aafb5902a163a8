"""Report sections for an area's evidence sections (:class:`~lsr.core.profile_types.
EvidenceSection`): each id has its builder, all returning :class:`~lsr.report.sections.
ReportSection` objects that the profile report and the web overview place in their parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsr.core.profile_types import AreaProfile, EvidenceSection
from lsr.report.delay_reasons import delay_reasons_section
from lsr.report.outcomes import social_care_section
from lsr.report.sections import ReportSection, SectionTable

__all__ = ["report_sections"]


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%" if value == value else "–"


def _ae_trusts(section: EvidenceSection, profile: AreaProfile, charts: bool) -> ReportSection:
    data: dict[str, Any] = section.result or {}
    area = profile.area_name
    trusts = data.get("trusts", [])
    notes: list[str] = []
    sentences: list[str] = []
    if trusts:
        main = [t for t in trusts if t["share"] >= 0.05] or trusts[:1]
        names = [f"{t['name'] or t['code']} ({_percent(t['share'])})" for t in main]
        sentences.append(
            f"The acute trusts serving {area} are, by the share of its residents' hospital "
            f"admissions that went to each in 2020: {', '.join(names)}."
        )
    else:
        notes.append(f"Not available: {data.get('reason', 'no trust catchment for this area')}.")
    coverage = data.get("coverage", [])
    low = [c for c in coverage if c["catchment_share"] < 0.9]
    if low:
        months = ", ".join(f"{c['period']:%b %Y}" for c in low[:6])
        more = f" and {len(low) - 6} more" if len(low) > 6 else ""
        notes.append(
            f"Months left out of {area}'s A&E figures because trusts serving it are missing from "
            f"the published data: {months}{more}."
        )
    england = data.get("england", [])
    if england:
        last = england[-1]
        notes.append(
            f"England is shown over the providers shared out to councils "
            f"({last['four_hours_apportioned']:.1f}% within four hours in "
            f"{last['period']:%B %Y}); the official figure over every provider, including minor "
            f"injury units and walk-in centres without a catchment "
            f"({_percent(last['unmapped_share'])} of attendances), was "
            f"{last['four_hours_all']:.1f}%."
        )
    tables = ()
    if trusts:
        tables = (
            SectionTable(
                caption=f"Trusts serving {area}: share of the area's residents' admissions, 2020",
                columns=(("trust", "Trust"), ("code", "Code"), ("share", "Share")),
                rows=tuple(
                    {"trust": t["name"] or "(name not loaded)", "code": t["code"],
                     "share": _percent(t["share"])}
                    for t in trusts
                ),
            ),
        )  # fmt: skip
    return ReportSection(
        id="ae-trusts",
        title=section.title,
        status="approximation" if trusts else "not available",
        source=section.source,
        themes=("Winter planning",),
        sentences=tuple(sentences),
        tables=tables,
        notes=tuple(notes),
    )


def _not_available(section: EvidenceSection, profile: AreaProfile, charts: bool) -> ReportSection:
    reason = (section.result or {}).get("reason", "no data")
    return ReportSection(
        id=section.id,
        title=section.title,
        status="not available",
        source=section.source,
        notes=(f"{profile.area_name}: {reason}.",),
    )


def _delay_reasons(section: EvidenceSection, profile: AreaProfile, charts: bool) -> ReportSection:
    return delay_reasons_section(
        section.result,
        profile.area_name,
        comparator_method=profile.comparator_method,
        charts=charts,
    )


def _outcomes(section: EvidenceSection, profile: AreaProfile, charts: bool) -> ReportSection:
    return social_care_section(section.result, charts=charts)


BUILDERS: dict[str, Callable[[EvidenceSection, AreaProfile, bool], ReportSection]] = {
    "delay-reasons": _delay_reasons,
    "social-care-outcomes": _outcomes,
    "ae-trusts": _ae_trusts,
    "admissions-not-available": _not_available,
}


def report_sections(profile: AreaProfile, *, charts: bool = True) -> list[ReportSection]:
    """The report sections of every evidence section the profile carries, in order."""
    out: list[ReportSection] = []
    for section in profile.sections:
        builder = BUILDERS.get(section.id)
        if builder is None:
            raise KeyError(f"no report section for evidence section {section.id!r}")
        out.append(builder(section, profile, charts))
    return out
