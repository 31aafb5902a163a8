"""App configuration: registers the audit trail's signal handlers."""

from __future__ import annotations

from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "lsr.web.plan"
    label = "plan"
    verbose_name = "Local system review action plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lsr.web.plan import audit

        audit.connect_signals()
