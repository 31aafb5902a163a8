"""Reading a person-level extract: the files, their header, and the DuckDB reader over them.

The input is one CSV file, one Parquet file, a directory of Parquet files (``*.parquet``
directly inside it) or a glob of Parquet files. Nothing here prints or returns a value from a
record: errors name the file, the row and the field only (:mod:`lsr.data.episodes`).

A CSV is read by DuckDB with fixed options, never guessed: a header row, comma-separated,
``"`` quotes, UTF-8. Its header is read here first (at most :data:`MAX_HEADER_BYTES`), and the
columns are given to DuckDB by name, so that a ragged row cannot make DuckDB guess another
layout; rows DuckDB cannot parse (too many or too few cells, bad quotes, text that is not
UTF-8) are collected in a rejects table and reported by row and field
(:func:`check_csv_rejects`).
"""

from __future__ import annotations

import csv
import glob as globmod
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow
import pyarrow.parquet as pq

from lsr.data import store
from lsr.data.errors import LoadError

REQUIRED_COLUMNS: tuple[str, ...] = (
    "person_id",
    "area_code",
    "age",
    "record_type",
    "arrival_date",
    "admission_method",
    "admission_source",
    "discharge_date",
)
"""Columns every extract must have (other columns are kept only to tell rows apart)."""

MAX_HEADER_BYTES = 1 << 20
"""The longest header line of a CSV extract that is read (1 MiB)."""

REJECTS_TABLE = "_lsr_csv_rejects"
REJECTS_SCAN = "_lsr_csv_reject_scans"

_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes decoded with surrogateescape


@dataclass(frozen=True)
class Source:
    """The resolved input: what DuckDB reads and how to describe it.

    ``csv_columns``: for a CSV, the name given to each column in file order (the required
    columns by their own name, any other column ``c<position>``)."""

    label: Path
    files: tuple[Path, ...]
    csv: bool
    csv_columns: tuple[str, ...] = ()

    def reader(self, *, row_numbers: bool = False, rejects: bool = False) -> str:
        """A DuckDB table function call that reads the input (all files).

        ``row_numbers``: for Parquet, add ``file_row_number`` (``file_index`` is always
        there). ``rejects``: for a CSV, collect unparseable rows in :data:`REJECTS_TABLE`
        instead of failing (call :func:`check_csv_rejects` afterwards)."""
        return reader_sql(
            self.files,
            csv=self.csv,
            columns=self.csv_columns,
            rejects=rejects,
            row_numbers=row_numbers,
        )


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def reader_sql(
    files: tuple[Path, ...],
    *,
    csv: bool,
    columns: tuple[str, ...] = (),
    rejects: bool = False,
    row_numbers: bool = False,
) -> str:
    """The DuckDB table function that reads ``files`` (CSV: one file, with ``columns``)."""
    names = "[" + ", ".join(sql_str(str(f)) for f in files) + "]"
    if csv:
        spec = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in columns) + "}"
        extra = (
            f", store_rejects = true, rejects_table = {sql_str(REJECTS_TABLE)}, "
            f"rejects_scan = {sql_str(REJECTS_SCAN)}, rejects_limit = 100"
            if rejects
            else ""
        )
        return (
            f"read_csv({names}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', encoding = 'utf-8', strict_mode = true, "
            f"null_padding = false, columns = {spec}{extra})"
        )
    extra = ", file_row_number = true" if row_numbers else ""
    return f"read_parquet({names}, union_by_name = true{extra})"


def _files_of(path: Path | str) -> tuple[Path, tuple[Path, ...]]:
    text = str(path)
    p = Path(text)
    if any(ch in text for ch in "*?["):
        files = tuple(sorted(Path(f) for f in globmod.glob(text)))
        if not files:
            raise LoadError(text, "no files match this pattern")
    elif p.is_dir():
        files = tuple(sorted(p.glob("*.parquet")))
        if not files:
            raise LoadError(p, "the directory holds no *.parquet files")
    elif p.exists():
        files = (p,)
    else:
        raise LoadError(p, "no such file")
    for f in files:
        if not f.is_file():
            raise LoadError(f, "not a regular file (a folder, or a broken link?)")
    return p, files


