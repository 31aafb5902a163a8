"""The daily situation data of the winter dashboard: one row per council area per day.

Columns (docs/data-formats.md, "Daily situation"): ``area_code``, ``date`` (YYYY-MM-DD), the
acute bed base and its use, admissions, discharges by pathway 0-3 and the people medically fit
for discharge still in hospital (``mffd``), all required; the ``mffd`` reasons and the capacity
of home care, step-down and discharge-to-assess care home beds, optional (blank: not known).

Read from a CSV (UTF-8, one record at a time, :class:`~lsr.data.reading.CsvFile`) or the first
sheet of an ``.xlsx`` workbook (:mod:`lsr.data.daily_xlsx`: bounded, values only, formulas
refused). Every problem is a :class:`~lsr.data.errors.LoadError` naming the file, row and field
(never a whole row); every problem of a file is listed, up to :data:`MAX_PROBLEMS`. A load is
all or nothing (:func:`lsr.data.loading.load_files`): one bad file, nothing is written.

Rules: whole numbers >= 0; ``mffd <= beds_occupied`` (``beds_occupied <= beds_open`` is not
required: escalation beds); the reasons, when all five are given, add up to ``mffd``; dates in
the window every loader accepts (:mod:`lsr.data.periods`); one row per area and date in a file;
area codes the store knows. Loading an area's dates again from another file *replaces* those
rows (the summary says how many); a file of real data replaces the area's synthetic rows.

Stored in the DuckDB table ``daily_situation`` (created with the first load);
:func:`daily_frame` reads one area back in the shape the forecast takes
(:mod:`lsr.flow.forecast`), and :func:`daily_revision` is a cheap token that changes with
every load (the dashboard polls it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, LoadErrors, quote, quote_list
from lsr.data.loading import (
    AREA_CODE_RE,
    LoadSummary,
    as_paths,
    check_file_size,
    is_missing,
    load_files,
    require_areas,
)
from lsr.data.periods import FIRST_MONTH, last_day
from lsr.data.reading import CsvFile
from lsr.data.store import transaction
from lsr.flow.area_fit import REASON_COLUMNS as MFFD_REASONS
from lsr.flow.area_fit import REQUIRED

__all__ = [
    "ALL_COLUMNS",
    "KIND",
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "OPTIONAL_COLUMNS",
    "REASON_COLUMNS",
    "REQUIRED_COLUMNS",
    "SCHEMA",
    "DailyFile",
    "DailyFileErrors",
    "daily_areas",
    "daily_frame",
    "daily_revision",
    "ensure_daily_schema",
    "load_daily",
    "read_daily",
    "store_daily_frame",
]

KIND = "daily"
"""``loads.kind`` of a daily situation file."""

#: The contract's columns, defined once with the model that reads them
#: (:mod:`lsr.flow.area_fit`): required, then the delays by reason.
REQUIRED_COLUMNS: tuple[str, ...] = REQUIRED
REASON_COLUMNS: tuple[str, ...] = MFFD_REASONS
OPTIONAL_COLUMNS: tuple[str, ...] = (
    *REASON_COLUMNS,
    "home_care_capacity",
    "home_care_in_use",
    "step_down_beds",
    "step_down_occupied",
    "care_home_beds",
    "care_home_occupied",
)
ALL_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
NUMBER_COLUMNS: tuple[str, ...] = ALL_COLUMNS[2:]

MAX_ROWS = 1_000_000
"""The most data rows a daily situation file may have (150 councils x 18 years)."""
MAX_FILE_BYTES = 64 << 20
"""The largest daily situation file read (64 MB)."""
MAX_PROBLEMS = 50
"""The most problems listed for one file (then "and N more")."""
MAX_NUMBER = 1_000_000
"""The largest count accepted in any column (a typing error above it)."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS daily_situation (
    area_code VARCHAR NOT NULL,
    date DATE NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL CHECK ({c} >= 0)" for c in REQUIRED_COLUMNS[2:])},
    {", ".join(f"{c} INTEGER CHECK ({c} >= 0)" for c in OPTIONAL_COLUMNS)},
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    source VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (area_code, date)
);
"""


class DailyFileErrors(LoadError):
    """Every problem found in one file: the first as this error's message, all in ``errors``."""

    def __init__(self, errors: list[LoadError], more: int = 0) -> None:
        first = errors[0]
        super().__init__(
            first.file, first.message, sheet=first.sheet, row=first.row, field=first.field
        )
        self.errors = errors
        self.more = more


