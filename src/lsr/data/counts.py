"""Tidy indicator numerators and denominators (CSV or Parquet) for the ``indicator_counts`` table.

One row per indicator, area and month, with the columns ``indicator, area_code, period,
numerator, denominator`` (other columns are ignored). ``indicator`` is one of the ids in
:mod:`lsr.core.indicators`. For ``dtoc_18`` the numerator is delayed days in the month and the
denominator population 18+ x days in the month; such rows take precedence over the NHS England
workbooks (:mod:`lsr.data.sources.dtoc`) for the same area and month. ``period`` is stored as the
first day of a month and may be written as:

- ``YYYY-MM`` (``2018-07``);
- ``YYYY-MM-DD`` (``2018-07-01``; any day is accepted and stored as the first of its month);
- a calendar quarter ``YYYYQn`` or ``YYYY-Qn`` (``2017Q3``), stored as the quarter's first
  month (Q1 January, Q2 April, Q3 July, Q4 October);
- in Parquet, also a date or timestamp column.

Periods must lie in the window every loader accepts (January 2000 to the month after the current
one; :mod:`lsr.data.periods`). The file is read one row at a time (at most :data:`MAX_ROWS` data
rows) and the first problem stops it.

Rows are numbered for error messages as a spreadsheet shows them: in a CSV the header is row 1
and the first data row is row 2; in Parquet the first row is row 1.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lsr.core.indicators import INDICATORS, Statistic
from lsr.data.errors import LoadError, quote
from lsr.data.loading import (
    CsvFile,
    LoadSummary,
    cached_parse,
    check_area_code,
    compare_with_store,
    drop_synthetic,
    format_number,
    insert_frame,
    is_missing,
    load_file_once,
    parse_number,
    require_areas,
    require_columns,
)
from lsr.data.periods import check_month

KIND = "counts"


COLUMNS: tuple[str, ...] = ("indicator", "area_code", "period", "numerator", "denominator")
"""The columns a counts file must have."""

COUNT_INDICATORS: dict[str, Statistic] = {ind.id: ind.statistic for ind in INDICATORS}
"""Indicator ids accepted in a counts file -> how the indicator is computed."""

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_PARQUET_SUFFIXES = (".parquet", ".pq")
_FRAME_COLUMNS = ("indicator", "area_code", "period", "numerator", "denominator", "source_row")

MAX_ROWS = 2_000_000
"""The most data rows a counts file may have: every indicator for 450 areas and 25 years of
months is about 1.2 million. A longer file is refused when the reader reaches this row."""


def parse_period(value: Any, *, file: Path | str, row: int, field: str = "period") -> date:
    """The first day of the month (or quarter) a period value names; see the module docstring.

    The month must lie in the window every loader accepts (:mod:`lsr.data.periods`)."""
    month = _read_period(value, file=file, row=row, field=field)
    return check_month(month, file=file, row=row, field=field)


def _read_period(value: Any, *, file: Path | str, row: int, field: str) -> date:
    if is_missing(value):
        raise LoadError(file, "missing period", row=row, field=field)
    if isinstance(value, datetime | date):  # pandas Timestamp is a datetime
        return date(value.year, value.month, 1)
    text = str(value).strip()
    month = _MONTH_RE.match(text)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        if 1 <= mon <= 12 and year >= 1:
            return date(year, mon, 1)
    quarter = _QUARTER_RE.match(text)
    if quarter and int(quarter.group(1)) >= 1:
        return date(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return date(day.year, day.month, 1)
    raise LoadError(
        file,
        f"cannot read the period {quote(text)}; expected YYYY-MM, YYYY-MM-DD or a quarter like "
        "2017Q3",
        row=row,
        field=field,
    )


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The counts columns of each data row of a CSV, streamed (bounded memory)."""
    with CsvFile(path, max_rows=MAX_ROWS, what="counts file") as table:
        require_columns(path, table.header, COLUMNS, what="a counts file")
        index = {name: table.header.index(name) for name in COLUMNS}
        for row, cells in table.rows():
            yield row, {name: cells[i] for name, i in index.items()}


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The counts columns of each row of a Parquet file (row 1 is the first row)."""
    import pyarrow
    import pyarrow.parquet as pq

    unreadable = "not a readable Parquet file (damaged, or not Parquet)"
    try:
        parquet = pq.ParquetFile(path)
        names = [str(c).strip() for c in parquet.schema_arrow.names]
        rows = parquet.metadata.num_rows
    except (OSError, ValueError, pyarrow.ArrowException):
        raise LoadError(path, unreadable) from None
    require_columns(path, names, COLUMNS, what="a counts file")
    if rows > MAX_ROWS:
        raise LoadError(
            path,
            f"{rows:,} rows, more than the {MAX_ROWS:,} a counts file may have (see "
            "docs/data-formats.md, Limits); is it the right file?",
        )
    wanted = [parquet.schema_arrow.names[names.index(c)] for c in COLUMNS]
    offset = 1
    try:
        for batch in parquet.iter_batches(batch_size=65_536, columns=wanted):
            columns = [batch.column(i).to_pylist() for i in range(len(COLUMNS))]
            for i, values in enumerate(zip(*columns, strict=True)):
                yield offset + i, dict(zip(COLUMNS, values, strict=True))
            offset += batch.num_rows
    except (OSError, ValueError, OverflowError, pyarrow.ArrowException):
        raise LoadError(path, unreadable, row=offset) from None


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.is_dir():
        raise LoadError(path, "this is a folder, not a file")
    if not path.exists():
        raise LoadError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in _PARQUET_SUFFIXES:
        return _parquet_rows(path)
    raise LoadError(
        path, f"unsupported file type {quote(suffix or '(none)')}; expected .csv or .parquet"
    )


def read_counts(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate a counts file (CSV or Parquet) without touching the store.

    Returns columns indicator, area_code, period (a ``date``, first of month), numerator,
    denominator and source_row. Raises :class:`LoadError` naming the row and field for: a
    missing column or value, an unknown indicator id, a malformed area code, an unreadable
    period or one outside the accepted window (:mod:`lsr.data.periods`), a negative numerator,
    a zero or negative denominator, a numerator above its denominator for a proportion
    indicator, a duplicate indicator/area/period, or more than :data:`MAX_ROWS` rows. The file
    is read one row at a time and stops at the first problem in a row; values are kept in
    compact columns (about 50 bytes a row)."""
    path = Path(path)
    valid = ", ".join(COUNT_INDICATORS)
    indicators: dict[Any, tuple[str, Statistic]] = {}
    codes: dict[Any, str] = {}
    months: dict[Any, date] = {}
    ind_col: list[str] = []
    code_col: list[str] = []
    period_col: list[date] = []
    numerators, denominators, rows = array("d"), array("d"), array("q")

    def indicator(raw: Any, *, row: int) -> tuple[str, Statistic]:
        ind = "" if is_missing(raw) else str(raw).strip()
        if not ind:
            raise LoadError(path, "missing indicator", row=row, field="indicator")
        statistic = COUNT_INDICATORS.get(ind)
        if statistic is None:
            raise LoadError(
                path,
                f"unknown indicator {quote(ind)}; valid ids: {valid}",
                row=row,
                field="indicator",
            )
        return ind, statistic

    for row, rec in _rows(path):
        ind, statistic = cached_parse(indicators, rec["indicator"], indicator, row=row)
        code = cached_parse(
            codes, rec["area_code"], check_area_code, file=path, row=row, field="area_code"
        )
        period = cached_parse(months, rec["period"], parse_period, file=path, row=row)
        numerator = parse_number(rec["numerator"], file=path, field="numerator", row=row)
        denominator = parse_number(
            rec["denominator"], file=path, field="denominator", row=row, positive=True
        )
        if statistic is Statistic.PROPORTION and numerator > denominator:
            raise LoadError(
                path,
                f"numerator {format_number(numerator)} exceeds denominator "
                f"{format_number(denominator)} for the proportion indicator {quote(ind)}",
                row=row,
                field="numerator",
            )
        ind_col.append(ind)
        code_col.append(code)
        period_col.append(period)
        numerators.append(numerator)
        denominators.append(denominator)
        rows.append(row)
    frame = pd.DataFrame(
        {
            "indicator": pd.Series(ind_col),
            "area_code": pd.Series(code_col),
            "period": pd.Series(period_col, dtype=object),
            "numerator": np.frombuffer(numerators, dtype=np.float64),
            "denominator": np.frombuffer(denominators, dtype=np.float64),
            "source_row": np.frombuffer(rows, dtype=np.int64),
        },
        columns=list(_FRAME_COLUMNS),
    )
    if frame.empty:
        raise LoadError(path, "the file has no data rows", row=2 if path.suffix == ".csv" else 1)
    keys = ["indicator", "area_code", "period"]
    dup = frame.duplicated(keys, keep="first")
    if dup.any():
        bad = frame[dup].iloc[0]
        first = frame[
            (frame["indicator"] == bad["indicator"])
            & (frame["area_code"] == bad["area_code"])
            & (frame["period"] == bad["period"])
        ].iloc[0]
        raise LoadError(
            path,
            f"duplicate row for {bad['indicator']}, {bad['area_code']}, {bad['period']:%Y-%m} "
            f"(also row {first['source_row']})",
            row=int(bad["source_row"]),
            field="period",
        )
    return frame


