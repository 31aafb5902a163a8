"""The relational audit: rounds of an anonymous survey of staff of the partner organisations
about each other organisation (docs/methods/relational-audit.md).

Anonymity by construction (the threat model is in the methods page):

* an :class:`AccessCode` holds only a keyed hash of the code (HMAC-SHA256 under the secret key),
  the organisation it was issued for and whether it has been used: no time, no person;
* a :class:`SurveyResponse` holds the round, the respondent's organisation (from the code), the
  rated organisation, the scores and the free text: no reference to a code, no time at all, and
  a random id (UUID 4), so neither its id nor a sort by it tells the order of answers;
* :class:`ResponseDay` counts answers per round and day, so that the audit trail can say "N
  responses were received for round X on day D" once the day is over (never when each arrived).

When a round closes, its answers are rewritten in a random order with new ids and its codes are
rewritten too (:func:`lsr.web.plan.relaudit_survey.reseal`), so that what the database keeps
about the order of writes while the round was open (PostgreSQL's row versions, SQLite's row ids)
no longer pairs a used code with an answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.db import models

from lsr.web.plan.models import Organisation, Review, Theme
from lsr.web.plan.text_rules import MULTI_LINE, SINGLE_LINE

#: The dimensions a new round offers by default (each answered 1-5, or "don't know").
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "Trust",
    "Shared purpose",
    "Communication",
    "Joint working",
)
#: The scale's labels, shown with every question.
SCALE: tuple[tuple[int, str], ...] = (
    (1, "1 – very poor"),
    (2, "2 – poor"),
    (3, "3 – neither good nor poor"),
    (4, "4 – good"),
    (5, "5 – very good"),
)


class AuditRound(models.Model):
    """One round of the relational audit (the first review's, the progress review's)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="audit_rounds")
    name = models.CharField(max_length=200, validators=SINGLE_LINE)
    opens = models.DateField()
    closes = models.DateField()
    organisations = models.ManyToManyField(Organisation, related_name="audit_rounds")
    dimensions = models.JSONField(default=list)
    is_example = models.BooleanField(
        default=False, help_text="Example answers (demonstration data)."
    )
    #: Set once the answers have been rewritten in random order after the round closed.
    sealed = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "opens", "id"]

    def __str__(self) -> str:
        return self.name

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today <= self.closes


class AccessCode(models.Model):
    """A code handed to one member of staff of ``organisation``; only its keyed hash is kept."""

    round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="codes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["round", "organisation", "digest"]


class SurveyResponse(models.Model):
    """One respondent's answers about one other organisation. Deliberately without a code, a
    time or an ordered id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="responses")
    rater = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    rated = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    #: ``{dimension: score}``; a dimension answered "don't know" is left out.
    scores = models.JSONField(default=dict)
    comment = models.TextField(blank=True, validators=MULTI_LINE)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+", through="ResponseTheme")

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]


class ResponseTheme(models.Model):
    """A reviewer's tag of a response's free text to one of the review's themes."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="tags")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["response", "theme"], name="response_theme_once")
        ]


class ResponseDay(models.Model):
    """How many responses a round received on a day; ``audited`` once the trail says so."""

    round = models.ForeignKey(AuditRound, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    audited = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["round", "day"], name="response_day_once")
        ]


class SurveyThrottle(models.Model):
    """Survey requests counted per client (a keyed hash of its address, never the address),
    kind and hour, shared by every server process. Not a ``plan_`` table: the pages never show
    it, so it is not counted by the data revision."""

    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "relaudit_throttle"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["key", "kind", "window"], name="throttle_once")
        ]
