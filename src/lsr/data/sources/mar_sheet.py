"""Reading one "Commissioner" sheet of an NHS England Monthly Activity Return (MAR) workbook.

The sheet has a title block (``Period:`` ``April 2012``, ``Basis:`` ``Commissioner`` ...), a
header row (``Year``, ``Period``, the parent organisation's code and name -- ``SHA``, ``Area
Team`` or ``Region`` depending on the year --, ``Org Code``, ``Org Name`` and fourteen activity
columns), an England row, then one row per commissioner (primary care trust or care trust until
March 2013, clinical commissioning group and NHS England from April 2013) and footnotes.

Columns are found by the words of their header (case, spacing, plurals, ``&``/``and``,
``1st``/``first``, ``day case``/``daycase`` tolerated), never by position. This module reads
and validates; it does not touch the store (:mod:`lsr.data.sources.mar` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from lsr.data.errors import LoadError, quote
from lsr.data.loading import format_number, is_missing
from lsr.data.periods import check_month
from lsr.data.sources.mar_columns import (
    MEASURE_IDS,
    MEASURES,
    NIL_MARKERS,
    Columns,
    Measure,
    SheetLike,
    cell,
    find_header_row,
    header_words,
    locate_columns,
    parse_count,
    text,
)

__all__ = [
    "ENGLAND_CODE",
    "MEASURES",
    "MEASURE_IDS",
    "NATIONAL_CODES",
    "NIL_MARKERS",
    "MarMonth",
    "Measure",
    "SheetLike",
    "find_header_row",
    "header_words",
    "locate_columns",
    "org_type",
    "parse_commissioner_sheet",
    "parse_count",
    "parse_month",
]

ENGLAND_CODE = "E92000001"
"""``org_code`` under which the workbook's England row is stored."""


NATIONAL_CODES: frozenset[str] = frozenset({"X24", "YDD82"})
"""Commissioners that are national bodies, not local: NHS England's direct commissioning
(``X24``, from April 2013) and the National Commissioning Group (``YDD82``, 2012-13)."""


ORG_TYPES: tuple[str, ...] = ("england", "national", "ccg", "pct", "care_trust", "other")


_ORG_CODE_RE = re.compile(r"^[A-Z0-9]{3,5}$")


_PERIOD_FORMATS = ("%B %Y", "%b %Y", "%Y-%m", "%m/%Y", "%b-%y", "%B-%y")


_MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)


@dataclass
class MarMonth:
    """One month of the MAR by commissioner, validated.

    ``rows`` is long format, one row per commissioner and measure (``org_code, org_name,
    org_type, parent_code, parent_name, measure, value``), England's row included under
    :data:`ENGLAND_CODE`; a commissioner's cell holding a "not available" marker has no row."""

    file: str
    sheet: str
    period: date
    rows: pd.DataFrame
    parent_label: str
    """The parent organisation's header (``SHA``, ``Area Team``, ``Region``...)."""
    fields: dict[str, str] = field(default_factory=dict)
    """Measure id -> the header text of its column in this workbook."""
    excel_rows: dict[str, int] = field(default_factory=dict)
    """org_code -> 1-based Excel row (England included)."""
    notes: list[str] = field(default_factory=list)
    """What the reader noticed: fractions, "not available" cells, unchecked England sums."""
    publisher_notes: list[str] = field(default_factory=list)
    """The publisher's own notes, one line each: footnotes below the data on the commissioner
    sheet, then the lines of the workbook's Notes sheet (providers that did not submit, that
    submitted estimates or revised their data)."""

    def value(self, org_code: str, measure: str) -> float | None:
        """One commissioner's count (``None`` when absent or not available)."""
        hit = self.rows[(self.rows["org_code"] == org_code) & (self.rows["measure"] == measure)]
        return float(hit["value"].iloc[0]) if len(hit) else None

    def commissioners(self) -> pd.DataFrame:
        """One row per commissioner (England left out): code, name, type, parent."""
        cols = ["org_code", "org_name", "org_type", "parent_code", "parent_name"]
        orgs = self.rows[self.rows["org_code"] != ENGLAND_CODE][cols]
        return orgs.drop_duplicates("org_code").reset_index(drop=True)


