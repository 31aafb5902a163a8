"""How several processes share one DuckDB store file.

DuckDB lets **one** process open a database file read-write, or **any number** of processes open
it read-only, never both at once (https://duckdb.org/docs/current/connect/concurrency: a
read-write connection holds an exclusive lock on the file for as long as it is open, a
read-only connection a shared lock; a second process gets "Could not set lock on file ...
Conflicting lock is held in ... (PID n)" at once, without waiting). ``lsr`` therefore never
holds the store longer than it must:

- **readers** (the web application, ``lsr profile``, ``lsr areas``) open it read-only, read, and
  close; many may read at once;
- **writers** hold the exclusive lock only for the write itself. A *shared connection*
  (:func:`open_shared`, what every ``lsr`` command uses) is an in-memory DuckDB connection with
  the store attached **read-only** under the name :data:`ALIAS`; only inside
  :func:`writing` (used by :func:`lsr.data.store.transaction`) is the store attached
  read-write, and at the end of the transaction it is attached read-only again. So a load's
  reading and checking of its files, or a sweep's hours of simulation, never shut readers out;
- every open **retries** a lock conflict for a bounded time (:func:`retry_busy`), then raises
  :class:`StoreBusy`, one line naming the file and the process that holds it.

Waiting is logged (logger ``lsr.store``, once per wait) so that a command line can say what it is
waiting for.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

__all__ = [
    "ALIAS",
    "StoreBusy",
    "file_version",
    "is_busy_error",
    "open_shared",
    "retry_busy",
    "shared_path",
    "writing",
]

T = TypeVar("T")

#: Name under which a shared connection attaches the store.
ALIAS = "lsr_store"
_WAIT_VARIABLE = "lsr_store_wait"

log = logging.getLogger("lsr.store")

_PID = re.compile(r"\(PID (\d+)\)")
_CONFLICT = ("Could not set lock on file", "Conflicting lock", "Unique file handle conflict")


class StoreBusy(Exception):
    """The store is locked by another process (or, for a writer, read by one) and stayed so for
    the whole bounded wait."""

    def __init__(self, path: Path | str, pid: int | None = None, *, building: bool = False):
        self.path = str(path)
        self.pid = pid
        self.building = building
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.building:
            return (
                f"the store {self.path} is being built by another lsr process; try again when it "
                "has finished"
            )
        who = f" (PID {self.pid})" if self.pid is not None else ""
        return (
            f"the store {self.path} is in use by another lsr process{who}; try again when it "
            "has finished"
        )


def is_busy_error(exc: BaseException) -> tuple[bool, int | None]:
    """Whether ``exc`` is DuckDB refusing a file because another connection holds its lock, and
    the PID DuckDB names (if any). "Unique file handle conflict" is the same refusal within one
    process (another connection of this process holds the file read-write)."""
    if not isinstance(exc, duckdb.Error):
        return False, None
    text = str(exc)
    if not any(marker in text for marker in _CONFLICT):
        return False, None
    match = _PID.search(text)
    return True, int(match.group(1)) if match else None


def retry_busy(open_: Callable[[], T], path: Path | str, wait: float) -> T:
    """``open_()``, retried while the store is locked by someone else, for at most ``wait``
    seconds (0: once); then :class:`StoreBusy`. Other errors pass through at once."""
    deadline = time.monotonic() + max(0.0, wait)
    delay = 0.02
    logged = False
    while True:
        try:
            return open_()
        except duckdb.Error as exc:
            busy, pid = is_busy_error(exc)
            if not busy:
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusy(path, pid) from None
            if not logged:
                who = f" (PID {pid})" if pid is not None else ""
                log.warning(
                    "The store %s is in use by another lsr process%s; waiting up to %g s",
                    path,
                    who,
                    wait,
                )
                logged = True
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.25)


def file_version(path: Path | str) -> tuple[tuple[int, int, int], ...]:
    """What changes whenever a process commits to the store at ``path``: the inode, size and
    modification time (ns) of the file and of its write-ahead log (``.wal``; absent = zeros).
    A cache keyed by it must read the version *before* the data, so that what it keeps is
    never older than its key."""
    out = []
    for candidate in (Path(path), Path(f"{path}.wal")):
        try:
            st = candidate.stat()
        except OSError:
            out.append((0, 0, 0))
        else:
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


def _attach(con: duckdb.DuckDBPyConnection, path: str, *, write: bool) -> None:
    mode = "" if write else " (READ_ONLY)"
    con.execute(f"ATTACH {_quote(path)} AS {ALIAS}{mode}")
    con.execute(f"USE {ALIAS}")


def _detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("USE memory")
    con.execute(f"DETACH DATABASE IF EXISTS {ALIAS}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reattach(con: duckdb.DuckDBPyConnection, path: str, *, write: bool, wait: float) -> None:
    _detach(con)

    def attach() -> None:
        try:
            _attach(con, path, write=write)
        except BaseException:
            _detach(con)
            raise

    retry_busy(attach, path, wait)


def open_shared(
    path: Path | str,
    *,
    wait: float,
    schema: str,
    tables: set[str],
) -> duckdb.DuckDBPyConnection:
    """A shared connection to the store at ``path`` (which must exist): read-only except
    inside :func:`writing`. ``schema`` (``CREATE TABLE IF NOT EXISTS ...``) is run once,
    read-write, when one of ``tables`` is missing; lock conflicts are retried for ``wait``
    seconds (also kept for the connection's later transactions)."""
    target = str(path)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET VARIABLE {_WAIT_VARIABLE} = {float(wait)!r}")
        _reattach(con, target, write=False, wait=wait)
        present = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
            ).fetchall()
        }
        if not tables <= present:
            _reattach(con, target, write=True, wait=wait)
            con.execute(schema)
            _reattach(con, target, write=False, wait=wait)
    except BaseException:
        con.close()
        raise
    return con


def shared_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The store's path if ``con`` is a shared connection (:func:`open_shared`), else None."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = ?", [ALIAS]
    ).fetchone()
    return None if row is None else str(row[0])


@contextmanager
def writing(con: duckdb.DuckDBPyConnection, path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the store read-write for the block (a shared connection's write transaction):
    attach it read-write (waiting as the connection was opened to wait), yield, and attach it
    read-only again whatever happens. The caller begins and ends the transaction."""
    row = con.execute(f"SELECT getvariable('{_WAIT_VARIABLE}')").fetchone()
    wait = float(row[0] or 0) if row else 0.0
    try:
        _reattach(con, path, write=True, wait=wait)
    except BaseException:  # busy: keep the connection reading, as it was
        _reattach(con, path, write=False, wait=wait)
        raise
    try:
        yield con
    finally:
        _reattach(con, path, write=False, wait=wait)
