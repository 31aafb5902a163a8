"""The audit table refuses, in the database itself, every SQL statement that could change or
remove a row: sent as raw SQL on the application's connection, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from lsr.web.plan import audit, audit_chain, audit_guard
from lsr.web.plan.models import AuditEvent

pytestmark = pytest.mark.django_db

T = AuditEvent._meta.db_table
#: Columns an insert must give (the others may be NULL).
COLUMNS = "id, at, actor_username, kind, model, object_id, detail, prev_hash, hash"
ROW = "{id}, '2020-01-01 00:00:00', 'mallory', 'login', '', '', 'forged', '', ''"
#: The same, taken from an existing row (INSERT ... SELECT).
FROM_ROW = "id, at, 'mallory', 'login', '', '', 'forged', '', ''"

#: Every statement form that changes or removes an existing row, by database. ``{id}``: an
#: existing row, ``{other}``: another one.
STATEMENTS: dict[str, list[str]] = {
    "common": [
        f"UPDATE {T} SET detail = 'tampered' WHERE id = {{id}}",
        f"UPDATE {T} SET detail = 'tampered'",
        f"UPDATE {T} SET id = id + 1000000 WHERE id = {{id}}",
        f"UPDATE {T} SET hash = '', prev_hash = '' WHERE id = {{id}}",
        f"DELETE FROM {T} WHERE id = {{id}}",
        f"DELETE FROM {T}",
        f"DELETE FROM {T} WHERE id IN (SELECT max(id) FROM {T})",
        f"INSERT INTO {T} ({COLUMNS}) VALUES ({ROW}) ON CONFLICT (id) DO UPDATE "
        "SET detail = 'tampered'",
        f"INSERT INTO {T} ({COLUMNS}) SELECT {FROM_ROW} FROM {T} "
        "WHERE id = {id} ON CONFLICT (id) DO UPDATE SET detail = excluded.detail",
    ],
    "sqlite": [
        f"REPLACE INTO {T} ({COLUMNS}) VALUES ({ROW})",
        f"INSERT OR REPLACE INTO {T} ({COLUMNS}) VALUES ({ROW})",
        f"UPDATE OR REPLACE {T} SET id = {{other}} WHERE id = {{id}}",
        f"UPDATE OR IGNORE {T} SET detail = 'tampered' WHERE id = {{id}}",
        f"INSERT OR REPLACE INTO {T} ({COLUMNS}) SELECT {FROM_ROW} FROM {T}",
    ],
    "postgresql": [
        f"TRUNCATE {T}",
        f"TRUNCATE TABLE ONLY {T} RESTART IDENTITY CASCADE",
        f"TRUNCATE plan_datarevision, {T}",
        f"DELETE FROM {T} USING {T} AS other WHERE {T}.id = other.id AND other.id = {{id}}",
        f"WITH gone AS (DELETE FROM {T} WHERE id = {{id}} RETURNING id) SELECT * FROM gone",
        f"UPDATE {T} SET detail = other.detail FROM {T} AS other "
        f"WHERE {T}.id = {{id}} AND other.id = {{other}}",
        f"MERGE INTO {T} AS t USING (SELECT {{id}} AS id) AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET detail = 'tampered'",
        f"MERGE INTO {T} AS t USING (SELECT {{id}} AS id) AS s ON t.id = s.id "
        "WHEN MATCHED THEN DELETE",
    ],
}


def _rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, seq, prev_hash, hash, detail, at FROM {T} ORDER BY id")
        return cursor.fetchall()


@pytest.fixture()
def trail(demo: Any) -> list[tuple[Any, ...]]:
    rows = _rows()
    assert len(rows) > 10
    return rows


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "statement" in metafunc.fixturenames:
        import os

        vendor = "postgresql" if os.environ.get("LSR_WEB_DATABASE_URL", "").strip() else "sqlite"
        params = [
            pytest.param(sql, id=f"{group}-{i}")
            for group in ("common", vendor)
            for i, sql in enumerate(STATEMENTS[group])
        ]
        metafunc.parametrize("statement", params)


def test_every_changing_statement_is_refused(trail: list[tuple[Any, ...]], statement: str) -> None:
    first, other = trail[3][0], trail[7][0]
    sql = statement.format(id=first, other=other)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert _rows() == trail
    assert audit_chain.verify().ok


def test_guards_are_in_place_after_migrate(db: None) -> None:
    assert audit_guard.guard_problems(connection) == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND NOT tgisinternal",
                [T],
            )
            # ALWAYS: they fire under session_replication_role = replica too
            assert dict(cursor.fetchall()) == {
                "plan_auditevent_append_only": "A",
                "plan_auditevent_no_truncate": "A",
            }


def test_migrate_puts_back_a_dropped_or_disabled_guard(trail: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER plan_auditevent_no_replace")
            cursor.execute("DROP TRIGGER plan_auditevent_no_update")
        else:
            cursor.execute(f"ALTER TABLE {T} DISABLE TRIGGER plan_auditevent_append_only")
            cursor.execute(f"DROP TRIGGER plan_auditevent_no_truncate ON {T}")
    problems = audit_guard.guard_problems(connection)
    assert len(problems) == 2, problems
    call_command("migrate", interactive=False, verbosity=0)  # nothing to apply: post_migrate
    assert audit_guard.guard_problems(connection) == []
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {T} SET detail = 'x' WHERE id = %s", [trail[0][0]])


def test_new_rows_may_still_be_appended(trail: list[tuple[Any, ...]]) -> None:
    ev = audit.event(None, AuditEvent.Kind.PUBLISH, "after the guards")
    assert ev.pk > trail[-1][0] and ev.seq == trail[-1][1] + 1 and ev.prev_hash == trail[-1][3]


def test_purge_is_only_for_wiping_test_databases(trail: list[tuple[Any, ...]]) -> None:
    sql = f"DELETE FROM {T}" if connection.vendor == "sqlite" else f"TRUNCATE {T}"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with audit.allow_purge(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(f"SELECT count(*) FROM {T}")
        assert cursor.fetchone()[0] == 0
        transaction.set_rollback(True)
    assert _rows() == trail
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lsr.audit_purge', true)")
            assert cursor.fetchone()[0] in ("", None)  # reset when the purge ends


def test_orm_paths_cannot_bypass_the_chain(trail: list[tuple[Any, ...]]) -> None:
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_create([AuditEvent(kind="login", detail="bulk")])
    ev = AuditEvent.objects.create(kind="login", detail="plain create")
    assert ev.seq == trail[-1][1] + 1 and len(ev.hash) == 64
    assert audit_chain.verify().ok
