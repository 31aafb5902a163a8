"""One LA sheet of an NHS England DToC workbook: header, columns, period, rows and checks.

Every layout published April 2011 to February 2020 is read by its header text, not by position:

- the header row is the first of the top 20 rows with a ``Name`` cell and a ``Code``,
  ``Region``, ``SHA`` or ``ONS Geography`` cell;
- the area columns are ``Region`` or ``SHA`` (optional), ``ONS Geography`` (absent before July
  2015: the NHS council code is then mapped to the ONS code, see
  :mod:`lsr.data.sources.dtoc_codes`), ``Code`` and ``Name``;
- the delayed-days columns are those between ``Name`` and the first ``Total`` after it (the
  "DTOC Beds" columns of 2017 onwards come later and are not read); they are recognised by
  their header: ``Acute`` / ``Non-Acute``; ``NHS`` / ``Social Care`` / ``Both``; reasons by the
  code before ``)`` (``A)`` ... ``I)``, ``DI)`` = ``Di)``, and ``O) Other`` when present).

Nil marker: NHS England prints ``-`` in a delayed-days cell for "no delayed days" (the whole
row of an area with no delays in the month, whose Total is 0). It is read as 0 and counted.
Markers of a value that is not available (``*``, ``..``, ``x``, ``n/a``) are an error: lsr
does not guess a number that was not published.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from lsr.data.errors import LoadError
from lsr.data.loading import AREA_CODE_RE, format_number, is_missing
from lsr.data.sources.dtoc_codes import (
    CouncilCode,
    current_ons_code,
    is_non_english,
    nhs_council_codes,
    normalise_nhs_code,
)

BREAKDOWNS: tuple[str, ...] = ("type_of_care", "responsible_org", "reason")
"""The three breakdowns of delayed days, in the order their sheets are read."""

REASON_CODES: tuple[str, ...] = ("A", "B", "C", "Di", "Dii", "E", "F", "G", "H", "I", "O")
"""Reason-for-delay codes, as printed before ``)`` in the reason sheet's headers."""

OPTIONAL_REASONS: frozenset[str] = frozenset({"O"})
"""Reasons a month may lack: ``O) Other`` is absent from the older reason-sheet layout."""

CATEGORY_HEADERS: dict[str, dict[str, str]] = {
    "type_of_care": {"acute": "Acute", "non_acute": "Non-Acute"},
    "responsible_org": {"nhs": "NHS", "social_care": "Social Care", "both": "Both"},
    "reason": {code: f"{code})" for code in REASON_CODES},
}
"""Category id -> the header text that identifies its column (reason: the code and ``)``)."""

NIL_MARKERS: frozenset[str] = frozenset({"-", "–", "—"})
"""Cell text NHS England uses for "no delayed days": read as 0."""

UNAVAILABLE_MARKERS: frozenset[str] = frozenset({"*", "..", ".", "x", "n/a", "na", ":"})
"""Cell text for a value that was not published: an error, never guessed."""

SERIES_START = date(2010, 8, 1)
SERIES_END = date(2020, 2, 1)
"""The monthly collection ran from August 2010 to February 2020 (then stopped)."""

HEADER_SEARCH_ROWS = 20
_SUM_TOLERANCE = 1e-6
_PERIOD_FORMATS = ("%B %Y", "%b %Y", "%B %y", "%b %y", "%Y %m", "%m %Y")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_CATEGORY_KEYS: dict[str, dict[str, str]] = {
    "type_of_care": {"acute": "acute", "nonacute": "non_acute"},
    "responsible_org": {
        "nhs": "nhs",
        "socialcare": "social_care",
        "socialservices": "social_care",
        "both": "both",
    },
}


class SheetLike(Protocol):
    """The part of an ``xlrd`` sheet the reader uses (tests supply small stand-ins)."""

    name: str
    nrows: int
    ncols: int

    def cell_value(self, rowx: int, colx: int) -> Any:
        """The value of one cell (0-based indices)."""
        ...


