"""The progress report's method ("How we carried out the progress review") and its evidence
references, generated from the review's records: the information requests (SOIR) sent and how
they were answered, the engagement log, and the relational audit (through
:func:`relaudit_method_lines`, a hook onto ``lsr.web.plan.relaudit_summary`` that gives no lines
while that module is absent).

Per finding, "people and sources consulted": the engagement records tagged with the finding's
theme, and the submitted SOIR answers linked to the finding or to a question of its theme, each
with a reference (``SOIR-<answer id>``) that the report's evidence list explains.
"""

from __future__ import annotations

import importlib
from typing import Any

from lsr.web.plan.engagement import consulted_on, people_spoken_with
from lsr.web.plan.models import Review, Theme
from lsr.web.plan.models_soir import (
    Answer,
    AnswerStatus,
    EngagementKind,
    InformationRequest,
    RequestStatus,
)
from lsr.web.plan.soir_progress import completion

RELAUDIT_MODULE = "lsr.web.plan.relaudit_summary"


def _date(d: Any) -> str:
    return f"{d.day} {d:%B %Y}"


def relaudit_method_lines(review: Review) -> list[str]:
    """The relational audit's sentences for the method section, from
    ``lsr.web.plan.relaudit_summary.method_lines(review)``; none while that module does not
    exist (it is built separately). Any other import error is raised, not hidden."""
    try:
        module = importlib.import_module(RELAUDIT_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != RELAUDIT_MODULE:
            raise
        return []
    return [str(line) for line in module.method_lines(review)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def soir_lines(review: Review) -> list[str]:
    lines = []
    for soir in (
        InformationRequest.objects.filter(review=review)
        .exclude(status=RequestStatus.DRAFT)
        .order_by("sent_at", "id")
    ):
        p = completion(soir)
        n = len(p.organisations)
        names = ", ".join(o.organisation.name for o in p.organisations)
        sent = f" on {_date(soir.sent_at)}" if soir.sent_at else ""
        due = f", due by {_date(soir.due)}" if soir.due else ""
        example = " (example data)" if soir.is_example else ""
        line = (
            f"We asked the local system for a progress update through a system overview "
            f"information request (SOIR){example}, “{soir.title}”, sent to "
            f"{_plural(n, 'organisation')} ({names}){sent}{due}: "
            f"{p.answered_on_time} of {n} answered every question by the due date"
        )
        late = p.answered - p.answered_on_time
        if late:
            line += f", {late} answered late"
        line += "."
        lines.append(line)
    return lines


def engagement_line(review: Review) -> str:
    records = list(review.engagements.all())
    if not records:
        return ""
    counts = []
    labels = {
        EngagementKind.INTERVIEW: ("interview", "interviews"),
        EngagementKind.FOCUS_GROUP: ("focus group", "focus groups"),
        EngagementKind.VISIT: ("visit", "visits"),
        EngagementKind.OTHER: ("other meeting", "other meetings"),
    }
    for kind, (one, many) in labels.items():
        n = sum(1 for r in records if r.kind == kind)
        if n:
            counts.append(f"{n} {one if n == 1 else many}")
    first = min(r.date for r in records)
    last = max(r.date for r in records)
    span = _date(first) if first == last else f"between {_date(first)} and {_date(last)}"
    example = " (example data)" if any(r.is_example for r in records) else ""
    return f"We held {', '.join(counts)} {span}{example}."


def method_context(review: Review) -> dict[str, Any]:
    """The method section's sentences and the people-we-spoke-with list."""
    lines = [*soir_lines(review)]
    line = engagement_line(review)
    if line:
        lines.append(line)
    lines.extend(relaudit_method_lines(review))
    return {"method_lines": lines, "people_spoken_with": people_spoken_with(review)}


def soir_references(theme: Theme) -> list[dict[str, str]]:
    """The submitted SOIR answers that are evidence for the finding of ``theme``."""
    finding_id = getattr(getattr(theme, "finding", None), "pk", None)
    answers = (
        Answer.objects.filter(status=AnswerStatus.SUBMITTED, question__request__review=theme.review)
        .select_related("question", "organisation")
        .prefetch_related("findings")
        .order_by("question__order", "organisation__name", "id")
    )
    refs = []
    for a in answers:
        linked = finding_id is not None and any(f.pk == finding_id for f in a.findings.all())
        if linked or a.question.theme_id == theme.pk:
            refs.append(
                {
                    "ref": f"SOIR-{a.pk}",
                    "organisation": a.organisation.name,
                    "question": a.question.text,
                }
            )
    return refs


def consulted_for(theme: Theme) -> dict[str, list[Any]]:
    return {"people": consulted_on(theme), "soir": soir_references(theme)}
