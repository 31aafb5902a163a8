"""NHS England Monthly Activity Return (MAR) by commissioner: one workbook per month.

Each workbook (``MAR_Comm-Web-file-<Month>-<Year>...xls``) holds, for one month, the hospital
activity commissioned by each commissioner in England: elective and non-elective general and
acute (G&A) admissions, GP and other referrals and first outpatient attendances, all ages. The
"Commissioner" sheet is read (see :mod:`lsr.data.sources.mar_sheet` for the layout and checks);
the other sheets (by SHA, Area Team or Region, and Notes) only repeat it.

:func:`read_mar` reads and validates one workbook; :func:`load_mar` stores one or many in
``mar_activity`` (one row per month, commissioner and measure, England's row included) on
:func:`lsr.data.loading.load_files`: every file is checked before anything is written, and a
month already in the store is accepted only with exactly the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import xlrd

from lsr.data.errors import LoadError, quote_list
from lsr.data.loading import (
    MAX_SOURCE_FILE_BYTES,
    LoadSummary,
    check_file_size,
    compare_with_store,
    format_number,
    insert_frame,
    load_files,
)
from lsr.data.sources import SourceInfo
from lsr.data.sources.mar_sheet import (
    ENGLAND_CODE,
    MEASURE_IDS,
    MEASURES,
    MarMonth,
    SheetLike,
    parse_commissioner_sheet,
)

__all__ = [
    "ENGLAND_CODE",
    "KIND",
    "MEASURES",
    "MEASURE_IDS",
    "NOTES_TABLE",
    "SCHEMA",
    "SOURCE",
    "TABLE",
    "MarMonth",
    "load_mar",
    "read_mar",
]

KIND = "mar"
TABLE = "mar_activity"
NOTES_TABLE = "mar_notes"

SOURCE = SourceInfo(
    kind=KIND,
    title="Monthly Activity Return (MAR), commissioner-based: Monthly Hospital Activity",
    publisher="NHS England (Department of Health until March 2013)",
    licence="Open Government Licence v3.0",
    url="https://www.england.nhs.uk/statistics/statistical-work-areas/hospital-activity/"
    "monthly-hospital-activity/mar-data/ (April 2012 to December 2019 archived in "
    "github.com/psychty/Unplanned_admissions)",
    layouts=(
        "2012-13: sheets 'Commissioner' and 'SHA'; header on row 14 with 'SHA Code' and "
        "'SHA Name'; one row per primary care trust or care trust (151) and the National "
        "Commissioning Group (YDD82).",
        "2013-14 and 2014-15: sheets 'Commissioner', 'Area Team' and 'Notes'; 'Area Team Code' "
        "and 'Area Team Name'; one row per clinical commissioning group (211) and NHS England "
        "(X24).",
        "2015-16 to 2019-20: sheets 'Commissioner', 'Region' and 'Notes'; 'Region Code' and "
        "'Region Name'; CCGs (209 in 2015, 207 in 2017, 195 in 2018, 191 in 2019) and NHS "
        "England (X24); 'Year' is ' 2017-18' or '2017-19' ... in some 2017 files, 'Period' "
        "'Janaury' in January 2018.",
        "Every year: 'Period:' (e.g. 'April 2012') and 'Basis: Commissioner' in the title block, "
        "an England row first, the same fourteen activity columns, footnotes below the data; "
        ".xls (.xlsx is read too).",
    ),
    tables=(TABLE, NOTES_TABLE),
)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    period DATE NOT NULL,
    org_code VARCHAR NOT NULL,
    org_name VARCHAR NOT NULL,
    org_type VARCHAR NOT NULL,
    parent_code VARCHAR,
    parent_name VARCHAR,
    measure VARCHAR NOT NULL,
    value DOUBLE NOT NULL CHECK (value >= 0),
    PRIMARY KEY (period, org_code, measure)
);
CREATE TABLE IF NOT EXISTS {NOTES_TABLE} (
    period DATE NOT NULL,
    line INTEGER NOT NULL,
    note VARCHAR NOT NULL,
    PRIMARY KEY (period, line)
);
"""
"""``mar_activity``: one row per month (first day), commissioner and measure. ``org_code`` is
the NHS organisation code (``10Q``), or ``E92000001`` for the workbook's England row;
``org_type`` is ``england``, ``national`` (NHS England, National Commissioning Group), ``ccg``,
``pct``, ``care_trust`` or ``other``; ``measure`` is one of
:data:`~lsr.data.sources.mar_sheet.MEASURE_IDS`. ``mar_notes``: the publisher's notes of each
month (footnotes and the Notes sheet: providers that did not submit, submitted estimates or
revised their data), one row per line, kept from the first workbook loaded for the month."""

