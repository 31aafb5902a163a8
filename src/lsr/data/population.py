"""ONS mid-year population estimates for upper-tier councils: ``areas`` and ``population``.

Two CSV layouts are read:

- the **ONS layout** shipped with lsr (``ons_mye2017_upper_tier_la_from_lsoa.csv``), one row per
  area and year: ``year, utla_code, utla_name, pop_all_ages, pop_18_plus, pop_65_plus,
  pop_75_plus, pop_85_plus`` (and optionally ``region``);
- a **tidy layout**, one row per area, year and age band: ``area_code, area_name, year,
  age_band, population`` (and optionally ``region``), with age bands ``all``, ``18+``, ``65+``,
  ``75+``, ``85+``.

Rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2. Years
must lie between 2000 and the current year (:mod:`lsr.data.periods`), and every population must
be greater than zero: populations are the denominators of rates. The file is read one row at a
time, at most :data:`MAX_ROWS` data rows.

:func:`load_population_files` (``lsr load population FILE...``) loads many files at once, CSVs
and ONS mid-year estimate workbooks (:mod:`lsr.data.sources.ons_mye`) alike, checking every
file before anything is written.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lsr.data.errors import LoadError, quote, quote_list
from lsr.data.loading import (
    CsvFile,
    LoadSummary,
    cached_parse,
    check_area_code,
    is_missing,
    load_file_once,
    load_files,
    parse_number,
    require_columns,
)
from lsr.data.periods import check_year
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


MAX_ROWS = 200_000
"""The most data rows a population CSV may have (every English council for 25 years is about
60,000 rows in the tidy layout, 12,000 in the ONS layout). A longer file is refused when the
reader reaches this row."""


def _parse_year(value: Any, *, file: Path, row: int, field: str) -> int:
    text = "" if is_missing(value) else str(value).strip()
    if not text:
        raise LoadError(file, "missing year", row=row, field=field)
    try:
        year = int(text)
    except ValueError:
        raise LoadError(file, f"{quote(text)} is not a year", row=row, field=field) from None
    return check_year(year, file=file, row=row, field=field)


def _parse_name(value: Any, *, file: Path, row: int, field: str) -> str:
    if is_missing(value):
        raise LoadError(file, "missing area name", row=row, field=field)
    return " ".join(str(value).split())


class _Columns:
    """The long frame built column by column: text and years as shared objects (each
    distinct value parsed once, :func:`~lsr.data.loading.cached_parse`), numbers in arrays,
    so that memory stays near 80 bytes a record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text: dict[str, list[Any]] = {
            "area_code": [],
            "area_name": [],
            "region": [],
            "year": [],
            "age_band": [],
            "source_field": [],
        }
        self.population = array("d")
        self.rows = array("q")
        self.codes: dict[Any, str] = {}
        self.names: dict[Any, str] = {}
        self.years: dict[Any, int] = {}
        self.regions: dict[Any, str | None] = {}

    def code(self, raw: str, row: int, field: str) -> str:
        return cached_parse(self.codes, raw, check_area_code, file=self.path, row=row, field=field)

    def name(self, raw: str, row: int, field: str) -> str:
        return cached_parse(self.names, raw, _parse_name, file=self.path, row=row, field=field)

    def year(self, raw: str, row: int, field: str) -> int:
        return cached_parse(self.years, raw, _parse_year, file=self.path, row=row, field=field)

    def region(self, cells: list[str], index: int | None) -> str | None:
        if index is None:
            return None
        return cached_parse(self.regions, cells[index], lambda raw: raw.strip() or None)

    def add(
        self,
        code: str,
        name: str,
        region: str | None,
        year: int,
        band: str,
        value: float,
        row: int,
        field: str,
    ) -> None:
        for key, item in (
            ("area_code", code),
            ("area_name", name),
            ("region", region),
            ("year", year),
            ("age_band", band),
            ("source_field", field),
        ):
            self.text[key].append(item)
        self.population.append(value)
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        n = len(self.rows)
        data: dict[str, Any] = {k: pd.Series(v) for k, v in self.text.items()}
        data["year"] = np.asarray(self.text["year"], dtype=np.int64)
        data["population"] = np.frombuffer(self.population, dtype=np.float64)
        data["source_row"] = np.frombuffer(self.rows, dtype=np.int64)
        data["source_sheet"] = pd.Series([None] * n, dtype=object)
        return pd.DataFrame(data, columns=list(FRAME_COLUMNS))


