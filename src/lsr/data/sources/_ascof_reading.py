"""Reading ASCOF files: cells from CSV or ``.xlsx``, columns by header text, and the checks
both ASCOF layouts share (area codes and levels, financial years, values and markers, ranges,
regions present). Used by :mod:`lsr.data.sources.ascof`; not a source module of its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lsr.data.errors import LoadError, quote
from lsr.data.loading import MAX_SOURCE_FILE_BYTES, check_file_size, format_number
from lsr.data.measures import (
    ROW_COLUMNS,
    area_level_for,
    cell_text,
    header_key,
    marker_status,
    read_csv_cells,
)
from lsr.data.periods import check_year
from lsr.data.sources._ascof_catalogue import maximum, unit_for

__all__ = [
    "CellTable",
    "area_level",
    "check_range",
    "check_regions",
    "find_columns",
    "measure_frame",
    "open_table",
    "parse_value",
    "year_from_name",
    "year_label",
]

_HEADER_SEARCH_ROWS = 20
_REGIONS = tuple(f"E1200000{i}" for i in range(1, 10))
_LEVEL_WORDS = {"council": "council", "region": "region", "england": "england"}
_YEAR_RE = re.compile(r"^(\d{4})\s*[-/_]\s*(\d{2}|\d{4})$")


@dataclass
class CellTable:
    """Header and rows of one sheet or CSV: ``rows`` are (1-based row, cells)."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]
    sheet: str | None


# --- reading cells ------------------------------------------------------------------------------


def csv_table(path: Path) -> CellTable:
    """A CSV's header (line 1) and rows, each with its line number."""
    frame = read_csv_cells(path)
    lines = frame.attrs["lines"]
    rows = [(lines[i], list(r)) for i, r in enumerate(frame.itertuples(index=False, name=None))]
    return CellTable(list(frame.columns), 1, rows, None)


