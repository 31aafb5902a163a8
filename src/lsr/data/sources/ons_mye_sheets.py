"""Parsing the sheets of ONS mid-year estimate workbooks: table MYE2 (persons by single year
of age, one row per area) and the machine-readable MYEB1 (one row per area, sex and age).

The parsers read :class:`Grid` objects (a sheet's rows of cell values, whatever the file
format), so that tests can hand them small or damaged stand-ins. Headers are found by their
text within the first 30 rows; columns by their header text. Each year's table is checked:
every count is a whole, non-negative number; the single years add up to All ages; England
equals the sum of its upper-tier councils at every age; where rows are listed under their
region and county, each region equals the sum of its councils and each county the sum of its
districts; no area appears twice. See :mod:`lsr.data.sources.ons_mye` for the layouts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsr.data.errors import LoadError
from lsr.data.loading import format_number, is_missing, parse_number
from lsr.data.periods import check_year

ENGLAND = "E92000001"
UPPER_TIER = ("E06", "E08", "E09", "E10")
"""Code prefixes of upper-tier councils: unitary, metropolitan district, London borough, county."""

BAND_START: dict[str, int] = {"all": 0, "18+": 18, "65+": 65, "75+": 75, "85+": 85}

UNAVAILABLE_MARKERS: dict[str, str] = {
    "..": "not available",
    ":": "not available",
    "x": "not available",
    "[x]": "not available",
    "*": "suppressed",
    "c": "confidential",
    "[c]": "confidential",
    "z": "not applicable",
    "[z]": "not applicable",
}
"""Markers ONS tables use for a missing number: an error here (the bands need every year)."""

NIL_MARKER = "-"
"""ONS's "nil": counts as 0 in a single-year-of-age cell."""

_GSS_RE = re.compile(r"^[A-Z]\d{8}$")
_YEAR_RE = re.compile(r"\bmid[-\s]?(\d{4})\b", re.IGNORECASE)
_AGE_RE = re.compile(r"^(?:age\s*)?(\d{1,3})\s*(\+|plus|and over|& over)?$")
_POPULATION_YEAR_RE = re.compile(r"^population(\d{4})$")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(,\d{3})+$")
_HEADER_SEARCH_ROWS = 30
_CODE_KEYS = frozenset({"code", "areacode", "lacode", "geographycode", "onscode"})
_NAME_KEYS = frozenset({"name", "areaname", "laname", "geographyname"})
_ALL_AGES_KEYS = frozenset({"allages"})


@dataclass
class Grid:
    """One worksheet as rows of cell values (``rows[0]`` is Excel row 1): what the parsers
    read, so that tests can hand them small or damaged stand-ins."""

    name: str
    rows: Sequence[Sequence[Any]]

    def cell(self, r: int, c: int) -> Any:
        """The value at 0-based row ``r`` and column ``c`` (``None`` outside the sheet)."""
        if r >= len(self.rows) or c >= len(self.rows[r]):
            return None
        return self.rows[r][c]


@dataclass(frozen=True)
class MyeRow:
    """One English area's row of one year: ``values[0]`` is all ages, ``values[1 + a]`` age
    ``a`` (the last is the open-ended top age)."""

    code: str
    name: str
    excel_row: int
    values: tuple[float, ...]
    region: str | None = None

    def band(self, band: str) -> float:
        """The population of an age band (``all``, ``18+``, ``65+``, ``75+``, ``85+``)."""
        return self.values[0] if band == "all" else sum(self.values[1 + BAND_START[band] :])


@dataclass
class MyeTable:
    """One year of one sheet, parsed and checked: every English row, in the sheet's order."""

    year: int
    sheet: str
    rows: dict[str, MyeRow]
    labels: tuple[str, ...]
    """What each position of ``MyeRow.values`` is, for messages: 'all ages', 'aged 0', ..."""
    fields: tuple[str, ...]
    """The column each position comes from (its header text), for errors."""
    regions_listed: bool = False
    """Whether every council is listed under a region row (so its region is known)."""

    def councils(self) -> list[MyeRow]:
        """The upper-tier councils (E06, E08, E09, E10), in the sheet's order."""
        return [r for r in self.rows.values() if r.code.startswith(UPPER_TIER)]


