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

Rows are numbered for error messages as a spreadsheet shows them: in a CSV the header is row 1
and the first data row is row 2; in Parquet the first row is row 1.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.core.indicators import INDICATORS, Statistic
from lsr.data.errors import LoadError
from lsr.data.loading import (
    LoadSummary,
    check_area_code,
    compare_with_store,
    drop_synthetic,
    format_number,
    insert_frame,
    is_missing,
    load_file_once,
    parse_number,
    read_csv_text,
    require_areas,
    require_columns,
)

KIND = "counts"

COLUMNS: tuple[str, ...] = ("indicator", "area_code", "period", "numerator", "denominator")
"""The columns a counts file must have."""

COUNT_INDICATORS: dict[str, Statistic] = {ind.id: ind.statistic for ind in INDICATORS}
"""Indicator ids accepted in a counts file -> how the indicator is computed."""

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_PARQUET_SUFFIXES = (".parquet", ".pq")


def parse_period(value: Any, *, file: Path | str, row: int, field: str = "period") -> date:
    """The first day of the month (or quarter) a period value names; see the module docstring."""
    if is_missing(value):
        raise LoadError(file, "missing period", row=row, field=field)
    if isinstance(value, datetime | date):  # pandas Timestamp is a datetime
        return date(value.year, value.month, 1)
    text = str(value).strip()
    month = _MONTH_RE.match(text)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        if 1 <= mon <= 12:
            return date(year, mon, 1)
    quarter = _QUARTER_RE.match(text)
    if quarter:
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
        f"cannot read the period {text!r}; expected YYYY-MM, YYYY-MM-DD or a quarter like 2017Q3",
        row=row,
        field=field,
    )


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """The file as a frame of raw values, and the offset from a 0-based index to a row number."""
    if not path.exists():
        raise LoadError(path, "file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_text(path), 2
    if suffix in _PARQUET_SUFFIXES:
        import pyarrow

        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError, pyarrow.ArrowException) as exc:
            raise LoadError(path, f"not a readable Parquet file: {exc}") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame.reset_index(drop=True), 1
    raise LoadError(
        path, f"unsupported file type {suffix or '(none)'!r}; expected .csv or .parquet"
    )


def read_counts(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate a counts file (CSV or Parquet) without touching the store.

    Returns columns indicator, area_code, period (a ``date``, first of month), numerator,
    denominator and source_row. Raises :class:`LoadError` naming the row and field for: a
    missing column or value, an unknown indicator id, a malformed area code,
    an unreadable period, a negative numerator, a zero or negative denominator, a numerator
    above its denominator for a proportion indicator, or a duplicate indicator/area/period."""
    path = Path(path)
    raw, offset = _read_raw(path)
    require_columns(path, list(raw.columns), COLUMNS, what="a counts file")
    valid = ", ".join(COUNT_INDICATORS)
    records: list[dict[str, Any]] = []
    for i, rec in enumerate(raw[list(COLUMNS)].to_dict("records")):
        row = i + offset
        ind = "" if is_missing(rec["indicator"]) else str(rec["indicator"]).strip()
        if not ind:
            raise LoadError(path, "missing indicator", row=row, field="indicator")
        statistic = COUNT_INDICATORS.get(ind)
        if statistic is None:
            raise LoadError(
                path, f"unknown indicator {ind!r}; valid ids: {valid}", row=row, field="indicator"
            )
        code = check_area_code(rec["area_code"], file=path, row=row, field="area_code")
        period = parse_period(rec["period"], file=path, row=row)
        numerator = parse_number(rec["numerator"], file=path, field="numerator", row=row)
        denominator = parse_number(
            rec["denominator"], file=path, field="denominator", row=row, positive=True
        )
        if statistic is Statistic.PROPORTION and numerator > denominator:
            raise LoadError(
                path,
                f"numerator {format_number(numerator)} exceeds denominator "
                f"{format_number(denominator)} for the proportion indicator {ind!r}",
                row=row,
                field="numerator",
            )
        records.append(
            {
                "indicator": ind,
                "area_code": code,
                "period": period,
                "numerator": numerator,
                "denominator": denominator,
                "source_row": row,
            }
        )
    frame = pd.DataFrame(
        records,
        columns=["indicator", "area_code", "period", "numerator", "denominator", "source_row"],
    )
    if frame.empty:
        raise LoadError(path, "the file has no data rows", row=offset)
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
