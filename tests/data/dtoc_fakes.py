"""Editable stand-ins for xlrd sheets, built from the real DToC workbooks (for damaged copies).

.xls files cannot be written by the installed libraries, so a damaged or variant workbook is a
:class:`FakeBook` of :class:`FakeSheet` copies of a real one, with cells replaced, served to the
reader through ``dtoc._open_workbook``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import xlrd

from lsr.data.loading import AREA_CODE_RE

from raw_data import RAW

DTOC_FILES: list[Path] = sorted(RAW.glob("dtoc*/*.xls"))
"""Every real DToC workbook in data/raw (72: April 2011 - December 2016 and three 2018 months)."""

JULY_18 = RAW / "dtoc" / "LA-Type-B_July_18.xls"
JUNE_18 = RAW / "dtoc" / "LA-Type-B_June_18.xls"
OCT_18 = RAW / "dtoc" / "LA-Type-B_Oct_18.xls"
APRIL_11 = RAW / "dtoc-2011-2016" / "April_11.xls"  # SHA, NHS codes only
MAY_14 = RAW / "dtoc-2011-2016" / "May_14.xls"  # Region, empty column, NHS codes only
AUG_16 = RAW / "dtoc-2011-2016" / "Aug_16.xls"  # Region, ONS Geography
LAYOUT_SAMPLES = {"2011 SHA": APRIL_11, "2014 Region": MAY_14, "2016 ONS": AUG_16, "2018": JULY_18}
"""One real workbook of each layout."""

TABLES = ("areas", "population", "dtoc_days", "indicator_counts", "loads")

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


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


class FakeBook:
    """A workbook of :class:`FakeSheet` objects."""

    def __init__(self, sheets: dict[str, FakeSheet]) -> None:
        self.sheets = sheets

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def sheet_by_name(self, name: str) -> FakeSheet:
        return self.sheets[name]


def real_sheets(path: Path = JULY_18) -> dict[str, FakeSheet]:
    """Every sheet of a real workbook, copied into editable :class:`FakeSheet` objects."""
    book = xlrd.open_workbook(str(path))
    return {
        s.name: FakeSheet(s.name, [list(s.row_values(r)) for r in range(s.nrows)])
        for s in book.sheets()
    }


def la_sheet(sheets: dict[str, FakeSheet], words: str) -> FakeSheet:
    """The LA sheet whose name contains ``words`` (any case): 'type of care', 'reason' ..."""
    return next(
        s for n, s in sheets.items() if n.casefold().startswith("la") and words in n.casefold()
    )


def header_row(sheet: FakeSheet) -> int:
    """0-based index of the header row (the one with 'Code' and 'Name')."""
    return next(i for i, row in enumerate(sheet.rows) if "Code" in row and "Name" in row)


def col(sheet: FakeSheet, header: str) -> int:
    """0-based index of the first column whose header starts with ``header`` (any case)."""
    for c, value in enumerate(sheet.rows[header_row(sheet)]):
        if str(value).casefold().startswith(header.casefold()):
            return c
    raise AssertionError(f"{header} not in header of {sheet.name}")


def find_row(sheet: FakeSheet, key: str) -> int:
    """0-based index of the row whose ONS Geography, Code or Name is ``key``."""
    for i, row in enumerate(sheet.rows):
        if key in row[1:5]:
            return i
    raise AssertionError(f"{key} not found on {sheet.name}")


def england_row(sheet: FakeSheet) -> int:
    return next(i for i, row in enumerate(sheet.rows) if "England" in row[1:5])


def number_columns(sheet: FakeSheet) -> list[int]:
    """The delayed-days columns and Total (not the later DTOC Beds columns)."""
    header = sheet.rows[header_row(sheet)]
    name = header.index("Name")
    total = next(c for c in range(name + 1, len(header)) if str(header[c]).casefold() == "total")
    return [c for c in range(name + 1, total + 1) if header[c]]


def is_english_council(row: list[Any]) -> bool:
    return any(isinstance(v, str) and AREA_CODE_RE.match(v) for v in row[1:4])


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in every table (to show that a failed load changed nothing)."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def month_of_file_name(path: Path) -> tuple[int, int]:
    """(year, month) from a file name such as ``April_11.xls`` or ``LA-Type-B_July_18.xls``."""
    month_word, year = path.stem.split("_")[-2:]
    return 2000 + int(year), _MONTHS[month_word[:3].casefold()]
