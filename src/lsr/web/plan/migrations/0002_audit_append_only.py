# ruff: noqa: RUF012
"""Database-level guard: the audit table refuses UPDATE and DELETE.

SQLite: triggers that abort. DELETE is let through only while the application-registered SQL
function ``lsr_audit_purge_allowed()`` returns 1 (used to wipe a test database; the application
never deletes audit rows, and a connection without the function cannot delete at all).
PostgreSQL: a trigger function raising an exception on UPDATE and DELETE (TRUNCATE, an owner-only
operation, is left for wiping test databases).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER plan_auditevent_no_update BEFORE UPDATE ON plan_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: update refused'); END""",
    """CREATE TRIGGER plan_auditevent_no_delete BEFORE DELETE ON plan_auditevent
       WHEN lsr_audit_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: delete refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS plan_auditevent_no_update",
    "DROP TRIGGER IF EXISTS plan_auditevent_no_delete",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION plan_auditevent_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER plan_auditevent_append_only BEFORE UPDATE OR DELETE ON plan_auditevent
       FOR EACH ROW EXECUTE FUNCTION plan_auditevent_refuse()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS plan_auditevent_append_only ON plan_auditevent",
    "DROP FUNCTION IF EXISTS plan_auditevent_refuse()",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("plan", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
