"""Comparator groups in the store: the computed default and user-supplied CSVs.

A comparator CSV has two columns, ``area_code`` and ``peer_code``, one row per pair (an area
usually has 15 peers). Loading a file replaces the groups of the areas it names.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from lsr.core.comparators import DEFAULT_K, DEFAULT_METHOD, nearest_neighbours, population_features
from lsr.core.geography import ENGLAND_CODE
from lsr.data.errors import LoadError
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


def read_comparators_csv(path: Path, known_areas: set[str]) -> dict[str, list[str]]:
    """Read and check an area-to-peer CSV; errors name the file, row and field."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot read as CSV ({exc})") from None
    for column in ("area_code", "peer_code"):
        if column not in frame.columns:
            raise LoadError(path, "missing column", row=1, field=column)
    groups: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for i, (area, peer) in enumerate(zip(frame["area_code"], frame["peer_code"], strict=True)):
        row = i + 2  # 1-based, header is row 1
        for field, code in (("area_code", area), ("peer_code", peer)):
            if not isinstance(code, str) or code.strip() not in known_areas:
                raise LoadError(path, f"unknown area code {code!r}", row=row, field=field)
        area, peer = area.strip(), peer.strip()
        if area == peer:
            raise LoadError(
                path, "an area cannot be its own comparator", row=row, field="peer_code"
            )
        if (area, peer) in seen:
            raise LoadError(path, f"duplicate pair {area}, {peer}", row=row, field="peer_code")
        seen.add((area, peer))
        groups.setdefault(area, []).append(peer)
    return groups


def load_comparators(con: duckdb.DuckDBPyConnection, path: Path, method: str | None = None) -> int:
    """Load a comparator CSV into the store, replacing the groups of the areas it names."""
    groups = read_comparators_csv(path, area_codes(con))
    return store_groups(con, groups, method or f"user-supplied groups from {path.name}")
