"""Reading the first sheet of a daily situation ``.xlsx`` workbook within bounds.

A workbook is a zip of XML parts: a small file can unzip to gigabytes. Before openpyxl opens
it, the zip's parts are counted and their declared unzipped size summed (Python's ``zipfile``
never unzips past the declared size); openpyxl then reads in **read-only** mode (rows streamed;
defusedxml guards its XML parser), ignoring the dimension the file declares. Formulas are
refused with the cell (a cached value may be stale or missing): save the sheet as values.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lsr.data.errors import LoadError, quote

MAX_PARTS = 1_000
"""The most parts (files inside the zip) a workbook may have."""
MAX_UNZIPPED_BYTES = 512 << 20
"""The most its parts may hold once unzipped (512 MB)."""


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise LoadError(path, "not a readable .xlsx workbook (it is not a zip file)") from None
    if len(parts) > MAX_PARTS:
        raise LoadError(path, f"the workbook has {len(parts):,} parts; at most {MAX_PARTS:,}")
    unzipped = sum(p.file_size for p in parts)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise LoadError(
            path,
            f"the workbook unzips to {unzipped / 1e6:,.0f} MB, more than the "
            f"{MAX_UNZIPPED_BYTES // 1_000_000} MB allowed; delete unused rows and sheets",
        )


def first_sheet_records(
    path: Path, check_header: Callable[[Path, list[str], str | None], None]
) -> tuple[str, Iterator[tuple[int, dict[str, Any]]], Callable[[], None]]:
    """``(sheet name, records, close)`` of the workbook's first sheet: row 1 is the header
    (checked with ``check_header``), each later non-blank row ``(row number, values)``."""
    from openpyxl import load_workbook

    from lsr.data.daily import ALL_COLUMNS, MAX_ROWS, DailyFileErrors

    _check_zip(path)
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # zip, XML and openpyxl errors for a damaged file
        raise LoadError(path, f"not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read every row the XML holds, whatever the file declares
        rows = sheet.iter_rows()
        first = next(rows, None)
        if first is None:
            raise LoadError(path, "the first sheet is empty", sheet=sheet.title)
        header = [str(c.value).strip() if c.value is not None else "" for c in first]
        check_header(path, header, sheet.title)
    except BaseException:
        book.close()
        raise
    index = {name: header.index(name) for name in ALL_COLUMNS if name in header}
    title = sheet.title

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        formulas: list[LoadError] = []
        for number, cells in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise LoadError(
                    path,
                    f"more than {MAX_ROWS:,} rows of data (blank rows count); is it the right "
                    "file?",
                    sheet=title,
                    row=number,
                )
            values: dict[str, Any] = {}
            for name, i in index.items():
                cell = cells[i] if i < len(cells) else None
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=")
                ):
                    formulas.append(
                        LoadError(
                            path,
                            f"a formula ({quote(value, 40)}); the loader reads values only: "
                            "copy the sheet and paste it as values",
                            sheet=title,
                            row=number,
                            field=name,
                        )
                    )
                    value = None
                values[name] = value
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
                continue
            if not formulas or formulas[-1].row != number:
                yield number, values
        if formulas:
            raise DailyFileErrors(formulas)

    return title, records(), book.close