def xlsx_tables(path: Path) -> Iterator[CellTable]:
    """Every sheet of an ``.xlsx`` workbook with an ASCOF header (``Measure Value`` and
    ``Disaggregation Level``) in its first 20 rows, with its rows and their Excel row numbers;
    a :class:`LoadError` if the file is not a readable workbook."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors for a damaged file
        raise LoadError(path, f"not a readable .xlsx workbook ({exc})") from None
    try:
        for sheet in book.worksheets:
            header: list[str] | None = None
            header_row = 0
            rows: list[tuple[int, list[Any]]] = []
            for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if header is None:
                    keys = {header_key(v) for v in values if v is not None}
                    if "measurevalue" in keys and "disaggregationlevel" in keys:
                        header = [cell_text(v) for v in values]
                        header_row = r
                    elif r >= _HEADER_SEARCH_ROWS:
                        break
                    continue
                rows.append((r, list(values)))
            if header is not None:
                yield CellTable(header, header_row, rows, sheet.title)
    finally:
        book.close()


def open_table(path: Path) -> CellTable:
    """The cells of an ASCOF file: the first sheet with an ASCOF header (``.xlsx``) or the CSV."""
    if not path.exists():
        raise LoadError(path, "file not found")
    check_file_size(path, MAX_SOURCE_FILE_BYTES, what="ASCOF file")
    if path.suffix.casefold() in (".xlsx", ".xlsm"):
        tables = list(xlsx_tables(path))
        if not tables:
            raise LoadError(
                path,
                f"no sheet has a header with 'Measure Value' and 'Disaggregation Level' in its "
                f"first {_HEADER_SEARCH_ROWS} rows; is it an ASCOF file?",
                field="Measure Value",
            )
        return tables[0]
    if path.suffix.casefold() == ".xls":
        raise LoadError(path, "ASCOF files are read as .csv or .xlsx; save the .xls as .xlsx")
    return csv_table(path)


def find_columns(
    table: CellTable, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    """Column index by field (found by header text); the required fields that are missing."""
    keys = [header_key(h) for h in table.header]
    found: dict[str, int] = {}
    missing: list[str] = []
    for name, aliases in {**required, **optional}.items():
        index = next((i for i, k in enumerate(keys) if k in aliases), None)
        if index is not None:
            found[name] = index
        elif name in required:
            missing.append(name)
    return found, missing


def year_from_name(name: str) -> str | None:
    """The financial year in a file name: ``2020-21``, ``2020_21``, ``17-18``, ``1920`` and
    ``eng-2021`` (the year ending in 2021) all give ``2020-21``-style labels; ``None`` if none."""
    stem = Path(name).stem
    m = re.search(r"(?<!\d)(20\d{2})\s*[-_]\s*(\d{2})(?!\d)", stem)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return f"{m.group(1)}-{m.group(2)}"
    for m in re.finditer(r"(?<!\d)(\d{2})\s*[-_]?\s*(\d{2})(?!\d)", stem):
        if int(m.group(1)) + 1 == int(m.group(2)):
            return f"20{m.group(1)}-{m.group(2)}"
    m = re.search(r"(?<!\d)(20\d{2})(?!\d)", stem)
    if m:
        end = int(m.group(1))
        return f"{end - 1}-{end % 100:02d}"
    return None


def year_label(text: str, *, file: Path, row: int | None, field: str) -> str:
    """A financial year label from a ``Year`` cell: ``2021`` (year ending) or ``2020-21``."""
    t = text.strip()
    if re.fullmatch(r"\d{4}(\.0)?", t):
        end = int(float(t))
        if 2000 < end <= 2100:
            check_year(end - 1, file=file, row=row, field=field, what="financial year starting")
            return f"{end - 1}-{end % 100:02d}"
    m = _YEAR_RE.match(t)
    if m:
        start, end_text = int(m.group(1)), m.group(2)
        end = int(end_text) if len(end_text) == 4 else start // 100 * 100 + int(end_text)
        if end == start + 1 and 2000 <= start < 2100:
            check_year(start, file=file, row=row, field=field, what="financial year starting")
            return f"{start}-{end % 100:02d}"
    raise LoadError(
        file,
        f"{quote(t)} is not a financial year (expected e.g. 2021 for 2020-21, or 2020-21)",
        row=row,
        field=field,
    )


def area_level(code: str, level_text: str, *, file: Path, row: int, sheet: str | None) -> str:
    """``council``, ``region`` or ``england`` from the ONS code; a :class:`LoadError` if the
    code is none of them or ``Geographical Level`` says otherwise."""
    level = area_level_for(code)
    if level is None:
        raise LoadError(
            file,
            f"{code!r} is not the code of a council, a region or England",
            sheet=sheet,
            row=row,
            field="ONS Code",
        )
    said = _LEVEL_WORDS.get(header_key(level_text))
    if level_text and said is not None and said != level:
        raise LoadError(
            file,
            f"Geographical Level is {level_text!r} but {code} is the code of "
            f"{'England' if level == 'england' else 'a ' + level}",
            sheet=sheet,
            row=row,
            field="Geographical Level",
        )
    return level


def parse_value(
    text: str, code: str, *, file: Path, row: int, sheet: str | None, field: str, blank_ok: bool
) -> tuple[float | None, str]:
    """(value, status) of one value cell; markers become a status, anything else must be a
    number, not negative and within the measure's range."""
    if text == "":
        if blank_ok:
            return None, "not available"
        raise LoadError(file, "missing value", sheet=sheet, row=row, field=field)
    status = marker_status(text)
    if status is not None:
        return None, status
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise LoadError(
            file,
            f"{text!r} is not a number (nor a publisher's marker for a suppressed or missing "
            "value)",
            sheet=sheet,
            row=row,
            field=field,
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise LoadError(file, f"{text!r} is not a finite number", sheet=sheet, row=row, field=field)
    if number < 0:
        raise LoadError(file, f"{text} is negative", sheet=sheet, row=row, field=field)
    return number, "published"


def check_range(
    value: float | None, code: str, *, file: Path, row: int, sheet: str | None, field: str
) -> None:
    """A value above the measure's largest possible value is a :class:`LoadError`."""
    top = maximum(code)
    if value is not None and top is not None and value > top + 1e-9:
        raise LoadError(
            file,
            f"{format_number(value)} is above {format_number(top)}, the largest possible value "
            f"of ASCOF {code} ({unit_for(code)})",
            sheet=sheet,
            row=row,
            field=field,
        )


def check_regions(
    records: list[dict[str, Any]], file: Path, sheet: str | None, last_row: int | None
) -> None:
    """Every measure and year with an England row (Total) has a row for each of the 9 regions
    (the error names the file's last row: a file cut short ends early)."""
    totals = [r for r in records if r["disaggregation"] == "Total"]
    england = {(r["measure_code"], r["year"]) for r in totals if r["area_level"] == "england"}
    regions: dict[tuple[str, str], set[str]] = {}
    for r in totals:
        if r["area_level"] == "region":
            regions.setdefault((r["measure_code"], r["year"]), set()).add(r["area_code"])
    for key in sorted(england):
        missing = [c for c in _REGIONS if c not in regions.get(key, set())]
        if missing:
            raise LoadError(
                file,
                f"ASCOF {key[0]} {key[1]} has an England row but no row for region "
                f"{missing[0]}; is the file complete? It ends at row {last_row}",
                sheet=sheet,
                row=last_row,
                field="ONS Code",
            )


def measure_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The records as a frame of :data:`~lsr.data.measures.ROW_COLUMNS` and ``row``."""
    frame = pd.DataFrame(records, columns=[*ROW_COLUMNS, "row"])
    for column in ("value", "numerator", "denominator", "base", "margin_of_error"):
        frame[column] = frame[column].astype("float64")
    return frame
