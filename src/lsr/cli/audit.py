"""``lsr audit verify``: check the web application's audit trail (its hash chain, its last
rows and the database guards) without changing anything."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Annotated

import typer

from lsr.cli.main import console, err_console

app = typer.Typer(
    help="The web application's audit trail.", no_args_is_help=True, add_completion=False
)

_ANCHOR = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")


def parse_anchor(text: str) -> tuple[int, str]:
    """``ID:HASH`` (as printed by ``lsr audit verify``) as a row id and a lower-case hash."""
    match = _ANCHOR.match(text)
    if not match:
        raise ValueError(
            f"--anchor must be ROW_ID:HASH (a row id, a colon and 64 hexadecimal digits, as "
            f"printed by lsr audit verify), not {text[:80]!r}"
        )
    return int(match.group(1)), match.group(2).lower()


def _setup(data_dir: Path | None) -> str:
    """Configure Django for the web database and say which one it is (nothing is created)."""
    if data_dir is not None:
        os.environ["LSR_WEB_DATA_DIR"] = str(data_dir)
    # No secret key file is written for a read-only check.
    os.environ.setdefault("LSR_WEB_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")

    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(database["NAME"])
        if not path.is_file():
            raise FileNotFoundError(
                f"No web database at {path} (set --data-dir or $LSR_WEB_DATA_DIR, or "
                "$LSR_WEB_DATABASE_URL for PostgreSQL)"
            )
        where = str(path)
    else:
        where = f"PostgreSQL database {database['NAME']} on {database['HOST'] or 'localhost'}"
    django.setup()
    return where


def _check_schema() -> None:
    from django.db import connection
    from django.db.utils import Error

    try:
        tables = connection.introspection.table_names()
        if "plan_auditevent" not in tables:
            raise LookupError("This database has no audit trail (run `lsr serve` once first)")
        with connection.cursor() as cursor:
            columns = {
                c.name
                for c in connection.introspection.get_table_description(cursor, "plan_auditevent")
            }
    except Error as exc:
        raise LookupError(f"Cannot read the web database: {exc}".splitlines()[0]) from None
    if "hash" not in columns:
        raise LookupError(
            "The audit trail has no hash chain yet: run `lsr serve` (it applies the "
            "migrations) first"
        )


@app.command("verify")
def verify(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="The web application's data folder (default: $LSR_WEB_DATA_DIR or "
            "<user data dir>/lsr/web). $LSR_WEB_DATABASE_URL selects PostgreSQL instead.",
            file_okay=False,
        ),
    ] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="ROW_ID:HASH printed by an earlier verify and kept elsewhere: the row must "
            "still be there with that hash (detects a chain rewritten from that row or "
            "before, and rows deleted from the end). Repeatable.",
        ),
    ] = None,
) -> None:
    """Check the audit trail's hash chain: OK with the number of rows and the latest hash,
    or the first row that no longer matches and why (changed, deleted, inserted,
    reordered); exit status 2 then."""
    try:
        anchors = [parse_anchor(text) for text in anchor or []]
        where = _setup(data_dir)
        _check_schema()
    except (LookupError, ValueError, FileNotFoundError) as exc:
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _report(where, anchors)


def _report(where: str, anchors: list[tuple[int, str]]) -> None:
    from django.db.utils import Error

    from lsr.web.plan.audit_chain import verify as verify_chain

    try:
        report = verify_chain(anchors=anchors)
    except Error as exc:
        message = f"Cannot read the audit trail: {exc}".splitlines()[0]
        err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if report.kind:
        err_console.print(
            f"[bold red]Audit trail FAILED:[/] {report.problem} ({report.rows} rows checked "
            f"up to there; {where})",
            highlight=False,
            soft_wrap=True,
        )
    for problem in report.guards:
        err_console.print(
            f"[bold red]Audit trail guard FAILED:[/] {problem}: the database no longer refuses "
            "changes to audit rows (run `lsr serve` or `migrate` to restore the guards, and "
            "find out who removed it)",
            highlight=False,
            soft_wrap=True,
        )
    if not report.ok:
        raise typer.Exit(2)
    if report.head_id is None:
        console.print(f"OK: the audit trail is empty ({where})", highlight=False)
        return
    console.print(
        f"OK: {report.rows} audit rows, hash chain intact ({where})\n"
        f"Latest row: id {report.head_id}, hash {report.head_hash}\n"
        f"Keep this anchor elsewhere and check it later with "
        f"--anchor {report.head_id}:{report.head_hash}",
        highlight=False,
        soft_wrap=True,
    )