def _load(con: duckdb.DuckDBPyConnection, path: Path, synthetic: bool, source: str | None) -> int:
    known = require_areas(con, path)
    frame = read_counts(path)
    unknown = frame[~frame["area_code"].isin(list(known))]
    if not unknown.empty:
        bad = unknown.iloc[0]
        raise LoadError(
            path,
            f"area {bad['area_code']} is not in the store's areas (load its population first)",
            row=int(bad["source_row"]),
            field="area_code",
        )
    # loaded data replaces the synthetic rows of the indicators it covers
    drop_synthetic(con, frame["indicator"].unique().tolist())
    keys = ["indicator", "area_code", "period"]
    new, conflicts = compare_with_store(
        con, "indicator_counts", frame, keys, ["numerator", "denominator"]
    )
    if not conflicts.empty:
        c = conflicts.iloc[0]
        fld = "numerator" if c["numerator"] != c["existing_numerator"] else "denominator"
        raise LoadError(
            path,
            f"{c['indicator']}, {c['area_code']}, {pd.Timestamp(c['period']):%Y-%m} is already in "
            f"the store with {fld} {format_number(c[f'existing_{fld}'])}; this file has "
            f"{format_number(c[fld])}",
            row=int(c["source_row"]),
            field=fld,
        )
    new = new.assign(synthetic=bool(synthetic), source=source or path.name)
    return insert_frame(
        con,
        "indicator_counts",
        new,
        ["indicator", "area_code", "period", "numerator", "denominator", "synthetic", "source"],
    )


def load_counts(
    con: duckdb.DuckDBPyConnection,
    path: str | PathLike[str],
    *,
    synthetic: bool = False,
    source: str | None = None,
) -> LoadSummary:
    """Load a counts file into ``indicator_counts`` in one transaction.

    ``synthetic`` marks the rows as made-up data (the report labels them); ``source`` is stored
    with each row (default: the file name). Loading the same file again is a no-op; rows already
    in the store with the same numbers are skipped; an indicator/area/period already in the
    store with different numbers, or an area not in ``areas``, is a :class:`LoadError` and
    nothing is written."""
    path = Path(path)
    return load_file_once(con, path, KIND, lambda tx: _load(tx, path, synthetic, source))
