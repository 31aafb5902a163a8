"""NHS England delayed transfers of care (DToC): the monthly "Total Delayed Days" LA workbooks.

Each workbook (April 2017 to February 2020) has the sheets ``LA - by type of care``,
``LA - by responsible org`` and ``LA - by reason``, with the period ("July 2018") next to
``Period:`` in cell C5, a header row with ``Region``, ``ONS Geography``, ``Code``, ``Name`` and the
delayed-day columns, an England row, then one row per council and three rows for residents of
Scotland, Wales and outside Great Britain. Columns are found by their header text (reason
columns by the code before ``)``), so months whose columns shift slightly still load.

:func:`read_dtoc_workbook` reads and validates one workbook; :func:`load_dtoc` stores one or
many in ``dtoc_days``, one transaction per workbook.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd
import xlrd

from lsr.data.errors import LoadError
from lsr.data.loading import (
    AREA_CODE_RE,
    LoadSummary,
    compare_with_store,
    format_number,
    insert_frame,
    is_missing,
    load_file_once,
    parse_number,
    require_areas,
)

KIND = "dtoc"

BREAKDOWNS: tuple[str, ...] = ("type_of_care", "responsible_org", "reason")
"""The three breakdowns of delayed days, in the order their sheets are read."""

SHEET_NAMES: dict[str, str] = {
    "type_of_care": "LA - by type of care",
    "responsible_org": "LA - by responsible org",
    "reason": "LA - by reason",
}

REASON_CODES: tuple[str, ...] = ("A", "B", "C", "Di", "Dii", "E", "F", "G", "H", "I", "O")
"""Reason-for-delay codes, as printed before ``)`` in the reason sheet's headers."""

CATEGORY_HEADERS: dict[str, dict[str, str]] = {
    "type_of_care": {"acute": "Acute", "non_acute": "Non-Acute"},
    "responsible_org": {"nhs": "NHS", "social_care": "Social Care", "both": "Both"},
    "reason": {code: f"{code})" for code in REASON_CODES},
}
"""Category id -> the header text that identifies its column (reason: the code and ``)``)."""

ROWS_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "region",
    "breakdown",
    "category",
    "days",
)

_HEADER_SEARCH_ROWS = 20
_SUM_TOLERANCE = 1e-6
_REASON_RE = re.compile(r"^\s*([A-Za-z]+)\s*\)")
_PERIOD_FORMATS = ("%B %Y", "%b %Y", "%Y-%m", "%m/%Y")


class SheetLike(Protocol):
    """The part of an ``xlrd`` sheet the reader uses (tests supply small stand-ins)."""

    name: str
    nrows: int
    ncols: int

    def cell_value(self, rowx: int, colx: int) -> Any:
        """The value of one cell (0-based indices)."""
        ...


@dataclass
class DtocSheet:
    """One parsed LA sheet: the period, the England row and one record per area row."""

    breakdown: str
    sheet: str
    period: date
    england_total: float
    england_row: int
    fields: dict[str, str]
    """Category id -> the header text of its column."""
    records: list[dict[str, Any]]
    """One per area row: area_code, area_name, region, code, excel_row, english, values, total."""


@dataclass
class DtocMonth:
    """One month of delayed days, validated.

    ``rows`` is long format (area_code, area_name, region, breakdown, category, days) for
    English councils only; ``non_english`` has the same columns for residents of Scotland, Wales
    and outside Great Britain (area_code is NHS England's code, 9900 to 9902);
    ``published_england_total`` is the workbook's England row, which includes those residents."""

    period: date
    rows: pd.DataFrame
    non_english: pd.DataFrame
    published_england_total: float
    file: str = ""
    sheets: dict[str, str] = field(default_factory=dict)
    """Breakdown -> sheet name."""
    fields: dict[tuple[str, str], str] = field(default_factory=dict)
    """(breakdown, category) -> header text of the column."""
    excel_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    """(breakdown, area_code) -> 1-based Excel row number."""

    def area_totals(self) -> pd.Series:
        """Total delayed days per English council (the sum of the type-of-care categories)."""
        toc = self.rows[self.rows["breakdown"] == "type_of_care"]
        return toc.groupby("area_code")["days"].sum()


