"""Database guards that keep the audit table append-only, whatever SQL is sent to it.

Every SQL statement that can change or remove an existing audit row is refused by the database
itself, so that a shell, a script or a bug is stopped as surely as the application:

- ``UPDATE`` (and ``UPDATE OR REPLACE``): SQLite ``BEFORE UPDATE`` trigger; PostgreSQL
  ``BEFORE UPDATE OR DELETE`` row trigger.
- ``DELETE`` (some rows or all): SQLite ``BEFORE DELETE`` trigger; PostgreSQL the same row
  trigger.
- ``REPLACE`` / ``INSERT OR REPLACE`` (SQLite): REPLACE deletes the conflicting row without
  firing delete triggers (unless ``recursive_triggers`` is on), so a ``BEFORE INSERT`` trigger
  refuses any insert that names the id of an existing row, before the conflict is resolved.
- ``INSERT ... ON CONFLICT DO UPDATE``: SQLite the ``BEFORE INSERT`` trigger (and the update
  trigger); PostgreSQL the row trigger (the conflicting row is updated).
- ``MERGE`` (PostgreSQL 15+): the row trigger.
- ``TRUNCATE`` (PostgreSQL; SQLite has none, its ``DELETE FROM`` is caught above): a
  ``BEFORE TRUNCATE`` statement trigger.

On PostgreSQL both triggers are ``ENABLE ALWAYS``: they fire under
``session_replication_role = replica`` too.

Wiping a *test* database: SQLite lets ``DELETE`` through while the application-registered SQL
function ``lsr_audit_purge_allowed()`` returns 1 (only :class:`lsr.web.plan.audit.allow_purge`
sets it; a connection without the function cannot delete at all). PostgreSQL lets ``TRUNCATE``
through when the table is already empty, or when the session setting ``lsr.audit_purge`` is
``on`` *and* the database is a test database (its name starts with ``test_``, as Django names
them); ``DELETE`` is always refused there.

Schema changes (dropping a trigger or the table) are not statements on rows: whoever owns the
database can make them. The hash chain (:mod:`lsr.web.plan.audit_chain`) detects what is done
to the rows afterwards, and ``lsr audit verify`` reports missing or disabled guards.
"""

from __future__ import annotations

from typing import Any

TABLE = "plan_auditevent"

SQLITE_TRIGGERS: dict[str, str] = {
    "plan_auditevent_no_update": f"""BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: update refused'); END""",
    "plan_auditevent_no_delete": f"""BEFORE DELETE ON {TABLE}
        WHEN lsr_audit_purge_allowed() = 0
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: delete refused'); END""",
    # REPLACE (and INSERT OR REPLACE) deletes the conflicting row without firing delete
    # triggers (unless recursive_triggers is on), then inserts: refuse any insert that names
    # an existing id, before the conflict is resolved.
    "plan_auditevent_no_replace": f"""BEFORE INSERT ON {TABLE}
        WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT,
            'audit events are append-only: an insert may not replace an existing row'); END""",
}

POSTGRES_FUNCTIONS: dict[str, str] = {
    "plan_auditevent_refuse": """CREATE OR REPLACE FUNCTION plan_auditevent_refuse()
        RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END;
        $$ LANGUAGE plpgsql""",
    "plan_auditevent_refuse_truncate": f"""CREATE OR REPLACE FUNCTION
        plan_auditevent_refuse_truncate() RETURNS trigger AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM {TABLE})
               AND NOT (coalesce(current_setting('lsr.audit_purge', true), '') = 'on'
                        AND current_database() LIKE 'test\\_%') THEN
                RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused';
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
}
POSTGRES_TRIGGERS: dict[str, str] = {
    "plan_auditevent_append_only": f"""BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION plan_auditevent_refuse()""",
    "plan_auditevent_no_truncate": f"""BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION plan_auditevent_refuse_truncate()""",
}

#: The guards of migration 0002 (restored when migration 0005 is reversed).
LEGACY = frozenset({"plan_auditevent_no_update", "plan_auditevent_no_delete"})
LEGACY_POSTGRES = frozenset({"plan_auditevent_append_only"})


def _table_exists(connection: Any) -> bool:
    return TABLE in connection.introspection.table_names()


def ensure_guards(connection: Any, *, legacy_only: bool = False) -> None:
    """Create the guards that are missing and (PostgreSQL) enable them ALWAYS. Idempotent."""
    if not _table_exists(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, body in SQLITE_TRIGGERS.items():
                if not legacy_only or name in LEGACY:
                    cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        elif connection.vendor == "postgresql":
            for sql in POSTGRES_FUNCTIONS.values():
                cursor.execute(sql)
            for name, body in POSTGRES_TRIGGERS.items():
                if legacy_only and name not in LEGACY_POSTGRES:
                    continue
                cursor.execute(f"CREATE OR REPLACE TRIGGER {name} {body}")
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {name}")


def drop_guards(connection: Any) -> None:
    """Remove every guard (only for a migration that must rewrite the table's rows)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql" and _table_exists(connection):
            for name in POSTGRES_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS plan_auditevent_refuse_truncate()")


def guard_problems(connection: Any) -> list[str]:
    """The guards that are missing or disabled, as sentences (empty: all in place)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            present = {row[0] for row in cursor.fetchall()}
            return [f"trigger {n} is missing" for n in SQLITE_TRIGGERS if n not in present]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
            state = {name: enabled for name, enabled in cursor.fetchall()}
            problems = []
            for name in POSTGRES_TRIGGERS:
                if name not in state:
                    problems.append(f"trigger {name} is missing")
                elif state[name] == "D":
                    problems.append(f"trigger {name} is disabled")
            return problems
    return []


def set_purge(connection: Any, on: bool) -> None:
    """PostgreSQL: set (or reset) the session's ``lsr.audit_purge`` for wiping a test
    database. No effect on SQLite (the purge function is registered per connection)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    # The driver's own connection: called from connection set-up and from test fixtures,
    # where Django's cursor may be blocked.
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lsr.audit_purge', %s, false)", ["on" if on else ""])