def _excel_date(value: Any) -> date | None:
    """A date cell as ``.xls`` gives it (a serial day number, 1900 date system), or None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        return date(1899, 12, 30) + timedelta(days=int(value))
    return None


def parse_month(value: Any) -> date | None:
    """The first day of the month named in a cell (``"April 2012"``, a date, an Excel date
    serial), or ``None``."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    serial = _excel_date(value)
    if serial is not None:
        return date(serial.year, serial.month, 1)
    t = text(value)
    for fmt in _PERIOD_FORMATS:
        try:
            parsed = datetime.strptime(t, fmt)
        except ValueError:
            continue
        return date(parsed.year, parsed.month, 1)
    return None


def _month_index(value: Any) -> int | None:
    """1-12 from a month name in the Period column (``"APRIL"``, ``"Janaury"``) or a date,
    or None."""
    if isinstance(value, datetime | date):
        return value.month
    serial = _excel_date(value)
    if serial is not None:
        return serial.month
    t = text(value).casefold()[:3]
    return _MONTHS.index(t) + 1 if t in _MONTHS else None


def _fiscal_start(value: Any) -> int | None:
    """The first year of a financial year cell (``"2017-18"`` -> 2017), or None."""
    m = re.match(r"^\s*(\d{4})", text(value))
    return int(m.group(1)) if m else None


def fiscal_start_year(period: date) -> int:
    """The year in which the financial year (April to March) of ``period`` starts."""
    return period.year if period.month >= 4 else period.year - 1


def org_type(code: str, name: str) -> str:
    """``national``, ``ccg``, ``pct``, ``care_trust`` or ``other``, from the code and name."""
    upper = name.upper()
    if code in NATIONAL_CODES or re.search(r"\bNHS ENGLAND\b|NATIONAL COMMISSIONING", upper):
        return "national"
    if re.search(r"\bCCG\b|CLINICAL COMMISSIONING GROUP", upper):
        return "ccg"
    if re.search(r"\bPCT\b|PRIMARY CARE TRUST", upper):
        return "pct"
    if "CARE TRUST" in upper:
        return "care_trust"
    return "other"


def _title_value(sheet: SheetLike, header_row: int, label: str) -> tuple[Any, int] | None:
    """The value right of a title-block label (``Period:``) above the header, and its row."""
    for r in range(min(header_row, sheet.nrows)):
        for c in range(min(sheet.ncols, 8)):
            if text(cell(sheet, r, c)).casefold().rstrip(":").strip() == label:
                for c2 in range(c + 1, min(c + 4, sheet.ncols)):
                    value = cell(sheet, r, c2)
                    if not is_missing(value):
                        return value, r + 1
                return "", r + 1
    return None


def find_period(sheet: SheetLike, header_row: int, cols: Columns, file: Path | str) -> date:
    """The month of the sheet: ``Period:`` in the title block, else the first data row's
    ``Year`` and ``Period`` columns; it must lie in the window every loader accepts
    (:mod:`lsr.data.periods`)."""
    period, row = _find_period(sheet, header_row, cols, file)
    return check_month(period, file=file, sheet=sheet.name, row=row, field="Period")


def _find_period(
    sheet: SheetLike, header_row: int, cols: Columns, file: Path | str
) -> tuple[date, int | None]:
    found = _title_value(sheet, header_row, "period")
    if found is not None:
        value, row = found
        period = parse_month(value)
        if period is None:
            raise LoadError(
                file,
                f"cannot read the period {quote(text(value))} (expected a month and year such "
                "as 'April 2012')",
                sheet=sheet.name,
                row=row,
                field="Period",
            )
        return period, row
    if cols.year is not None and cols.period is not None:
        for r in range(header_row + 1, min(sheet.nrows, header_row + 6)):
            month = _month_index(cell(sheet, r, cols.period))
            start = _fiscal_start(cell(sheet, r, cols.year))
            if month is not None and start is not None and start >= 1:
                return date(start if month >= 4 else start + 1, month, 1), r + 1
    raise LoadError(
        file,
        "no 'Period:' above the header and no Year and Period columns to tell the month",
        sheet=sheet.name,
        field="Period",
    )


