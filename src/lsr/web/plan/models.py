"""What the web application holds: reviews, areas for improvement, themes, actions (with
milestones, status history and evidence), findings, and the append-only audit trail.

RAG rule (``Action.rag``), always shown as words as well as colour:

* status *complete* -> **Blue: complete**
* status *off track*, or past its due date and not complete -> **Red**
* status *at risk*, or due within 30 days and not complete -> **Amber**
* otherwise -> **Green**
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from lsr.web.plan.text_rules import MULTI_LINE, SINGLE_LINE


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    REVIEWER = "reviewer", "Reviewer (regulator)"
    SYSTEM_LEAD = "system_lead", "System lead"
    PARTNER_EDITOR = "partner_editor", "Partner editor"
    VIEWER = "viewer", "Viewer"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=SINGLE_LINE)
    short_name = models.CharField(max_length=40, blank=True, validators=SINGLE_LINE)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class DataRevision(models.Model):
    """One row (``id`` 1) whose ``number`` the database itself increases, by triggers created
    in migration 0003, whenever a row of a table the pages show is inserted, updated or
    deleted: every path (views, admin, Excel import, ``manage.py shell``, bulk updates, raw
    SQL) counts. Pages cache their rendered content under this number
    (:mod:`lsr.web.plan.page_cache`), so a change to any of those tables makes every cached
    page miss. The audit trail and sessions are not counted: they change on every login.
    A table added by a later migration needs the triggers too (a test checks)."""

    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"data revision {self.number}"


class Review(models.Model):
    """A local system review of one area, and its progress review."""

    area_code = models.CharField(max_length=9, validators=SINGLE_LINE)
    area_name = models.CharField(max_length=200, validators=SINGLE_LINE)
    board = models.CharField(
        max_length=200, default="Health and Wellbeing Board", validators=SINGLE_LINE
    )
    review_start = models.DateField()
    review_end = models.DateField()
    progress_review_start = models.DateField(null=True, blank=True)
    progress_review_end = models.DateField(null=True, blank=True)
    introduction = models.TextField(blank=True, validators=MULTI_LINE)
    actions_are_examples = models.BooleanField(
        default=False, help_text="The actions are example actions (demonstration data)."
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["area_name", "-review_start"]

    def __str__(self) -> str:
        return f"{self.area_name} ({self.review_start:%B %Y})"


class Profile(models.Model):
    """A user's role, organisation (partner editors) and the reviews they work on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lsr_profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    reviews = models.ManyToManyField(Review, blank=True, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class PriorityGroup(models.TextChoices):
    STRATEGIC = "strategic", "Strategic priorities"
    OPERATIONAL = "operational", "Operational priorities"
    ENGAGEMENT = "engagement", "Engagement priorities"


class AreaForImprovement(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="areas")
    priority_group = models.CharField(max_length=20, choices=PriorityGroup.choices)
    text = models.TextField(validators=MULTI_LINE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "priority_group", "order", "id"]

    def __str__(self) -> str:
        return self.text[:80]


#: The nine themes of the progress review, in report order.
THEMES: tuple[str, ...] = (
    "Strategic approach to meeting the needs of older people",
    "Culture and collaboration",
    "Winter planning",
    "Market shaping",
    "Workforce",
    "Review of pathways, points of access and services",
    "Housing equipment and adaptations",
    "Carers",
    "People who fund their own care",
)


class Theme(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200, validators=SINGLE_LINE)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "order", "id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["review", "name"], name="theme_unique_per_review")
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    COMPLETE = "complete", "Complete"


class Rag(models.TextChoices):
    BLUE = "blue", "Blue: complete"
    RED = "red", "Red: off track or overdue"
    AMBER = "amber", "Amber: at risk or due within 30 days"
    GREEN = "green", "Green: on track"


AMBER_WINDOW_DAYS = 30


def rag_for(status: str, due: dt.date | None, today: dt.date) -> Rag:
    """The RAG rating from status and due date (see the module docstring)."""
    if status == Status.COMPLETE:
        return Rag.BLUE
    if status == Status.OFF_TRACK or (due is not None and due < today):
        return Rag.RED
    if status == Status.AT_RISK or (
        due is not None and due <= today + dt.timedelta(days=AMBER_WINDOW_DAYS)
    ):
        return Rag.AMBER
    return Rag.GREEN


