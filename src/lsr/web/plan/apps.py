"""App configuration: registers the audit trail's signal handlers, and puts back the data
revision's row after ``migrate`` or ``flush`` (which empties every table)."""

from __future__ import annotations

from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "lsr.web.plan"
    label = "plan"
    verbose_name = "Local system review action plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lsr.web.plan import audit

        audit.connect_signals()
        post_migrate.connect(_revision_row, sender=self, dispatch_uid="lsr_revision_row")


def _revision_row(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from django.db import connections

    from lsr.web.plan.models import DataRevision

    if DataRevision._meta.db_table in connections[using].introspection.table_names():
        DataRevision.objects.using(using).get_or_create(id=1, defaults={"number": 0})
