"""NHS England delayed transfers of care (DToC): the monthly "Total Delayed Days" LA workbooks.

Every monthly "Total Delayed Days Local Authority" (LA Type B) ``.xls`` workbook, April 2011 to
February 2020 (the end of the collection), is read in all its layouts:

=====================  ==============================================================
months                 layout of the three LA sheets
=====================  ==============================================================
Apr 2011 - Mar 2013    ``SHA``, ``Code``, ``Name``; no ONS code; upper-case reason headers
                       (``A) COMPLETION OF ASSESSMENT`` ... ``I) HOUSING ...``), no ``O)``
Apr 2013 - Jun 2015    ``Region``, an unlabelled empty column, ``Code``, ``Name``
Jul 2015 - Mar 2017    ``Region``, ``ONS Geography``, ``Code``, ``Name``
Apr 2017 - Feb 2020    as above, plus "DTOC Beds" columns after the delayed days; reason
                       headers in sentence case with ``O) Other`` (some months without it)
=====================  ==============================================================

The type-of-care sheet is called ``LA - by Type of Care`` until 2016 and ``LA - by type of
care`` later; sheets are found by name whatever the case. Columns are found by header text
(:mod:`lsr.data.sources.dtoc_sheet`); workbooks without ONS codes are mapped through the shipped
NHS council code table (:mod:`lsr.data.sources.dtoc_codes`).

:func:`read_dtoc` reads and validates one workbook (no store access); :func:`load_dtoc` loads
many in one transaction on :func:`lsr.data.loading.load_files`: every file is checked first and
one bad file means nothing is written, unless ``skip_bad``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
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
    require_areas,
)
from lsr.data.sources import SourceInfo
from lsr.data.sources.dtoc_codes import REPLACED_2019
from lsr.data.sources.dtoc_sheet import (
    BREAKDOWNS,
    CATEGORY_HEADERS,
    REASON_CODES,
    DtocSheet,
    SheetLike,
    parse_la_sheet,
)

__all__ = [
    "BREAKDOWNS",
    "CATEGORY_HEADERS",
    "KIND",
    "REASON_CODES",
    "SCHEMA",
    "SHEET_NAMES",
    "SOURCE",
    "DtocMonth",
    "SheetLike",
    "find_sheets",
    "load_dtoc",
    "parse_dtoc_sheets",
    "parse_la_sheet",
    "read_dtoc",
]

KIND = "dtoc"

SOURCE = SourceInfo(
    kind=KIND,
    title="Delayed Transfers of Care: Total Delayed Days, Local Authority (LA Type B), monthly",
    publisher="NHS England (the months before April 2013 first published by the Department "
    "of Health)",
    licence="Open Government Licence v3.0",
    url="https://www.england.nhs.uk/statistics/statistical-work-areas/delayed-transfers-of-care/",
    layouts=(
        "April 2011 - March 2013: sheets 'LA - by Type of Care', 'LA - by responsible org', "
        "'LA - by reason'; columns SHA, Code (NHS council code), Name; no ONS code (mapped "
        "from the NHS code); reasons A) to I) in upper case, no O) Other.",
        "April 2013 - June 2015: as above with Region instead of SHA and an unlabelled empty "
        "column before Code.",
        "July 2015 - March 2017: Region, ONS Geography, Code, Name.",
        "April 2017 - February 2020: sheet 'LA - by type of care'; DTOC Beds columns after the "
        "delayed days (not read); reason headers in sentence case with O) Other (some months "
        "have the older reason sheet without it); '-' in a number cell means no delayed days.",
    ),
    tables=("dtoc_days",),
)

SCHEMA = ""
"""``dtoc_days`` is part of the core schema (:data:`lsr.data.store.SCHEMA`)."""

SHEET_NAMES: dict[str, str] = {
    "type_of_care": "LA - by type of care",
    "responsible_org": "LA - by responsible org",
    "reason": "LA - by reason",
}
"""Breakdown -> the sheet's name as published from 2017 (earlier: ``LA - by Type of Care``)."""

_SHEET_KEYWORDS: dict[str, str] = {
    "type_of_care": "type of care",
    "responsible_org": "responsible",
    "reason": "reason",
}

ROWS_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "region",
    "breakdown",
    "category",
    "days",
)

_SUM_TOLERANCE = 1e-6