class Action(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    reference = models.CharField(max_length=20, blank=True, validators=SINGLE_LINE)
    what = models.TextField("What will be done", validators=MULTI_LINE)
    area = models.ForeignKey(
        AreaForImprovement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        verbose_name="Area for improvement",
    )
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="actions")
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="actions"
    )
    owner_person = models.CharField(
        "Owner (person)", max_length=200, blank=True, validators=SINGLE_LINE
    )
    start = models.DateField(null=True, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    evidence_notes = models.TextField(blank=True, validators=MULTI_LINE)
    indicators = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["review", "theme__order", "reference", "id"]

    def __str__(self) -> str:
        return f"{self.reference or self.pk}: {self.what[:60]}"

    def rag(self, today: dt.date | None = None) -> Rag:
        return rag_for(self.status, self.due, today or timezone.localdate())

    @property
    def rag_now(self) -> Rag:
        return self.rag()

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status != Status.COMPLETE and self.due is not None and self.due < today


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField()
    text = models.CharField(max_length=500, validators=SINGLE_LINE)
    done = models.BooleanField(default=False)
    #: Increased by every change; a request to change a milestone says the version it saw.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar[list[str]] = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text}"


class StatusChange(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="status_history")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices)
    previous_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True, validators=MULTI_LINE)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/review-{instance.action.review_id}/action-{instance.action_id}/{filename}"


class EvidenceFile(models.Model):
    """What every piece of evidence keeps (an action's, a SOIR answer's): a note and/or a file
    with its original name, type and size (lsr.web.plan.uploads), who uploaded it and when."""

    note = models.TextField(blank=True, validators=MULTI_LINE)
    original_name = models.CharField(max_length=255, blank=True, validators=SINGLE_LINE)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering: ClassVar[list[str]] = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or self.note[:60]


class Evidence(EvidenceFile):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, blank=True)


class Finding(models.Model):
    """The progress review's findings for one theme."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    theme = models.OneToOneField(Theme, on_delete=models.CASCADE, related_name="finding")
    improved = models.TextField("What improved", blank=True, validators=MULTI_LINE)
    still_to_improve = models.TextField(
        "What still needs to improve", blank=True, validators=MULTI_LINE
    )
    future_focus = models.TextField("Areas for future focus", blank=True, validators=MULTI_LINE)
    reflections = models.TextField(
        "Reflections of system leaders", blank=True, validators=MULTI_LINE
    )
    consulted = models.TextField("People and sources consulted", blank=True, validators=MULTI_LINE)

    class Meta:
        ordering: ClassVar[list[str]] = ["theme__order"]

    def __str__(self) -> str:
        return f"Findings: {self.theme}"


class PublishedReport(models.Model):
    """A published progress report: the HTML and tagged PDF as they were when published."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="published")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    html = models.TextField()
    pdf = models.BinaryField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-published_at", "-id"]


class AuditQuerySet(models.QuerySet):
    """Bulk update and delete are refused too, and so is bulk create (rows are chained one at
    a time by ``AuditEvent.save``)."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events cannot be deleted")

    def bulk_create(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events are appended one at a time (hash chain)")


class AuditEvent(models.Model):
    """One entry of the append-only audit trail. Refuses update and delete (here, in the admin
    and, by triggers of migrations 0002 and 0005, in the database itself). Each row is chained
    to the previous one by ``hash`` when it is saved (``lsr.web.plan.audit_chain``)."""

    class Kind(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGOUT = "logout", "Logged out"
        DENIED = "denied", "Access refused"
        PUBLISH = "publish", "Published report"
        IMPORT = "import", "Imported action plan"
        LOCKOUT = "lockout", "Locked out"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    model = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    review_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)
    # The hash chain (audit_chain): position, the previous row's hash, this row's hash.
    seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]
        indexes: ClassVar[list[Any]] = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.kind} {self.model}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("audit events cannot be changed")
        from lsr.web.plan.audit_chain import seal

        seal(self, lambda: super(AuditEvent, self).save(*args, **kwargs), kwargs.get("using"))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events cannot be deleted")


# The relational audit's models, the SOIR's and the engagement log's, the winter dashboard's.
from lsr.web.plan import models_relaudit, models_soir, models_winter  # noqa: E402, F401
