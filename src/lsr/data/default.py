"""The embedded default store, built on first run from the data shipped in the package.

It holds the real NHS England delayed-transfers workbooks and ONS population that ship with
``lsr``, the open default comparator groups, and SYNTHETIC counts for the other five indicators
(labelled as such everywhere). It is built in a temporary file and moved into place only when
complete, so an interrupted build leaves nothing half-made.
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
from lsr.data.population import load_population
from lsr.data.sources.dtoc import load_dtoc
from lsr.data.store import connect, transaction

# Councils created in April 2019 (Bournemouth, Christchurch and Poole; Dorset): the shipped
# population file carries them for later years' data, but the 2014-2019 synthetic series are
# for the councils of that time, which together make up England.
SUCCESSORS_2019 = frozenset({"E06000058", "E06000059"})

Progress = Callable[[str], None]


def package_file(*parts: str) -> Path:
    """Path of a data file shipped inside the package."""
    return Path(str(resources.files("lsr.data").joinpath("files", *parts)))


def shipped_dtoc_workbooks() -> list[Path]:
    """The NHS England DToC workbooks that ship with lsr."""
    return sorted(package_file("dtoc").glob("*.xls"))


def shipped_population() -> Path:
    """The ONS mid-2017 population file that ships with lsr."""
    return package_file("ons_mye2017_upper_tier_la_from_lsoa.csv")


def build_default(
    con: duckdb.DuckDBPyConnection,
    *,
    seed: int = synthetic.DEFAULT_SEED,
    progress: Progress | None = None,
) -> None:
    """Fill an empty store with the shipped real data and the synthetic indicators."""
    say = progress or (lambda _msg: None)
    say("Loading ONS mid-2017 population")
    load_population(con, shipped_population())
    say("Loading NHS England delayed transfers of care workbooks")
    load_dtoc(con, shipped_dtoc_workbooks())
    say("Computing default comparator groups")
    store_default_groups(con)
    say("Generating SYNTHETIC counts for indicators 1-4 and 6")
    pop65 = con.execute(
        "SELECT area_code, population FROM population WHERE age_band = '65+' AND year = 2017 "
        "AND area_code != 'E92000001' ORDER BY area_code"
    ).fetchall()
    series = {code: pop for code, pop in pop65 if code not in SUCCESSORS_2019}
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
