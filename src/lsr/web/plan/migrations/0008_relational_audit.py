# ruff: noqa: RUF012
"""The relational audit (lsr.web.plan.models_relaudit): rounds, access codes (keyed hashes),
responses, theme tags, responses per day, and the survey's request counter.

The new ``plan_`` tables get the data-revision triggers of migration 0003 (a page showing a
round's results must not be served stale from the page cache); the request counter
(``relaudit_throttle``) does not: the pages never show it.
"""

import importlib
import uuid
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import lsr.web.plan.text_rules

_REVISION = importlib.import_module("lsr.web.plan.migrations.0003_data_revision")

#: The tables added here whose changes the data revision counts.
COUNTED_TABLES = (
    "plan_auditround",
    "plan_auditround_organisations",
    "plan_accesscode",
    "plan_surveyresponse",
    "plan_responsetheme",
    "plan_responseday",
)


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_rev_{event.lower()} AFTER {event} ON {table} "
        f"BEGIN {_REVISION.BUMP}; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgres(table: str) -> list[str]:
    return [
        f"CREATE CONSTRAINT TRIGGER {table}_rev AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION plan_datarevision_bump()",
        f"CREATE TRIGGER {table}_rev_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION plan_datarevision_bump()",
    ]


def _triggers(apps: Any, schema_editor: Any) -> None:
    make = {"sqlite": _sqlite, "postgresql": _postgres}.get(schema_editor.connection.vendor)
    for table in COUNTED_TABLES if make else ():
        for sql in make(table):
            schema_editor.execute(sql, None)


def _drop_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in COUNTED_TABLES:
        if vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_rev_{event}", None)
        elif vendor == "postgresql":
            for suffix in ("", "_truncate"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_rev{suffix} ON {table}")


class Migration(migrations.Migration):
    dependencies = [("plan", "0007_soir_engagement")]

    operations = [
        migrations.CreateModel(
            name="AuditRound",
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
                        max_length=200,
                        validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
                    ),
                ),
                ("opens", models.DateField()),
                ("closes", models.DateField()),
                ("dimensions", models.JSONField(default=list)),
                (
                    "is_example",
                    models.BooleanField(
                        default=False, help_text="Example answers (demonstration data)."
                    ),
                ),
                ("sealed", models.BooleanField(default=False)),
                (
                    "organisations",
                    models.ManyToManyField(related_name="audit_rounds", to="plan.organisation"),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="audit_rounds",
                        to="plan.review",
                    ),
                ),
            ],
            options={
                "ordering": ["review", "opens", "id"],
            },
        ),
        migrations.CreateModel(
            name="AccessCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("used", models.BooleanField(default=False)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="plan.organisation",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="plan.auditround",
                    ),
                ),
            ],
            options={
                "ordering": ["round", "organisation", "digest"],
            },
        ),
        migrations.CreateModel(
            name="ResponseTheme",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "theme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="plan.theme",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SurveyResponse",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("scores", models.JSONField(default=dict)),
                (
                    "comment",
                    models.TextField(
                        blank=True,
                        validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                    ),
                ),
                (
                    "rated",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="plan.organisation",
                    ),
                ),
                (
                    "rater",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="plan.organisation",
                    ),
                ),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="responses",
                        to="plan.auditround",
                    ),
                ),
                (
                    "themes",
                    models.ManyToManyField(
                        blank=True, related_name="+", through="plan.ResponseTheme", to="plan.theme"
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.AddField(
            model_name="responsetheme",
            name="response",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tags",
                to="plan.surveyresponse",
            ),
        ),
        migrations.CreateModel(
            name="SurveyThrottle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                ("kind", models.CharField(max_length=20)),
                ("window", models.DateTimeField()),
                ("count", models.PositiveIntegerField(default=0)),
            ],
            options={
                "db_table": "relaudit_throttle",
                "constraints": [
                    models.UniqueConstraint(fields=("key", "kind", "window"), name="throttle_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="ResponseDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("count", models.PositiveIntegerField(default=0)),
                ("audited", models.BooleanField(default=False)),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="days",
                        to="plan.auditround",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("round", "day"), name="response_day_once")
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="responsetheme",
            constraint=models.UniqueConstraint(
                fields=("response", "theme"), name="response_theme_once"
            ),
        ),
        migrations.RunPython(_triggers, _drop_triggers),
    ]