def resolve(path: Path | str) -> Source:
    """The files to read, checked to exist, be regular files and be readable; for a CSV, its
    header checked for the required columns."""
    label, files = _files_of(path)
    csv_files = [f for f in files if f.suffix.lower() in {".csv", ".txt"}]
    if csv_files and len(files) > 1:
        raise LoadError(label, "give CSV extracts one file at a time")
    for f in files:
        _check_readable(f)
    if csv_files:
        return Source(label, files, True, _csv_columns(files[0]))
    return Source(label, files, False)


def _check_readable(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or type(exc).__name__}") from None


def _csv_columns(path: Path) -> tuple[str, ...]:
    """The names DuckDB should give the CSV's columns, from its header line."""
    with open(path, "rb") as f:
        raw = f.readline(MAX_HEADER_BYTES + 1)
    if not raw.strip():
        raise LoadError(path, "the file is empty (no header row)", row=1)
    if len(raw) > MAX_HEADER_BYTES:
        raise LoadError(path, "the header row is longer than 1 MB; is this a CSV extract?", row=1)
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(
            path, "the header row is not UTF-8 text; save the file as CSV UTF-8", row=1
        ) from None
    try:
        header = next(csv.reader([text.rstrip("\r\n")], strict=True))
    except (csv.Error, StopIteration):
        raise LoadError(path, "the header row is not a readable CSV row", row=1) from None
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header, start=1):
        key = cell.strip().lower()
        if key in REQUIRED_COLUMNS:
            if key in seen:
                raise LoadError(path, "this column appears twice in the header", row=1, field=key)
            seen.add(key)
            names.append(key)
        else:
            names.append(f"c{position}")
    for col in REQUIRED_COLUMNS:
        if col not in seen:
            raise LoadError(path, "required column is missing", row=1, field=col)
    return tuple(names)


def check_parquet_columns(con: duckdb.DuckDBPyConnection, src: Source) -> dict[str, str]:
    """Check every Parquet file has the required columns; return the SQL type of every column
    (all files, by name in lower case)."""
    for f in src.files:
        try:
            schema = pq.read_schema(f)
        except (OSError, ValueError, pyarrow.ArrowException):
            raise LoadError(f, "cannot be read as Parquet (damaged, or not Parquet)") from None
        have = {str(name).lower() for name in schema.names}
        for col in REQUIRED_COLUMNS:
            if col not in have:
                raise LoadError(f, "required column is missing", field=col)
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM {reader_sql(src.files, csv=False)}"
        ).fetchall()
    except duckdb.Error:
        raise LoadError(
            src.label, "the Parquet files cannot be read together (damaged, or different types?)"
        ) from None
    return {str(r[0]).lower(): str(r[1]) for r in described}


def digest(src: Source) -> str:
    """The input's fingerprint: the file's SHA-256, or for several files the SHA-256 of their
    sorted hashes."""
    try:
        if len(src.files) == 1 and src.files[0] == src.label:
            return store.file_sha256(src.label)
        hashes = sorted(store.file_sha256(f) for f in src.files)
    except OSError as exc:
        raise LoadError(
            getattr(exc, "filename", None) or src.label,
            f"cannot read file: {exc.strerror or type(exc).__name__}",
        ) from None
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def is_synthetic(src: Source) -> bool:
    """Whether every file is a Parquet file whose metadata says it is synthetic."""
    if src.csv:
        return False
    for f in src.files:
        try:
            meta = pq.read_schema(f).metadata or {}
        except (OSError, ValueError, pyarrow.ArrowException):
            raise LoadError(f, "cannot be read as Parquet (damaged, or not Parquet)") from None
        if meta.get(b"synthetic", b"").lower() != b"true":
            return False
    return True