def _text(value: Any) -> str:
    """A cell as stripped text; whole-number floats without ``.0`` (codes read as numbers)."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _norm(value: Any) -> str:
    return _text(value).casefold()


def _cell(sheet: SheetLike, r: int, c: int) -> Any:
    if r >= sheet.nrows or c >= sheet.ncols:
        return ""
    return sheet.cell_value(r, c)


def parse_period(value: Any, *, file: Path | str, sheet: str, row: int) -> date:
    """The first day of the month named in a period cell (``"July 2018"``)."""
    if isinstance(value, datetime):
        return date(value.year, value.month, 1)
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    text = _text(value)
    for fmt in _PERIOD_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return date(parsed.year, parsed.month, 1)
    raise LoadError(
        file,
        f"cannot read the period {text!r} (expected a month and year such as 'July 2018')",
        sheet=sheet,
        row=row,
        field="Period",
    )


def _find_period(sheet: SheetLike, header_row: int, file: Path | str) -> date:
    """The period next to ``Period:`` above the header; C5 if there is no such label."""
    for r in range(min(header_row, sheet.nrows)):
        for c in range(min(sheet.ncols, 6)):
            if _norm(_cell(sheet, r, c)) == "period:":
                return parse_period(_cell(sheet, r, c + 1), file=file, sheet=sheet.name, row=r + 1)
    return parse_period(_cell(sheet, 4, 2), file=file, sheet=sheet.name, row=5)


def find_header_row(sheet: SheetLike, file: Path | str) -> int:
    """The 0-based index of the row with ``Region`` and ``ONS Geography`` (first 20 rows)."""
    for r in range(min(sheet.nrows, _HEADER_SEARCH_ROWS)):
        cells = {_norm(_cell(sheet, r, c)) for c in range(sheet.ncols)}
        if "region" in cells and "ons geography" in cells:
            return r
    raise LoadError(
        file,
        f"no header row with 'Region' and 'ONS Geography' in the first {_HEADER_SEARCH_ROWS} rows",
        sheet=sheet.name,
        field="ONS Geography",
    )


def _locate_columns(
    sheet: SheetLike, header_row: int, breakdown: str, file: Path | str
) -> tuple[dict[str, int], dict[str, int], int, dict[str, str]]:
    """(id columns, category columns, Total column, category header texts) for one sheet."""
    header = [_text(_cell(sheet, header_row, c)) for c in range(sheet.ncols)]
    folded = [h.casefold() for h in header]
    ids: dict[str, int] = {}
    for name in ("Region", "ONS Geography", "Code", "Name"):
        if name.casefold() not in folded:
            raise LoadError(
                file,
                f"missing column {name!r} in the header (Excel row {header_row + 1})",
                sheet=sheet.name,
                row=header_row + 1,
                field=name,
            )
        ids[name] = folded.index(name.casefold())
    start = ids["Name"] + 1
    try:
        total_col = folded.index("total", start)
    except ValueError:
        raise LoadError(
            file,
            f"missing column 'Total' of delayed days in the header (Excel row {header_row + 1})",
            sheet=sheet.name,
            row=header_row + 1,
            field="Total",
        ) from None
    block = range(start, total_col)  # the delayed-days columns (DTOC beds columns come later)
    columns: dict[str, int] = {}
    fields: dict[str, str] = {}
    if breakdown == "reason":
        by_code = {c.casefold(): c for c in REASON_CODES}
        for c in block:
            m = _REASON_RE.match(header[c])
            if m is None:
                if header[c]:
                    raise LoadError(
                        file,
                        f"unexpected column {header[c]!r} among the reasons for delay",
                        sheet=sheet.name,
                        row=header_row + 1,
                        field=header[c],
                    )
                continue
            code = by_code.get(m.group(1).casefold())
            if code is None:
                raise LoadError(
                    file,
                    f"unknown reason code {m.group(1)!r}; "
                    f"expected one of {', '.join(REASON_CODES)}",
                    sheet=sheet.name,
                    row=header_row + 1,
                    field=header[c],
                )
            if code in columns:
                raise LoadError(
                    file,
                    f"reason {code} appears twice in the header",
                    sheet=sheet.name,
                    row=header_row + 1,
                    field=header[c],
                )
            columns[code] = c
            fields[code] = header[c]
    else:
        for category, label in CATEGORY_HEADERS[breakdown].items():
            matches = [c for c in block if folded[c] == label.casefold()]
            if matches:
                columns[category] = matches[0]
                fields[category] = header[matches[0]]
    for category, label in CATEGORY_HEADERS[breakdown].items():
        if category not in columns:
            raise LoadError(
                file,
                f"missing column {label!r} of delayed days in the header "
                f"(Excel row {header_row + 1})",
                sheet=sheet.name,
                row=header_row + 1,
                field=label,
            )
    return ids, columns, total_col, fields


def parse_la_sheet(file: Path | str, sheet: SheetLike, breakdown: str) -> DtocSheet:
    """Parse and validate one LA sheet of a DToC workbook.

    Checks: the header and every category column are present; the period parses; every
    delayed-days cell is a non-negative number; the categories of each row add up to its Total;
    ONS codes are English codes or ``-``; no area appears twice; there is an England row."""
    if breakdown not in CATEGORY_HEADERS:
        raise ValueError(f"unknown breakdown {breakdown!r}; expected one of {BREAKDOWNS}")
    header_row = find_header_row(sheet, file)
    period = _find_period(sheet, header_row, file)
    ids, columns, total_col, fields = _locate_columns(sheet, header_row, breakdown, file)
    total_label = _text(_cell(sheet, header_row, total_col))
    england_total: float | None = None
    england_row = 0
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for r in range(header_row + 1, sheet.nrows):
        excel_row = r + 1
        ons = _text(_cell(sheet, r, ids["ONS Geography"]))
        code = _text(_cell(sheet, r, ids["Code"]))
        name = _text(_cell(sheet, r, ids["Name"]))
        region = _text(_cell(sheet, r, ids["Region"]))
        raw = {cat: _cell(sheet, r, c) for cat, c in columns.items()}
        raw_total = _cell(sheet, r, total_col)
        if not (ons or code or name) and all(is_missing(v) for v in [*raw.values(), raw_total]):
            continue  # blank separator row or a footnote
        values = {
            cat: parse_number(
                raw[cat], file=file, field=fields[cat], row=excel_row, sheet=sheet.name
            )
            for cat in columns
        }
        total = parse_number(
            raw_total, file=file, field=total_label, row=excel_row, sheet=sheet.name
        )
        added = sum(values.values())
        if abs(added - total) > _SUM_TOLERANCE:
            raise LoadError(
                file,
                f"the {breakdown.replace('_', ' ')} columns add up to {format_number(added)} "
                f"but Total is {format_number(total)} ({name or code})",
                sheet=sheet.name,
                row=excel_row,
                field=total_label,
            )
        if name.casefold() == "england" and ons in ("", "-", "E92000001"):
            if england_total is not None:
                raise LoadError(
                    file, "a second England row", sheet=sheet.name, row=excel_row, field="Name"
                )
            england_total, england_row = total, excel_row
            continue
        if AREA_CODE_RE.match(ons):
            english, key = True, ons
        elif ons == "-" or re.fullmatch(r"[A-Z]\d{8}", ons):
            english, key = False, code or name
        else:
            raise LoadError(
                file,
                f"{ons!r} is not an ONS area code (expected E and 8 digits, or '-' for "
                "residents outside England)",
                sheet=sheet.name,
                row=excel_row,
                field="ONS Geography",
            )
        if not key:
            raise LoadError(
                file, "row has no area code or name", sheet=sheet.name, row=excel_row, field="Code"
            )
        if key in seen:
            raise LoadError(
                file,
                f"area {key} appears twice (also Excel row {seen[key]})",
                sheet=sheet.name,
                row=excel_row,
                field="ONS Geography" if english else "Code",
            )
        seen[key] = excel_row
        records.append(
            {
                "area_code": key,
                "area_name": name,
                "region": region if region not in ("", "-") else None,
                "excel_row": excel_row,
                "english": english,
                "values": values,
                "total": total,
            }
        )
    if england_total is None:
        raise LoadError(file, "no England row", sheet=sheet.name, field="Name")
    return DtocSheet(
        breakdown=breakdown,
        sheet=sheet.name,
        period=period,
        england_total=england_total,
        england_row=england_row,
        fields=fields,
        records=records,
    )


def parse_dtoc_sheets(file: Path | str, sheets: Mapping[str, SheetLike]) -> DtocMonth:
    """Parse the three LA sheets (by sheet name) into a validated :class:`DtocMonth`.

    Besides each sheet's own checks: all sheets give the same period, the same areas, the same
    total per area and the same England total."""
    parsed: dict[str, DtocSheet] = {}
    for breakdown in BREAKDOWNS:
        name = SHEET_NAMES[breakdown]
        if name not in sheets:
            raise LoadError(
                file,
                f"missing sheet {name!r}; found: {', '.join(sheets) or '(none)'}",
                sheet=name,
            )
        parsed[breakdown] = parse_la_sheet(file, sheets[name], breakdown)
    first = parsed[BREAKDOWNS[0]]
    by_area = {rec["area_code"]: rec for rec in first.records}
    for breakdown in BREAKDOWNS[1:]:
        other = parsed[breakdown]
        if other.period != first.period:
            raise LoadError(
                file,
                f"period {other.period:%B %Y} differs from {first.period:%B %Y} on sheet "
                f"{first.sheet!r}",
                sheet=other.sheet,
                field="Period",
            )
        if abs(other.england_total - first.england_total) > _SUM_TOLERANCE:
            raise LoadError(
                file,
                f"England total {format_number(other.england_total)} differs from "
                f"{format_number(first.england_total)} on sheet {first.sheet!r}",
                sheet=other.sheet,
                row=other.england_row,
                field="Total",
            )
        other_areas = {rec["area_code"]: rec for rec in other.records}
        for code, rec in other_areas.items():
            base = by_area.get(code)
            if base is None:
                raise LoadError(
                    file,
                    f"area {code} ({rec['area_name']}) is not on sheet {first.sheet!r}",
                    sheet=other.sheet,
                    row=rec["excel_row"],
                    field="ONS Geography",
                )
            if abs(rec["total"] - base["total"]) > _SUM_TOLERANCE:
                raise LoadError(
                    file,
                    f"total delayed days for {code} ({rec['area_name']}) is "
                    f"{format_number(rec['total'])} here but {format_number(base['total'])} on "
                    f"sheet {first.sheet!r} (Excel row {base['excel_row']})",
                    sheet=other.sheet,
                    row=rec["excel_row"],
                    field="Total",
                )
        for code, rec in by_area.items():
            if code not in other_areas:
                raise LoadError(
                    file,
                    f"area {code} ({rec['area_name']}, Excel row {rec['excel_row']} of sheet "
                    f"{first.sheet!r}) is missing from this sheet",
                    sheet=other.sheet,
                    field="ONS Geography",
                )
    english: list[dict[str, Any]] = []
    other_rows: list[dict[str, Any]] = []
    excel_rows: dict[tuple[str, str], int] = {}
    fields: dict[tuple[str, str], str] = {}
    for breakdown, sheet in parsed.items():
        for category, header in sheet.fields.items():
            fields[(breakdown, category)] = header
        for rec in sheet.records:
            excel_rows[(breakdown, rec["area_code"])] = rec["excel_row"]
            target = english if rec["english"] else other_rows
            for category in CATEGORY_HEADERS[breakdown]:
                target.append(
                    {
                        "area_code": rec["area_code"],
                        "area_name": rec["area_name"],
                        "region": rec["region"],
                        "breakdown": breakdown,
                        "category": category,
                        "days": rec["values"][category],
                    }
                )
    return DtocMonth(
        period=first.period,
        rows=pd.DataFrame(english, columns=list(ROWS_COLUMNS)),
        non_english=pd.DataFrame(other_rows, columns=list(ROWS_COLUMNS)),
        published_england_total=first.england_total,
        file=str(file),
        sheets={b: parsed[b].sheet for b in BREAKDOWNS},
        fields=fields,
        excel_rows=excel_rows,
    )


def _open_workbook(path: Path) -> Any:
    """Open an ``.xls`` workbook with xlrd (a seam for tests)."""
    return xlrd.open_workbook(str(path))


def read_dtoc_workbook(path: Path | str) -> DtocMonth:
    """Read and validate one NHS England "Total Delayed Days Local Authority" ``.xls`` workbook.

    Raises :class:`LoadError` naming the file, sheet, Excel row and column for anything wrong:
    not an ``.xls`` workbook, a missing sheet or column, a non-numeric or negative number,
    categories that do not add up to their Total, breakdowns that disagree on an area's total."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    try:
        book = _open_workbook(path)
    except Exception as exc:  # xlrd raises several unrelated types for a corrupt file
        raise LoadError(
            path,
            f"not a readable .xls workbook ({exc}); expected an NHS England 'Total Delayed Days "
            "Local Authority' file",
        ) from None
    try:
        names = list(book.sheet_names())
        sheets = {
            SHEET_NAMES[b]: book.sheet_by_name(SHEET_NAMES[b])
            for b in BREAKDOWNS
            if SHEET_NAMES[b] in names
        }
        if len(sheets) < len(BREAKDOWNS):
            missing = next(SHEET_NAMES[b] for b in BREAKDOWNS if SHEET_NAMES[b] not in names)
            raise LoadError(
                path,
                f"missing sheet {missing!r}; found: {', '.join(names) or '(none)'}",
                sheet=missing,
            )
        return parse_dtoc_sheets(path, sheets)
    finally:
        release = getattr(book, "release_resources", None)
        if callable(release):
            release()


