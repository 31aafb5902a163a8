"""The review's evidence: the system overview information request (SOIR) and the engagement
log.

* :class:`QuestionTemplate`: the library of questions a request is built from (one of the nine
  themes, a kind of answer, guidance); exported and imported as Excel (``excel_soir``).
* :class:`InformationRequest`: one request of a review, built from templates (its
  :class:`Question` rows are copies, so a later change to a template never changes a request
  already built), sent to named organisations (:class:`Recipient`) with a due date.
* :class:`Answer`: one organisation's answer to one question: a draft until submitted, then
  locked (a reviewer or system lead may reopen it, audited); ``version`` for optimistic
  concurrency as for actions; links to actions and findings; evidence files
  (:class:`AnswerEvidence`, the same upload rules as an action's evidence).
* :class:`EngagementRecord`: an interview, focus group or visit: who was spoken with by role and
  organisation (:class:`EngagementParticipant`: counts and role names only, never a person's
  identity), the date, theme tags and notes that only reviewers and leads read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from lsr.web.plan.identifiers import NO_PERSON_IDENTIFIERS
from lsr.web.plan.models import (
    THEMES,
    Action,
    EvidenceFile,
    Finding,
    Organisation,
    Review,
    Theme,
)
from lsr.web.plan.text_rules import MULTI_LINE, SINGLE_LINE

THEME_CHOICES = [(name, name) for name in THEMES]


class QuestionKind(models.TextChoices):
    TEXT = "text", "Free text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    FILE = "file", "File"


class QuestionTemplate(models.Model):
    """A question of the library, under one of the nine themes."""

    theme = models.CharField(max_length=200, choices=THEME_CHOICES, validators=SINGLE_LINE)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    text = models.TextField("Question", validators=MULTI_LINE)
    guidance = models.TextField(blank=True, validators=MULTI_LINE)
    #: For a choice question: the choices, one per line.
    choices = models.TextField(blank=True, validators=MULTI_LINE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.split("\n") if c.strip()]


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft (not sent)"
    SENT = "sent", "Sent"


class InformationRequest(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="soirs")
    title = models.CharField(max_length=200, validators=SINGLE_LINE)
    due = models.DateField("Due date", null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    is_example = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "-id"]

    def __str__(self) -> str:
        return self.title


class Recipient(models.Model):
    """An organisation a request was sent to."""

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="recipients"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["organisation__name"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["request", "organisation"], name="recipient_once")
        ]

    @property
    def review_id(self) -> int:
        return self.request.review_id


class Question(models.Model):
    """A question of one request, copied from a template."""

    request = models.ForeignKey(
        InformationRequest, on_delete=models.CASCADE, related_name="questions"
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        QuestionTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.TextField(validators=MULTI_LINE)
    guidance = models.TextField(blank=True, validators=MULTI_LINE)
    choices = models.TextField(blank=True, validators=MULTI_LINE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["theme__order", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.split("\n") if c.strip()]

    @property
    def review_id(self) -> int:
        return self.request.review_id


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    value = models.TextField(blank=True, validators=MULTI_LINE)
    status = models.CharField(
        max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actions = models.ManyToManyField(Action, blank=True, related_name="soir_answers")
    findings = models.ManyToManyField(Finding, blank=True, related_name="soir_answers")

    class Meta:
        ordering: ClassVar[list[str]] = ["question__theme__order", "question__order", "id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["question", "organisation"], name="answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.question}"

    @property
    def review_id(self) -> int:
        return self.question.request.review_id

    @property
    def submitted(self) -> bool:
        return self.status == AnswerStatus.SUBMITTED

    def is_late(self) -> bool:
        """Submitted after the request's due date."""
        due = self.question.request.due
        return bool(
            self.submitted
            and due
            and self.submitted_at
            and timezone.localdate(self.submitted_at) > due
        )


def answer_evidence_path(instance: AnswerEvidence, filename: str) -> str:
    return f"evidence/soir-answer-{instance.answer_id}/{filename}"


class AnswerEvidence(EvidenceFile):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=answer_evidence_path, blank=True)

    @property
    def review_id(self) -> int:
        return self.answer.question.request.review_id


class EngagementKind(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    FOCUS_GROUP = "focus_group", "Focus group"
    VISIT = "visit", "Visit"
    OTHER = "other", "Other"


class RoleGroup(models.TextChoices):
    """The groups of "The people we spoke with included", in the report's order."""

    SYSTEM_LEADERS = "system_leaders", "System leaders"
    STAFF = "staff", "Staff members"
    HEALTHWATCH_VCSE = "healthwatch_vcse", "Local Healthwatch and VCSE services"
    PROVIDERS = "providers", "Provider representatives"
    NATIONAL = "national", "National partners"
    PEOPLE = "people", "Organisations representing people who use services"
    OTHER = "other", "Others"


class EngagementRecord(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField(max_length=20, choices=EngagementKind.choices)
    date = models.DateField()
    title = models.CharField(
        "Short description", max_length=200, validators=SINGLE_LINE + NO_PERSON_IDENTIFIERS
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="engagements")
    notes = models.TextField(
        "Notes (reviewers and system leads only)",
        blank=True,
        validators=MULTI_LINE + NO_PERSON_IDENTIFIERS,
    )
    is_example = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}: {self.title}"


class EngagementParticipant(models.Model):
    """People spoken with: a role group, role names, an organisation and how many (never a
    name or any other identity)."""

    record = models.ForeignKey(
        EngagementRecord, on_delete=models.CASCADE, related_name="participants"
    )
    group = models.CharField(max_length=20, choices=RoleGroup.choices)
    roles = models.CharField(
        "Roles (e.g. community nurses, social workers)",
        max_length=300,
        blank=True,
        validators=SINGLE_LINE + NO_PERSON_IDENTIFIERS,
    )
    organisation = models.CharField(
        max_length=200, blank=True, validators=SINGLE_LINE + NO_PERSON_IDENTIFIERS
    )
    count = models.PositiveIntegerField("Number of people", default=1)

    class Meta:
        ordering: ClassVar[list[str]] = ["record", "id"]

    @property
    def review_id(self) -> int:
        return self.record.review_id
