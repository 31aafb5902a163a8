# ruff: noqa: RUF012
"""The audit trail's hash chain, and guards against every statement that can change a row.

Adds ``seq``, ``prev_hash`` and ``hash`` to the audit table and chains the rows written before
this migration, in id order, exactly as new rows are chained (``lsr.web.plan.audit_chain``).
The guards of migration 0002 are dropped for that (the rows are updated once, here) and the
full set is created afterwards (``lsr.web.plan.audit_guard``): SQLite also refuses ``REPLACE``
and any insert naming an existing id; PostgreSQL also refuses ``TRUNCATE``, and its triggers
fire ``ALWAYS``. On SQLite, adding a column rebuilds the table, which drops its triggers: the
guards are created at the end in any case.

Adds the ``lockout`` kind (a choice only: no change in the database).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from lsr.web.plan import audit_chain, audit_guard


def _chain_existing(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    audit_guard.drop_guards(connection)
    model = apps.get_model("plan", "AuditEvent")
    rows = model.objects.using(connection.alias).order_by("id")
    prev, batch = audit_chain.GENESIS, []
    for seq, event in enumerate(rows.iterator(chunk_size=2000), start=1):
        event.seq, event.prev_hash = seq, prev
        values = {name: getattr(event, name) for name in audit_chain.CHAINED_FIELDS}
        # As the application reads them back: JSON through the column's round trip.
        values["before"] = audit_chain.json_ready(values["before"])
        values["after"] = audit_chain.json_ready(values["after"])
        event.hash = prev = audit_chain.row_hash(values)
        batch.append(event)
        if len(batch) >= 500:
            model.objects.using(connection.alias).bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    if batch:
        model.objects.using(connection.alias).bulk_update(batch, ["seq", "prev_hash", "hash"])
    audit_guard.ensure_guards(connection)


def _drop_guards(apps: Any, schema_editor: Any) -> None:
    audit_guard.drop_guards(schema_editor.connection)


def _restore_0002_guards(apps: Any, schema_editor: Any) -> None:
    audit_guard.ensure_guards(schema_editor.connection, legacy_only=True)


class Migration(migrations.Migration):
    dependencies = [("plan", "0004_text_rules_milestone_version")]

    operations = [
        # Reversed last: after the columns are removed (a table rebuild on SQLite).
        migrations.RunPython(migrations.RunPython.noop, _restore_0002_guards),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("update", "Updated"),
                    ("delete", "Deleted"),
                    ("login", "Logged in"),
                    ("login_failed", "Login failed"),
                    ("logout", "Logged out"),
                    ("denied", "Access refused"),
                    ("publish", "Published report"),
                    ("import", "Imported action plan"),
                    ("lockout", "Locked out"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(_chain_existing, _drop_guards),
    ]
