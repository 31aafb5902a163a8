"""The embedded default store, built on first run from the data shipped in the package.

It holds the real public data that ships with ``lsr`` in compact form (``files/default``, built
from the raw files by ``scripts/build_default_data.py``, see :mod:`lsr.data.default_build`):
NHS England delayed transfers of care April 2011 - December 2016 and June, July and October
2018; ONS mid-year population estimates 2011 and 2015-2022; NHS England A&E attendances by
provider April 2016 - March 2019 with trust catchments; the Monthly Activity Return by
commissioner April 2012 - December 2019; ASCOF 2018-19 to 2020-21 and Oflog adult social care
metrics. It adds the open default comparator groups, and SYNTHETIC counts for the four
indicators (1-4) and readmissions (6) that have no public data, labelled as such everywhere.
It is built in a temporary file and moved into place only when complete, so an interrupted
build leaves nothing half-made; a lock file makes one process build it when several start at
once, and an existing store is never replaced (:func:`ensure_default_store`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data import synthetic
from lsr.data.comparators import store_default_groups
from lsr.data.default_build import DEFAULT_DIR, shipped_tables
from lsr.data.store import StoreBusy, connect, transaction

SYNTHETIC_POPULATION_YEAR = 2017
"""The synthetic series are made for the councils of mid-2017 (which together make up England
for April 2014 - March 2019) from their population aged 65+."""

Progress = Callable[[str], None]


def package_file(*parts: str) -> Path:
    """Path of a data file shipped inside the package."""
    return Path(str(resources.files("lsr.data").joinpath("files", *parts)))


def load_shipped_tables(con: duckdb.DuckDBPyConnection, directory: Path = DEFAULT_DIR) -> int:
    """Insert every shipped table (``files/default/*.parquet``) into the store, in one
    transaction; returns the rows inserted."""
    total = 0
    with transaction(con):
        for table, info in shipped_tables(directory).items():
            columns = ", ".join(f'"{c}"' for c in info["columns"])  # type: ignore[union-attr]
            source = (directory / f"{table}.parquet").as_posix()
            con.execute(
                f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM read_parquet(?)',
                [source],
            )
            total += int(info["rows"])  # type: ignore[call-overload]
    return total


def build_default(
    con: duckdb.DuckDBPyConnection,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    progress: Progress | None = None,
) -> None:
    """Fill an empty store with the shipped real data and the synthetic indicators."""
    say = progress or (lambda _msg: None)
    say("Loading the real public data shipped with lsr")
    load_shipped_tables(con)
    say("Computing default comparator groups")
    store_default_groups(con)
    say("Generating SYNTHETIC counts for indicators 1-4 and 6")
    pop65 = con.execute(
        "SELECT area_code, population FROM population WHERE age_band = '65+' AND year = ? "
        "AND area_code != 'E92000001' ORDER BY area_code",
        [SYNTHETIC_POPULATION_YEAR],
    ).fetchall()
    series = dict(pop65)
    frame = synthetic.with_england(synthetic.generate_counts(pd.Series(series), seed=seed))
    frame["period"] = pd.to_datetime(frame["period"])
    with transaction(con):
        con.register("synthetic_frame", frame)
        con.execute(
            "INSERT INTO indicator_counts SELECT indicator, area_code, period, numerator, "
            "denominator, synthetic, source FROM synthetic_frame"
        )
        con.unregister("synthetic_frame")


#: How long a process waits for another one to finish building the default store (seconds).
BUILD_WAIT = 300.0


def build_lock_path(path: Path) -> Path:
    """The lock file that lets one process at a time build the store at ``path``."""
    return path.with_name(f".{path.name}.build-lock")


@contextmanager
def build_lock(
    path: Path, *, wait: float = BUILD_WAIT, progress: Progress | None = None
) -> Iterator[None]:
    """Hold the lock file that lets one process at a time create the store at ``path``
    (:func:`build_lock_path`, :mod:`filelock`), waiting at most ``wait`` seconds for another
    process (then :class:`~lsr.data.store.StoreBusy`); the lock file is removed after."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(build_lock_path(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if progress is not None:
            progress("Waiting for another lsr process to build the default database")
        try:
            lock.acquire(timeout=max(0.0, wait))
        except Timeout:
            raise StoreBusy(path, building=True) from None
    try:
        yield
    finally:
        lock.release()
        # Leave nothing behind. Safe even if another process waits on this file: it then builds
        # again or finds the store, and a store is only ever linked into place, never replaced.
        build_lock_path(path).unlink(missing_ok=True)


def ensure_default_store(
    path: Path, *, progress: Progress | None = None, wait: float = BUILD_WAIT
) -> bool:
    """Build the default store at ``path`` unless it exists; returns True if it was built.

    Safe when several processes start at once: one takes the lock (:func:`build_lock`) and
    builds; the others wait for it (at most ``wait`` seconds, then
    :class:`~lsr.data.store.StoreBusy`), find the store there and use it. The store is built in
    a temporary file and linked into place only if nothing is at ``path``: an existing store,
    whoever made it, is never replaced."""
    if path.exists():
        return False
    with build_lock(path, wait=wait, progress=progress):
        if path.exists():  # built by the process that held the lock before us
            return False
        _build_into_place(path, progress)
        return True


def _build_into_place(path: Path, progress: Progress | None) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    try:
        con = connect(tmp)
        try:
            build_default(con, progress=progress)
        finally:
            con.close()
        _link_without_replacing(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _link_without_replacing(tmp: Path, path: Path) -> None:
    """Put ``tmp`` at ``path`` unless something is there already (then leave that alone)."""
    try:
        os.link(tmp, path)  # fails if path exists: never replaces a store
    except FileExistsError:
        return
    except OSError:  # a file system without hard links
        if not path.exists():
            os.replace(tmp, path)
