"""Holding a DuckDB store's lock from another process, for the tests of how processes share
the store (DuckDB's locks are per process: only another process can be shut out)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLDER = r"""
import select, sys, duckdb
mode, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
con = duckdb.connect(path, read_only=(mode == "read"))
print("held", flush=True)
select.select([sys.stdin], [], [], seconds)  # until stdin closes or the time is up
con.close()
print("released", flush=True)
"""


def start_holder(path: Path, mode: str = "write", seconds: float = 120.0) -> subprocess.Popen[str]:
    """A process holding the store at ``path`` (``mode`` "write": the exclusive lock, "read":
    a shared one) until its stdin is closed or ``seconds`` have passed; returns once held."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, mode, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "held", f"the holder did not take the store: {line!r}"
    return proc


def stop_holder(proc: subprocess.Popen[str]) -> None:
    """Release the store (close the holder's stdin) and wait for the holder to end."""
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def held_store(
    path: Path, mode: str = "write", seconds: float = 120.0
) -> Iterator[subprocess.Popen[str]]:
    """The store held by another process for the block (see :func:`start_holder`)."""
    proc = start_holder(path, mode, seconds)
    try:
        yield proc
    finally:
        stop_holder(proc)
