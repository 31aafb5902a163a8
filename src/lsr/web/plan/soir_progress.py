"""How far a sent information request has been answered: per organisation, the questions,
answers submitted (on time or late), drafts, and what is missing; and the late and missing
answers listed. Used by the request's page and by the progress report's method section."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from lsr.web.plan.models import Organisation
from lsr.web.plan.models_soir import Answer, AnswerStatus, InformationRequest


@dataclass
class OrgProgress:
    organisation: Organisation
    questions: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    drafts: int = 0
    missing: int = 0

    @property
    def complete(self) -> bool:
        return self.questions > 0 and self.submitted == self.questions

    @property
    def complete_on_time(self) -> bool:
        return self.complete and self.late == 0


@dataclass
class Progress:
    due: dt.date | None
    overdue: bool
    organisations: list[OrgProgress] = field(default_factory=list)
    late: list[Answer] = field(default_factory=list)
    missing: list[Answer] = field(default_factory=list)

    @property
    def answered_on_time(self) -> int:
        """Organisations that submitted every answer by the due date."""
        return sum(1 for o in self.organisations if o.complete_on_time)

    @property
    def answered(self) -> int:
        return sum(1 for o in self.organisations if o.complete)


def completion(soir: InformationRequest, today: dt.date | None = None) -> Progress:
    today = today or timezone.localdate()
    overdue = soir.due is not None and today > soir.due
    progress = Progress(due=soir.due, overdue=overdue)
    by_org: dict[int, OrgProgress] = {}
    for r in soir.recipients.select_related("organisation"):
        by_org[r.organisation_id] = OrgProgress(r.organisation)
    answers = (
        Answer.objects.filter(question__request=soir)
        .select_related("question__theme", "question__request", "organisation")
        .order_by("organisation__name", "question__theme__order", "question__order", "id")
    )
    for a in answers:
        row = by_org.setdefault(a.organisation_id, OrgProgress(a.organisation))
        row.questions += 1
        if a.status == AnswerStatus.SUBMITTED:
            row.submitted += 1
            if a.is_late():
                row.late += 1
                progress.late.append(a)
            else:
                row.on_time += 1
        else:
            row.missing += 1
            if a.value:
                row.drafts += 1
            progress.missing.append(a)
    progress.organisations = sorted(by_org.values(), key=lambda o: o.organisation.name)
    return progress