@dataclass
class DailyFile:
    """One validated file: its rows as a frame of :data:`ALL_COLUMNS` (numbers as floats, NaN
    where an optional value is blank)."""

    path: Path
    frame: pd.DataFrame
    synthetic: bool = False
    source: str = ""
    notes: list[str] = field(default_factory=list)


# --- reading --------------------------------------------------------------------------------


def _parse_date(value: Any, *, file: Path, row: int, sheet: str | None) -> date:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise LoadError(
                file,
                f"{quote(text)} is not a date written YYYY-MM-DD (e.g. 2026-01-15)",
                sheet=sheet,
                row=row,
                field="date",
            ) from None
    end = last_day()
    if not FIRST_MONTH <= day <= end:
        raise LoadError(
            file,
            f"the date {day.isoformat()} is outside the dates this loader accepts "
            f"({FIRST_MONTH.isoformat()} to {end.isoformat()}); is it mistyped?",
            sheet=sheet,
            row=row,
            field="date",
        )
    return day


def _parse_count(value: Any, *, file: Path, row: int, name: str, sheet: str | None) -> float | None:
    if is_missing(value):
        if name in REQUIRED_COLUMNS:
            raise LoadError(file, "missing value", sheet=sheet, row=row, field=name)
        return None
    if isinstance(value, bool):
        raise LoadError(file, f"{quote(value)} is not a number", sheet=sheet, row=row, field=name)
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise LoadError(
                file, f"{quote(value)} is not a number", sheet=sheet, row=row, field=name
            ) from None
    if not math.isfinite(number):
        raise LoadError(
            file, f"{quote(value)} is not a finite number", sheet=sheet, row=row, field=name
        )
    if number < 0:
        raise LoadError(
            file, f"{number:g} is negative; counts are 0 or more", sheet=sheet, row=row, field=name
        )
    if not number.is_integer():
        raise LoadError(file, f"{number:g} is not a whole number", sheet=sheet, row=row, field=name)
    if number > MAX_NUMBER:
        raise LoadError(
            file,
            f"{number:,.0f} is more than {MAX_NUMBER:,}, the largest count accepted; is it "
            "mistyped?",
            sheet=sheet,
            row=row,
            field=name,
        )
    return number


def _check_record(
    values: dict[str, Any], *, file: Path, row: int, sheet: str | None
) -> dict[str, Any]:
    """One record's values checked and parsed; raises the first :class:`LoadError`."""
    code = values.get("area_code")
    if is_missing(code):
        raise LoadError(file, "missing area code", sheet=sheet, row=row, field="area_code")
    code = str(code).strip()
    if not AREA_CODE_RE.match(code):
        raise LoadError(
            file,
            f"{quote(code)} is not an English ONS council code (E and 8 digits, e.g. E10000025)",
            sheet=sheet,
            row=row,
            field="area_code",
        )
    if is_missing(values.get("date")):
        raise LoadError(file, "missing value", sheet=sheet, row=row, field="date")
    out: dict[str, Any] = {
        "area_code": code,
        "date": _parse_date(values["date"], file=file, row=row, sheet=sheet),
    }
    problems: list[LoadError] = []
    for name in NUMBER_COLUMNS:
        try:
            out[name] = _parse_count(values.get(name), file=file, row=row, name=name, sheet=sheet)
        except LoadError as exc:
            problems.append(exc)
    if problems:
        raise DailyFileErrors(problems)
    if out["mffd"] > out["beds_occupied"]:
        raise LoadError(
            file,
            f"mffd {out['mffd']:,.0f} is more than beds_occupied {out['beds_occupied']:,.0f}: "
            "people medically fit for discharge are in occupied beds",
            sheet=sheet,
            row=row,
            field="mffd",
        )
    reasons = [out[c] for c in REASON_COLUMNS]
    if all(r is not None for r in reasons) and sum(reasons) != out["mffd"]:
        raise LoadError(
            file,
            f"the mffd reasons add up to {sum(reasons):,.0f}, not mffd {out['mffd']:,.0f}",
            sheet=sheet,
            row=row,
            field="mffd_other",
        )
    return out


def _header_problems(file: Path, header: list[str], sheet: str | None) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise LoadError(
            file,
            f"missing column(s) {quote_list(missing)} for daily situation data; found: "
            f"{quote_list(header)}",
            sheet=sheet,
            row=1,
            field=missing[0],
        )
    twice = sorted({c for c in ALL_COLUMNS if header.count(c) > 1})
    if twice:
        raise LoadError(
            file, f"column(s) {quote_list(twice)} appear twice", sheet=sheet, row=1, field=twice[0]
        )


