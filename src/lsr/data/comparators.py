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


def default_groups(con: duckdb.DuckDBPyConnection, k: int = DEFAULT_K) -> dict[str, list[str]]:
    """The open default groups computed from the latest population year in the store.

    Councils whose codes start ``E06000058``/``E06000059`` (2019 boundaries) are included only
    if loaded; a council is compared only with councils of the same population year."""
    wide = con.execute(
        """
        WITH latest AS (SELECT max(year) AS y FROM population WHERE area_code != ?)
        SELECT area_code, age_band, population FROM population, latest
        WHERE year = latest.y AND area_code != ?
        """,
        [ENGLAND_CODE, ENGLAND_CODE],
    ).df()
    if wide.empty:
        return {}
    table = wide.pivot(index="area_code", columns="age_band", values="population").dropna()
    return nearest_neighbours(population_features(table), k=k)


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
