"""Run by the audit trail tests in a separate process, on the web database that the environment
names (``LSR_WEB_DATA_DIR`` for SQLite, ``LSR_WEB_DATABASE_URL`` for PostgreSQL)::

    python audit_worker.py migrate [TARGET]      # all migrations, or plan up to TARGET
    python audit_worker.py legacy N              # N rows as written before migration 0005
    python audit_worker.py append LABEL N DIR    # wait for DIR/go, then N appends, one by one
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")
if os.environ.get("LSR_WEB_DATA_DIR"):
    Path(os.environ["LSR_WEB_DATA_DIR"]).mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def migrate(target: str | None = None) -> None:
    if target:
        call_command("migrate", "plan", target, interactive=False, verbosity=0)
    else:
        call_command("migrate", interactive=False, verbosity=0)


def legacy(count: int) -> None:
    """Rows as the application wrote them before the hash chain (raw SQL: no chain)."""
    start = dt.datetime(2019, 1, 7, 9, 30, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        for i in range(count):
            before = None if i % 3 == 0 else json.dumps({"what": f"Old text {i} é", "n": i})
            after = json.dumps({"what": f"New text {i} \u2013 ✓", "due": "2019-03-31"})
            cursor.execute(
                "INSERT INTO plan_auditevent (at, actor_id, actor_username, kind, model, "
                "object_id, review_id, before, after, detail) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    start + dt.timedelta(minutes=i, microseconds=i * 7),
                    None if i % 2 else i,
                    "" if i % 2 else "lead",
                    "update",
                    "Action",
                    str(i),
                    1 if i % 2 else None,
                    before,
                    after,
                    f"legacy row {i}",
                ],
            )


def append(label: str, count: int, folder: str) -> None:
    from lsr.web.plan import audit

    (Path(folder) / f"ready-{label}").touch()
    go = Path(folder) / "go"
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        audit.event(None, "publish", f"{label} {i}", username=f"worker-{label}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "migrate":
        migrate(*args)
    elif command == "legacy":
        legacy(int(args[0]))
    elif command == "append":
        append(args[0], int(args[1]), args[2])
    else:
        raise SystemExit(f"unknown command {command}")