def _records(path: Path) -> tuple[str | None, Iterable[tuple[int, dict[str, Any]]], Callable]:
    """``(sheet, records, close)``: each data row as ``(row number, values by column)``."""
    if path.suffix.casefold() in (".xlsx", ".xlsm"):
        from lsr.data.daily_xlsx import first_sheet_records

        return first_sheet_records(path, _header_problems)
    table = CsvFile(path, max_rows=MAX_ROWS, what="daily situation file")
    header = table.header
    try:
        _header_problems(path, header, None)
    except BaseException:
        table.close()
        raise
    index = {name: header.index(name) for name in ALL_COLUMNS if name in header}

    def records() -> Iterable[tuple[int, dict[str, Any]]]:
        for row, cells in table.rows():
            yield row, {name: cells[i] for name, i in index.items()}

    return None, records(), table.close


def read_daily(path: str | PathLike[str]) -> DailyFile:
    """Read and validate one daily situation file (CSV or ``.xlsx``); no store access.

    Raises :class:`DailyFileErrors` listing every problem of the file (up to
    :data:`MAX_PROBLEMS`), or a :class:`LoadError` for a file that cannot be read at all."""
    file = Path(path)
    if file.suffix.casefold() == ".xls":
        raise LoadError(file, "daily situation files are read as .csv or .xlsx; save as .xlsx")
    check_file_size(file, MAX_FILE_BYTES, what="daily situation file")
    sheet, records, close = _records(file)
    problems: list[LoadError] = []
    more = 0
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, date], int] = {}
    try:
        for row, values in records:
            try:
                record = _check_record(values, file=file, row=row, sheet=sheet)
                key = (record["area_code"], record["date"])
                if key in seen:
                    raise LoadError(
                        file,
                        f"{key[0]} {key[1].isoformat()} is given twice (first on row "
                        f"{seen[key]}); one row per area and date",
                        sheet=sheet,
                        row=row,
                        field="date",
                    )
                seen[key] = row
                rows.append(record)
            except DailyFileErrors as exc:
                found = exc.errors
            except LoadError as exc:
                found = [exc]
            else:
                continue
            for error in found:
                if len(problems) < MAX_PROBLEMS:
                    problems.append(error)
                else:
                    more += 1
    except DailyFileErrors as exc:  # the xlsx reader's own problems (formulas)
        problems.extend(exc.errors)
    except LoadError as exc:  # the file cannot be read further (a ragged row, not UTF-8...)
        problems.append(exc)
    finally:
        close()
    if problems:
        raise DailyFileErrors(problems, more)
    if not rows:
        raise LoadError(file, "the file has a header but no rows of data", sheet=sheet, row=2)
    frame = pd.DataFrame(rows, columns=list(ALL_COLUMNS))
    for name in NUMBER_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return DailyFile(file, frame.sort_values(["area_code", "date"], ignore_index=True))


# --- the store ------------------------------------------------------------------------------


