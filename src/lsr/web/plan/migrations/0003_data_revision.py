# ruff: noqa: RUF012
"""The data revision: a one-row counter that the database increases on every change to the
tables the pages show (:class:`lsr.web.plan.models.DataRevision`).

SQLite: an AFTER INSERT, AFTER UPDATE and AFTER DELETE trigger on each table (SQLite has one
writer at a time). PostgreSQL: one trigger function, run for each changed row by a constraint
trigger deferred to the commit (so the counter's row is locked only while a transaction
commits: two transactions that change rows in opposite orders cannot deadlock on it), and once
per TRUNCATE. In both, the counter's row is updated inside the changing transaction, so the new
number becomes visible together with the change it counts, never before it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

#: The tables whose changes are counted: everything the pages show. Not the audit trail
#: (append-only, written by every login) nor Django's sessions, admin log or permissions.
COUNTED_TABLES = (
    "plan_organisation",
    "plan_review",
    "plan_profile",
    "plan_profile_reviews",
    "plan_areaforimprovement",
    "plan_theme",
    "plan_action",
    "plan_milestone",
    "plan_statuschange",
    "plan_evidence",
    "plan_finding",
    "plan_publishedreport",
    "auth_user",
)
BUMP = "UPDATE plan_datarevision SET number = number + 1 WHERE id = 1"


def _sqlite_up() -> list[str]:
    return [
        f"CREATE TRIGGER {table}_rev_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
        for table in COUNTED_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _sqlite_down() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_rev_{event.lower()}"
        for table in COUNTED_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgres_up() -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION plan_datarevision_bump() RETURNS trigger AS $$
            BEGIN {BUMP}; RETURN NULL; END;
            $$ LANGUAGE plpgsql""",
        *(
            sql
            for table in COUNTED_TABLES
            for sql in (
                # Deferred to the commit: the counter's row is locked only while committing,
                # so two transactions changing rows in opposite orders cannot deadlock on it.
                f"CREATE CONSTRAINT TRIGGER {table}_rev AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION plan_datarevision_bump()",
                f"CREATE TRIGGER {table}_rev_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION plan_datarevision_bump()",
            )
        ),
    ]


def _postgres_down() -> list[str]:
    return [
        *(
            f"DROP TRIGGER IF EXISTS {table}_rev{suffix} ON {table}"
            for table in COUNTED_TABLES
            for suffix in ("", "_truncate")
        ),
        "DROP FUNCTION IF EXISTS plan_datarevision_bump()",
    ]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


def _first_row(apps: Any, schema_editor: Any) -> None:
    apps.get_model("plan", "DataRevision").objects.using(
        schema_editor.connection.alias
    ).get_or_create(id=1, defaults={"number": 0})


class Migration(migrations.Migration):
    dependencies = [("plan", "0002_audit_append_only")]  # 0001 depends on the user model

    operations = [
        migrations.CreateModel(
            name="DataRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(_first_row, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": _sqlite_up(), "postgresql": _postgres_up()}),
            _run({"sqlite": _sqlite_down(), "postgresql": _postgres_down()}),
        ),
    ]