@dataclass
class SheetColumns:
    """Where things are on one sheet (0-based column indices)."""

    header_row: int
    code: int
    name: int
    total: int
    categories: dict[str, int]
    fields: dict[str, str]
    """Category id -> the header text of its column."""
    region: int | None = None
    ons: int | None = None
    total_label: str = "Total"


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
    has_ons_codes: bool = True
    """Whether the sheet has an ONS Geography column (from July 2015)."""
    region_header: str = "Region"
    """``Region`` or ``SHA`` (before April 2013), or ``""`` if there is no such column."""
    nil_cells: int = 0
    """Delayed-days cells holding the nil marker ``-`` (read as 0)."""
    england_values: dict[str, float] = field(default_factory=dict)


def cell_text(value: Any) -> str:
    """A cell as stripped text; whole-number floats without ``.0`` (codes read as numbers)."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def norm(value: Any) -> str:
    """Header text for matching: case-folded, single spaces, dashes as ``-``, no trailing ``:``."""
    text = cell_text(value).casefold().replace("–", "-").replace("—", "-")
    return text.rstrip(":").strip()


def _cell(sheet: SheetLike, r: int, c: int) -> Any:
    if r >= sheet.nrows or c >= sheet.ncols:
        return ""
    return sheet.cell_value(r, c)


def parse_period(value: Any, *, file: Path | str, sheet: str, row: int) -> date:
    """The first day of the month named in a period cell (``"July 2018"``, an Excel date)."""
    parsed: date | None = None
    if isinstance(value, datetime | date):
        parsed = date(value.year, value.month, 1)
    elif isinstance(value, float) and 20000 < value < 60000:  # an Excel date serial number
        day = _EXCEL_EPOCH + timedelta(days=value)
        parsed = date(day.year, day.month, 1)
    else:
        text = re.sub(r"[\s\-/_,]+", " ", cell_text(value)).strip()
        text = re.sub(r"(?i)\bsept\b", "Sep", text)
        for fmt in _PERIOD_FORMATS:
            try:
                when = datetime.strptime(text, fmt)
            except ValueError:
                continue
            parsed = date(when.year, when.month, 1)
            break
    if parsed is None:
        raise LoadError(
            file,
            f"cannot read the period {cell_text(value)!r} (expected a month and year such as "
            "'July 2018')",
            sheet=sheet,
            row=row,
            field="Period",
        )
    if not SERIES_START <= parsed <= SERIES_END:
        raise LoadError(
            file,
            f"period {parsed:%B %Y} is outside the series (the monthly collection ran from "
            f"{SERIES_START:%B %Y} to {SERIES_END:%B %Y})",
            sheet=sheet,
            row=row,
            field="Period",
        )
    return parsed


def find_period(sheet: SheetLike, header_row: int, file: Path | str) -> date:
    """The period next to ``Period:`` above the header; C5 if there is no such label."""
    for r in range(min(header_row, sheet.nrows)):
        for c in range(min(sheet.ncols, 6)):
            if norm(_cell(sheet, r, c)) == "period":
                return parse_period(_cell(sheet, r, c + 1), file=file, sheet=sheet.name, row=r + 1)
    return parse_period(_cell(sheet, 4, 2), file=file, sheet=sheet.name, row=5)


def _is_code_header(h: str) -> bool:
    return h in {"code", "la code", "nhs code", "council code", "organisation code", "org code"}


def _is_name_header(h: str) -> bool:
    return h in {"name", "la name", "council name", "organisation name", "local authority"}


def _is_ons_header(h: str) -> bool:
    words = set(re.split(r"[^a-z]+", h))
    return "ons" in words or "geography" in words


def find_header_row(sheet: SheetLike, file: Path | str) -> int:
    """The 0-based index of the header row: the first of the top 20 rows with a ``Name`` cell
    and a ``Code``, ``Region``, ``SHA`` or ``ONS Geography`` cell."""
    for r in range(min(sheet.nrows, HEADER_SEARCH_ROWS)):
        cells = [norm(_cell(sheet, r, c)) for c in range(sheet.ncols)]
        if any(_is_name_header(h) for h in cells) and any(
            _is_code_header(h) or _is_ons_header(h) or h in {"region", "sha"} for h in cells
        ):
            return r
    raise LoadError(
        file,
        f"no header row with 'Name' and 'Code' columns in the first {HEADER_SEARCH_ROWS} rows; "
        "is this an NHS England 'Total Delayed Days Local Authority' workbook?",
        sheet=sheet.name,
        field="Name",
    )


def _reason_code(header: str) -> str | None:
    """The reason code of a header (``"DI) AWAITING ..."`` -> ``"di"``), or None."""
    if ")" not in header:
        return None
    return re.sub(r"\s+", "", header.split(")", 1)[0]).casefold()


def locate_columns(
    sheet: SheetLike, header_row: int, breakdown: str, file: Path | str
) -> SheetColumns:
    """Find every column of one sheet by its header text; a :class:`LoadError` if one is missing."""
    header = [cell_text(_cell(sheet, header_row, c)) for c in range(sheet.ncols)]
    folded = [norm(h) for h in header]
    excel_row = header_row + 1

    def missing(name: str, what: str = "") -> LoadError:
        return LoadError(
            file,
            f"missing column {name!r}{what} in the header (Excel row {excel_row})",
            sheet=sheet.name,
            row=excel_row,
            field=name,
        )

    code = next((c for c, h in enumerate(folded) if _is_code_header(h)), None)
    if code is None:
        raise missing("Code")
    name = next((c for c, h in enumerate(folded) if _is_name_header(h)), None)
    if name is None:
        raise missing("Name")
    region = next(
        (c for c, h in enumerate(folded[:name]) if h in {"region", "sha"} or "authority" in h),
        None,
    )
    ons = next(
        (c for c, h in enumerate(folded[:name]) if c != code and _is_ons_header(h)),
        None,
    )
    total = next(
        (c for c in range(name + 1, len(folded)) if folded[c] == "total"),
        None,
    )
    if total is None:
        raise missing("Total", " of delayed days")
    categories: dict[str, int] = {}
    fields: dict[str, str] = {}
    for c in range(name + 1, total):
        if not header[c]:
            continue  # an empty spacer column
        if breakdown == "reason":
            key = _reason_code(header[c])
            by_code = {r.casefold(): r for r in REASON_CODES}
            category = by_code.get(key) if key is not None else None
            if key is not None and category is None:
                raise LoadError(
                    file,
                    f"unknown reason code {header[c].split(')', 1)[0].strip()!r}; "
                    f"expected one of {', '.join(REASON_CODES)}",
                    sheet=sheet.name,
                    row=excel_row,
                    field=header[c],
                )
        else:
            category = _CATEGORY_KEYS[breakdown].get(re.sub(r"[^a-z]", "", folded[c]))
        if category is None:
            raise LoadError(
                file,
                f"unexpected column {header[c]!r} among the delayed-days columns (expected "
                f"{', '.join(CATEGORY_HEADERS[breakdown].values())} and Total)",
                sheet=sheet.name,
                row=excel_row,
                field=header[c],
            )
        if category in categories:
            raise LoadError(
                file,
                f"{CATEGORY_HEADERS[breakdown][category]!r} appears twice in the header",
                sheet=sheet.name,
                row=excel_row,
                field=header[c],
            )
        categories[category] = c
        fields[category] = header[c]
    for category, label in CATEGORY_HEADERS[breakdown].items():
        if category not in categories and not (
            breakdown == "reason" and category in OPTIONAL_REASONS
        ):
            raise missing(label)
    return SheetColumns(
        header_row=header_row,
        code=code,
        name=name,
        total=total,
        categories=categories,
        fields=fields,
        region=region,
        ons=ons,
        total_label=header[total],
    )


def parse_days(
    value: Any, *, file: Path | str, sheet: str, row: int, field: str
) -> tuple[float, bool]:
    """A delayed-days cell: ``(days, was_nil)``; ``-`` is nil (0); anything else must be a
    whole, non-negative number."""
    if isinstance(value, str):
        text = value.strip()
        if text in NIL_MARKERS:
            return 0.0, True
        if text.casefold() in UNAVAILABLE_MARKERS:
            raise LoadError(
                file,
                f"{text!r} marks a value that was not published; lsr does not guess delayed "
                "days (expected a number, or '-' for none)",
                sheet=sheet,
                row=row,
                field=field,
            )
        if _THOUSANDS_RE.match(text):
            value = text.replace(",", "")
    if is_missing(value):
        raise LoadError(file, "missing value", sheet=sheet, row=row, field=field)
    if isinstance(value, bool):
        raise LoadError(file, f"{value!r} is not a number", sheet=sheet, row=row, field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LoadError(
            file, f"{value!r} is not a number", sheet=sheet, row=row, field=field
        ) from None
    if not math.isfinite(number):
        raise LoadError(
            file, f"{value!r} is not a finite number", sheet=sheet, row=row, field=field
        )
    if number < 0:
        raise LoadError(file, f"{number:g} is negative", sheet=sheet, row=row, field=field)
    if not number.is_integer():
        raise LoadError(
            file,
            f"{number:g} is not a whole number of delayed days",
            sheet=sheet,
            row=row,
            field=field,
        )
    return number, False


def _resolve_area(
    file: Path | str,
    sheet: SheetLike,
    excel_row: int,
    cols: SheetColumns,
    ons: str,
    code: str,
    name: str,
    codes: dict[str, CouncilCode],
) -> tuple[bool, str]:
    """``(english, key)`` of one area row: an English council's current ONS code, or the NHS
    code of a non-English row (9900 Wales, 9901 Scotland, 9902 outside GB)."""
    if ons == "E92000001":
        raise LoadError(
            file,
            f"England's code E92000001 on a row named {name!r} (expected a council's code)",
            sheet=sheet.name,
            row=excel_row,
            field="ONS Geography",
        )
    if ons and AREA_CODE_RE.match(ons):
        return True, current_ons_code(ons)
    if re.fullmatch(r"[A-Z]\d{8}", ons):  # a Welsh / Scottish / Northern Irish ONS code
        return False, code or name
    if ons not in ("", "-"):
        raise LoadError(
            file,
            f"{ons!r} is not an ONS area code (expected E and 8 digits, or '-' for residents "
            "outside England)",
            sheet=sheet.name,
            row=excel_row,
            field=cell_text(_cell(sheet, cols.header_row, cols.ons or 0)) or "ONS Geography",
        )
    if is_non_english(code, name):
        if not (code or name):
            raise LoadError(
                file, "row has no area code or name", sheet=sheet.name, row=excel_row, field="Code"
            )
        return False, code or name
    council = codes.get(code)
    if council is None:
        why = "has no ONS code, and its" if cols.ons is not None else "has no ONS column; its"
        raise LoadError(
            file,
            f"the row for {name or '(no name)'} {why} NHS council code {code or '(blank)'!r} is "
            "not in lsr's table of council codes (lsr/data/files/nhs_council_codes.csv)",
            sheet=sheet.name,
            row=excel_row,
            field="Code",
        )
    return True, current_ons_code(council.ons_code)


def parse_la_sheet(
    file: Path | str,
    sheet: SheetLike,
    breakdown: str,
    *,
    codes: dict[str, CouncilCode] | None = None,
) -> DtocSheet:
    """Parse and validate one LA sheet of a DToC workbook (any layout, 2011 to 2020).

    Checks: the header and every category column are present; the period parses and lies in the
    series; every delayed-days cell is a whole non-negative number or ``-``; the categories of
    each row add up to its Total; every area is an English council (by ONS code, or NHS code
    mapped through ``codes``) or a non-English row; no area appears twice; there is one England
    row and each of its columns equals the sum of the rows below it."""
    if breakdown not in CATEGORY_HEADERS:
        raise ValueError(f"unknown breakdown {breakdown!r}; expected one of {BREAKDOWNS}")
    codes = nhs_council_codes() if codes is None else codes
    header_row = find_header_row(sheet, file)
    period = find_period(sheet, header_row, file)
    cols = locate_columns(sheet, header_row, breakdown, file)
    columns = {**cols.categories, "total": cols.total}
    labels = {**cols.fields, "total": cols.total_label}
    england: dict[str, float] | None = None
    england_row = 0
    sums = dict.fromkeys(columns, 0.0)
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    nil_cells = 0
    for r in range(header_row + 1, sheet.nrows):
        excel_row = r + 1
        ons = cell_text(_cell(sheet, r, cols.ons)) if cols.ons is not None else ""
        code = normalise_nhs_code(cell_text(_cell(sheet, r, cols.code)))
        name = cell_text(_cell(sheet, r, cols.name))
        raw = {key: _cell(sheet, r, c) for key, c in columns.items()}
        if ons in ("", "-") and code in ("", "-") and all(is_missing(v) for v in raw.values()):
            continue  # a blank separator row or a footnote
        values: dict[str, float] = {}
        for key, value in raw.items():
            values[key], nil = parse_days(
                value, file=file, sheet=sheet.name, row=excel_row, field=labels[key]
            )
            nil_cells += nil
        total = values.pop("total")
        added = sum(values.values())
        if abs(added - total) > _SUM_TOLERANCE:
            raise LoadError(
                file,
                f"the {breakdown.replace('_', ' ')} columns add up to {format_number(added)} "
                f"but Total is {format_number(total)} ({name or code})",
                sheet=sheet.name,
                row=excel_row,
                field=cols.total_label,
            )
        if name.casefold() == "england" and code in ("", "-") and ons in ("", "-", "E92000001"):
            if england is not None:
                raise LoadError(
                    file, "a second England row", sheet=sheet.name, row=excel_row, field="Name"
                )
            england, england_row = {**values, "total": total}, excel_row
            continue
        english, key = _resolve_area(file, sheet, excel_row, cols, ons, code, name, codes)
        if key in seen:
            raise LoadError(
                file,
                f"area {key} ({name}) appears twice (also Excel row {seen[key]})",
                sheet=sheet.name,
                row=excel_row,
                field="ONS Geography" if english and cols.ons is not None else "Code",
            )
        seen[key] = excel_row
        for k, v in values.items():
            sums[k] += v
        sums["total"] += total
        region = cell_text(_cell(sheet, r, cols.region)) if cols.region is not None else ""
        records.append(
            {
                "area_code": key,
                "area_name": name,
                "region": region if region not in ("", "-") else None,
                "code": code,
                "excel_row": excel_row,
                "english": english,
                "values": values,
                "total": total,
            }
        )
    if england is None:
        raise LoadError(file, "no England row", sheet=sheet.name, field="Name")
    for key, value in england.items():
        if abs(value - sums[key]) > _SUM_TOLERANCE:
            raise LoadError(
                file,
                f"England's {labels[key]} is {format_number(value)} but the council and other "
                f"rows add up to {format_number(sums[key])} (a row missing, repeated or changed?)",
                sheet=sheet.name,
                row=england_row,
                field=labels[key],
            )
    region_header = ""
    if cols.region is not None:
        region_header = cell_text(_cell(sheet, header_row, cols.region))
    return DtocSheet(
        breakdown=breakdown,
        sheet=sheet.name,
        period=period,
        england_total=england["total"],
        england_row=england_row,
        fields=cols.fields,
        records=records,
        has_ons_codes=cols.ons is not None,
        region_header=region_header,
        nil_cells=nil_cells,
        england_values=england,
    )