def _check_basis(sheet: SheetLike, header_row: int, file: Path | str) -> None:
    found = _title_value(sheet, header_row, "basis")
    if found is None:
        return
    value, row = found
    if text(value) and "commissioner" not in text(value).casefold():
        raise LoadError(
            file,
            f"this workbook's basis is {text(value)!r}; lsr reads the commissioner-based MAR "
            "(Basis: Commissioner)",
            sheet=sheet.name,
            row=row,
            field="Basis",
        )


def _optional(sheet: SheetLike, r: int, c: int | None) -> str:
    return text(cell(sheet, r, c)) if c is not None else ""


def _check_row_period(
    sheet: SheetLike, r: int, cols: Columns, period: date, file: Path | str
) -> None:
    """The row's own Year and Period cells, when present, must agree with the sheet's month.

    Only the month's first three letters and the financial year's first year are compared: the
    published files carry typos such as ``Janaury`` and ``2017-19`` in these cells."""
    if cols.period is not None:
        raw = cell(sheet, r, cols.period)
        month = _month_index(raw)
        if text(raw) and month != period.month:
            raise LoadError(
                file,
                f"period {text(raw)!r} does not match the workbook's month {period:%B %Y}",
                sheet=sheet.name,
                row=r + 1,
                field=cols.period_header,
            )
    if cols.year is not None:
        raw = cell(sheet, r, cols.year)
        start = _fiscal_start(raw)
        first = fiscal_start_year(period)
        if text(raw) and start != first:
            raise LoadError(
                file,
                f"year {text(raw)!r} does not match the workbook's month {period:%B %Y} "
                f"(financial year {first}-{(first + 1) % 100:02d})",
                sheet=sheet.name,
                row=r + 1,
                field=cols.year_header,
            )


def _line(sheet: SheetLike, r: int) -> str:
    return " ".join(t for c in range(sheet.ncols) if (t := text(cell(sheet, r, c))))


def notes_lines(sheet: SheetLike | None) -> list[str]:
    """The non-empty lines of a Notes sheet (cells of a row joined), without its title."""
    if sheet is None:
        return []
    lines = [_line(sheet, r) for r in range(sheet.nrows)]
    return [line for line in lines if line and line.casefold() not in ("notes", "notes:")]


