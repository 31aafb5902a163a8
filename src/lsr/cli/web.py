"""The web application's commands: ``lsr serve`` (gunicorn with one worker process per CPU
core, or Django's development server with ``--dev``), ``lsr createadmin`` (an administrator,
with a password typed twice or generated and shown once) and ``lsr unlock`` (logins locked after
too many failures). The database is SQLite under the user data directory by default.

Demo data (with passwords printed in the documentation) is opt-in, ``lsr serve --demo``, and only
on a loopback address; ``lsr serve`` on another address refuses to start while any demo login
still has its published password.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from lsr.cli.main import DbOption, console, err_console, friendly_errors

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the web database, uploads and secret key "
        "(default: $LSR_WEB_DATA_DIR or <user data dir>/lsr/web).",
        file_okay=False,
    ),
]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine can reach (127.0.0.0/8, ::1,
    ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _setup_django(data_dir: Path | None, db: Path | None = None) -> Any:
    """Configure and start Django for the data folder, run the migrations, return settings."""
    if data_dir is not None:
        os.environ["LSR_WEB_DATA_DIR"] = str(data_dir)
    if db is not None:
        os.environ["LSR_DB"] = str(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lsr.web.settings")

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    return settings


def refuse(message: str) -> NoReturn:
    """Stop with one line on standard error (never wrapped) and exit status 2."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _data_dir_hint(data_dir: Path | None) -> str:
    return f" --data-dir {data_dir}" if data_dir is not None else ""


@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    data_dir: DataDirOption = None,
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
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Seed the Oxfordshire demonstration review and its demo logins (passwords "
            "published in the documentation) into an empty database. Loopback addresses only.",
        ),
    ] = False,
) -> None:
    """Serve the action plan and progress review web application."""
    if not 0 < port < 65536:
        raise ValueError("--port must be between 1 and 65535")
    loopback = is_loopback(host)
    if demo and not loopback:
        refuse(
            f"--demo is allowed only on a loopback address (127.0.0.1, ::1, localhost), not on "
            f"{host}: the demo logins' passwords are published in the documentation."
        )
    from lsr.web import server

    if workers is None:
        workers = server.default_workers()
    # Plain HTTP on a loopback address: cookies cannot be HTTPS-only or nobody could log in.
    if loopback:
        os.environ.setdefault("LSR_WEB_SECURE_COOKIES", "0")
    settings = _setup_django(data_dir, db)
    console.print(f"Web database: {settings.DATABASES['default']['NAME']}", highlight=False)

    from django.contrib.auth import get_user_model

    from lsr.web.plan import demo as demo_data

    if demo:
        if demo_data.is_empty():
            demo_data.seed_demo()
            console.print("Seeded the Oxfordshire demonstration review.")
        else:
            console.print(
                "The database is not empty: the demonstration review is seeded only into an "
                "empty one.",
                highlight=False,
            )
    published = demo_data.published_logins()
    if published and not loopback:
        refuse(
            f"the demo logins {', '.join(published)} still have their published passwords, so "
            f"anyone could log in on {host}: change or remove them (the admin) or use a new "
            "data folder, or serve on 127.0.0.1."
        )
    url_host = f"[{host}]" if ":" in host else host
    console.print(f"\nServing on [bold]http://{url_host}:{port}/[/]", highlight=False)
    if published:
        _print_demo_logins(published)
    elif not get_user_model().objects.exists():
        console.print(
            "No users yet. Create the first administrator (in another terminal):\n"
            f"  lsr createadmin{_data_dir_hint(data_dir)}\n"
            "or try the demonstration review on this machine: lsr serve --demo",
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


def _print_demo_logins(published: list[str]) -> None:
    from lsr.web.plan import demo as demo_data
    from lsr.web.plan.models import Role

    console.print("Demo logins (username / password; for this machine only):")
    for username, role, org, _name in demo_data.DEMO_USERS:
        if username in published:
            where = f", {org}" if org else ""
            console.print(
                f"  {username} / {demo_data.demo_password(username)}  ({Role(role).label}{where})",
                highlight=False,
            )


@friendly_errors
def createadmin(
    username: Annotated[
        str, typer.Option("--username", help="The administrator's username.")
    ] = "admin",
    email: Annotated[str, typer.Option("--email", help="Their e-mail address (optional).")] = "",
    generate_password: Annotated[
        bool,
        typer.Option(
            "--generate-password",
            help="Generate a strong password and show it once, instead of asking for one.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create an administrator (the first user of a new installation, or another one).

    Asks for the password twice without showing it, or with --generate-password prints a
    generated one once. Never a default password."""
    settings = _setup_django(data_dir)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from lsr.web.plan import audit
    from lsr.web.plan.models import AuditEvent, Profile, Role

    user_model = get_user_model()
    username = username.strip()
    if not username:
        refuse("--username must not be empty")
    if user_model.objects.filter(username=username).exists():
        refuse(f"a user called {username!r} already exists; choose another --username")
    candidate = user_model(username=username, email=email)
    if generate_password:
        password = secrets.token_urlsafe(18)
    else:
        if not sys.stdin.isatty():
            console.print("Password (typed twice, not shown):", highlight=False)
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            refuse("the password was refused: " + " ".join(exc.messages))
    with transaction.atomic():
        user = user_model.objects.create_user(
            username=username, email=email, password=password, is_staff=True, is_superuser=True
        )
        Profile.objects.create(user=user, role=Role.ADMINISTRATOR)
        audit.record(
            None,
            AuditEvent.Kind.CREATE,
            user,
            None,
            audit.snapshot(user),
            "administrator created with lsr createadmin",
        )
    console.print(
        f"Created the administrator {username!r} in {settings.DATABASES['default']['NAME']}.",
        highlight=False,
    )
    if generate_password:
        console.print(
            f"Password (shown this once; keep it somewhere safe): {password}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "Log in, then add the other users, their roles and reviews in the admin (/admin/).",
        highlight=False,
    )


@friendly_errors
def unlock(
    username: Annotated[
        str | None, typer.Argument(help="The account to unlock (its failed logins are cleared).")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="A client address to unlock.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Clear every recorded failed login.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Unlock logins refused after too many failures, or list what is locked (no arguments)."""
    _setup_django(data_dir)
    from lsr.web.plan import throttle

    if address is not None:
        address = address.strip()
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            refuse(f"--address {address!r} is not an IP address")
    if not (username or address or everything):
        locked = throttle.lockouts()
        if not locked:
            console.print("Nothing is locked.")
            return
        console.print("Locked (failed logins within the window, last failure):")
        for kind, value, failures, last in locked:
            console.print(f"  {kind} {value}: {failures}, {last:%Y-%m-%d %H:%M:%S %Z}")
        console.print("Unlock with: lsr unlock USERNAME, lsr unlock --address ADDRESS or --all")
        return
    count = throttle.unlock(username=username, address=address, everything=everything)
    what = (
        "everything"
        if everything
        else " and ".join(
            part
            for part in (
                f"account {username!r}" if username else "",
                f"address {address}" if address else "",
            )
            if part
        )
    )
    if count:
        console.print(
            f"Unlocked {what}: {count} record{'s' if count != 1 else ''} of failed logins "
            "removed (recorded in the audit trail).",
            highlight=False,
        )
    else:
        console.print(f"No failed logins recorded for {what}.", highlight=False)