def _month_label(period: date) -> str:
    return f"{period:%B %Y}"


def _load_month(con: duckdb.DuckDBPyConnection, path: Path, month: DtocMonth) -> int:
    """Insert one validated month (inside the caller's transaction); returns rows inserted."""
    label = _month_label(month.period)
    frame = month.rows[["area_code", "breakdown", "category", "days"]].copy()
    frame.insert(1, "period", month.period)
    existing = con.execute(
        "SELECT area_code, breakdown, category, days FROM dtoc_days WHERE period = ?",
        [month.period],
    ).df()
    if existing.empty:
        return insert_frame(
            con, "dtoc_days", frame, ["area_code", "period", "breakdown", "category", "days"]
        )
    # The month is in the store already: accept only exactly the same numbers (a re-saved copy).
    new, conflicts = compare_with_store(
        con, "dtoc_days", frame, ["area_code", "period", "breakdown", "category"], ["days"]
    )
    if not conflicts.empty:
        c = conflicts.iloc[0]
        key = (c["breakdown"], c["area_code"])
        raise LoadError(
            path,
            f"{label} is already in the store with different numbers: area {c['area_code']}, "
            f"{c['breakdown']} {c['category']}: the store has "
            f"{format_number(c['existing_days'])}, this file has {format_number(c['days'])}",
            sheet=month.sheets.get(c["breakdown"]),
            row=month.excel_rows.get(key),
            field=month.fields.get((c["breakdown"], c["category"]), c["category"]),
        )
    if not new.empty:
        c = new.iloc[0]
        key = (c["breakdown"], c["area_code"])
        raise LoadError(
            path,
            f"{label} is already in the store but without area {c['area_code']} "
            f"({c['breakdown']} {c['category']}); a month is loaded from one workbook",
            sheet=month.sheets.get(c["breakdown"]),
            row=month.excel_rows.get(key),
            field=month.fields.get((c["breakdown"], c["category"]), c["category"]),
        )
    in_file = set(zip(frame["area_code"], frame["breakdown"], frame["category"], strict=True))
    for rec in existing.itertuples(index=False):
        if (rec.area_code, rec.breakdown, rec.category) not in in_file:
            raise LoadError(
                path,
                f"{label} is already in the store with area {rec.area_code} "
                f"({rec.breakdown} {rec.category}), which this file does not have",
                sheet=month.sheets.get(rec.breakdown),
                field="ONS Geography",
            )
    return 0


