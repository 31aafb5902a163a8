"""The columns of the MAR commissioner sheet: the fourteen activity measures, how a header is
recognised, and how one count cell is read.

Columns are found by the words of their header (case, spacing, plurals, ``&``/``and``,
``1st``/``first``, ``day case``/``daycase``, ``organisation``/``org`` tolerated), never by
position, so that any month's workbook of the series is read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lsr.data.errors import LoadError
from lsr.data.loading import format_number, is_missing

NIL_MARKERS: dict[str, float | None] = {
    "-": 0.0,
    "..": None,
    ".": None,
    "*": None,
    "x": None,
    ":": None,
    "n/a": None,
    "na": None,
}
"""Text markers a count cell may hold instead of a number, and what each becomes.

``-`` is how the publisher's accounting number format shows a zero (the 2020 files, saved as
text, carry it literally), so it becomes 0. The others are the usual "not available" or
"suppressed" markers of official statistics; NHS England's MAR does not suppress, but a cell
holding one is read as *not available*: no value is stored for that commissioner and measure,
and the England total is not checked for that measure in that month."""


@dataclass(frozen=True)
class Measure:
    """One activity column of the MAR: its id, published header and how to recognise it."""

    id: str
    header: str
    """The header as published (April 2012 to December 2019)."""
    description: str
    all_of: tuple[str, ...]
    none_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def matches(self, words: frozenset[str]) -> bool:
        """Whether a header, as normalised words, names this measure."""
        return (
            all(w in words for w in self.all_of)
            and not any(w in words for w in self.none_of)
            and (not self.any_of or any(w in words for w in self.any_of))
        )


_ELECTIVE_ONLY = ("planned", "nonelective", "treatment", "tc")


MEASURES: tuple[Measure, ...] = (
    Measure(
        "elective_ordinary",
        "Elective G&A Ordinary Admissions (FFCEs)",
        "elective general and acute ordinary (overnight) admissions",
        ("elective", "ordinary"),
        _ELECTIVE_ONLY,
    ),
    Measure(
        "elective_daycase",
        "Elective G&A Daycase Admissions (FFCEs)",
        "elective general and acute day-case admissions",
        ("elective", "daycase"),
        _ELECTIVE_ONLY,
    ),
    Measure(
        "elective_total",
        "Elective G&A Total Admissions (FFCEs)",
        "elective general and acute admissions, ordinary and day case",
        ("elective", "total"),
        (*_ELECTIVE_ONLY, "ordinary", "daycase"),
    ),
    Measure(
        "planned_ordinary",
        "Elective G&A Planned Ordinary Admissions (FFCEs)",
        "planned (booked for clinical reasons at a set time) ordinary admissions",
        ("planned", "ordinary"),
    ),
    Measure(
        "planned_daycase",
        "Elective G&A Planned Daycase Admissions (FFCEs)",
        "planned day-case admissions",
        ("planned", "daycase"),
    ),
    Measure(
        "planned_total",
        "Elective G&A Planned Total Admissions (FFCEs)",
        "planned admissions, ordinary and day case",
        ("planned", "total"),
        ("ordinary", "daycase"),
    ),
    Measure(
        "elective_treatment_centres",
        "Elective G&A Admissions (FFCEs) -NHS Treatment Centres (TCs)",
        "elective admissions in NHS treatment centres",
        ("elective",),
        ("planned", "nonelective"),
        ("treatment", "tc"),
    ),
    Measure(
        "non_elective",
        "Total Non-elective G&A Admissions (FFCEs)",
        "non-elective (emergency and other unplanned) general and acute admissions",
        ("nonelective",),
    ),
    Measure(
        "gp_referrals_made_all",
        "GP Referrals Made (All specialties)",
        "GP referrals made for a first consultant outpatient appointment, all specialties",
        ("gp", "made", "all"),
        ("ga",),
    ),
    Measure(
        "gp_referrals_seen_all",
        "GP Referrals Seen (All specialties)",
        "GP-referred patients seen at a first outpatient appointment, all specialties",
        ("gp", "seen", "all"),
        ("ga",),
    ),
    Measure(
        "gp_referrals_made_ga",
        "GP Referrals Made (G&A)",
        "GP referrals made, general and acute specialties",
        ("gp", "made", "ga"),
    ),
    Measure(
        "gp_referrals_seen_ga",
        "GP Referrals Seen (G&A)",
        "GP-referred patients seen, general and acute specialties",
        ("gp", "seen", "ga"),
    ),
    Measure(
        "other_referrals_made_ga",
        "Other Referrals Made (G&A)",
        "referrals made other than by a GP, general and acute specialties",
        ("other", "made"),
        ("gp",),
    ),
    Measure(
        "first_attendances_ga",
        "All 1st Outpatient Attendances (G&A)",
        "all first consultant outpatient attendances, general and acute specialties",
        ("first", "attendance"),
    ),
)
"""The fourteen activity columns, in published order. All are required."""


MEASURE_IDS: tuple[str, ...] = tuple(m.id for m in MEASURES)


_HEADER_SEARCH_ROWS = 40


_THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


_PARENT_WORDS = ("sha", "team", "region", "stp", "icb", "icp", "parent", "commissioning hub")


class SheetLike(Protocol):
    """The part of an ``xlrd`` sheet the reader uses (tests supply small stand-ins)."""

    name: str
    nrows: int
    ncols: int

    def cell_value(self, rowx: int, colx: int) -> Any:
        """The value of one cell (0-based indices)."""
        ...


def text(value: Any) -> str:
    """A cell as stripped text (tabs and repeated spaces collapsed); whole floats without .0."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def header_words(value: Any) -> frozenset[str]:
    """A header's words, normalised so that small wording changes still match."""
    t = text(value).casefold()
    t = re.sub(r"g\s*&\s*a|g\s+and\s+a\b", " ga ", t)
    t = t.replace("&", " and ")
    t = re.sub(r"non[\s-]*elective", "nonelective", t)
    t = re.sub(r"day[\s-]*case", "daycase", t)
    t = re.sub(r"\b1st\b", "first", t)
    t = t.replace("organisation", "org").replace("organization", "org")
    words = re.findall(r"[a-z0-9]+", t)
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def cell(sheet: SheetLike, r: int, c: int) -> Any:
    if r >= sheet.nrows or c >= sheet.ncols:
        return ""
    return sheet.cell_value(r, c)


