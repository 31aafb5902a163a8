"""Comparator groups in the store: the computed default and user-supplied CSVs.

A comparator CSV has two columns, ``area_code`` and ``peer_code``, one row per pair (an area
usually has 15 peers). Loading a file replaces the groups of the areas it names.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from lsr.core.comparators import DEFAULT_K, DEFAULT_METHOD, nearest_neighbours, population_features
from lsr.core.geography import ENGLAND_CODE
from lsr.data.errors import LoadError, quote
from lsr.data.reading import CsvFile
from lsr.data.store import area_codes, transaction

REFERENCE_YEAR = 2017
"""The population year the default groups are computed from when the store has it: mid-2017,
the councils and period the regulator's local system reviews reported on."""


def default_groups(con: duckdb.DuckDBPyConnection, k: int = DEFAULT_K) -> dict[str, list[str]]:
    """The open default groups, computed from population estimates in the store.

    Councils are compared with the councils of one population year: mid-2017 (or the latest
    year when the store has no 2017). Councils that year does not have (created later, such as
    Bournemouth, Christchurch and Poole in 2019, or that replaced others) get their groups from
    the latest year that has them, among that year's councils."""
    frame = con.execute(
        "SELECT area_code, year, age_band, population FROM population WHERE area_code != ?",
        [ENGLAND_CODE],
    ).df()
    if frame.empty:
        return {}
    years = sorted({int(y) for y in frame["year"]})
    first = REFERENCE_YEAR if REFERENCE_YEAR in years else years[-1]
    order = [first, *[y for y in reversed(years) if y != first]]
    groups: dict[str, list[str]] = {}
    for year in order:
        wide = frame[frame["year"] == year].pivot(
            index="area_code", columns="age_band", values="population"
        )
        wide = wide.dropna()
        if len(wide) <= k or set(wide.index) <= set(groups):
            continue
        for area, peers in nearest_neighbours(population_features(wide), k=k).items():
            groups.setdefault(area, peers)
    return groups


def store_groups(con: duckdb.DuckDBPyConnection, groups: dict[str, list[str]], method: str) -> int:
    """Replace the comparator groups of the areas in ``groups``; returns rows written."""
    rows = [(a, p, method) for a, peers in groups.items() for p in peers]
    with transaction(con):
        for area in groups:
            con.execute("DELETE FROM comparators WHERE area_code = ?", [area])
        if rows:
            con.executemany(
                "INSERT INTO comparators (area_code, peer_code, method) VALUES (?, ?, ?)", rows
            )
    return len(rows)


def store_default_groups(con: duckdb.DuckDBPyConnection) -> int:
    """Compute and store the default comparator groups."""
    return store_groups(con, default_groups(con), DEFAULT_METHOD)


MAX_ROWS = 1_000_000
"""The most data rows a comparator CSV may have (every council paired with every other is
about 23,000)."""


def read_comparators_csv(path: Path, known_areas: set[str]) -> dict[str, list[str]]:
    """Read and check an area-to-peer CSV; errors name the file, row and field.

    The file is read one row at a time (at most :data:`MAX_ROWS` data rows, as a spreadsheet
    numbers them: the header is row 1)."""
    groups: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    with CsvFile(path, max_rows=MAX_ROWS, what="comparator file") as table:
        for column in ("area_code", "peer_code"):
            if column not in table.header:
                raise LoadError(path, "missing column", row=1, field=column)
        at = {c: table.header.index(c) for c in ("area_code", "peer_code")}
        for row, cells in table.rows():
            area, peer = cells[at["area_code"]].strip(), cells[at["peer_code"]].strip()
            for field, code in (("area_code", area), ("peer_code", peer)):
                if code not in known_areas:
                    raise LoadError(
                        path,
                        f"unknown area code {quote(code)}" if code else "missing area code",
                        row=row,
                        field=field,
                    )
            if area == peer:
                raise LoadError(
                    path, "an area cannot be its own comparator", row=row, field="peer_code"
                )
            if (area, peer) in seen:
                raise LoadError(path, f"duplicate pair {area}, {peer}", row=row, field="peer_code")
            seen.add((area, peer))
            groups.setdefault(area, []).append(peer)
    if not groups:
        raise LoadError(path, "the file has no data rows", row=2)
    return groups


def load_comparators(con: duckdb.DuckDBPyConnection, path: Path, method: str | None = None) -> int:
    """Load a comparator CSV into the store, replacing the groups of the areas it names."""
    groups = read_comparators_csv(path, area_codes(con))
    return store_groups(con, groups, method or f"user-supplied groups from {path.name}")