COLUMNS: tuple[str, ...] = (
    "period",
    "org_code",
    "org_name",
    "org_type",
    "parent_code",
    "parent_name",
    "measure",
    "value",
)

_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_ZIP_MAGIC = b"PK\x03\x04"


class _RowsSheet:
    """A sheet held as a list of rows (what an ``.xlsx`` sheet is turned into)."""

    def __init__(self, name: str, rows: list[list[Any]]) -> None:
        self.name = name
        self.rows = rows
        self.nrows = len(rows)
        self.ncols = max((len(r) for r in rows), default=0)

    def cell_value(self, rowx: int, colx: int) -> Any:
        row = self.rows[rowx]
        return row[colx] if colx < len(row) else ""


def _is_commissioner_sheet(name: str) -> bool:
    return "commissioner" in " ".join(name.split()).casefold()


def _commissioner_sheet_name(path: Path, names: list[str]) -> str:
    wanted = [n for n in names if _is_commissioner_sheet(n)]
    if not wanted:
        raise LoadError(
            path,
            f"missing sheet 'Commissioner'; found: {quote_list(names)}",
            sheet="Commissioner",
        )
    exact = [n for n in wanted if " ".join(n.split()).casefold() == "commissioner"]
    return (exact or wanted)[0]


def _notes_sheet_name(names: list[str]) -> str | None:
    return next((n for n in names if " ".join(n.split()).casefold() == "notes"), None)


def open_sheets(path: Path) -> tuple[SheetLike, SheetLike | None]:
    """The commissioner sheet of a workbook and its Notes sheet if it has one (a seam for
    tests). ``.xls`` is read with xlrd, ``.xlsx`` with openpyxl, told apart by their first
    bytes."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        if magic == _ZIP_MAGIC:
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                names = list(book.sheetnames)
                name = _commissioner_sheet_name(path, names)
                notes = _notes_sheet_name(names)
                found = [
                    _RowsSheet(
                        n,
                        [
                            ["" if v is None else v for v in r]
                            for r in book[n].iter_rows(values_only=True)
                        ],
                    )
                    for n in (name, notes)
                    if n is not None
                ]
            finally:
                book.close()
            return found[0], (found[1] if len(found) > 1 else None)
        if magic != _XLS_MAGIC:
            raise ValueError("the file is neither an .xls nor an .xlsx workbook")
        xls = xlrd.open_workbook(str(path))
        names = list(xls.sheet_names())
        sheet = xls.sheet_by_name(_commissioner_sheet_name(path, names))
        notes = _notes_sheet_name(names)
        return sheet, (xls.sheet_by_name(notes) if notes is not None else None)
    except LoadError:
        raise
    except Exception as exc:  # xlrd and openpyxl raise many unrelated types for a bad file
        raise LoadError(
            path,
            f"not a readable Excel workbook ({exc}); expected an NHS England MAR commissioner "
            "file (.xls)",
        ) from None


def read_mar(path: str | PathLike[str]) -> MarMonth:
    """Read and validate one MAR commissioner workbook (any month, ``.xls`` or ``.xlsx``).

    Raises :class:`LoadError` naming the file, sheet, Excel row and column for anything wrong:
    not a workbook (or truncated), no commissioner sheet, a missing column, text or a negative
    or fractional number in a count, a commissioner listed twice, a row whose Year or Period
    disagrees with the workbook's month, an England row that is not the sum of the
    commissioners."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    check_file_size(path, MAX_SOURCE_FILE_BYTES, what="MAR workbook")
    sheet, notes = open_sheets(path)
    return parse_commissioner_sheet(path, sheet, notes)


