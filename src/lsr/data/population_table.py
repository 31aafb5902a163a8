"""The ``areas`` and ``population`` tables: checking a long population frame and storing it.

Every population loader (the CSV layouts in :mod:`lsr.data.population`, the ONS mid-year
estimate workbooks in :mod:`lsr.data.sources.ons_mye`) turns its file into one long frame with
the columns :data:`FRAME_COLUMNS`, one row per area, year and age band, and then shares:

- :func:`check_population_frame`: no duplicate area/year/band, one name per area code, every
  population greater than zero (a denominator), and nested age bands (18+ <= all ages,
  65+ <= 18+, 75+ <= 65+, 85+ <= 75+);
- :func:`store_population_frame`: compare with the store first (a number already there that
  differs is a :class:`~lsr.data.errors.LoadError` and nothing is written), then add the new
  areas (an existing area is never renamed; a missing region is filled in) and the new rows.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, quote
from lsr.data.loading import compare_with_store, format_number, insert_frame

AGE_BANDS: tuple[str, ...] = ("all", "18+", "65+", "75+", "85+")
"""Age bands, each contained in the one before it."""

FRAME_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "region",
    "year",
    "age_band",
    "population",
    "source_sheet",
    "source_row",
    "source_field",
)
"""Columns of a population frame. ``source_sheet`` (``None`` for a CSV), ``source_row`` (as a
spreadsheet shows it) and ``source_field`` say where each number came from, for errors."""

_KEYS: tuple[str, ...] = ("area_code", "year", "age_band")


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _band_label(band: str) -> str:
    return "all ages" if band == "all" else band


def check_population_frame(
    path: Path | str, frame: pd.DataFrame, *, duplicate_field: str, name_field: str
) -> None:
    """Raise a :class:`LoadError` for a duplicate area/year/band, one code with two names, a
    population that is not greater than zero (populations are denominators), or a narrower
    age band larger than a wider one, naming the sheet, row and field.

    ``duplicate_field`` and ``name_field`` are the fields named for a duplicate and for a second
    name (they differ between layouts); a band that does not nest names its own
    ``source_field``."""
    dup = frame.duplicated(list(_KEYS), keep="first")
    if dup.any():
        bad = frame[dup].iloc[0]
        first = frame[
            (frame["area_code"] == bad["area_code"])
            & (frame["year"] == bad["year"])
            & (frame["age_band"] == bad["age_band"])
        ].iloc[0]
        raise LoadError(
            path,
            f"duplicate {bad['area_code']} {bad['year']} age band {bad['age_band']} "
            f"(also row {first['source_row']})",
            sheet=_text_or_none(bad["source_sheet"]),
            row=int(bad["source_row"]),
            field=duplicate_field,
        )
    names = frame.drop_duplicates(["area_code", "area_name"])
    clash = names.duplicated("area_code", keep="first")
    if clash.any():
        bad = names[clash].iloc[0]
        other = names[names["area_code"] == bad["area_code"]].iloc[0]
        raise LoadError(
            path,
            f"area {bad['area_code']} is named {quote(bad['area_name'])} here but "
            f"{quote(other['area_name'])} on row {other['source_row']}",
            sheet=_text_or_none(bad["source_sheet"]),
            row=int(bad["source_row"]),
            field=name_field,
        )
    nonpositive = frame[~(frame["population"] > 0)]
    if not nonpositive.empty:
        bad = nonpositive.iloc[0]
        raise LoadError(
            path,
            f"{bad['area_code']} {bad['year']}: population aged {_band_label(bad['age_band'])} "
            f"is {format_number(bad['population'])}; a population must be greater than zero "
            "(it is the denominator of rates)",
            sheet=_text_or_none(bad["source_sheet"]),
            row=int(bad["source_row"]),
            field=str(bad["source_field"]),
        )
    for wider, narrower in pairwise(AGE_BANDS):
        big = frame.loc[frame["age_band"] == wider, ["area_code", "year", "population"]]
        small = frame[frame["age_band"] == narrower]
        both = small.merge(
            big.rename(columns={"population": "wider"}), on=["area_code", "year"], how="inner"
        )
        over = both[both["population"] > both["wider"]]
        if over.empty:
            continue
        first = over.sort_values("source_row", kind="stable").iloc[0]
        raise LoadError(
            path,
            f"{first['area_code']} {first['year']}: population aged {narrower} "
            f"({format_number(first['population'])}) exceeds population aged "
            f"{_band_label(wider)} ({format_number(first['wider'])})",
            sheet=_text_or_none(first["source_sheet"]),
            row=int(first["source_row"]),
            field=str(first["source_field"]),
        )


def store_population_frame(
    con: duckdb.DuckDBPyConnection, path: Path | str, frame: pd.DataFrame
) -> int:
    """Store a checked population frame (inside the caller's transaction); returns the rows
    inserted (new areas plus new population rows).

    The store is checked before anything is inserted: an area/year/band already there with a
    different number is a :class:`LoadError` naming the file's sheet, row and field. Rows
    already there with the same number are skipped. New areas are added; an existing area
    keeps its name, and gets the file's region only if it had none."""
    keys = list(_KEYS)
    incoming = frame[[*keys, "population", "source_sheet", "source_row", "source_field"]].copy()
    incoming["source_sheet"] = incoming["source_sheet"].astype("string")
    new, conflicts = compare_with_store(con, "population", incoming, keys, ["population"])
    if not conflicts.empty:
        c = conflicts.iloc[0]
        raise LoadError(
            path,
            f"{c['area_code']} {c['year']} age band {c['age_band']} is already in the store as "
            f"{format_number(c['existing_population'])}; this file has "
            f"{format_number(c['population'])}",
            sheet=_text_or_none(c["source_sheet"]),
            row=int(c["source_row"]),
            field=str(c["source_field"]),
        )
    areas = frame.drop_duplicates("area_code")[["area_code", "area_name", "region"]]
    existing = dict(con.execute("SELECT code, region FROM areas").fetchall())
    new_areas = areas[~areas["area_code"].isin(list(existing))].rename(
        columns={"area_code": "code", "area_name": "name"}
    )
    inserted = insert_frame(con, "areas", new_areas, ["code", "name", "region"])
    for rec in areas.itertuples(index=False):
        region = _text_or_none(rec.region)
        if rec.area_code in existing and existing[rec.area_code] is None and region:
            con.execute("UPDATE areas SET region = ? WHERE code = ?", [region, rec.area_code])
    inserted += insert_frame(con, "population", new, [*keys, "population"])
    return inserted