_BROKEN = ": is the file cut short, or a quote or comma broken?"
_REJECT_MESSAGES = {
    "MISSING COLUMNS": "this row has fewer cells than the header (missing value from this "
    "column on)" + _BROKEN,
    "TOO MANY COLUMNS": "this row has more cells than the header" + _BROKEN,
    "UNQUOTED VALUE": "a quote inside an unquoted cell, or a quote that is never closed",
    "INVALID ENCODING": "this row is not UTF-8 text; save the file as CSV UTF-8",
    "INVALID UNICODE": "this row is not UTF-8 text; save the file as CSV UTF-8",
    "LINE SIZE OVER MAXIMUM": "this row is too long to read; is this a CSV extract?",
    "MAXIMUM LINE SIZE": "this row is too long to read; is this a CSV extract?",
}


def check_csv_rejects(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Raise a :class:`LoadError` for the first CSV row DuckDB could not parse (by row number
    and field, never its text); drop the rejects tables."""
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [REJECTS_TABLE]
        ).fetchone()
        if not exists or not exists[0]:
            return
        first = con.execute(
            f"SELECT line, column_name, error_type, count(DISTINCT line) OVER () "
            f"FROM {REJECTS_TABLE} ORDER BY line, column_idx LIMIT 1"
        ).fetchone()
    finally:
        drop_rejects(con)
    if first is None:
        return
    line, column, error_type, count = first
    message = _REJECT_MESSAGES.get(
        str(error_type).upper(), "this row cannot be read as CSV" + _BROKEN
    )
    field = column if isinstance(column, str) and _NAME_RE.match(column) else None
    if field is not None and field not in REQUIRED_COLUMNS:
        position = src.csv_columns.index(field) + 1 if field in src.csv_columns else None
        field = f"column {position}" if position else None
    more = f" ({int(count):,} rows have problems)" if int(count) > 1 else ""
    raise LoadError(
        src.files[0],
        message + more,
        row=int(line) if line is not None else None,
        field=field,
    )


def locate_csv_problem(src: Source) -> None:
    """After DuckDB failed to parse a CSV extract as a whole: scan it line by line in Python
    and raise a :class:`LoadError` for the first row that is not UTF-8, ends its line
    differently from the header, is not a readable CSV record, or has a different number of
    cells than the header (by row and field, never its text). Returns if it finds nothing."""
    path = src.files[0]
    width = len(src.csv_columns)
    row = 0
    ending: bytes | None = None

    def lines() -> Iterator[str]:
        nonlocal ending
        with open(path, "rb") as f:
            for raw in f:
                this = b"\r\n" if raw.endswith(b"\r\n") else raw[-1:] if raw[-1:] == b"\n" else b""
                if ending is None:
                    ending = this
                elif this and this != ending:
                    raise LoadError(
                        path,
                        "this row ends its line differently from the rows before it (\\r\\n "
                        "and \\n mixed); save the file again with one kind of line ending",
                        row=row + 1,
                    )
                yield raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")

    reader = csv.reader(lines(), strict=True)
    try:
        for record in reader:
            row += 1
            for index, cell in enumerate(record):
                if _NOT_UTF8.search(cell):
                    raise LoadError(
                        path,
                        "this row is not UTF-8 text; save the file as CSV UTF-8",
                        row=row,
                        field=_field_name(src, index),
                    )
            if row > 1 and record and len(record) != width:
                short = len(record) < width
                raise LoadError(
                    path,
                    f"this row has {'fewer' if short else 'more'} cells than the header" + _BROKEN,
                    row=row,
                    field=_field_name(src, len(record)) if short else None,
                )
    except csv.Error:
        raise LoadError(
            path, "this row is not a readable CSV record" + _BROKEN, row=row + 1
        ) from None


def _field_name(src: Source, index: int) -> str | None:
    name = src.csv_columns[index] if index < len(src.csv_columns) else None
    if name is None or name in REQUIRED_COLUMNS:
        return name
    return f"column {index + 1}"


def drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the CSV rejects tables (if any)."""
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_SCAN}")
