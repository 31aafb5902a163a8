"""Reading files with bounded memory: CSV files one record at a time, size limits for files
read whole, and parsing each distinct cell value once.

- :class:`CsvFile`: a CSV read one record at a time (UTF-8, rows numbered as a spreadsheet
  shows them), refusing a line over :data:`MAX_LINE_BYTES`, a cell over
  :data:`MAX_FIELD_CHARS` and more than a given number of rows, each with the row;
- :func:`read_csv_text`: a small CSV as a frame of text, read with :class:`CsvFile`;
- :func:`check_file_size`: refuse a file over a size limit before reading it whole (the
  national sources, :data:`MAX_SOURCE_FILE_BYTES`);
- :func:`cached_parse`: parse each distinct value of a column once, sharing the result.

The limits are documented in docs/data-formats.md (Limits). :mod:`lsr.data.loading` re-exports
these names.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from lsr.data.errors import LoadError

T = TypeVar("T")

MAX_SOURCE_FILE_BYTES = 128 << 20
"""The largest national source file a loader reads (128 MB; the largest file these
publishers release is a few tens of MB). Such files are read whole, so a bigger one is refused
before it is read: memory stays bounded whatever file is given."""

CACHE_SIZE = 50_000
"""Distinct values of a column whose parsed form :func:`cached_parse` remembers."""

MAX_LINE_BYTES = 1 << 20
"""The longest physical line a CSV loader reads (1 MiB): a longer one is refused at once
rather than read into memory (a 20 MB header once was)."""

MAX_FIELD_CHARS = 131_072
"""The longest cell a CSV loader reads (the ``csv`` module's default limit)."""


def check_file_size(path: Path, limit: int, *, what: str) -> int:
    """The file's size in bytes, or a :class:`LoadError` when it is over ``limit`` bytes (or
    cannot be read): checked before a loader reads a whole file into memory."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > limit:
        raise LoadError(
            path,
            f"the file is {_size_text(size)}, more than the {_size_text(limit)} allowed for "
            f"{what}s (see docs/data-formats.md, Limits); is it the right file?",
        )
    return size


def _size_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:,} bytes"


class CsvFile:
    """A CSV file read one record at a time, with bounded memory.

    UTF-8 (with or without a byte order mark), comma-separated, ``"`` quotes. The header is
    row 1 and each later record is the next row, as a spreadsheet numbers them (blank lines
    count as rows and are skipped). Every problem is a :class:`LoadError` naming the row: a
    line over :data:`MAX_LINE_BYTES`, a cell over :data:`MAX_FIELD_CHARS`, text that is not
    UTF-8, a row with more or fewer cells than the header, or more than ``max_rows`` data
    rows. Use as a context manager::

        with CsvFile(path, max_rows=1_000_000, what="counts file") as table:
            for row, cells in table.rows(): ...
    """

    def __init__(self, path: Path, *, max_rows: int, what: str) -> None:
        self.path = Path(path)
        self.max_rows = max_rows
        self.what = what
        self._row = 0
        try:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__/close
        except FileNotFoundError:
            raise LoadError(path, "file not found") from None
        except IsADirectoryError:
            raise LoadError(path, "this is a folder, not a file") from None
        except OSError as exc:
            raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None
        try:
            self._reader = csv.reader(self._lines(), strict=True)
            self.header = self._read_header()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def _lines(self) -> Iterator[str]:
        first = True
        line_no = 0
        while True:
            try:
                raw = self._file.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise LoadError(
                    self.path, f"cannot read file: {exc.strerror or exc}", row=self._row + 1
                ) from None
            if not raw:
                return
            line_no += 1
            if len(raw) > MAX_LINE_BYTES:
                raise LoadError(
                    self.path,
                    f"line {line_no:,} is longer than {_size_text(MAX_LINE_BYTES)}; is this a "
                    "CSV file?",
                    row=self._row + 1,
                )
            if first:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
                first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise LoadError(
                    self.path,
                    "this row is not UTF-8 text; save the file as CSV UTF-8",
                    row=self._row + 1,
                ) from None

    def _next(self) -> list[str] | None:
        try:
            record = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a cell is longer than {MAX_FIELD_CHARS:,} characters"
            raise LoadError(
                self.path, f"not a readable CSV row ({message})", row=self._row + 1
            ) from None
        self._row += 1
        return record

    def _read_header(self) -> list[str]:
        while True:
            record = self._next()
            if record is None:
                raise LoadError(self.path, "the file is empty")
            if any(cell.strip() for cell in record):
                return [cell.strip() for cell in record]

    def rows(self, *, pad_short: bool = False) -> Iterator[tuple[int, list[str]]]:
        """Each non-blank data row as ``(row number, cells)``, cells as text (not stripped).

        A row with fewer cells than the header is an error, or, with ``pad_short``, padded
        with blanks (as pandas reads it); a row with more cells is always an error."""
        width = len(self.header)
        count = 0
        while True:
            record = self._next()
            if record is None:
                return
            if not any(cell.strip() for cell in record):
                continue
            if pad_short and len(record) < width:
                record += [""] * (width - len(record))
            if len(record) != width:
                short = len(record) < width
                raise LoadError(
                    self.path,
                    f"this row has {len(record)} cell(s) but the header has {width}"
                    + (" (missing value from this column on)" if short else "")
                    + ": is the file cut short, or a quote or comma broken?",
                    row=self._row,
                    field=self.header[len(record)] if short else None,
                )
            count += 1
            if count > self.max_rows:
                raise LoadError(
                    self.path,
                    f"more than {self.max_rows:,} data rows, the most a {self.what} may have "
                    "(see docs/data-formats.md, Limits); is it the right file?",
                    row=self._row,
                )
            yield self._row, record


def cached_parse(cache: dict[Any, T], raw: Any, make: Callable[..., T], **kwargs: Any) -> T:
    """``make(raw, **kwargs)``, once per distinct raw cell value (the result objects are
    shared: a file of a million rows holds a few hundred distinct codes and months), for up to
    :data:`CACHE_SIZE` values. Only results are cached: a bad value raises on the row where
    it first appears."""
    try:
        return cache[raw]
    except KeyError:
        value = make(raw, **kwargs)
        if len(cache) < CACHE_SIZE:
            cache[raw] = value
        return value
    except TypeError:  # an unhashable Parquet value (a list): not cached
        return make(raw, **kwargs)


def read_csv_text(path: Path, *, max_rows: int = 1_000_000, what: str = "CSV file") -> pd.DataFrame:
    """Read a CSV with every cell as text (blanks as ``""``), so loaders validate it themselves.

    Read with :class:`CsvFile` (bounded memory, at most ``max_rows`` rows); blank lines are
    left out, so the frame's rows are the file's non-blank data rows in order, and a row with
    fewer cells than the header is padded with blanks (as pandas reads it)."""
    with CsvFile(path, max_rows=max_rows, what=what) as table:
        header = table.header
        records = [cells for _row, cells in table.rows(pad_short=True)]
    return pd.DataFrame(records, columns=header, dtype=str)
