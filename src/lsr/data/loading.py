"""What every loader shares: the load summary, "same file is a no-op", and validation helpers.

The DToC, population and counts loaders all follow the same pattern:

1. hash the file; if a file with that hash has been loaded before, do nothing
   (:func:`load_file_once`);
2. read and validate the file completely before touching the store, raising
   :class:`~lsr.data.errors.LoadError` naming the file, sheet or row, and field;
3. in one transaction, compare the file's numbers with what the store already holds
   (:func:`compare_with_store`): identical rows are skipped, different numbers are an error;
   insert the rest (:func:`insert_frame`) and record the load.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from os import PathLike
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, LoadErrors, quote, quote_list
from lsr.data.reading import CACHE_SIZE as CACHE_SIZE
from lsr.data.reading import MAX_FIELD_CHARS as MAX_FIELD_CHARS
from lsr.data.reading import MAX_LINE_BYTES as MAX_LINE_BYTES
from lsr.data.reading import MAX_SOURCE_FILE_BYTES as MAX_SOURCE_FILE_BYTES
from lsr.data.reading import CsvFile as CsvFile
from lsr.data.reading import cached_parse as cached_parse
from lsr.data.reading import check_file_size as check_file_size
from lsr.data.reading import read_csv_text as read_csv_text
from lsr.data.store import file_sha256, record_load, transaction

T = TypeVar("T")

AREA_CODE_RE = re.compile(r"^E\d{8}$")
"""An English ONS area code: ``E`` and eight digits (E06, E08, E09, E10 councils; E92 England)."""

_TOLERANCE = 1e-9


@dataclass
class LoadSummary:
    """What a load did: files loaded, files skipped as no-ops, rows inserted."""

    kind: str
    files_loaded: int = 0
    files_skipped: int = 0
    rows_inserted: int = 0
    notes: list[str] = field(default_factory=list)
    bad: list[LoadError] = field(default_factory=list)
    """Files left out by ``skip_bad`` (each with its error)."""

    def add(self, other: LoadSummary) -> None:
        """Fold another summary (for example one file's) into this one."""
        self.files_loaded += other.files_loaded
        self.files_skipped += other.files_skipped
        self.rows_inserted += other.rows_inserted
        self.notes.extend(other.notes)
        self.bad.extend(other.bad)

    def __str__(self) -> str:
        text = (
            f"{self.kind}: {self.files_loaded} file(s) loaded, {self.files_skipped} skipped, "
            f"{self.rows_inserted} row(s) inserted"
        )
        if self.bad:
            text += f", {len(self.bad)} bad file(s) left out:\n" + "\n".join(
                f"  {e}" for e in self.bad
            )
        return text


def as_paths(paths: str | PathLike[str] | Iterable[str | PathLike[str]]) -> list[Path]:
    """One path or many, as a list of :class:`Path`."""
    if isinstance(paths, str | PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


@dataclass
class _Pending(Generic[T]):
    path: Path
    sha: str
    kind: str
    parsed: T


def load_files(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    kind: str,
    read: Callable[[Path], T],
    store: Callable[[duckdb.DuckDBPyConnection, Path, T], int],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    kind_of: Callable[[Path], str] | None = None,
) -> LoadSummary:
    """Load many files of one kind: every file is checked before anything is written.

    1. Each file is hashed; a file whose bytes were loaded before (same kind) is skipped, and
       one loaded before as another kind is an error.
    2. ``read(path)`` reads and validates each remaining file without touching the store,
       raising :class:`LoadError`. Every file is read, so that one run reports every bad file
       (file, sheet, row, field), not only the first. ``progress(done, total, name)`` is called
       after each file.
    3. In one transaction, ``store(tx, path, parsed)`` writes each file and returns the rows
       it inserted. It must check the store (e.g. conflicting numbers) before it inserts
       anything, raising :class:`LoadError`.

    Without ``skip_bad``, any error means nothing is written: :class:`LoadErrors` lists every
    error found. With ``skip_bad``, bad files are left out (listed in ``summary.bad``) and the
    good ones are loaded together.

    ``kind_of(path)``, if given, is the ``loads.kind`` recorded for each file (and checked in
    step 1) when one command loads files of several kinds into the same tables (for example
    population CSVs and ONS workbooks); ``kind`` then only names the summary."""
    path_list = as_paths(paths)
    summary = LoadSummary(kind=kind)
    errors: list[LoadError] = []
    pending: list[_Pending[T]] = []
    seen: dict[str, Path] = {}
    total = len(path_list)
    for done, path in enumerate(path_list, start=1):
        try:
            sha = sha256_or_error(path)
            file_kind = kind if kind_of is None else kind_of(path)
            previous = con.execute(
                "SELECT kind, file_name FROM loads WHERE sha256 = ?", [sha]
            ).fetchone()
            if previous is not None and previous[0] != file_kind:
                raise LoadError(
                    path,
                    f"this file was loaded before as {previous[0]} data ({previous[1]}), "
                    f"not {file_kind} data; is it the right file?",
                )
            if previous is not None or sha in seen:
                summary.files_skipped += 1
                twin = f" (same bytes as {seen[sha].name})" if sha in seen else ""
                summary.notes.append(f"{path.name}: already loaded (same file){twin}")
            else:
                seen[sha] = path
                pending.append(_Pending(path, sha, file_kind, read(path)))
        except LoadError as exc:
            errors.append(exc)
        if progress is not None:
            progress(done, total, path.name)
    if errors and not skip_bad:
        raise LoadErrors(errors)
    with transaction(con):
        stored: list[tuple[Path, int]] = []
        for item in pending:
            try:
                rows = store(con, item.path, item.parsed)
            except LoadError as exc:
                errors.append(exc)
                continue
            record_load(con, item.sha, item.kind, item.path.name, rows)
            stored.append((item.path, rows))
        if errors and not skip_bad:
            raise LoadErrors(errors)
    for path, rows in stored:
        if rows == 0:
            summary.files_skipped += 1
            summary.notes.append(f"{path.name}: no new rows (same numbers already in the store)")
        else:
            summary.files_loaded += 1
            summary.rows_inserted += rows
            summary.notes.append(f"{path.name}: {rows} row(s) inserted")
    summary.bad.extend(errors)
    return summary


def load_file_once(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    kind: str,
    load: Callable[[duckdb.DuckDBPyConnection], int],
) -> LoadSummary:
    """Load one file in one transaction unless a file with the same bytes was loaded before.

    ``load`` runs inside the transaction and returns the number of rows it inserted; it may
    raise :class:`LoadError`, in which case nothing is written. A file whose rows were all in the
    store already (for example a re-saved copy) inserts nothing and counts as skipped, but its
    hash is recorded so that the next attempt is skipped at once. A file whose bytes were
    loaded before as another kind of data is a :class:`LoadError`."""
    sha = sha256_or_error(path)
    previous = con.execute("SELECT kind, file_name FROM loads WHERE sha256 = ?", [sha]).fetchone()
    if previous is not None and previous[0] != kind:
        raise LoadError(
            path,
            f"this file was loaded before as {previous[0]} data ({previous[1]}), "
            f"not {kind} data; is it the right file?",
        )
    if previous is not None:
        return LoadSummary(
            kind=kind, files_skipped=1, notes=[f"{path.name}: already loaded (same file)"]
        )
    with transaction(con):
        rows = load(con)
        record_load(con, sha, kind, path.name, rows)
    if rows == 0:
        return LoadSummary(
            kind=kind,
            files_skipped=1,
            notes=[f"{path.name}: no new rows (same numbers already in the store)"],
        )
    return LoadSummary(
        kind=kind,
        files_loaded=1,
        rows_inserted=rows,
        notes=[f"{path.name}: {rows} row(s) inserted"],
    )


def sha256_or_error(path: Path) -> str:
    """The file's SHA-256, or a :class:`LoadError` if it cannot be read."""
    try:
        return file_sha256(path)
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except IsADirectoryError:
        raise LoadError(path, "this is a folder, not a file") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None


def require_areas(con: duckdb.DuckDBPyConnection, file: Path | str) -> set[str]:
    """The area codes in the store; a :class:`LoadError` if there are none yet."""
    codes = {r[0] for r in con.execute("SELECT code FROM areas").fetchall()}
    if not codes:
        raise LoadError(
            file,
            "the store has no areas yet; run `lsr load population` first",
        )
    return codes


def is_missing(value: Any) -> bool:
    """Whether a cell is empty: ``None``, NaN/NaT or a blank string."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def parse_number(
    value: Any,
    *,
    file: Path | str,
    field: str,
    row: int | None,
    sheet: str | None = None,
    positive: bool = False,
) -> float:
    """A finite, non-negative number (strictly positive if ``positive``) or a :class:`LoadError`.

    Accepts ints, floats and numeric strings; rejects blanks, booleans, text, NaN and infinity."""
    if is_missing(value):
        raise LoadError(file, "missing value", sheet=sheet, row=row, field=field)
    if isinstance(value, bool):
        raise LoadError(file, f"{quote(value)} is not a number", sheet=sheet, row=row, field=field)
    number: float
    if isinstance(value, Real):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise LoadError(
                file, f"{quote(value)} is not a number", sheet=sheet, row=row, field=field
            ) from None
    else:
        raise LoadError(file, f"{quote(value)} is not a number", sheet=sheet, row=row, field=field)
    if not math.isfinite(number):
        raise LoadError(
            file, f"{quote(value)} is not a finite number", sheet=sheet, row=row, field=field
        )
    if positive and number <= 0:
        sign = "is negative; it" if number < 0 else ""
        raise LoadError(
            file,
            f"{number:g} {sign} must be greater than zero".replace("  ", " "),
            sheet=sheet,
            row=row,
            field=field,
        )
    if number < 0:
        raise LoadError(file, f"{number:g} is negative", sheet=sheet, row=row, field=field)
    return number


def check_area_code(
    value: Any, *, file: Path | str, field: str, row: int | None, sheet: str | None = None
) -> str:
    """A well-formed English area code (``^E\\d{8}$``) or a :class:`LoadError`."""
    if is_missing(value):
        raise LoadError(file, "missing area code", sheet=sheet, row=row, field=field)
    code = str(value).strip()
    if not AREA_CODE_RE.match(code):
        raise LoadError(
            file,
            f"{quote(code)} is not an English ONS area code (expected E and 8 digits, "
            "e.g. E10000025)",
            sheet=sheet,
            row=row,
            field=field,
        )
    return code


def require_columns(
    file: Path | str, columns: Sequence[str], required: Sequence[str], *, what: str
) -> None:
    """Raise a :class:`LoadError` (row 1, the header) naming the first missing column."""
    present = set(columns)
    for name in required:
        if name not in present:
            raise LoadError(
                file,
                f"missing column {quote(name)} for {what}; found: {quote_list(columns)}",
                row=1,
                field=name,
            )


def compare_with_store(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    keys: Sequence[str],
    values: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split incoming rows into ``(new, conflicts)`` against what ``table`` already holds.

    Rows whose key is not in the table are new. Rows whose key is there with the same values
    are dropped (already loaded). Rows whose key is there with different values are conflicts;
    each conflict row carries the incoming columns plus ``existing_<value>`` columns."""
    if frame.empty:
        return frame.copy(), frame.iloc[0:0].copy()
    view = "_lsr_incoming"
    con.register(view, frame)
    try:
        on = " AND ".join(f'i."{k}" = s."{k}"' for k in keys)
        existing = ", ".join(f's."{v}" AS "existing_{v}"' for v in values)
        merged = con.execute(
            f'SELECT i.*, {existing}, s."{keys[0]}" IS NOT NULL AS _in_store '
            f"FROM {view} i LEFT JOIN {table} s ON {on}"
        ).df()
    finally:
        con.unregister(view)
    in_store = merged["_in_store"].astype(bool)
    differs = pd.Series(False, index=merged.index)
    for v in values:
        differs |= (merged[v].astype(float) - merged[f"existing_{v}"].astype(float)).abs() > (
            _TOLERANCE
        )
    conflicts = merged[in_store & differs].drop(columns=["_in_store"])
    new = merged[~in_store].drop(columns=["_in_store", *[f"existing_{v}" for v in values]])
    return new.reset_index(drop=True), conflicts.reset_index(drop=True)


def insert_frame(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: Sequence[str]
) -> int:
    """Insert ``frame[columns]`` into ``table``; returns the number of rows inserted."""
    if frame.empty:
        return 0
    view = "_lsr_insert"
    con.register(view, frame[list(columns)])
    try:
        cols = ", ".join(f'"{c}"' for c in columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)
    return len(frame)


def format_number(value: float) -> str:
    """A number for an error message: integers without a trailing ``.0``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def drop_synthetic(con: duckdb.DuckDBPyConnection, indicators: Sequence[str]) -> int:
    """Remove the synthetic rows of these indicators (call inside the load's transaction).

    A loaded file replaces the synthetic rows of the indicators it covers (all areas), so that
    one indicator's series never mixes real and synthetic data, nor two synthetic sources;
    returns the number of synthetic rows removed."""
    ids = sorted(set(indicators))
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    where = f"synthetic AND indicator IN ({marks})"
    count = con.execute(f"SELECT count(*) FROM indicator_counts WHERE {where}", ids).fetchone()
    con.execute(f"DELETE FROM indicator_counts WHERE {where}", ids)
    return int(count[0]) if count else 0
