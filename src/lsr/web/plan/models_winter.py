"""The winter dashboard's saved lever settings (scenarios), one review each.

A scenario is a named setting of the four what-if levers of :class:`lsr.flow.forecast.Levers`
(extra home-care packages, step-down beds, a surge in admissions, extra assessors, each from a
date). Saving one is audited (:func:`lsr.web.plan.audit.created`); the table is counted by the
data revision (migration 0006).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from lsr.web.plan.text_rules import SINGLE_LINE

#: Lever fields, in the order forms, exports and the forecast use them.
LEVER_FIELDS = (
    "extra_home_care",
    "extra_home_care_from",
    "extra_step_down",
    "extra_step_down_from",
    "surge_percent",
    "surge_from",
    "surge_weeks",
    "extra_assessors",
    "extra_assessors_from",
)


class WinterScenario(models.Model):
    """A named lever setting for a review's winter dashboard."""

    review = models.ForeignKey("plan.Review", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120, validators=SINGLE_LINE)
    extra_home_care = models.PositiveIntegerField(default=0)
    extra_home_care_from = models.DateField(null=True, blank=True)
    extra_step_down = models.PositiveIntegerField(default=0)
    extra_step_down_from = models.DateField(null=True, blank=True)
    surge_percent = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    surge_from = models.DateField(null=True, blank=True)
    surge_weeks = models.PositiveIntegerField(null=True, blank=True)
    extra_assessors = models.PositiveIntegerField(default=0)
    extra_assessors_from = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["review", "name"], name="winter_scenario_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def levers(self) -> dict[str, Any]:
        """The lever values by field name."""
        return {name: getattr(self, name) for name in LEVER_FIELDS}