def ensure_daily_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``daily_situation`` if it does not exist (call inside a write transaction)."""
    con.execute(SCHEMA)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'daily_situation'"
    ).fetchone()
    return bool(row and row[0])


def store_daily_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    *,
    source: str,
    synthetic: bool,
    file: Path | str,
) -> tuple[int, int, int]:
    """Write validated rows (call inside the load's transaction): ``(inserted, replaced,
    synthetic removed)``. Area codes must be in the store; rows of the same area and date are
    replaced; real rows for an area remove that area's synthetic rows first."""
    ensure_daily_schema(con)
    known = require_areas(con, file)
    unknown = sorted(set(frame["area_code"]) - known)
    if unknown:
        raise LoadError(
            file,
            f"area code(s) {quote_list(unknown)} are not council areas the store knows "
            "(see `lsr load population`)",
            field="area_code",
        )
    view = "_lsr_daily_incoming"
    data = frame.copy()
    data["synthetic"] = synthetic
    data["source"] = source
    data["loaded_at"] = datetime.now()
    con.register(view, data)
    try:
        dropped = 0
        if not synthetic:
            dropped = _count(
                con,
                f"SELECT count(*) FROM daily_situation WHERE synthetic AND area_code IN "
                f"(SELECT DISTINCT area_code FROM {view})",
            )
            con.execute(
                f"DELETE FROM daily_situation WHERE synthetic AND area_code IN "
                f"(SELECT DISTINCT area_code FROM {view})"
            )
        replaced = _count(
            con,
            f"SELECT count(*) FROM daily_situation d JOIN {view} i "
            "ON d.area_code = i.area_code AND d.date = i.date",
        )
        con.execute(
            f"DELETE FROM daily_situation WHERE (area_code, date) IN "
            f"(SELECT (area_code, date) FROM {view})"
        )
        cols = ", ".join([*ALL_COLUMNS, "synthetic", "source", "loaded_at"])
        con.execute(f"INSERT INTO daily_situation ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)
    return len(frame), replaced, dropped


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def load_daily(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load daily situation files: every file checked first, then all in one transaction.

    Raises :class:`LoadErrors` listing every problem of every file (nothing written), unless
    ``skip_bad``. Rows of an area and date already stored are replaced (the summary's notes say
    how many)."""
    notes: list[str] = []

    def store(tx: duckdb.DuckDBPyConnection, path: Path, parsed: DailyFile) -> int:
        inserted, replaced, dropped = store_daily_frame(
            tx, parsed.frame, source=path.name, synthetic=False, file=path
        )
        if replaced:
            notes.append(f"{path.name}: {replaced} row(s) replaced (same area and date)")
        if dropped:
            notes.append(f"{path.name}: {dropped} synthetic row(s) of its area(s) removed")
        return inserted

    try:
        summary = load_files(
            con, as_paths(paths), KIND, read_daily, store, skip_bad=skip_bad, progress=progress
        )
    except LoadErrors as exc:
        raise LoadErrors(_expand(exc.errors)) from None
    summary.bad = _expand(summary.bad)
    summary.notes.extend(notes)
    return summary


def _expand(errors: list[LoadError]) -> list[LoadError]:
    out: list[LoadError] = []
    for error in errors:
        if isinstance(error, DailyFileErrors):
            out.extend(error.errors)
            if error.more:
                out.append(
                    LoadError(error.file, f"and {error.more:,} more problem(s) in this file")
                )
        else:
            out.append(error)
    return out


def daily_frame(con: duckdb.DuckDBPyConnection, area_code: str) -> pd.DataFrame:
    """One area's daily situation, sorted by date, with exactly :data:`ALL_COLUMNS` (NaN where
    an optional value is not known; numbers as floats, ``date`` as :class:`datetime.date`).
    ``frame.attrs``: ``synthetic`` (any row synthetic) and ``sources`` (file names). Empty
    (with the columns) when the store has no rows for the area."""
    if not _has_table(con):
        frame = pd.DataFrame(columns=list(ALL_COLUMNS))
        frame.attrs.update(synthetic=False, sources=[])
        return frame
    cols = ", ".join(ALL_COLUMNS)
    data = con.execute(
        f"SELECT {cols}, synthetic, source FROM daily_situation WHERE area_code = ? ORDER BY date",
        [area_code],
    ).df()
    frame = data[list(ALL_COLUMNS)].copy()
    for name in NUMBER_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame.attrs["synthetic"] = bool(data["synthetic"].any()) if len(data) else False
    frame.attrs["sources"] = sorted(set(data["source"]))
    return frame.reset_index(drop=True)


def daily_revision(con: duckdb.DuckDBPyConnection, area_code: str) -> str:
    """A token that changes whenever the area's daily rows change (rows and last load time)."""
    if not _has_table(con):
        return "0"
    row = con.execute(
        "SELECT count(*), max(loaded_at), max(date) FROM daily_situation WHERE area_code = ?",
        [area_code],
    ).fetchone()
    if not row or not row[0]:
        return "0"
    return f"{row[0]}-{row[1].isoformat()}-{row[2].isoformat()}"


def daily_areas(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The area codes with daily situation rows."""
    if not _has_table(con):
        return []
    return [r[0] for r in con.execute("SELECT DISTINCT area_code FROM daily_situation").fetchall()]


def store_synthetic(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, label: str, key: str
) -> int:
    """Store a synthetic frame (:mod:`lsr.data.synthetic_daily`) in one transaction, recorded in
    ``loads`` under ``key``; returns the rows written."""
    import hashlib

    sha = hashlib.sha256(f"synthetic-daily:{key}".encode()).hexdigest()
    from lsr.data.store import record_load

    with transaction(con):
        inserted, _, _ = store_daily_frame(
            con, frame, source=label, synthetic=True, file="synthetic daily situation"
        )
        con.execute("DELETE FROM loads WHERE sha256 = ?", [sha])
        record_load(con, sha, KIND, label, inserted)
    return inserted
