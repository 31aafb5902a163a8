"""NHS Digital's Adult Social Care Outcomes Framework (ASCOF): measures by council, region and
England, one financial year per file.

Two layouts are read, from CSV or Excel (``.xlsx``), told apart by their header:

* **official open data** (NHS Digital's "Measures from the ASCOF" open data file): one row per
  geography, measure code, disaggregation and *measure type* (``Outcome``, ``Numerator``,
  ``Denominator``, ``Base``, ``Margin Of Error``), with ``Geographical Code``, ``Geographical
  Level`` (``Council``, ``Region``, ``England``, ``Council Type``), ``ONS Code`` (``ONS Area
  Code`` in older years), ``ASCOF Measure Code``, ``Disaggregation Level``, ``Measure Value``,
  ``Measure Group`` and ``Measure Group Description``. The file says nothing of its year: it is
  taken from the file name (``2020-21``, ``1920``, ``eng-2021`` ...) or given (``year=``).
* **compiled tables** (``final_data_YYYY.csv`` of the public repository
  ericyang-almaeconomics/social_care_datahub): one row per geography, measure *name* and
  disaggregation with its ``Measure Value`` and ``Year`` (``2021`` is 2020-21), and columns the
  compiler added from other sources (``IMD - Average rank``, ``Annual Pay Mean``,
  ``Population``), which are not read. Measure names change between years; each is given its
  ASCOF code by :func:`~lsr.data.sources._ascof_catalogue.code_for_name`.

Markers: ``[c]``/``c``/``*`` (suppressed for disclosure control) are stored as ``suppressed``
with no value; ``[x]``, ``x``, ``[z]``, ``:``, ``..``, ``-`` (not available / not applicable)
and, in the official layout only, a blank cell, as ``not available``. The compiled tables drop
unpublished values, so a blank value there is an error. ``Council Type`` rows (groups of
councils, no ONS code) are left out and counted in the load summary.

Checks: every area code is an English ONS code whose kind matches ``Geographical Level``;
values are numbers, not negative, at most 100 for percentages (24 for 1A, 12 for 1D, 1 for
1J); no measure, area, year and disaggregation appears twice; every measure with an England
row has a row for each of the nine regions (a file cut short loses the last regions); in the
official layout each measure has an ``Outcome`` row, a numerator never exceeds its denominator
for percentages, and (outside the surveys, whose numerators are rounded weighted estimates)
``Outcome`` equals ``Numerator / Denominator`` x 100 (x 100,000 for 2A) to its published
precision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb

from lsr.data.errors import LoadError, quote_list
from lsr.data.loading import LoadSummary, check_area_code, format_number
from lsr.data.measures import SCHEMA as MEASURES_SCHEMA
from lsr.data.measures import (
    TABLE,
    MeasureFile,
    cell_text,
    decimals,
    header_key,
    load_measure_files,
)
from lsr.data.sources import SourceInfo
from lsr.data.sources._ascof_catalogue import (
    AMBIGUOUS_SECOND,
    COUNCIL_TYPES,
    KNOWN_CODES,
    MULTIPLIERS,
    SURVEY_CODES,
    canonical_code,
    canonical_disaggregation,
    code_for_name,
    unit_for,
)
from lsr.data.sources._ascof_reading import (
    CellTable,
    area_level,
    check_range,
    check_regions,
    find_columns,
    measure_frame,
    open_table,
    parse_value,
    year_from_name,
    year_label,
)

__all__ = ["KIND", "SCHEMA", "SOURCE", "load_ascof", "read_ascof", "year_from_name"]

KIND = "ascof"

SOURCE = SourceInfo(
    kind=KIND,
    title="Measures from the Adult Social Care Outcomes Framework (ASCOF), England",
    publisher="NHS Digital (now NHS England)",
    licence="Open Government Licence v3.0",
    url="https://digital.nhs.uk/data-and-information/publications/statistical/"
    "adult-social-care-outcomes-framework-ascof",
    layouts=(
        "Official open data (CSV or .xlsx, 2014-15 onwards): one row per geography, measure "
        "code, disaggregation and measure type (Outcome, Numerator, Denominator, Base, Margin "
        "Of Error); the year comes from the file name or --year.",
        "Compiled tables (final_data_YYYY.csv, social_care_datahub, 2015-16 to 2020-21): one "
        "row per geography, measure name and disaggregation with Measure Value and Year "
        "(2021 = 2020-21); names change by year and are mapped to ASCOF codes.",
    ),
    tables=(TABLE,),
)

SCHEMA = MEASURES_SCHEMA

_TYPES = {
    "outcome": "value",
    "numerator": "numerator",
    "denominator": "denominator",
    "base": "base",
    "marginoferror": "margin_of_error",
}
_OFFICIAL = {
    "Measure Type": ("measuretype",),
    "Measure Value": ("measurevalue",),
    "Disaggregation Level": ("disaggregationlevel",),
    "ONS Code": ("onscode", "onsareacode"),
    "Measure Group": ("measuregroup", "ascofmeasuregroup"),
}
_OFFICIAL_OPTIONAL = {
    "Measure Group Description": ("measuregroupdescription",),
    "Geographical Description": ("geographicaldescription", "geographicalname"),
    "Geographical Level": ("geographicallevel",),
}
_COMPILED = {
    "ONS Code": ("onscode", "onsareacode"),
    "Measure Group Description": ("measuregroupdescription", "measuredescription"),
    "Disaggregation Level": ("disaggregationlevel",),
    "Measure Value": ("measurevalue",),
    "Year": ("year",),
}
_COMPILED_OPTIONAL = {
    "Geographical Description": ("geographicaldescription", "geographicalname"),
    "Geographical Level": ("geographicallevel",),
}


# --- the compiled layout ------------------------------------------------------------------------


def _parse_compiled(path: Path, table: CellTable, cols: dict[str, int]) -> MeasureFile:
    def cell(cells: list[Any], name: str) -> str:
        index = cols.get(name)
        return cell_text(cells[index]) if index is not None and index < len(cells) else ""

    codes: dict[str, str | None] = {}
    for _, cells in table.rows:
        name = cell(cells, "Measure Group Description")
        if name not in codes:
            codes[name] = code_for_name(name)
    carer_named = {c for c in codes.values() if c in AMBIGUOUS_SECOND.values()}
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    unknown: Counter[str] = Counter()
    resolved = 0
    for row, cells in table.rows:
        if all(cell_text(v) == "" for v in cells):
            continue
        name = cell(cells, "Measure Group Description")
        code = codes.get(name)
        if code is None:
            if not name:
                raise LoadError(
                    path, "missing measure name", row=row, field="Measure Group Description"
                )
            unknown[name] += 1
            continue
        area = check_area_code(cell(cells, "ONS Code"), file=path, field="ONS Code", row=row)
        level = area_level(area, cell(cells, "Geographical Level"), file=path, row=row, sheet=None)
        raw_disagg = cell(cells, "Disaggregation Level")
        if not raw_disagg:
            raise LoadError(path, "missing value", row=row, field="Disaggregation Level")
        disagg = canonical_disaggregation(raw_disagg)
        year = year_label(cell(cells, "Year"), file=path, row=row, field="Year")
        value, status = parse_value(
            cell(cells, "Measure Value"),
            code,
            file=path,
            row=row,
            sheet=None,
            field="Measure Value",
            blank_ok=False,
        )
        key = (code, area, year, disagg)
        if key in seen:
            second = AMBIGUOUS_SECOND.get(code)
            alt = (second, area, year, disagg) if second else None
            if second and second not in carer_named and alt not in seen:
                code, key = second, alt  # type: ignore[assignment]
                resolved += 1
            else:
                raise LoadError(
                    path,
                    f"ASCOF {code} {year} {disagg} for {area} appears twice (also line "
                    f"{seen[key]})",
                    row=row,
                    field="Measure Group Description",
                )
        check_range(value, code, file=path, row=row, sheet=None, field="Measure Value")
        seen[key] = row  # type: ignore[index]
        records.append(
            {
                "source": KIND,
                "edition": "compiled",
                "measure_code": code,
                "measure_name": name,
                "area_code": area,
                "area_name": cell(cells, "Geographical Description") or area,
                "area_level": level,
                "year": year,
                "disaggregation": disagg,
                "value": value,
                "numerator": None,
                "denominator": None,
                "base": None,
                "margin_of_error": None,
                "unit": unit_for(code),
                "status": status,
                "file_name": path.name,
                "row": row,
            }
        )
    check_regions(records, path, None, table.rows[-1][0] if table.rows else None)
    notes: list[str] = []
    if resolved:
        notes.append(
            f"{resolved} row(s) named like the service-user measure of direct payments or "
            "self-directed support were the second of a pair and read as the carer measure "
            "(1C(1B), 1C(2B))"
        )
    if unknown:
        listed = "; ".join(f"{n!r} ({c})" for n, c in sorted(unknown.items()))
        notes.append(f"measures lsr does not know, not loaded: {listed}")
    return MeasureFile(
        file=str(path),
        source=KIND,
        edition="compiled",
        layout="compiled table (one row per geography, measure name and disaggregation)",
        rows=measure_frame(records),
        notes=notes,
    )


# --- the official layout ------------------------------------------------------------------------


def _parse_official(path: Path, table: CellTable, cols: dict[str, int], year: str) -> MeasureFile:
    sheet = table.sheet

    def cell(cells: list[Any], name: str) -> str:
        index = cols.get(name)
        return cell_text(cells[index]) if index is not None and index < len(cells) else ""

    groups: dict[tuple[str, str, str], dict[str, tuple[str, int]]] = {}
    meta: dict[tuple[str, str, str], tuple[str, str, str, int]] = {}
    council_types = 0
    unknown: Counter[str] = Counter()
    other_types: Counter[str] = Counter()
    for row, cells in table.rows:
        if all(cell_text(v) == "" for v in cells):
            continue
        level_text = cell(cells, "Geographical Level")
        if cell(cells, "ONS Code") in ("", "-") and (
            header_key(level_text) in COUNCIL_TYPES
            or header_key(cell(cells, "Geographical Description")) in COUNCIL_TYPES
        ):
            council_types += 1
            continue
        area = check_area_code(
            cell(cells, "ONS Code"), file=path, field="ONS Code", row=row, sheet=sheet
        )
        level = area_level(area, level_text, file=path, row=row, sheet=sheet)
        group = cell(cells, "Measure Group")
        name = cell(cells, "Measure Group Description")
        code = canonical_code(group) if group else None
        if code is None:
            code = code_for_name(name) if name else None
        if code is None:
            if not (group or name):
                raise LoadError(
                    path, "missing measure", sheet=sheet, row=row, field="Measure Group"
                )
            unknown[group or name] += 1
            continue
        raw_disagg = cell(cells, "Disaggregation Level")
        if not raw_disagg:
            raise LoadError(
                path, "missing value", sheet=sheet, row=row, field="Disaggregation Level"
            )
        mtype = _TYPES.get(header_key(cell(cells, "Measure Type")))
        if mtype is None:
            other_types[cell(cells, "Measure Type") or "(blank)"] += 1
            continue
        key = (code, area, canonical_disaggregation(raw_disagg))
        parts = groups.setdefault(key, {})
        if mtype in parts:
            raise LoadError(
                path,
                f"ASCOF {code} {key[2]} {cell(cells, 'Measure Type')} for {area} appears twice "
                f"(also row {parts[mtype][1]})",
                sheet=sheet,
                row=row,
                field="Measure Type",
            )
        parts[mtype] = (cell(cells, "Measure Value"), row)
        if key not in meta:
            meta[key] = (name or group, cell(cells, "Geographical Description") or area, level, row)
    records: list[dict[str, Any]] = []
    for key, parts in groups.items():
        code, area, disagg = key
        name, area_name, level, first_row = meta[key]
        if "value" not in parts:
            raise LoadError(
                path,
                f"ASCOF {code} {disagg} for {area} has no Outcome row",
                sheet=sheet,
                row=first_row,
                field="Measure Type",
            )
        numbers: dict[str, float | None] = {}
        status = "published"
        for mtype, (text, row) in parts.items():
            number, cell_status = parse_value(
                text,
                code,
                file=path,
                row=row,
                sheet=sheet,
                field="Measure Value",
                blank_ok=True,
            )
            numbers[mtype] = number
            if mtype == "value":
                status = cell_status
        value_row = parts["value"][1]
        check_range(
            numbers["value"], code, file=path, row=value_row, sheet=sheet, field="Measure Value"
        )
        _check_counts(path, sheet, code, numbers, parts)
        records.append(
            {
                "source": KIND,
                "edition": "official",
                "measure_code": code,
                "measure_name": name,
                "area_code": area,
                "area_name": area_name,
                "area_level": level,
                "year": year,
                "disaggregation": disagg,
                "value": numbers["value"],
                "numerator": numbers.get("numerator"),
                "denominator": numbers.get("denominator"),
                "base": numbers.get("base"),
                "margin_of_error": numbers.get("margin_of_error"),
                "unit": unit_for(code),
                "status": status,
                "file_name": path.name,
                "row": value_row,
            }
        )
    check_regions(records, path, sheet, table.rows[-1][0] if table.rows else None)
    notes: list[str] = []
    if council_types:
        notes.append(f"{council_types} 'Council Type' row(s) (groups of councils) left out")
    if unknown:
        listed = "; ".join(f"{n!r} ({c})" for n, c in sorted(unknown.items()))
        notes.append(f"measures lsr does not know, not loaded: {listed}")
    if other_types:
        listed = "; ".join(f"{n!r} ({c})" for n, c in sorted(other_types.items()))
        notes.append(f"measure types not read: {listed}")
    return MeasureFile(
        file=str(path),
        source=KIND,
        edition="official",
        layout="official open data (one row per geography, measure, disaggregation and type)",
        rows=measure_frame(records),
        sheet=sheet,
        notes=notes,
    )


def _check_counts(
    path: Path,
    sheet: str | None,
    code: str,
    numbers: dict[str, float | None],
    parts: dict[str, tuple[str, int]],
) -> None:
    """Numerator within denominator (percentages); Outcome = Numerator / Denominator x
    multiplier to its published precision (measures that are not survey estimates)."""
    value = numbers.get("value")
    num, den = numbers.get("numerator"), numbers.get("denominator")
    if num is None or den is None:
        return
    if unit_for(code) == "%" and num > den:
        raise LoadError(
            path,
            f"ASCOF {code}: Numerator {format_number(num)} is more than Denominator "
            f"{format_number(den)}",
            sheet=sheet,
            row=parts["numerator"][1],
            field="Measure Value",
        )
    if (
        value is None
        or den <= 0
        or code not in KNOWN_CODES
        or code in SURVEY_CODES
        or code.startswith("2C")
    ):
        return
    multiplier = MULTIPLIERS.get(code, 100.0)
    expected = num / den * multiplier
    tolerance = 0.5 * 10.0 ** (-max(decimals(value), 1)) + 1e-9
    if abs(expected - value) > tolerance:
        raise LoadError(
            path,
            f"ASCOF {code}: Outcome {format_number(value)} does not match Numerator "
            f"{format_number(num)} / Denominator {format_number(den)} x "
            f"{format_number(multiplier)} = {expected:,.2f}",
            sheet=sheet,
            row=parts["value"][1],
            field="Measure Value",
        )


# --- public API -----------------------------------------------------------------------------------


def read_ascof(path: str | PathLike[str], *, year: str | None = None) -> MeasureFile:
    """Read and validate one ASCOF file (either layout, CSV or ``.xlsx``); no store access.

    ``year`` (``"2020-21"``) is needed for an official open-data file whose name does not say
    its year; the compiled tables carry theirs. Raises :class:`LoadError` naming the file,
    sheet, row and column for anything wrong."""
    file = Path(path)
    table = open_table(file)
    official, missing_official = find_columns(table, _OFFICIAL, _OFFICIAL_OPTIONAL)
    compiled, missing_compiled = find_columns(table, _COMPILED, _COMPILED_OPTIONAL)
    if not missing_official:
        label = _year_or_error(file, year)
        return _parse_official(file, table, official, label)
    if not missing_compiled:
        parsed = _parse_compiled(file, table, compiled)
        if year is not None:
            wanted = year_label(year, file=file, row=None, field="--year")
            if wanted not in parsed.years:
                raise LoadError(
                    file,
                    f"--year {wanted} was given but this compiled table holds "
                    f"{', '.join(parsed.years) or 'no rows'} (its Year column)",
                    field="Year",
                )
        named = year_from_name(file.name)
        if named is not None and len(parsed.years) == 1 and parsed.years != [named]:
            raise LoadError(
                file,
                f"the file name says {named} but every row's Year says {parsed.years[0]}; is "
                "it the right file (or was the year changed)?",
                row=int(parsed.rows["row"].iloc[0]),
                field="Year",
            )
        return parsed
    closer, missing = (
        ("official open data", missing_official)
        if len(missing_official) <= len(missing_compiled)
        else ("compiled table", missing_compiled)
    )
    raise LoadError(
        file,
        f"missing column {missing[0]!r} for an ASCOF {closer} file; found: "
        f"{quote_list(h for h in table.header if h)}",
        sheet=table.sheet,
        row=table.header_row,
        field=missing[0],
    )


def _year_or_error(file: Path, year: str | None) -> str:
    if year is not None:
        return year_label(year, file=file, row=None, field="--year")
    found = year_from_name(file.name)
    if found is None:
        raise LoadError(
            file,
            "the official ASCOF open data does not say its year and the file name does not "
            "either; give it with --year (e.g. --year 2020-21)",
        )
    return found


def load_ascof(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    year: str | None = None,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load ASCOF files (either layout) into ``social_care_measures``.

    Every file is read and checked before anything is written (:func:`load_files`). A file
    loaded before is skipped; rows already in the store with the same numbers are skipped; a
    row that conflicts with the store, or with the other edition (compiled and official) of the
    same year, refuses the file and names both files. The summary says how many values were
    checked against the other edition and agreed."""

    def read(path: Path) -> MeasureFile:
        return read_ascof(path, year=year)

    return load_measure_files(con, paths, KIND, read, skip_bad=skip_bad, progress=progress)
