"""Render an :class:`~lsr.core.profile_types.AreaProfile` to a self-contained HTML page and an
accessible (tagged, PDF/UA-1) PDF.

The HTML has its CSS and chart SVGs inline and makes no external requests; the PDF is made by
WeasyPrint from the same HTML, using the print rules of the same stylesheet.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from lsr.core.profile_types import AreaProfile, IndicatorProfile
from lsr.report.charts import (
    chart_data_table,
    chart_svg,
    chart_text_alternative,
    confidence_label,
    data_table_columns,
)
from lsr.report.sections import ReportSection
from lsr.report.sentences import (
    SYNTHETIC_LABEL,
    format_value,
    indicator_sentences,
    judge,
    overview_sentence,
)
from lsr.report.svg import accessible_svg

__all__ = [
    "ASSURANCE_ICONS",
    "VARIATION_ICONS",
    "Icon",
    "build_context",
    "icon_svg",
    "render_html",
    "render_pdf",
    "render_profile",
]

SUPPORTED_FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class Icon:
    """A summary-table icon: a ringed letter plus the words that carry its meaning."""

    letter: str
    colour: str
    label: str


#: Making Data Count variation icons (``None`` = no control chart).
VARIATION_ICONS: dict[str | None, Icon] = {
    "common_cause": Icon("C", "#a6a6a6", "Common cause variation"),
    "improvement_high": Icon("H", "#00b0f0", "Special cause improvement (high)"),
    "improvement_low": Icon("L", "#00b0f0", "Special cause improvement (low)"),
    "concern_high": Icon("H", "#e46c0a", "Special cause concern (high)"),
    "concern_low": Icon("L", "#e46c0a", "Special cause concern (low)"),
    "neutral_high": Icon("H", "#490092", "Special cause variation, neutral (high)"),
    "neutral_low": Icon("L", "#490092", "Special cause variation, neutral (low)"),
    None: Icon("–", "#595959", "Not assessed (no control chart)"),
}

#: Making Data Count assurance icons (``None`` = not assessed).
ASSURANCE_ICONS: dict[str | None, Icon] = {
    "consistent_pass": Icon("P", "#00b0f0", "Consistently passes the target"),
    "consistent_fail": Icon("F", "#e46c0a", "Consistently fails the target"),
    "inconsistent": Icon("?", "#a6a6a6", "Inconsistent: may pass or fail the target"),
    None: Icon("–", "#595959", "Not assessed (no target)"),
}


def icon_svg(icon: Icon) -> Markup:
    """A small inline SVG of a ringed letter, hidden from assistive technology (the label that
    is always printed beside it carries the meaning)."""
    letter = html.escape(icon.letter)
    return Markup(
        '<svg class="icon" width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" '
        'focusable="false">'
        f'<circle cx="14" cy="14" r="11.5" fill="#ffffff" stroke="{icon.colour}" '
        'stroke-width="4"/>'
        '<text x="14" y="18.5" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="13" font-weight="bold" fill="#212b32">{letter}</text></svg>'
    )


def _icon(mapping: dict[str | None, Icon], key: str | None) -> Icon:
    if key in mapping:
        return mapping[key]
    return Icon("?", "#595959", str(key).replace("_", " "))


def _long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _summary_row(ind: IndicatorProfile, number: int) -> dict[str, Any]:
    indicator = ind.indicator
    latest = ind.latest
    row: dict[str, Any] = {
        "number": number,
        "name": indicator.name,
        "unit": indicator.unit,
        "synthetic": ind.synthetic,
        "period": latest.period_label if latest else "–",
        "value": "–",
        "england": "–",
        "comparators": "–",
        "vs_england": "Not compared",
        "vs_comparators": "Not compared",
        "variation": _icon(VARIATION_ICONS, ind.variation_icon),
        "assurance": _icon(ASSURANCE_ICONS, ind.assurance_icon),
    }
    if latest is None:
        return row
    if latest.value is not None:
        row["value"] = format_value(latest.value, indicator)
    if latest.england is not None:
        row["england"] = format_value(latest.england, indicator)
    if latest.comparators is not None:
        row["comparators"] = format_value(latest.comparators, indicator)
    for key, comparison, bench in (
        ("vs_england", latest.vs_england, latest.england),
        ("vs_comparators", latest.vs_comparators, latest.comparators),
    ):
        judgement = judge(comparison, latest.value, bench, indicator.polarity)
        if judgement is not None:
            text = judgement.short()
            if not judgement.significant and comparison.outcome == "not compared":
                text += " (by value)"
            row[key] = text[0].upper() + text[1:]
    return row


_FIGURE_PREFIX = re.compile(r"^Figure \d+: ")

SHORT_TABLE_ROWS = 6
"""Rows of the short table kept beside each chart (the whole table is in the appendix)."""

#: Where each kind of evidence section goes (section id prefix -> part id).
SECTION_PARTS: dict[str, str] = {
    "delay-reasons": "real",
    "ae": "ae",
    "admissions": "admissions",
    "outcomes": "outcomes",
    "social-care": "outcomes",
}

#: The report's parts, in order: real data first, synthetic demonstration data last.
PARTS: tuple[tuple[str, str, str], ...] = (
    (
        "real",
        "System progress against key indicators",
        "The review's indicators for which real, published data is loaded, against the England "
        "average, the comparator areas and the area's own history.",
    ),
    (
        "ae",
        "A&E: four-hour performance and attendances",
        "A&E figures are published for NHS trusts, not councils; the figures here share each "
        "trust's figures among the councils its patients come from, so they are approximate.",
    ),
    (
        "admissions",
        "Emergency admissions (all ages)",
        "Emergency admissions of all ages from NHS England's Monthly Activity Return, where the "
        "clinical commissioning group covers the same area as the council.",
    ),
    (
        "outcomes",
        "Social care: outcomes, carers and workforce",
        "Adult Social Care Outcomes Framework and Office for Local Government measures for the "
        "themes of carers, workforce and the care market.",
    ),
    ("evidence", "Further evidence", ""),
    (
        "synthetic",
        "Indicators with synthetic demonstration data",
        "No public data is loaded for these indicators yet: the figures are SYNTHETIC, made by "
        "lsr's seeded generator so that the report is complete, and must not be read as real. "
        "Load real counts (lsr load counts or lsr load episodes) to replace them.",
    ),
)


def _part_for_section(section_id: str) -> str:
    for prefix, part in SECTION_PARTS.items():
        if section_id == prefix or section_id.startswith(prefix + "-"):
            return part
    return "evidence"


def _part_for_indicator(ind: IndicatorProfile) -> str:
    if ind.synthetic:
        return "synthetic"
    if ind.indicator.id.startswith("ae_") and ind.indicator.number == 0:
        return "ae"
    if ind.indicator.id == "emergency_admissions_all":
        return "admissions"
    return "real"


def _indicator_figure(
    ind: IndicatorProfile, profile: AreaProfile, number: int, charts: bool
) -> dict[str, Any]:
    prefix = f"fig{number}"
    alt_text = chart_text_alternative(ind, profile.area_name)
    title = f"Figure {number}: {ind.indicator.name}"
    svg = (
        accessible_svg(chart_svg(ind, profile.area_name, number, prefix), alt_text, title, prefix)
        if charts
        else None
    )
    rows = chart_data_table(ind)
    return {
        "kind": "indicator",
        "number": number,
        "anchor": f"figure-{number}",
        "title": title,
        "indicator": ind.indicator,
        "synthetic": ind.synthetic,
        "approximation": ind.indicator.approximation,
        "sentences": indicator_sentences(ind, profile.area_name),
        "svg": svg,
        "alt_text": alt_text,
        "columns": data_table_columns(profile.confidence),
        "rows": rows,
        "short_rows": rows[-SHORT_TABLE_ROWS:],
        "short_columns": data_table_columns(profile.confidence),
        "caption": f"{title}: {ind.indicator.unit}",
        "spc_rule_set": ind.spc_rule_set,
        "source": ind.source,
        "any_suppressed": any(p.suppressed for p in ind.points),
    }


def _section_item(section: ReportSection, first_number: int) -> tuple[dict[str, Any], int]:
    """A section with its figures numbered from ``first_number``; returns the next number."""
    figures = []
    number = first_number
    for fig in section.figures:
        rows = list(fig.table.rows)
        short_columns = fig.table.columns
        if fig.short_table is not None:
            short = list(fig.short_table.rows)
            short_columns = fig.short_table.columns
        elif len(rows) <= 2 * SHORT_TABLE_ROWS:
            short = rows
        else:
            short = rows[-SHORT_TABLE_ROWS:]
        figures.append(
            {
                "number": number,
                "anchor": f"figure-{number}",
                "title": f"Figure {number}: {_FIGURE_PREFIX.sub('', fig.title)}",
                "svg": fig.svg,
                "alt_text": fig.alt_text,
                "columns": fig.table.columns,
                "rows": rows,
                "short_rows": short,
                "short_columns": short_columns,
                "caption": fig.table.caption,
                "synthetic": section.status == "synthetic",
            }
        )
        number += 1
    return {"kind": "section", "section": section, "figures": figures}, number


def build_context(
    profile: AreaProfile,
    generated: date | None = None,
    *,
    charts: bool = True,
    sections: Sequence[ReportSection] | None = None,
) -> dict[str, Any]:
    """Everything the template needs. ``charts=False`` leaves the SVGs out (faster; used by
    tests that only look at the page structure). ``sections`` are the evidence sections
    (:mod:`lsr.report.sections`) placed in the report's parts beside the indicators; by
    default those of the profile's own evidence (:func:`lsr.report.evidence.report_sections`).

    The report runs in parts (:data:`PARTS`): real data first (the review's indicators with
    real data, the reasons for delays, A&E, emergency admissions, social care outcomes), then
    the indicators that only have synthetic data. Figures are numbered in the order they
    appear; each has its chart, sentences and a short table, and the whole table of every
    figure is in the appendix."""
    generated = generated or date.today()
    if sections is None:
        from lsr.report.evidence import report_sections

        sections = report_sections(profile, charts=charts)
    items: dict[str, list[dict[str, Any]]] = {part_id: [] for part_id, _, _ in PARTS}
    indicators = [ind for ind in profile.all_indicators if ind.points or ind.indicator.number]
    by_part: dict[str, list[IndicatorProfile]] = {}
    for ind in indicators:
        by_part.setdefault(_part_for_indicator(ind), []).append(ind)
    section_parts: dict[str, list[ReportSection]] = {}
    for section in sections:
        section_parts.setdefault(_part_for_section(section.id), []).append(section)
    number = 1
    figures: list[dict[str, Any]] = []
    appendix: list[dict[str, Any]] = []
    for part_id, _title, _intro in PARTS:
        for ind in by_part.get(part_id, []):
            fig = _indicator_figure(ind, profile, number, charts)
            number += 1
            figures.append(fig)
            appendix.append(fig)
            items[part_id].append({"kind": "figure", "figure": fig})
            if ind.indicator.id == "dtoc_18":
                for section in section_parts.pop("real", []):
                    item, number = _section_item(section, number)
                    appendix.extend(item["figures"])
                    items[part_id].append(item)
        for section in section_parts.pop(part_id, []):
            item, number = _section_item(section, number)
            appendix.extend(item["figures"])
            items[part_id].append(item)
    parts = [
        {"id": part_id, "title": title, "intro": intro, "items": items[part_id]}
        for part_id, title, intro in PARTS
        if items[part_id]
    ]
    summary_inds = [ind for part_id, _, _ in PARTS for ind in by_part.get(part_id, [])]
    sources: list[str] = []
    for source in [
        *(i.source for i in summary_inds if i.points and not i.synthetic),
        *(s.source for s in sections),
        *(i.source for i in summary_inds if i.points and i.synthetic),
    ]:
        if source and source not in sources:  # real data first, synthetic last
            sources.append(source)
    synthetic = [ind.indicator.name for ind in indicators if ind.synthetic]
    by_id = {fig["indicator"].id: fig for fig in figures}
    return {
        "title": f"{profile.area_name}: local data profile",
        "profile": profile,
        "generated": _long_date(generated),
        "generated_iso": generated.isoformat(),
        "sources": sources,
        "synthetic_names": synthetic,
        "synthetic_label": SYNTHETIC_LABEL,
        "overview": overview_sentence(profile),
        "summary": [_summary_row(ind, by_id[ind.indicator.id]["number"]) for ind in summary_inds],
        "parts": parts,
        "figures": figures,
        "appendix": appendix,
        "confidence_label": confidence_label(profile.confidence),
        "icon_svg": icon_svg,
        "variation_icons": VARIATION_ICONS,
        "assurance_icons": ASSURANCE_ICONS,
    }


def template_environment() -> Environment:
    """The Jinja2 environment for the report templates (autoescaped HTML)."""
    return Environment(
        loader=PackageLoader("lsr.report", "templates"),
        autoescape=select_autoescape(["html", "j2", "html.j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _css() -> str:
    return (Path(__file__).parent / "templates" / "base.css").read_text(encoding="utf-8")


def render_html(
    profile: AreaProfile,
    generated: date | None = None,
    *,
    charts: bool = True,
    sections: Sequence[ReportSection] | None = None,
) -> str:
    """The profile as one self-contained HTML document (CSS and SVG inline)."""
    context = build_context(profile, generated, charts=charts, sections=sections)
    context["css"] = Markup(_css())
    return template_environment().get_template("profile.html.j2").render(**context)


def render_pdf(html_text: str, target: Path) -> Path:
    """Write a tagged PDF/UA-1 PDF from HTML produced by :func:`render_html`.

    Title and language come from the document's ``<title>`` and ``lang``.
    """
    from weasyprint import HTML  # imported lazily: slow to import

    HTML(string=html_text, base_url=str(target.parent)).write_pdf(
        target, pdf_variant="pdf/ua-1", pdf_tags=True, presentational_hints=True
    )
    return target


def render_profile(
    profile: AreaProfile,
    out_dir: Path,
    formats: Sequence[str] = ("html", "pdf"),
    *,
    generated: date | None = None,
    sections: Sequence[ReportSection] | None = None,
) -> list[Path]:
    """Write ``profile.html`` and/or ``profile.pdf`` into ``out_dir``; returns the paths
    written, in the order of ``formats``."""
    check_formats(formats)
    html_text = render_html(profile, generated, sections=sections)
    return write_report(html_text, out_dir, "profile", formats)


def check_formats(formats: Sequence[str]) -> None:
    """Raise ``ValueError`` naming any format other than html and pdf."""
    unknown = [f for f in formats if f not in SUPPORTED_FORMATS]
    if unknown:
        choices = ", ".join(SUPPORTED_FORMATS)
        raise ValueError(f"unsupported format(s) {', '.join(unknown)}; choose from {choices}")


def write_report(
    html_text: str, out_dir: Path | str, stem: str, formats: Sequence[str]
) -> list[Path]:
    """Write ``<stem>.html`` and/or a tagged ``<stem>.pdf`` of one HTML report into
    ``out_dir``; returns the paths written, in the order of ``formats``."""
    check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in formats:
        if fmt == "html":
            path = out_dir / f"{stem}.html"
            path.write_text(html_text, encoding="utf-8")
        else:
            path = render_pdf(html_text, out_dir / f"{stem}.pdf")
        written.append(path)
    return written
