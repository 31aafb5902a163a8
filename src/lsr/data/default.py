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
build leaves nothing half-made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data import synthetic
from lsr.data.comparators import store_default_groups
from lsr.data.default_build import DEFAULT_DIR, shipped_tables
from lsr.data.store import connect, transaction

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


def ensure_default_store(path: Path, *, progress: Progress | None = None) -> bool:
    """Build the default store at ``path`` unless it exists; returns True if it was built."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    try:
        con = connect(tmp)
        try:
            build_default(con, progress=progress)
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return True