@dataclass
class DtocMonth:
    """One month of delayed days, validated.

    ``rows`` is long format (area_code, area_name, region, breakdown, category, days) for
    English councils only, under each council's current ONS code; ``non_english`` has the same
    columns for residents of Scotland, Wales and outside Great Britain (area_code is NHS
    England's code, 9900 to 9902); ``published_england_total`` is the workbook's England row,
    which includes those residents."""

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
    has_ons_codes: bool = True
    """Whether the workbook gives ONS codes (July 2015 on); if not, NHS codes were mapped."""
    region_header: str = "Region"
    """``SHA`` (before April 2013) or ``Region``."""
    reason_codes: tuple[str, ...] = REASON_CODES
    """The reason codes the reason sheet has (``O`` is missing from the older layout)."""
    nil_cells: int = 0
    """Delayed-days cells printed as ``-`` (no delayed days), read as 0, on all three sheets."""

    def area_totals(self) -> pd.Series:
        """Total delayed days per English council (the sum of the type-of-care categories)."""
        toc = self.rows[self.rows["breakdown"] == "type_of_care"]
        return toc.groupby("area_code")["days"].sum()

    @property
    def layout(self) -> str:
        """A short description of the workbook's layout."""
        codes = "ONS Geography" if self.has_ons_codes else "NHS code only"
        other = "with O) Other" if "O" in self.reason_codes else "without O) Other"
        return f"{self.region_header or 'no region'}, {codes}, reasons {other}"


def _sheet_key(name: str) -> str:
    return " ".join(name.replace("–", "-").split()).casefold()


def find_sheets(file: Path | str, names: Iterable[str]) -> dict[str, str]:
    """Breakdown -> the workbook's sheet name for it (``LA - by Type of Care`` or any case).

    A sheet belongs to a breakdown when its name starts with ``LA`` (or says ``local
    authority``) and contains the breakdown's words (``type of care``, ``responsible``,
    ``reason``)."""
    names = list(names)
    found: dict[str, str] = {}
    for breakdown in BREAKDOWNS:
        wanted = _sheet_key(SHEET_NAMES[breakdown])
        exact = [n for n in names if _sheet_key(n) == wanted]
        candidates = exact or [
            n
            for n in names
            if (_sheet_key(n).startswith("la") or "local authority" in _sheet_key(n))
            and _SHEET_KEYWORDS[breakdown] in _sheet_key(n)
        ]
        if not candidates:
            hint = (
                " (this looks like the Trust workbook; lsr reads the Local Authority one)"
                if any(_sheet_key(n).startswith(("trust", "provider")) for n in names)
                else ""
            )
            raise LoadError(
                file,
                f"missing sheet {SHEET_NAMES[breakdown]!r}; found: {quote_list(names)}{hint}",
                sheet=SHEET_NAMES[breakdown],
            )
        if len(candidates) > 1:
            raise LoadError(
                file,
                f"more than one sheet could be {SHEET_NAMES[breakdown]!r}: {', '.join(candidates)}",
                sheet=candidates[1],
            )
        found[breakdown] = candidates[0]
    return found


def _check_sheets_agree(file: Path | str, parsed: dict[str, DtocSheet]) -> None:
    """All sheets give the same period, areas, total per area and England total."""
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
        other_areas = {rec["area_code"]: rec for rec in other.records}
        for code, rec in other_areas.items():
            base = by_area.get(code)
            if base is None:
                raise LoadError(
                    file,
                    f"area {code} ({rec['area_name']}) is not on sheet {first.sheet!r}",
                    sheet=other.sheet,
                    row=rec["excel_row"],
                    field="ONS Geography" if other.has_ons_codes else "Code",
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
                    field="ONS Geography" if other.has_ons_codes else "Code",
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


def _check_2019_councils(file: Path | str, sheet: DtocSheet) -> None:
    """A month has either the councils replaced in April 2019 or their successors, not both."""
    rows = {rec["area_code"]: rec for rec in sheet.records}
    for new, old_codes in REPLACED_2019.items():
        for old in old_codes:
            if new in rows and old in rows:
                raise LoadError(
                    file,
                    f"both {new} ({rows[new]['area_name']}, from April 2019) and {old} "
                    f"({rows[old]['area_name']}, until March 2019) are listed; they cover the "
                    "same area",
                    sheet=sheet.sheet,
                    row=rows[new]["excel_row"],
                    field="ONS Geography",
                )


def parse_dtoc_sheets(file: Path | str, sheets: Mapping[str, SheetLike]) -> DtocMonth:
    """Parse the three LA sheets (given by sheet name) into a validated :class:`DtocMonth`.

    Besides each sheet's own checks: all sheets give the same period, the same areas, the same
    total per area and the same England total."""
    names = find_sheets(file, sheets)
    parsed = {b: parse_la_sheet(file, sheets[names[b]], b) for b in BREAKDOWNS}
    _check_sheets_agree(file, parsed)
    first = parsed[BREAKDOWNS[0]]
    _check_2019_councils(file, first)
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
                if category not in sheet.fields:
                    continue  # O) Other, absent from the older reason sheet
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
    reasons = parsed["reason"].fields
    return DtocMonth(
        period=first.period,
        rows=pd.DataFrame(english, columns=list(ROWS_COLUMNS)),
        non_english=pd.DataFrame(other_rows, columns=list(ROWS_COLUMNS)),
        published_england_total=first.england_total,
        file=str(file),
        sheets={b: parsed[b].sheet for b in BREAKDOWNS},
        fields=fields,
        excel_rows=excel_rows,
        has_ons_codes=first.has_ons_codes,
        region_header=first.region_header,
        reason_codes=tuple(code for code in REASON_CODES if code in reasons),
        nil_cells=sum(s.nil_cells for s in parsed.values()),
    )


def _open_workbook(path: Path) -> Any:
    """Open an ``.xls`` workbook with xlrd, sheets loaded on demand (a seam for tests).

    xlrd's own warnings about a damaged file go to a buffer, not the terminal: the
    :class:`LoadError` that follows says what is wrong."""
    return xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())


