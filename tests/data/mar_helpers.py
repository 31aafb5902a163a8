"""Helpers for the MAR tests: the real workbooks, editable copies of their sheets, store counts."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import xlrd

from lsr.data.sources.mar import read_mar
from lsr.data.sources.mar_sheet import MarMonth

from raw_data import raw

MAR_DIR = raw("mar-commissioner")
MAR_FILES = sorted(MAR_DIR.glob("*.xls"))
POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
TABLES = (
    "areas",
    "population",
    "dtoc_days",
    "indicator_counts",
    "comparators",
    "loads",
    "mar_activity",
    "mar_notes",
)
HEADER = 13
"""0-based index of the header row in every real workbook (Excel row 14)."""
ENGLAND_ROW = 14
"""0-based index of the England row (Excel row 15)."""

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def file_month(path: Path) -> tuple[int, int]:
    """(year, month) from an archived file name such as ``Apr_12.xls``."""
    month, year = path.stem.split("_")
    return 2000 + int(year), MONTHS.index(month) + 1


@functools.cache
def parsed(path: Path) -> MarMonth:
    """Each real workbook read once per test session."""
    return read_mar(path)


class FakeSheet:
    """A sheet built from a list of rows, with the part of xlrd's interface the reader uses."""

    def __init__(self, name: str, rows: list[list[Any]]) -> None:
        self.name = name
        self.rows = rows

    @property
    def nrows(self) -> int:
        return len(self.rows)

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell_value(self, rowx: int, colx: int) -> Any:
        row = self.rows[rowx]
        return row[colx] if colx < len(row) else ""


def real_sheet(path: Path, name: str = "Commissioner") -> FakeSheet:
    """A real workbook's sheet, copied into an editable :class:`FakeSheet`."""
    sheet = xlrd.open_workbook(str(path)).sheet_by_name(name)
    return FakeSheet(name, [list(sheet.row_values(r)) for r in range(sheet.nrows)])


def write_xlsx(path: Path, sheets: dict[str, FakeSheet]) -> Path:
    """Write sheets to a real ``.xlsx`` workbook (damaged copies go through the real reader)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet in sheets.items():
        ws = book.create_sheet(name)
        for row in sheet.rows:
            ws.append([None if v == "" else v for v in row])
    book.save(path)
    return path


def column(sheet: FakeSheet, header_start: str) -> int:
    """0-based index of the first header cell starting with ``header_start``."""
    for c, value in enumerate(sheet.rows[HEADER]):
        if str(value).strip().startswith(header_start):
            return c
    raise AssertionError(f"no column {header_start!r}")


def find_row(sheet: FakeSheet, org_code: str) -> int:
    """0-based index of the row of ``org_code``."""
    col = column(sheet, "Org Code")
    for i, row in enumerate(sheet.rows):
        if i > HEADER and str(row[col]).strip() == org_code:
            return i
    raise AssertionError(f"no row for {org_code}")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in every table of the store."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
