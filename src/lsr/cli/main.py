"""The ``lsr`` command: entry point and the commands shared by every part of the product."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.store_sharing import StoreBusy

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


class CommandFailed(Exception):
    """An expected failure of a command: its message is the one line the user sees (exit 2)."""


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
        except (LookupError, ValueError, FileNotFoundError, StoreBusy, CommandFailed) as exc:
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


#: Seconds a command waits for a store that another process is using (``$LSR_STORE_WAIT``).
DEFAULT_STORE_WAIT = 30.0


def store_wait(default: float = DEFAULT_STORE_WAIT, variable: str = "LSR_STORE_WAIT") -> float:
    """Seconds to wait for the store when another process holds it: ``$LSR_STORE_WAIT`` (0 =
    do not wait), or ``default``."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"${variable} must be a number of seconds, not {text!r}") from None
    if not 0 <= value < 86_400:
        raise ValueError(f"${variable} must be between 0 and 86400 seconds, not {text}")
    return value


class _WaitNotice(logging.Handler):
    """Shows the store's "waiting for another process" notices on stderr, as one dim line."""

    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(f"[dim]{record.getMessage()}...[/]", highlight=False, soft_wrap=True)


def _show_wait_notices() -> None:
    logger = logging.getLogger("lsr.store")
    if not any(isinstance(h, _WaitNotice) for h in logger.handlers):
        logger.addHandler(_WaitNotice())
        logger.propagate = False


def open_store(db: Path | None, *, read_only: bool = False, wait: float | None = None) -> Any:
    """Open the store, building the embedded default first when the file does not exist.

    The connection is *shared* (:func:`lsr.data.store.open_shared`): it reads the store
    read-only, so other processes (the web application, ``lsr profile``) can read it at the
    same time, and holds it read-write only for each write transaction; ``read_only`` opens a
    plain read-only connection instead. When another process holds the store, the command
    waits up to ``wait`` seconds (default :func:`store_wait`), saying so, then stops with one
    line (:class:`StoreBusy`)."""
    from lsr.data.default import ensure_default_store
    from lsr.data.store import connect, default_db_path, open_shared

    _show_wait_notices()
    seconds = store_wait() if wait is None else wait
    path = db or default_db_path()
    if not path.exists():
        with console.status("Building the embedded default database (first run)...") as status:
            built = ensure_default_store(path, progress=lambda msg: status.update(msg))
        if built:
            console.print(f"Built the default database at {path}", highlight=False)
    import duckdb

    try:
        if read_only:
            return connect(path, read_only=True, wait=seconds)
        return open_shared(path, wait=seconds)
    except duckdb.Error as exc:  # not a lock (StoreBusy): a damaged file, not a DuckDB file...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandFailed(f"the store {path} could not be opened: {reason}") from None


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
        from lsr.data.default import build_lock

        with build_lock(path):
            if path.exists():  # made by another process meanwhile: never replaced
                raise ValueError(f"{path} already exists; remove it first to start again")
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