def _frame(month: MarMonth) -> pd.DataFrame:
    frame = month.rows.copy()
    frame.insert(0, "period", month.period)
    return frame[list(COLUMNS)]


def _where(month: MarMonth, org_code: str, measure: str) -> dict[str, Any]:
    return {
        "sheet": month.sheet,
        "row": month.excel_rows.get(org_code),
        "field": month.fields.get(measure, measure),
    }


def store_month(con: duckdb.DuckDBPyConnection, path: Path, month: MarMonth) -> int:
    """Write one validated month (inside the caller's transaction); returns rows inserted.

    The store is checked first: a month not yet there is inserted whole; a month already there
    must have exactly the same commissioners, measures and numbers (then nothing is written),
    otherwise :class:`LoadError` names the first difference."""
    label = f"{month.period:%B %Y}"
    frame = _frame(month)
    existing = con.execute(
        f"SELECT org_code, measure, value FROM {TABLE} WHERE period = ?", [month.period]
    ).df()
    if existing.empty:
        rows = insert_frame(con, TABLE, frame, COLUMNS)
        _store_notes(con, month)
        return rows
    keys = ["period", "org_code", "measure"]
    new, conflicts = compare_with_store(con, TABLE, frame, keys, ["value"])
    if not conflicts.empty:
        c = conflicts.iloc[0]
        raise LoadError(
            path,
            f"{label} is already in the store with different numbers: {c['org_code']} "
            f"{c['measure']}: the store has {format_number(c['existing_value'])}, this file has "
            f"{format_number(c['value'])}",
            **_where(month, c["org_code"], c["measure"]),
        )
    if not new.empty:
        c = new.iloc[0]
        raise LoadError(
            path,
            f"{label} is already in the store, loaded from another file, without "
            f"{c['org_code']} {c['measure']}; a month is loaded from one workbook",
            **_where(month, c["org_code"], c["measure"]),
        )
    in_file = set(zip(frame["org_code"], frame["measure"], strict=True))
    for rec in existing.itertuples(index=False):
        if (rec.org_code, rec.measure) not in in_file:
            raise LoadError(
                path,
                f"{label} is already in the store with {rec.org_code} {rec.measure}, which "
                "this file does not have",
                sheet=month.sheet,
                field="Org Code",
            )
    _store_notes(con, month)
    return 0


def _store_notes(con: duckdb.DuckDBPyConnection, month: MarMonth) -> None:
    """The month's publisher notes, unless the store has notes for that month already."""
    if not month.publisher_notes:
        return
    have = con.execute(
        f"SELECT count(*) FROM {NOTES_TABLE} WHERE period = ?", [month.period]
    ).fetchall()[0][0]
    if have:
        return
    notes = pd.DataFrame(
        {
            "period": month.period,
            "line": range(1, len(month.publisher_notes) + 1),
            "note": month.publisher_notes,
        }
    )
    insert_frame(con, NOTES_TABLE, notes, ["period", "line", "note"])


def load_mar(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load one or many MAR commissioner workbooks into ``mar_activity``.

    Every workbook is read and checked before anything is written; without ``skip_bad`` one bad
    workbook means nothing is loaded and :class:`~lsr.data.errors.LoadErrors` lists every bad
    file. A workbook loaded before (same bytes) is skipped; a month already in the store with
    the same numbers (a re-saved copy) inserts nothing; with different numbers it is an error.
    ``progress(done, total, file_name)`` is called after each workbook is read."""
    return load_files(con, paths, KIND, read_mar, store_month, skip_bad=skip_bad, progress=progress)


def measure_label(measure: str) -> str:
    """The published header of a measure id (``non_elective`` -> its column title)."""
    return MEASURES[MEASURE_IDS.index(measure)].header
