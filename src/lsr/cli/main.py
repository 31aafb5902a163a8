"""The ``lsr`` command: entry point and the commands shared by every part of the product."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lsr.data.errors import LoadError, LoadErrors

app = typer.Typer(
    name="lsr",
    help="Local System Review: data profile, control charts and reports for English council areas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB store to use (default: the embedded store under your user data directory, "
        "or $LSR_DB). A missing file is built from the data shipped with lsr.",
        dir_okay=False,
    ),
]


def progress_bar() -> Progress:
    """The progress bar every long command shows (description, bar, done/total, time)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def friendly_errors(func: F) -> F:
    """Turn expected errors into one clear line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (LoadError, LoadErrors) as exc:
            err_console.print(
                f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            hint = (
                " Use --skip-bad to load the good files and leave these out."
                if isinstance(exc, LoadErrors) and _has_skip_bad(func)
                else ""
            )
            err_console.print(f"Nothing was changed in the database.{hint}", highlight=False)
            raise typer.Exit(2) from None
        except (LookupError, ValueError, FileNotFoundError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            err_console.print(
                f"[bold red]Error:[/] {escape(str(message))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None
        except OSError as exc:  # a path that cannot be read or written: one line, no traceback
            where = f"{exc.filename}: " if exc.filename else ""
            reason = exc.strerror or type(exc).__name__
            err_console.print(
                f"[bold red]Error:[/] {escape(where + reason)}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _has_skip_bad(func: Callable[..., Any]) -> bool:
    import inspect

    return "skip_bad" in inspect.signature(func).parameters


SkipBadOption = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Load the good files and leave out (and list) the bad ones. Without it, one bad "
        "file means nothing is loaded, and every bad file is listed.",
    ),
]


def open_store(db: Path | None, *, read_only: bool = False) -> Any:
    """Open the store, building the embedded default first when the file does not exist."""
    from lsr.data.default import ensure_default_store
    from lsr.data.store import connect, default_db_path

    path = db or default_db_path()
    if not path.exists():
        with console.status("Building the embedded default database (first run)...") as status:
            ensure_default_store(path, progress=lambda msg: status.update(msg))
        console.print(f"Built the default database at {path}", highlight=False)
    return connect(path, read_only=read_only)


@app.command("init")
@friendly_errors
def init(
    db: DbOption = None,
    empty: Annotated[
        bool, typer.Option("--empty", help="Create an empty store (no shipped or synthetic data).")
    ] = False,
) -> None:
    """Create the store: the embedded default (real DToC and population, synthetic indicators
    1-4 and 6), or an empty one to fill with your own data."""
    from lsr.data.store import connect, default_db_path

    path = db or default_db_path()
    if path.exists():
        raise ValueError(f"{path} already exists; remove it first to start again")
    if empty:
        connect(path).close()
        console.print(f"Created an empty store at {path}", highlight=False)
    else:
        open_store(path).close()


def register() -> None:
    """Attach the command groups (imported here so ``lsr --help`` stays quick)."""
    from lsr.cli import audit, flow, load, profile, spc, web

    app.add_typer(load.app, name="load")
    app.command("profile")(profile.profile)
    app.command("areas")(profile.areas)
    app.command("spc")(spc.spc)
    app.command("simulate")(flow.simulate)
    app.command("sweep")(flow.sweep)
    app.command("calibrate")(flow.calibrate)
    app.command("createadmin")(web.createadmin)
    app.command("unlock")(web.unlock)
    app.command("serve")(web.serve)
    app.add_typer(audit.app, name="audit")


register()
