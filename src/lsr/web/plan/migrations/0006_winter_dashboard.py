# ruff: noqa: RUF012
"""The winter dashboard's saved lever settings (plan_winterscenario), counted by the data
revision like every table the pages show (migration 0003's triggers)."""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import lsr.web.plan.text_rules

TABLE = "plan_winterscenario"
BUMP = "UPDATE plan_datarevision SET number = number + 1 WHERE id = 1"
EVENTS = ("INSERT", "UPDATE", "DELETE")
UP = {
    "sqlite": [
        f"CREATE TRIGGER {TABLE}_rev_{e.lower()} AFTER {e} ON {TABLE} BEGIN {BUMP}; END"
        for e in EVENTS
    ],
    # plan_datarevision_bump() is migration 0003's function (deferred to the commit).
    "postgresql": [
        f"CREATE CONSTRAINT TRIGGER {TABLE}_rev AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION plan_datarevision_bump()",
        f"CREATE TRIGGER {TABLE}_rev_truncate AFTER TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION plan_datarevision_bump()",
    ],
}
DOWN = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {TABLE}_rev_{e.lower()}" for e in EVENTS],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TABLE}_rev ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TABLE}_rev_truncate ON {TABLE}",
    ],
}


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0005_audit_hash_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WinterScenario",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=120,
                        validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
                    ),
                ),
                ("extra_home_care", models.PositiveIntegerField(default=0)),
                ("extra_home_care_from", models.DateField(blank=True, null=True)),
                ("extra_step_down", models.PositiveIntegerField(default=0)),
                ("extra_step_down_from", models.DateField(blank=True, null=True)),
                ("surge_percent", models.DecimalField(decimal_places=1, default=0, max_digits=5)),
                ("surge_from", models.DateField(blank=True, null=True)),
                ("surge_weeks", models.PositiveIntegerField(blank=True, null=True)),
                ("extra_assessors", models.PositiveIntegerField(default=0)),
                ("extra_assessors_from", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="plan.review",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("review", "name"), name="winter_scenario_unique_name"
                    )
                ],
            },
        ),
        migrations.RunPython(_run(UP), _run(DOWN)),
    ]