def read_dtoc(path: Path | str) -> DtocMonth:
    """Read and validate one NHS England "Total Delayed Days Local Authority" ``.xls`` workbook.

    Raises :class:`LoadError` naming the file, sheet, Excel row and column for anything wrong:
    not an ``.xls`` workbook, a missing sheet or column, a non-numeric or negative number,
    categories that do not add up to their Total, an England row that is not the sum of the rows,
    breakdowns that disagree on an area's total, an unknown council code."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    check_file_size(path, MAX_SOURCE_FILE_BYTES, what="DToC workbook")
    try:
        book = _open_workbook(path)
    except Exception as exc:  # xlrd raises several unrelated types for a corrupt file
        raise LoadError(
            path,
            f"not a readable .xls workbook ({exc}); expected an NHS England 'Total Delayed Days "
            "Local Authority' file",
        ) from None
    try:
        names = find_sheets(path, book.sheet_names())
        try:
            sheets = {name: book.sheet_by_name(name) for name in names.values()}
        except Exception as exc:  # a truncated file fails when the sheet itself is read
            raise LoadError(path, f"cannot read the workbook's sheets ({exc})") from None
        return parse_dtoc_sheets(path, sheets)
    finally:
        release = getattr(book, "release_resources", None)
        if callable(release):
            release()


read_dtoc_workbook = read_dtoc
"""The name :func:`read_dtoc` had before the module moved to :mod:`lsr.data.sources`."""


def _store_month(con: duckdb.DuckDBPyConnection, path: Path, month: DtocMonth) -> int:
    """Check one validated month against the store, then insert it; returns rows inserted.

    Every check comes before the insert: English councils must be in ``areas``; a month already
    in the store must have exactly the same numbers and areas (a re-saved copy, 0 rows)."""
    known = require_areas(con, path)
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
                    field="ONS Geography" if month.has_ons_codes else "Code",
                )
    label = f"{month.period:%B %Y}"
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
        raise LoadError(
            path,
            f"{label} is already in the store with different numbers: area {c['area_code']}, "
            f"{c['breakdown']} {c['category']}: the store has "
            f"{format_number(c['existing_days'])}, this file has {format_number(c['days'])}",
            sheet=month.sheets.get(c["breakdown"]),
            row=month.excel_rows.get((c["breakdown"], c["area_code"])),
            field=month.fields.get((c["breakdown"], c["category"]), c["category"]),
        )
    if not new.empty:
        c = new.iloc[0]
        raise LoadError(
            path,
            f"{label} is already in the store but without area {c['area_code']} "
            f"({c['breakdown']} {c['category']}); a month is loaded from one workbook",
            sheet=month.sheets.get(c["breakdown"]),
            row=month.excel_rows.get((c["breakdown"], c["area_code"])),
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
                field="ONS Geography" if month.has_ons_codes else "Code",
            )
    return 0


def load_dtoc(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load one or many DToC workbooks into ``dtoc_days``, all in one transaction.

    Every workbook is read and checked before anything is written; a
    :class:`~lsr.data.errors.LoadErrors` lists every bad one (file, sheet, row, column) and
    nothing is written, unless ``skip_bad``, which loads the good ones and lists the bad in
    ``summary.bad``. A file loaded before (same SHA-256) is skipped; a month already in the
    store with the same numbers (a re-saved copy) is a no-op; a month already in the store with
    different numbers, or an English council missing from ``areas``, is an error.
    ``progress(done, total, file_name)`` is called after each workbook is read."""
    return load_files(
        con, paths, KIND, read_dtoc, _store_month, skip_bad=skip_bad, progress=progress
    )