def parse_count(value: Any, *, file: Path | str, sheet: str, row: int, field: str) -> float | None:
    """A count cell: a number >= 0, a nil marker (see :data:`NIL_MARKERS`) or an error.

    Numbers stored as text are accepted with surrounding spaces or tabs and thousands
    separators (``" 1,870 "``); blanks, other text, infinities and negatives are errors. A
    fraction is kept as published (November 2012 has ``4459.1`` for Suffolk PCT's
    non-elective admissions and ``462003.1`` for England's); the reader notes it."""
    if is_missing(value):
        raise LoadError(file, "missing value (empty cell)", sheet=sheet, row=row, field=field)
    if isinstance(value, bool):
        raise LoadError(file, f"{value!r} is not a number", sheet=sheet, row=row, field=field)
    number: float
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        t = " ".join(value.split())
        if t.casefold() in NIL_MARKERS:
            return NIL_MARKERS[t.casefold()]
        plain = t.replace(",", "") if _THOUSANDS_RE.match(t) else t
        try:
            number = float(plain)
        except ValueError:
            raise LoadError(
                file, f"{t!r} is not a number", sheet=sheet, row=row, field=field
            ) from None
    else:
        raise LoadError(file, f"{value!r} is not a number", sheet=sheet, row=row, field=field)
    if not math.isfinite(number):
        raise LoadError(file, f"{value!r} is not a number", sheet=sheet, row=row, field=field)
    if number < 0:
        raise LoadError(
            file,
            f"{format_number(number)} is negative (a count cannot be)",
            sheet=sheet,
            row=row,
            field=field,
        )
    return number


