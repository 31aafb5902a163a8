"""The published progress report, generated from the database with the structure of a
regulator's local system review progress report: key areas for improvement by priority group,
the themes, the action plan summary, the indicators (figures, charts and generated sentences from
:mod:`lsr.report`), progress by theme (what improved / what still needs to improve), reflections
of system leaders, areas for future focus, and the people consulted.

HTML is one self-contained document (CSS and SVG inline); the PDF is made from the same HTML by
WeasyPrint as tagged PDF/UA-1, exactly as ``lsr.report.render`` does for the data profile.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from markupsafe import Markup

from lsr.report.render import render_pdf
from lsr.web.plan import relaudit_summary
from lsr.web.plan.indicators import profile_context, with_icons, with_part_cells
from lsr.web.plan.models import (
    Action,
    Finding,
    PriorityGroup,
    Rag,
    Review,
    Status,
)
from lsr.web.plan.report_method import consulted_for, method_context


def paragraphs(text: str) -> list[str]:
    """Split a text field into points: blank-line separated, or one bullet ('- ', '• ') each."""
    text = (text or "").strip()
    if not text:
        return []
    parts = re.split(r"\n\s*\n|\n(?=\s*[-•*] )", text)
    return [re.sub(r"^\s*[-•*]\s+", "", p).strip() for p in parts if p.strip()]


def _date_range(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return "not recorded"
    if end is None or end == start:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} to {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B} to {end.day} {end:%B %Y}"


def report_context(
    review: Review, *, charts: bool = True, today: dt.date | None = None
) -> dict[str, Any]:
    today = today or timezone.localdate()
    groups = [
        {"label": label, "key": value, "areas": list(review.areas.filter(priority_group=value))}
        for value, label in PriorityGroup.choices
    ]
    themes = list(review.themes.all())
    findings = {f.theme_id: f for f in Finding.objects.filter(review=review)}
    actions = list(
        Action.objects.filter(review=review).select_related("theme", "owner_organisation")
    )
    summary_rows = []
    for theme in themes:
        mine = [a for a in actions if a.theme_id == theme.pk]
        rags = [a.rag(today) for a in mine]
        summary_rows.append(
            {
                "theme": theme.name,
                "total": len(mine),
                "counts": [sum(1 for r in rags if r == rag) for rag in Rag],
            }
        )
    status_counts = [
        (label, sum(1 for a in actions if a.status == value)) for value, label in Status.choices
    ]
    theme_findings = []
    for theme in themes:
        f = findings.get(theme.pk)
        theme_findings.append(
            {
                "name": theme.name,
                "anchor": f"theme-{theme.order}",
                "improved": paragraphs(f.improved) if f else [],
                "still": paragraphs(f.still_to_improve) if f else [],
                "future": paragraphs(f.future_focus) if f else [],
                "reflections": paragraphs(f.reflections) if f else [],
                "consulted": paragraphs(f.consulted) if f else [],
                "sources": consulted_for(theme),
            }
        )
    reflections = [p for t in theme_findings for p in t["reflections"]]
    future = [p for t in theme_findings for p in t["future"]]
    consulted: list[str] = []
    for t in theme_findings:
        for p in t["consulted"]:
            if p not in consulted:
                consulted.append(p)
    try:
        profile = profile_context(review.area_code, charts=charts)
        summary = with_icons(profile["summary"])
        profile_error = ""
    except LookupError as exc:
        profile, summary, profile_error = {}, [], str(exc)
    return {
        "review": review,
        "title": f"{review.area_name}: local system review progress report",
        "review_dates": _date_range(review.review_start, review.review_end),
        "progress_dates": _date_range(review.progress_review_start, review.progress_review_end),
        "published": f"{today.day} {today:%B %Y}",
        "published_iso": today.isoformat(),
        "groups": groups,
        "themes": themes,
        "actions": actions,
        "rag_labels": [r.label for r in Rag],
        "summary_rows": summary_rows,
        "status_counts": status_counts,
        "theme_findings": theme_findings,
        "reflections": reflections,
        "future": future,
        "consulted": consulted,
        "indicator_summary": summary,
        "parts": with_part_cells(profile.get("parts", [])),
        "overview_sentence": profile.get("overview", ""),
        "synthetic_label": profile.get("synthetic_label", ""),
        "synthetic_names": profile.get("synthetic_names", []),
        "sources": profile.get("sources", []),
        "profile_error": profile_error,
        "relaudit": relaudit_summary.report_section(review),
        **method_context(review),
    }


def _css() -> str:
    base = files("lsr.report").joinpath("templates/base.css").read_text(encoding="utf-8")
    extra = (Path(__file__).resolve().parents[1] / "static" / "lsr" / "report.css").read_text(
        encoding="utf-8"
    )
    return base + "\n" + extra


def render_report_html(review: Review, *, charts: bool = True, today: dt.date | None = None) -> str:
    """The progress report as one self-contained HTML document."""
    context = report_context(review, charts=charts, today=today)
    context["css"] = Markup(_css())
    return render_to_string("plan/report_document.html", context)


def render_report_pdf(html_text: str) -> bytes:
    """Tagged PDF/UA-1 bytes from :func:`render_report_html`'s output."""
    with tempfile.TemporaryDirectory() as tmp:
        target = render_pdf(html_text, Path(tmp) / "report.pdf")
        return target.read_bytes()