def _load_one(con: duckdb.DuckDBPyConnection, path: Path) -> LoadSummary:
    def load(tx: duckdb.DuckDBPyConnection) -> int:
        known = require_areas(tx, path)
        month = read_dtoc_workbook(path)
        for breakdown in BREAKDOWNS:
            part = month.rows[month.rows["breakdown"] == breakdown]
            for code in part["area_code"].drop_duplicates():
                if code not in known:
                    name = part.loc[part["area_code"] == code, "area_name"].iloc[0]
                    raise LoadError(
                        path,
                        f"area {code} ({name}) is not in the store's areas; load a population "
                        "file that includes it first",
                        sheet=month.sheets[breakdown],
                        row=month.excel_rows[(breakdown, code)],
                        field="ONS Geography",
                    )
        return _load_month(tx, path, month)

    return load_file_once(con, path, KIND, load)


def load_dtoc(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load one or many DToC workbooks into ``dtoc_days``, each in one transaction.

    A file loaded before (same SHA-256) is skipped; a month already in the store with the same
    numbers (for example a re-saved copy) is a no-op; a month already in the store with
    different numbers, or an English council missing from ``areas``, is a :class:`LoadError`
    and that workbook writes nothing (workbooks before it in ``paths`` stay loaded).
    ``progress(done, total, file_name)`` is called after each workbook."""
    path_list = [Path(paths)] if isinstance(paths, str | PathLike) else [Path(p) for p in paths]
    summary = LoadSummary(kind=KIND)
    total = len(path_list)
    for done, path in enumerate(path_list, start=1):
        summary.add(_load_one(con, path))
        if progress is not None:
            progress(done, total, path.name)
    return summary
