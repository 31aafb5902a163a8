# ruff: noqa: RUF012
"""Text rules and milestone versions.

* ``Milestone.version``: a request to mark a milestone done or not done says the version it
  saw; a stale one is refused (see ``views_actions.milestone_set_done``).
* The text rules of :mod:`lsr.web.plan.text_rules` as validators on every text field
  (validators only: no change to the tables).

On SQLite, adding a NOT NULL column rebuilds ``plan_milestone`` (a new table copied and
renamed), which drops its triggers: the data-revision triggers of migration 0003 are created
again for it here (PostgreSQL adds the column in place and keeps them).
"""

from typing import Any

from django.db import migrations, models

import lsr.web.plan.text_rules

BUMP = "UPDATE plan_datarevision SET number = number + 1 WHERE id = 1"
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _milestone_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for event in EVENTS:
        name = f"plan_milestone_rev_{event.lower()}"
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", None)
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON plan_milestone BEGIN {BUMP}; END", None
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0003_data_revision"),
    ]

    operations = [
        # Backwards, the column's removal rebuilds the table again: triggers after it.
        migrations.RunPython(migrations.RunPython.noop, _milestone_triggers),
        migrations.AddField(
            model_name="milestone",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RunPython(_milestone_triggers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="action",
            name="evidence_notes",
            field=models.TextField(
                blank=True, validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)]
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="owner_person",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
                verbose_name="Owner (person)",
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="reference",
            field=models.CharField(
                blank=True,
                max_length=20,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
            ),
        ),
        migrations.AlterField(
            model_name="action",
            name="what",
            field=models.TextField(
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="What will be done",
            ),
        ),
        migrations.AlterField(
            model_name="areaforimprovement",
            name="text",
            field=models.TextField(
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)]
            ),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="note",
            field=models.TextField(
                blank=True, validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)]
            ),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="original_name",
            field=models.CharField(
                blank=True,
                max_length=255,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="consulted",
            field=models.TextField(
                blank=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="People and sources consulted",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="future_focus",
            field=models.TextField(
                blank=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="Areas for future focus",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="improved",
            field=models.TextField(
                blank=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="What improved",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="reflections",
            field=models.TextField(
                blank=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="Reflections of system leaders",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="still_to_improve",
            field=models.TextField(
                blank=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)],
                verbose_name="What still needs to improve",
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="text",
            field=models.CharField(
                max_length=500, validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)]
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name",
            field=models.CharField(
                max_length=200,
                unique=True,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="short_name",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="area_code",
            field=models.CharField(
                max_length=9, validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)]
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="area_name",
            field=models.CharField(
                max_length=200, validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)]
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="board",
            field=models.CharField(
                default="Health and Wellbeing Board",
                max_length=200,
                validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)],
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="introduction",
            field=models.TextField(
                blank=True, validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)]
            ),
        ),
        migrations.AlterField(
            model_name="statuschange",
            name="note",
            field=models.TextField(
                blank=True, validators=[lsr.web.plan.text_rules.TextValidator(multiline=True)]
            ),
        ),
        migrations.AlterField(
            model_name="theme",
            name="name",
            field=models.CharField(
                max_length=200, validators=[lsr.web.plan.text_rules.TextValidator(multiline=False)]
            ),
        ),
    ]
