"""``lsr serve``: run the web application (SQLite under the user data directory by default):
gunicorn with one worker process per CPU core, or Django's development server with ``--dev``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from lsr.cli.main import DbOption, console, friendly_errors

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder for the web database, uploads and secret key "
            "(default: $LSR_WEB_DATA_DIR or <user data dir>/lsr/web).",
            file_okay=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (gunicorn, gthread workers). Default: one per CPU core.",
            min=1,
        ),
    ] = None,
    threads: Annotated[int, typer.Option(help="Threads per worker process.", min=1)] = 4,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Django's single-process development server (runserver) instead of gunicorn.",
        ),
    ] = False,
) -> None:
    """Serve the action plan and progress review web application (demo data on first run)."""
    if not 0 < port < 65536:
        raise ValueError("--port must be between 1 and 65535")
    from lsr.web import server

    if workers is None:
        workers = server.default_workers()
    if data_dir is not None:
        os.environ["LSR_WEB_DATA_DIR"] = str(data_dir)
    if db is not None:
        os.environ["LSR_DB"] = str(db)
    # Plain HTTP on a loopback address: cookies cannot be HTTPS-only or nobody could log in.
    if host in LOOPBACK:
        os.environ.setdefault("LSR_WEB_SECURE_COOKIES", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    data = Path(settings.DATA_DIR)
    data.mkdir(parents=True, exist_ok=True)
    console.print(f"Web database: {settings.DATABASES['default']['NAME']}", highlight=False)
    call_command("migrate", interactive=False, verbosity=0)

    from lsr.web.plan import demo
    from lsr.web.plan.models import Role

    if demo.is_empty():
        demo.seed_demo()
        console.print("Seeded the Oxfordshire demonstration review.")
    url_host = f"[{host}]" if ":" in host else host
    console.print(f"\nServing on [bold]http://{url_host}:{port}/[/]", highlight=False)
    console.print("Demo logins (username / password):")
    for username, role, org, _name in demo.DEMO_USERS:
        where = f", {org}" if org else ""
        console.print(
            f"  {username} / {demo.demo_password(username)}  ({Role(role).label}{where})",
            highlight=False,
        )
    if not settings.SESSION_COOKIE_SECURE:
        console.print(
            "Cookies are not HTTPS-only (local HTTP). Put HTTPS in front before exposing "
            "this beyond this machine.",
            highlight=False,
        )
    if dev:
        console.print("Django development server (one process). Press Ctrl+C to stop.\n")
        server.run_dev(host, port)
    else:
        console.print(
            f"gunicorn: {workers} worker process{'es' if workers != 1 else ''} x {threads} "
            "threads. Press Ctrl+C to stop.\n",
            highlight=False,
        )
        server.run_gunicorn(host, port, workers, threads)
