"""ONS mid-year population estimates for upper-tier councils: ``areas`` and ``population``.

Two CSV layouts are read:

- the **ONS layout** shipped with lsr (``ons_mye2017_upper_tier_la_from_lsoa.csv``), one row per
  area and year: ``year, utla_code, utla_name, pop_all_ages, pop_18_plus, pop_65_plus,
  pop_75_plus, pop_85_plus`` (and optionally ``region``);
- a **tidy layout**, one row per area, year and age band: ``area_code, area_name, year,
  age_band, population`` (and optionally ``region``), with age bands ``all``, ``18+``, ``65+``,
  ``75+``, ``85+``.

Rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from itertools import pairwise
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError
from lsr.data.loading import (
    LoadSummary,
    check_area_code,
    compare_with_store,
    format_number,
    insert_frame,
    is_missing,
    load_file_once,
    parse_number,
    read_csv_text,
    require_columns,
)

KIND = "population"

AGE_BANDS: tuple[str, ...] = ("all", "18+", "65+", "75+", "85+")
"""Age bands, each contained in the one before it."""

ONS_COLUMNS: dict[str, str] = {
    "all": "pop_all_ages",
    "18+": "pop_18_plus",
    "65+": "pop_65_plus",
    "75+": "pop_75_plus",
    "85+": "pop_85_plus",
}
"""Age band -> its column in the ONS layout."""

TIDY_COLUMNS: tuple[str, ...] = ("area_code", "area_name", "year", "age_band", "population")

FRAME_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "region",
    "year",
    "age_band",
    "population",
    "source_row",
    "source_field",
)


def _parse_year(value: Any, *, file: Path, row: int, field: str) -> int:
    text = "" if is_missing(value) else str(value).strip()
    if not text:
        raise LoadError(file, "missing year", row=row, field=field)
    try:
        year = int(text)
    except ValueError:
        raise LoadError(file, f"{text!r} is not a year", row=row, field=field) from None
    if not 1900 <= year <= 2100:
        raise LoadError(file, f"{year} is not a plausible year", row=row, field=field)
    return year


def _parse_name(value: Any, *, file: Path, row: int, field: str) -> str:
    if is_missing(value):
        raise LoadError(file, "missing area name", row=row, field=field)
    return " ".join(str(value).split())


def _records_ons(path: Path, frame: pd.DataFrame) -> list[dict[str, Any]]:
    required = ["year", "utla_code", "utla_name", *ONS_COLUMNS.values()]
    require_columns(path, list(frame.columns), required, what="the ONS population layout")
    has_region = "region" in frame.columns
    records: list[dict[str, Any]] = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        year = _parse_year(rec["year"], file=path, row=row, field="year")
        code = check_area_code(rec["utla_code"], file=path, row=row, field="utla_code")
        name = _parse_name(rec["utla_name"], file=path, row=row, field="utla_name")
        region = (str(rec["region"]).strip() or None) if has_region else None
        for band, column in ONS_COLUMNS.items():
            value = parse_number(rec[column], file=path, field=column, row=row)
            records.append(
                {
                    "area_code": code,
                    "area_name": name,
                    "region": region,
                    "year": year,
                    "age_band": band,
                    "population": value,
                    "source_row": row,
                    "source_field": column,
                }
            )
    return records


def _records_tidy(path: Path, frame: pd.DataFrame) -> list[dict[str, Any]]:
    require_columns(path, list(frame.columns), TIDY_COLUMNS, what="the tidy population layout")
    has_region = "region" in frame.columns
    bands = {b.casefold(): b for b in AGE_BANDS}
    records: list[dict[str, Any]] = []
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2
        code = check_area_code(rec["area_code"], file=path, row=row, field="area_code")
        name = _parse_name(rec["area_name"], file=path, row=row, field="area_name")
        year = _parse_year(rec["year"], file=path, row=row, field="year")
        raw_band = "" if is_missing(rec["age_band"]) else str(rec["age_band"]).strip()
        band = bands.get(raw_band.casefold())
        if band is None:
            raise LoadError(
                path,
                f"unknown age band {raw_band!r}; expected one of {', '.join(AGE_BANDS)}",
                row=row,
                field="age_band",
            )
        value = parse_number(rec["population"], file=path, field="population", row=row)
        region = (str(rec["region"]).strip() or None) if has_region else None
        records.append(
            {
                "area_code": code,
                "area_name": name,
                "region": region,
                "year": year,
                "age_band": band,
                "population": value,
                "source_row": row,
                "source_field": "population",
            }
        )
    return records


def _check_consistency(path: Path, frame: pd.DataFrame, tidy: bool) -> None:
    """Duplicates, one name per area code, and nested age bands (18+ <= all, 65+ <= 18+, ...)."""
    dup = frame.duplicated(["area_code", "year", "age_band"], keep="first")
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
            row=int(bad["source_row"]),
            field="age_band" if tidy else "utla_code",
        )
    names = frame.drop_duplicates(["area_code", "area_name"])
    clash = names.duplicated("area_code", keep="first")
    if clash.any():
        bad = names[clash].iloc[0]
        other = names[names["area_code"] == bad["area_code"]].iloc[0]
        raise LoadError(
            path,
            f"area {bad['area_code']} is named {bad['area_name']!r} here but "
            f"{other['area_name']!r} on row {other['source_row']}",
            row=int(bad["source_row"]),
            field="area_name" if tidy else "utla_name",
        )
    by_key = {
        (rec["area_code"], rec["year"], rec["age_band"]): rec for rec in frame.to_dict("records")
    }
    for code, year in frame[["area_code", "year"]].drop_duplicates().itertuples(index=False):
        for wider, narrower in pairwise(AGE_BANDS):
            big = by_key.get((code, year, wider))
            small = by_key.get((code, year, narrower))
            if big is None or small is None:
                continue
            if small["population"] > big["population"]:
                raise LoadError(
                    path,
                    f"{code} {year}: population aged {narrower} "
                    f"({format_number(small['population'])}) exceeds population aged "
                    f"{'all ages' if wider == 'all' else wider} "
                    f"({format_number(big['population'])})",
                    row=int(small["source_row"]),
                    field=str(small["source_field"]),
                )


def read_population_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate a population CSV (ONS or tidy layout) into one row per area/year/band.

    Columns: area_code, area_name, region, year, age_band, population, and source_row /
    source_field (where the number came from, for error messages). Raises :class:`LoadError`
    naming the row and field for: a missing column, a bad area code, a missing, non-numeric or
    negative population, an unknown age band, a duplicate area/year/band, one code with two
    names, or a narrower age band larger than a wider one."""
    path = Path(path)
    raw = read_csv_text(path)
    columns = set(raw.columns)
    if "utla_code" in columns:
        tidy = False
        records = _records_ons(path, raw)
    elif "area_code" in columns:
        tidy = True
        records = _records_tidy(path, raw)
    else:
        raise LoadError(
            path,
            "not a population file: expected the ONS layout (year, utla_code, utla_name, "
            "pop_all_ages, ...) or the tidy layout (area_code, area_name, year, age_band, "
            f"population); found: {', '.join(raw.columns)}",
            row=1,
            field="area_code",
        )
    if not records:
        raise LoadError(path, "the file has a header but no data rows", row=2)
    frame = pd.DataFrame(records, columns=list(FRAME_COLUMNS))
    frame["year"] = frame["year"].astype("int64")
    frame["population"] = frame["population"].astype("float64")
    _check_consistency(path, frame, tidy)
    return frame


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    frame = read_population_csv(path)
    # Areas: add the new ones; fill a missing region; never rename an existing area.
    areas = frame.drop_duplicates("area_code")[["area_code", "area_name", "region"]]
    existing = dict(con.execute("SELECT code, region FROM areas").fetchall())
    new_areas = areas[~areas["area_code"].isin(list(existing))].rename(
        columns={"area_code": "code", "area_name": "name"}
    )
    inserted = insert_frame(con, "areas", new_areas, ["code", "name", "region"])
    for rec in areas.itertuples(index=False):
        if rec.area_code in existing and existing[rec.area_code] is None and rec.region:
            con.execute("UPDATE areas SET region = ? WHERE code = ?", [rec.region, rec.area_code])
    keys = ["area_code", "year", "age_band"]
    new, conflicts = compare_with_store(
        con,
        "population",
        frame[[*keys, "population", "source_row", "source_field"]],
        keys,
        ["population"],
    )
    if not conflicts.empty:
        c = conflicts.iloc[0]
        raise LoadError(
            path,
            f"{c['area_code']} {c['year']} age band {c['age_band']} is already in the store as "
            f"{format_number(c['existing_population'])}; this file has "
            f"{format_number(c['population'])}",
            row=int(c["source_row"]),
            field=str(c["source_field"]),
        )
    inserted += insert_frame(con, "population", new, [*keys, "population"])
    return inserted


def load_population(con: duckdb.DuckDBPyConnection, path: str | PathLike[str]) -> LoadSummary:
    """Load a population CSV into ``areas`` and ``population`` in one transaction.

    Loading the same file again is a no-op; rows already in the store with the same number are
    skipped; an area/year/age band already in the store with a different number is a
    :class:`LoadError` and nothing is written. ``rows_inserted`` counts new areas plus new
    population rows."""
    path = Path(path)
    return load_file_once(con, path, KIND, lambda tx: _load(tx, path))
