"""ONS mid-year population estimates for upper-tier councils: ``areas`` and ``population``.

Two CSV layouts are read:

- the **ONS layout** shipped with lsr (``ons_mye2017_upper_tier_la_from_lsoa.csv``), one row per
  area and year: ``year, utla_code, utla_name, pop_all_ages, pop_18_plus, pop_65_plus,
  pop_75_plus, pop_85_plus`` (and optionally ``region``);
- a **tidy layout**, one row per area, year and age band: ``area_code, area_name, year,
  age_band, population`` (and optionally ``region``), with age bands ``all``, ``18+``, ``65+``,
  ``75+``, ``85+``.

Rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2.

:func:`load_population_files` (``lsr load population FILE...``) loads many files at once, CSVs
and ONS mid-year estimate workbooks (:mod:`lsr.data.sources.ons_mye`) alike, checking every
file before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError
from lsr.data.loading import (
    LoadSummary,
    check_area_code,
    is_missing,
    load_file_once,
    load_files,
    parse_number,
    read_csv_text,
    require_columns,
)
from lsr.data.population_table import (
    AGE_BANDS,
    FRAME_COLUMNS,
    check_population_frame,
    store_population_frame,
)
from lsr.data.sources import ons_mye

KIND = "population"

ONS_COLUMNS: dict[str, str] = {
    "all": "pop_all_ages",
    "18+": "pop_18_plus",
    "65+": "pop_65_plus",
    "75+": "pop_75_plus",
    "85+": "pop_85_plus",
}
"""Age band -> its column in the ONS layout."""

TIDY_COLUMNS: tuple[str, ...] = ("area_code", "area_name", "year", "age_band", "population")


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
                    "source_sheet": None,
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
                "source_sheet": None,
                "source_row": row,
                "source_field": "population",
            }
        )
    return records


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
    check_population_frame(
        path,
        frame,
        duplicate_field="age_band" if tidy else "utla_code",
        name_field="area_name" if tidy else "utla_name",
    )
    return frame


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return store_population_frame(con, path, read_population_csv(path))


def load_population(con: duckdb.DuckDBPyConnection, path: str | PathLike[str]) -> LoadSummary:
    """Load a population CSV into ``areas`` and ``population`` in one transaction.

    Loading the same file again is a no-op; rows already in the store with the same number are
    skipped; an area/year/age band already in the store with a different number is a
    :class:`LoadError` and nothing is written. ``rows_inserted`` counts new areas plus new
    population rows."""
    path = Path(path)
    return load_file_once(con, path, KIND, lambda tx: _load(tx, path))


def _kind_of(path: Path) -> str:
    return ons_mye.KIND if ons_mye.is_workbook(path) else KIND


def _read_any(path: Path) -> pd.DataFrame:
    if ons_mye.is_workbook(path):
        return ons_mye.read_ons_mye(path).frame
    return read_population_csv(path)


def load_population_files(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load many population files, each either a CSV (ONS or tidy layout) or an ONS mid-year
    estimates workbook (.xls/.xlsx, told apart by extension or first bytes).

    Every file is read and checked before anything is written, and all are stored in one
    transaction (:func:`lsr.data.loading.load_files`): without ``skip_bad`` one bad file means
    nothing is loaded, and every bad file is reported. Workbooks are recorded as
    ``ons_mye`` loads and CSVs as ``population`` loads, as their own loaders record them."""
    return load_files(
        con,
        paths,
        KIND,
        _read_any,
        store_population_frame,
        skip_bad=skip_bad,
        progress=progress,
        kind_of=_kind_of,
    )