@dataclass
class Columns:
    """Where each column of the commissioner sheet is (0-based indices)."""

    org_code: int
    org_name: int
    measures: dict[str, int]
    headers: dict[str, str]
    year: int | None = None
    period: int | None = None
    parent_code: int | None = None
    parent_name: int | None = None
    parent_label: str = ""
    year_header: str = "Year"
    period_header: str = "Period"


def _is_org_code_header(words: frozenset[str]) -> bool:
    return "code" in words and bool(words & {"org", "commissioner", "ccg", "pct"})


def _is_org_name_header(words: frozenset[str]) -> bool:
    return "name" in words and bool(words & {"org", "commissioner", "ccg", "pct"})


def _is_parent(header: str) -> bool:
    low = header.casefold()
    return any(re.search(rf"\b{w}\b", low) for w in _PARENT_WORDS)


def find_header_row(sheet: SheetLike, file: Path | str) -> int:
    """0-based index of the header row: it names ``Org Code`` and at least three of the
    activity columns (so that a missing activity column is reported by name, not as a missing
    header)."""
    for r in range(min(sheet.nrows, _HEADER_SEARCH_ROWS)):
        words = [header_words(cell(sheet, r, c)) for c in range(sheet.ncols)]
        found = sum(any(m.matches(w) for m in MEASURES) for w in words)
        if any(_is_org_code_header(w) for w in words) and found >= 3:
            return r
    raise LoadError(
        file,
        f"no header row naming 'Org Code' and the activity columns ('{MEASURES[7].header}' ...) "
        f"in the first {_HEADER_SEARCH_ROWS} rows; is this the MAR commissioner file?",
        sheet=sheet.name,
        field="Org Code",
    )


def locate_columns(sheet: SheetLike, header_row: int, file: Path | str) -> Columns:
    """Find every column by its header text; a missing or repeated column is an error."""
    excel_row = header_row + 1
    headers = [text(cell(sheet, header_row, c)) for c in range(sheet.ncols)]

    def fail(message: str, name: str) -> LoadError:
        return LoadError(file, message, sheet=sheet.name, row=excel_row, field=name)

    org_code = org_name = None
    year = period = parent_code = parent_name = None
    parent_label = ""
    measures: dict[str, int] = {}
    for c, header in enumerate(headers):
        if not header:
            continue
        words = header_words(header)
        if _is_parent(header) and "code" in words and parent_code is None:
            parent_code, parent_label = c, re.sub(r"(?i)\s*code\s*$", "", header)
        elif _is_parent(header) and "name" in words and parent_name is None:
            parent_name = c
        elif _is_org_code_header(words) and org_code is None:
            org_code = c
        elif _is_org_name_header(words) and org_name is None:
            org_name = c
        elif words == frozenset({"year"}):
            year = c
        elif words == frozenset({"period"}) or words == frozenset({"month"}):
            period = c
        else:
            hits = [m for m in MEASURES if m.matches(words)]
            if len(hits) > 1:
                raise fail(
                    f"column {header!r} could be any of {', '.join(m.header for m in hits)}",
                    header,
                )
            if hits:
                m = hits[0]
                if m.id in measures:
                    raise fail(
                        f"two columns for {m.header!r}: {headers[measures[m.id]]!r} and {header!r}",
                        header,
                    )
                measures[m.id] = c
    if org_code is None:
        raise fail(f"missing column 'Org Code' in the header (Excel row {excel_row})", "Org Code")
    if org_name is None:
        raise fail(f"missing column 'Org Name' in the header (Excel row {excel_row})", "Org Name")
    for m in MEASURES:
        if m.id not in measures:
            raise fail(
                f"missing column {m.header!r} in the header (Excel row {excel_row})", m.header
            )
    return Columns(
        org_code=org_code,
        org_name=org_name,
        measures=measures,
        headers={k: headers[c] for k, c in measures.items()},
        year=year,
        period=period,
        parent_code=parent_code,
        parent_name=parent_name,
        parent_label=parent_label,
        year_header=headers[year] if year is not None else "Year",
        period_header=headers[period] if period is not None else "Period",
    )