def _region_index(header: list[str]) -> int | None:
    return header.index("region") if "region" in header else None


def _read_ons(path: Path, table: CsvFile) -> pd.DataFrame:
    required = ["year", "utla_code", "utla_name", *ONS_COLUMNS.values()]
    require_columns(path, table.header, required, what="the ONS population layout")
    at = {name: table.header.index(name) for name in required}
    region = _region_index(table.header)
    out = _Columns(path)
    for row, cells in table.rows():
        year = out.year(cells[at["year"]], row, "year")
        code = out.code(cells[at["utla_code"]], row, "utla_code")
        name = out.name(cells[at["utla_name"]], row, "utla_name")
        where = out.region(cells, region)
        for band, column in ONS_COLUMNS.items():
            value = parse_number(cells[at[column]], file=path, field=column, row=row, positive=True)
            out.add(code, name, where, year, band, value, row, column)
    return out.frame()


def _read_tidy(path: Path, table: CsvFile) -> pd.DataFrame:
    require_columns(path, table.header, TIDY_COLUMNS, what="the tidy population layout")
    at = {name: table.header.index(name) for name in TIDY_COLUMNS}
    region = _region_index(table.header)
    bands = {b.casefold(): b for b in AGE_BANDS}
    out = _Columns(path)
    for row, cells in table.rows():
        code = out.code(cells[at["area_code"]], row, "area_code")
        name = out.name(cells[at["area_name"]], row, "area_name")
        year = out.year(cells[at["year"]], row, "year")
        raw_band = cells[at["age_band"]].strip()
        band = bands.get(raw_band.casefold())
        if band is None:
            raise LoadError(
                path,
                f"unknown age band {quote(raw_band)}; expected one of {', '.join(AGE_BANDS)}",
                row=row,
                field="age_band",
            )
        value = parse_number(
            cells[at["population"]], file=path, field="population", row=row, positive=True
        )
        out.add(code, name, out.region(cells, region), year, band, value, row, "population")
    return out.frame()


def read_population_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate a population CSV (ONS or tidy layout) into one row per area/year/band.

    Columns: area_code, area_name, region, year, age_band, population, and source_row /
    source_field (where the number came from, for error messages). Raises :class:`LoadError`
    naming the row and field for: a missing column, a bad area code, a year outside 2000 to the
    current year, a missing, non-numeric, zero or negative population (a population is a
    denominator), an unknown age band, a duplicate area/year/band, one code with two names, a
    narrower age band larger than a wider one, or more than :data:`MAX_ROWS` rows. The file
    is read one row at a time (bounded memory)."""
    path = Path(path)
    with CsvFile(path, max_rows=MAX_ROWS, what="population file") as table:
        columns = set(table.header)
        if "utla_code" in columns:
            tidy = False
            frame = _read_ons(path, table)
        elif "area_code" in columns:
            tidy = True
            frame = _read_tidy(path, table)
        else:
            raise LoadError(
                path,
                "not a population file: expected the ONS layout (year, utla_code, utla_name, "
                "pop_all_ages, ...) or the tidy layout (area_code, area_name, year, age_band, "
                f"population); found: {quote_list(table.header)}",
                row=1,
                field="area_code",
            )
    if frame.empty:
        raise LoadError(path, "the file has a header but no data rows", row=2)
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