def _text(value: Any) -> str:
    """A cell as text with single spaces; whole numbers without ``.0``."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _key(value: Any) -> str:
    """A header cell folded for matching: lower case, letters, digits and ``+`` only."""
    return re.sub(r"[^a-z0-9+]", "", _text(value).casefold())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def count(
    value: Any, *, file: Path | str, sheet: str, row: int, field: str, nil_is_zero: bool = True
) -> float:
    """A whole, non-negative number of people from one cell, or a :class:`LoadError`.

    ``-`` (nil) is 0 when ``nil_is_zero``; ONS's not-available, suppressed and confidential
    markers are errors, as is any other text, a fraction or a negative number."""
    if isinstance(value, str):
        text = value.strip()
        if text == NIL_MARKER and nil_is_zero:
            return 0.0
        meaning = UNAVAILABLE_MARKERS.get(text.casefold())
        if meaning is not None:
            raise LoadError(
                file,
                f"{text!r} ({meaning}) where a population count is needed",
                sheet=sheet,
                row=row,
                field=field,
            )
        if _THOUSANDS_RE.match(text):
            value = text.replace(",", "")
    number = parse_number(value, file=file, field=field, row=row, sheet=sheet)
    if not number.is_integer():
        raise LoadError(
            file, f"{number:g} is not a whole number of people", sheet=sheet, row=row, field=field
        )
    return number


def _find_header(grid: Grid, file: Path | str, required: Mapping[str, frozenset[str]]) -> int:
    """The 0-based index of the first row (of the first 30) holding every required column;
    otherwise a :class:`LoadError` naming the columns missing from the likeliest row."""
    best, best_found = -1, 0
    for r in range(min(len(grid.rows), _HEADER_SEARCH_ROWS)):
        keys = {_key(v) for v in grid.rows[r]}
        found = sum(1 for options in required.values() if keys & options)
        if found == len(required):
            return r
        if found > best_found:
            best, best_found = r, found
    if best < 0:
        names = ", ".join(repr(n) for n in required)
        raise LoadError(
            file,
            f"no header row with the columns {names} in the first {_HEADER_SEARCH_ROWS} rows",
            sheet=grid.name,
            field=next(iter(required)),
        )
    keys = {_key(v) for v in grid.rows[best]}
    missing = [name for name, options in required.items() if not keys & options]
    raise LoadError(
        file,
        f"missing column {', '.join(repr(m) for m in missing)} in the header row",
        sheet=grid.name,
        row=best + 1,
        field=missing[0],
    )


def _column(header: Sequence[Any], options: frozenset[str]) -> int:
    """The first column whose header is one of ``options`` (:func:`_find_header` found it)."""
    return next(c for c, v in enumerate(header) if _key(v) in options)


def _find_year(grid: Grid, header_row: int, file: Path | str) -> int:
    """The year in the title above the header ('... local authorities in the UK, mid-2017')."""
    years = {
        int(m.group(1))
        for r in range(header_row)
        for v in grid.rows[r]
        if isinstance(v, str)
        for m in _YEAR_RE.finditer(v)
    }
    if len(years) != 1:
        found = "no" if not years else "more than one"
        raise LoadError(
            file,
            f"{found} 'mid-YYYY' year in the title above the table; cannot tell the year of "
            "the estimates",
            sheet=grid.name,
            row=1,
            field="title",
        )
    return check_year(
        years.pop(), file=file, sheet=grid.name, row=1, field="title", what="mid-year estimate year"
    )


def _age_columns(
    grid: Grid, header_row: int, start: int, file: Path | str
) -> list[tuple[int, str]]:
    """(column, header text) of ages 0, 1, ... in order; the last is the open-ended top age."""
    header = grid.rows[header_row]
    excel_row = header_row + 1
    found: dict[int, tuple[int, str, bool]] = {}
    for c in range(start, len(header)):
        label = _text(header[c])
        m = _AGE_RE.match(label.casefold())
        if m is None:
            continue  # blank or unrelated columns (e.g. 'Column1') are ignored
        age = int(m.group(1))
        if age in found:
            raise LoadError(
                file,
                f"age {age} has two columns (also column {found[age][0] + 1})",
                sheet=grid.name,
                row=excel_row,
                field=label,
            )
        found[age] = (c, label, m.group(2) is not None)
    if not found:
        raise LoadError(
            file, "no single-year-of-age columns (0, 1, ... 90+)", sheet=grid.name, row=excel_row
        )
    top = max(found)
    for age in range(top + 1):
        if age not in found:
            raise LoadError(
                file,
                f"no column for age {age} (ages 0 to {top} expected)",
                sheet=grid.name,
                row=excel_row,
                field=str(age),
            )
    if top < 85:
        raise LoadError(
            file,
            f"the ages stop at {top}; 85 and over is needed",
            sheet=grid.name,
            row=excel_row,
            field=found[top][1],
        )
    for age, (_, label, open_ended) in found.items():
        if open_ended and age != top:
            raise LoadError(
                file,
                f"{label!r} is open-ended but is not the top age",
                sheet=grid.name,
                row=excel_row,
                field=label,
            )
    return [(found[a][0], found[a][1]) for a in range(top + 1)]


def parse_persons_sheet(file: Path | str, grid: Grid) -> MyeTable:
    """Parse and check one MYE2 persons sheet (any year's layout)."""
    header_row = _find_header(
        grid, file, {"Code": _CODE_KEYS, "Name": _NAME_KEYS, "All ages": _ALL_AGES_KEYS}
    )
    year = _find_year(grid, header_row, file)
    header = grid.rows[header_row]
    code_col = _column(header, _CODE_KEYS)
    name_col = _column(header, _NAME_KEYS)
    all_col = _column(header, _ALL_AGES_KEYS)
    ages = _age_columns(grid, header_row, all_col + 1, file)
    fields = (_text(header[all_col]), *(label for _, label in ages))
    top = fields[-1] if fields[-1].endswith("+") else f"{fields[-1]}+"
    labels = ("all ages", *(f"aged {label}" for label in fields[1:-1]), f"aged {top}")
    value_cols = [all_col, *(c for c, _ in ages)]
    rows: dict[str, MyeRow] = {}
    for r in range(header_row + 1, len(grid.rows)):
        excel_row = r + 1
        code = _text(grid.cell(r, code_col))
        raw = [grid.cell(r, c) for c in value_cols]
        has_numbers = any(_is_number(v) for v in raw)
        if not _GSS_RE.match(code):
            if not has_numbers:
                continue  # a blank row, a footnote or a note below the table
            raise LoadError(
                file,
                f"{code!r} is not an ONS area code (a letter and 8 digits, e.g. E10000025)"
                if code
                else "a row of numbers without an area code",
                sheet=grid.name,
                row=excel_row,
                field=_text(header[code_col]),
            )
        if not code.startswith("E"):
            continue  # Wales, Scotland, Northern Ireland and the UK are not loaded
        if code in rows:
            raise LoadError(
                file,
                f"area {code} appears twice (also row {rows[code].excel_row})",
                sheet=grid.name,
                row=excel_row,
                field=_text(header[code_col]),
            )
        name = _text(grid.cell(r, name_col))
        if not name:
            raise LoadError(
                file, f"area {code} has no name", sheet=grid.name, row=excel_row, field="Name"
            )
        values = tuple(
            count(v, file=file, sheet=grid.name, row=excel_row, field=f, nil_is_zero=i > 0)
            for i, (v, f) in enumerate(zip(raw, fields, strict=True))
        )
        added = sum(values[1:])
        if added != values[0]:
            raise LoadError(
                file,
                f"{code} ({name}): the single years of age add up to {format_number(added)} "
                f"but {fields[0]} is {format_number(values[0])}",
                sheet=grid.name,
                row=excel_row,
                field=fields[0],
            )
        rows[code] = MyeRow(code, name, excel_row, values)
    table = MyeTable(year, grid.name, rows, labels, fields)
    return _check_table(file, table)


def _check_table(file: Path | str, table: MyeTable) -> MyeTable:
    """England, region and county totals against their parts; regions from the row order."""
    england = table.rows.get(ENGLAND)
    if england is None:
        raise LoadError(file, f"no England ({ENGLAND}) row", sheet=table.sheet, field="Code")
    councils = table.councils()
    codes = list(table.rows)
    if not any(c.startswith("E10") for c in codes) and any(c.startswith("E07") for c in codes):
        raise LoadError(
            file,
            "no county (E10) rows: the counties' populations cannot be read from this table",
            sheet=table.sheet,
            field="Code",
        )
    _check_sum(file, table, england, councils, "its upper-tier councils (E06, E08, E09, E10)")
    # Rows listed under their region (and districts under their county): check those sums too.
    region: str | None = None
    county: str | None = None
    by_region: dict[str, list[MyeRow]] = {}
    by_county: dict[str, list[MyeRow]] = {}
    regions: dict[str, str | None] = {}
    for row in table.rows.values():
        prefix = row.code[:3]
        if prefix == "E12":
            region = row.code
            by_region[region] = []
        elif prefix == "E92":
            region = None
        if prefix == "E10":
            county = row.code
            by_county[county] = []
        elif prefix == "E07" and county is not None:
            by_county[county].append(row)
        else:
            county = None
        if prefix in UPPER_TIER:
            regions[row.code] = region
            if region is not None:
                by_region[region].append(row)
    if councils and by_region and all(regions[c.code] for c in councils):
        for code, parts in by_region.items():
            _check_sum(file, table, table.rows[code], parts, "the councils listed under it")
        table.rows = {
            c: MyeRow(r.code, r.name, r.excel_row, r.values, regions.get(c))
            for c, r in table.rows.items()
        }
        table.regions_listed = True
    if by_county and all(by_county.values()):
        for code, parts in by_county.items():
            _check_sum(file, table, table.rows[code], parts, "the districts listed under it")
    return table


def _check_sum(
    file: Path | str, table: MyeTable, total: MyeRow, parts: Sequence[MyeRow], what: str
) -> None:
    for i, label in enumerate(table.labels):
        added = sum(p.values[i] for p in parts)
        if added != total.values[i]:
            raise LoadError(
                file,
                f"{total.name} ({total.code}) {label} is {format_number(total.values[i])} but "
                f"{what} add up to {format_number(added)}: a row is missing, duplicated or wrong",
                sheet=table.sheet,
                row=total.excel_row,
                field=table.fields[i],
            )


def parse_machine_readable_sheet(file: Path | str, grid: Grid) -> dict[int, MyeTable]:
    """Parse a machine-readable table (MYEB1: code, name, sex, age, population_YYYY ...) into
    one persons table per year column (males plus females), each checked like MYE2."""
    required = {
        "code": _CODE_KEYS,
        "name": _NAME_KEYS,
        "sex": frozenset({"sex", "gender"}),
        "age": frozenset({"age"}),
    }
    header_row = _find_header(grid, file, required)
    header = grid.rows[header_row]
    cols = {k: _column(header, v) for k, v in required.items()}
    year_cols = {
        int(m.group(1)): c
        for c, v in enumerate(header)
        if (m := _POPULATION_YEAR_RE.match(_key(v))) is not None
    }
    for year, c in year_cols.items():
        check_year(
            year,
            file=file,
            sheet=grid.name,
            row=header_row + 1,
            field=_text(header[c]),
            what="mid-year estimate year",
        )
    if not year_cols:
        raise LoadError(
            file,
            "no population_YYYY column",
            sheet=grid.name,
            row=header_row + 1,
            field="population_YYYY",
        )
    sex_field, age_field = _text(header[cols["sex"]]), _text(header[cols["age"]])
    year_fields = {year: _text(header[c]) for year, c in year_cols.items()}
    cells: dict[tuple[str, str, int], int] = {}
    values: dict[int, dict[tuple[str, str, int], float]] = {y: {} for y in year_cols}
    names: dict[str, tuple[str, int]] = {}
    top = 0
    for r in range(header_row + 1, len(grid.rows)):
        excel_row = r + 1
        code = _text(grid.cell(r, cols["code"]))
        if not _GSS_RE.match(code):
            if not any(_is_number(grid.cell(r, c)) for c in year_cols.values()):
                continue
            raise LoadError(
                file,
                f"{code!r} is not an ONS area code" if code else "numbers without an area code",
                sheet=grid.name,
                row=excel_row,
                field=_text(header[cols["code"]]),
            )
        if not code.startswith("E"):
            continue
        sex = {"m": "M", "male": "M", "1": "M", "f": "F", "female": "F", "2": "F"}.get(
            _key(grid.cell(r, cols["sex"]))
        )
        if sex is None:
            raise LoadError(
                file,
                f"sex {_text(grid.cell(r, cols['sex']))!r} is not M or F",
                sheet=grid.name,
                row=excel_row,
                field=sex_field,
            )
        m = _AGE_RE.match(_text(grid.cell(r, cols["age"])).casefold())
        if m is None:
            raise LoadError(
                file,
                f"age {_text(grid.cell(r, cols['age']))!r} is not a whole number of years",
                sheet=grid.name,
                row=excel_row,
                field=age_field,
            )
        age = int(m.group(1))
        top = max(top, age)
        key = (code, sex, age)
        if key in cells:
            raise LoadError(
                file,
                f"a second row for {code} {sex} aged {age} (also row {cells[key]})",
                sheet=grid.name,
                row=excel_row,
                field=age_field,
            )
        cells[key] = excel_row
        name = _text(grid.cell(r, cols["name"]))
        if code not in names:
            names[code] = (name, excel_row)
        elif names[code][0] != name:
            raise LoadError(
                file,
                f"area {code} is named {name!r} here but {names[code][0]!r} on row "
                f"{names[code][1]}",
                sheet=grid.name,
                row=excel_row,
                field=_text(header[cols["name"]]),
            )
        for year, c in year_cols.items():
            values[year][key] = count(
                grid.cell(r, c), file=file, sheet=grid.name, row=excel_row, field=year_fields[year]
            )
    if top < 85:
        raise LoadError(
            file, f"the ages stop at {top}; 85 and over is needed", sheet=grid.name, field="age"
        )
    for code, (name, first_row) in names.items():
        for sex in ("M", "F"):
            for age in range(top + 1):
                if (code, sex, age) not in cells:
                    raise LoadError(
                        file,
                        f"{code} ({name}) has no row for sex {sex} aged {age}",
                        sheet=grid.name,
                        row=first_row,
                        field=age_field,
                    )
    labels = ("all ages", *(f"aged {a}" for a in range(top)), f"aged {top}+")
    tables: dict[int, MyeTable] = {}
    for year in year_cols:
        by_key = values[year]
        rows: dict[str, MyeRow] = {}
        for code, (name, first_row) in names.items():
            ages = [by_key[(code, "M", a)] + by_key[(code, "F", a)] for a in range(top + 1)]
            rows[code] = MyeRow(code, name, first_row, (sum(ages), *ages))
        fields = (year_fields[year],) * len(labels)
        tables[year] = _check_table(file, MyeTable(year, grid.name, rows, labels, fields))
    return tables


def cross_check(file: Path | str, persons: MyeTable, other: MyeTable) -> None:
    """The machine-readable table's main year must equal the persons sheet, area by area."""
    for row in persons.rows.values():
        if not (row.code == ENGLAND or row.code.startswith(UPPER_TIER)):
            continue
        twin = other.rows.get(row.code)
        if twin is None:
            raise LoadError(
                file,
                f"area {row.code} ({row.name}) of sheet {persons.sheet!r} is missing here",
                sheet=other.sheet,
                field="code",
            )
        if len(twin.values) != len(row.values):
            raise LoadError(
                file,
                f"ages 0 to {len(twin.values) - 2}+ here but 0 to {len(row.values) - 2}+ on "
                f"sheet {persons.sheet!r}",
                sheet=other.sheet,
                row=twin.excel_row,
                field="age",
            )
        for i, (mine, theirs) in enumerate(zip(twin.values, row.values, strict=True)):
            if mine != theirs:
                raise LoadError(
                    file,
                    f"{row.code} mid-{persons.year} {other.labels[i]}: males and females here "
                    f"add up to {format_number(mine)}, but sheet {persons.sheet!r} row "
                    f"{row.excel_row} has {format_number(theirs)}",
                    sheet=other.sheet,
                    row=twin.excel_row,
                    field=other.fields[i],
                )