def parse_commissioner_sheet(
    file: Path | str, sheet: SheetLike, notes_sheet: SheetLike | None = None
) -> MarMonth:
    """Parse and validate the commissioner sheet of one MAR workbook.

    Checks: the header and all fourteen activity columns are present; the period parses and
    each row's Year and Period agree with it; every count is a number >= 0 (or a nil
    marker); org codes are well formed and appear once; there is one England row and, for each
    measure, it equals the sum of the commissioners."""
    header_row = find_header_row(sheet, file)
    cols = locate_columns(sheet, header_row, file)
    _check_basis(sheet, header_row, file)
    period = find_period(sheet, header_row, cols, file)
    name = sheet.name
    records: list[dict[str, Any]] = []
    excel_rows: dict[str, int] = {}
    england: dict[str, float | None] | None = None
    notes: list[str] = []
    footnotes: list[str] = []
    for r in range(header_row + 1, sheet.nrows):
        excel_row = r + 1
        code = text(cell(sheet, r, cols.org_code)).upper()
        org_name = text(cell(sheet, r, cols.org_name))
        raw = {m: cell(sheet, r, c) for m, c in cols.measures.items()}
        if not code and all(is_missing(v) for v in raw.values()):
            line = _line(sheet, r)  # blank separator row, section label or footnote
            if line:
                footnotes.append(line)
            continue
        is_england = org_name.casefold() == "england" and code in ("", "-", ENGLAND_CODE)
        if not is_england:
            if not code:
                raise LoadError(
                    file,
                    f"row has counts but no Org Code ({org_name or 'no name either'})",
                    sheet=name,
                    row=excel_row,
                    field=text(cell(sheet, header_row, cols.org_code)),
                )
            if not _ORG_CODE_RE.match(code):
                raise LoadError(
                    file,
                    f"{code!r} is not an NHS organisation code (3 to 5 letters and digits)",
                    sheet=name,
                    row=excel_row,
                    field=text(cell(sheet, header_row, cols.org_code)),
                )
        key = ENGLAND_CODE if is_england else code
        if key in excel_rows:
            what = "a second England row" if is_england else f"{code} ({org_name}) appears twice"
            raise LoadError(
                file,
                f"{what} (also Excel row {excel_rows[key]})",
                sheet=name,
                row=excel_row,
                field="Org Name" if is_england else "Org Code",
            )
        _check_row_period(sheet, r, cols, period, file)
        values = {
            m: parse_count(raw[m], file=file, sheet=name, row=excel_row, field=cols.headers[m])
            for m in MEASURE_IDS
        }
        excel_rows[key] = excel_row
        if is_england:
            england = values
            continue
        kind = org_type(code, org_name)
        parent_code = _optional(sheet, r, cols.parent_code)
        parent_name = _optional(sheet, r, cols.parent_name)
        for m, v in values.items():
            if v is None:
                notes.append(f"{code} {cols.headers[m]}: not available (Excel row {excel_row})")
                continue
            if not v.is_integer():
                notes.append(
                    f"{code} {cols.headers[m]}: {v:g} is not a whole number (as published)"
                )
            records.append(
                {
                    "org_code": code,
                    "org_name": org_name,
                    "org_type": kind,
                    "parent_code": parent_code if parent_code not in ("", "-") else None,
                    "parent_name": parent_name or None,
                    "measure": m,
                    "value": v,
                }
            )
    if england is None:
        raise LoadError(file, "no England row (Org Name 'England')", sheet=name, field="Org Name")
    if not records:
        raise LoadError(file, "no commissioner rows below the header", sheet=name, field="Org Code")
    frame = pd.DataFrame(records)
    _check_england(file, name, frame, england, excel_rows[ENGLAND_CODE], cols.headers, notes)
    england_rows = [
        {
            "org_code": ENGLAND_CODE,
            "org_name": "England",
            "org_type": "england",
            "parent_code": None,
            "parent_name": None,
            "measure": m,
            "value": v,
        }
        for m, v in england.items()
        if v is not None
    ]
    rows = pd.concat([pd.DataFrame(england_rows), frame], ignore_index=True)
    return MarMonth(
        file=str(file),
        sheet=name,
        period=period,
        rows=rows,
        parent_label=cols.parent_label,
        fields=dict(cols.headers),
        excel_rows=excel_rows,
        notes=notes,
        publisher_notes=footnotes + notes_lines(notes_sheet),
    )


def _check_england(
    file: Path | str,
    sheet: str,
    frame: pd.DataFrame,
    england: dict[str, float | None],
    england_row: int,
    headers: dict[str, str],
    notes: list[str],
) -> None:
    """Each measure's England row must equal the sum of the commissioners' rows."""
    n_orgs = frame["org_code"].nunique()
    sums = frame.groupby("measure")["value"].agg(["sum", "count"])
    for m in MEASURE_IDS:
        total = england[m]
        if total is None:
            notes.append(f"England {headers[m]}: not available; sum not checked")
            continue
        added = float(sums.loc[m, "sum"]) if m in sums.index else 0.0
        count = int(sums.loc[m, "count"]) if m in sums.index else 0
        if count < n_orgs:
            notes.append(f"{headers[m]}: some commissioners not available; England not checked")
            continue
        if abs(added - total) > 1e-6:
            raise LoadError(
                file,
                f"England total is {format_number(total)} but the {n_orgs} commissioners add up "
                f"to {format_number(added)}",
                sheet=sheet,
                row=england_row,
                field=headers[m],
            )
