"""The Office for Local Government (Oflog) adult social care metrics, by council and year.

Oflog's Local Authority Data Explorer publishes, for every upper-tier council, adult social
care metrics from 2015-16 onwards: carer-reported quality of life (ASCOF 1D), social
care-related quality of life impact (1J), ease of finding information for service users (3D(1))
and carers (3D(2)), the outcome of short-term services (2D), requests resulting in a service,
and the adult social care workforce turnover rate (Skills for Care estimates).

Layout read (one CSV, as in the public repository communitiesuk/oflog-automated-text,
``ASC_data.csv`` and ``adult_social_care.csv``): one row per financial year, council and
metric, with ``Financial year`` (``2016-17``), ``Local authority code``, ``Local authority
name``, ``Grouping`` (``LA_Raw``), ``Entity_Name`` (council type), ``Region``, ``Measure``
(``"Outcome, Workforce turnover rate"``), ``Code`` (``ASC7``; absent from the earlier file, where
the code comes from the measure's name), ``Value``, ``MEDIAN`` (the median of all councils that
year), ``MADs_from_median`` and ``rank_order`` (``desc`` where a higher value is better;
``None`` where Oflog ranks no direction). Columns are found by header text.

Markers: a blank ``Value`` is a value Oflog did not publish (for example turnover where Skills
for Care had too few returns, or the Isles of Scilly): stored as ``not available``; ``[c]`` and
``*`` as ``suppressed``, ``[x]`` and ``..`` as ``not available``.

Checks: English council codes; financial years such as ``2016-17``; values are numbers, not
negative, at most 100 for percentages (12 for carer quality of life, 1 for the quality of life
impact); no metric, council and year appears twice; ``Code`` and the measure's name agree; and,
where ``MEDIAN`` is given, it is the same on every row of a metric and year *and* equals the
median of the values given: a changed value, or a file cut short, is found.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, quote, quote_list
from lsr.data.loading import (
    MAX_SOURCE_FILE_BYTES,
    LoadSummary,
    check_area_code,
    check_file_size,
    format_number,
)
from lsr.data.measures import (
    ROW_COLUMNS,
    TABLE,
    MeasureFile,
    area_level_for,
    cell_text,
    header_key,
    load_measure_files,
    marker_status,
    read_csv_cells,
)
from lsr.data.measures import SCHEMA as MEASURES_SCHEMA
from lsr.data.periods import check_year
from lsr.data.sources import SourceInfo

__all__ = ["KIND", "METRICS", "SCHEMA", "SOURCE", "code_for_measure", "load_oflog", "read_oflog"]

KIND = "oflog"

SOURCE = SourceInfo(
    kind=KIND,
    title="Oflog Local Authority Data Explorer: adult social care metrics",
    publisher="Office for Local Government (Oflog), Department for Levelling Up, Housing and "
    "Communities; workforce turnover from Skills for Care, the others from NHS Digital",
    licence="Open Government Licence v3.0",
    url="https://oflog.data.gov.uk/ (data as used in github.com/communitiesuk/"
    "oflog-automated-text)",
    layouts=(
        "One CSV row per financial year, council and metric: Financial year, Local authority "
        "code and name, Measure, Code (ASC1-ASC7; absent from the earlier file), Value, "
        "MEDIAN, MADs_from_median, rank_order (2015-16 to 2022-23).",
    ),
    tables=(TABLE,),
)

SCHEMA = MEASURES_SCHEMA

METRICS: dict[str, tuple[str, str, float | None]] = {
    "ASC1": ("Carer-reported quality of life", "score out of 12", 12.0),
    "ASC2": (
        "Social care-related quality of life impact",
        "score (share of quality of life attributable to services)",
        1.0,
    ),
    "ASC3": ("Ease of finding information about services: service users", "%", 100.0),
    "ASC4": ("Ease of finding information about support: carers", "%", 100.0),
    "ASC5": ("Outcome of short-term services: sequel to service", "%", 100.0),
    "ASC6": ("Requests resulting in a service", "per 100,000 population (as published)", None),
    "ASC7": ("Adult social care workforce turnover rate", "%", 100.0),
}
"""Oflog code -> (name, unit, largest possible value)."""

_COLUMNS = {
    "Financial year": ("financialyear", "year"),
    "Local authority code": ("localauthoritycode", "lacode", "areacode"),
    "Measure": ("measure", "metric"),
    "Value": ("value",),
}
_OPTIONAL = {
    "Code": ("code", "measurecode", "metriccode"),
    "Local authority name": ("localauthorityname", "laname", "areaname"),
    "Grouping": ("grouping",),
    "MEDIAN": ("median",),
}
_YEAR_RE = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$")


def code_for_measure(name: str) -> str | None:
    """The Oflog code (``ASC1`` ... ``ASC7``) of a metric from its name, or ``None``."""
    t = " ".join(name.casefold().replace("outcome,", " ").split())
    if "carer quality of life" in t or "carer-reported quality of life" in t:
        return "ASC1"
    if "quality of life" in t:
        return "ASC2"
    if "finding information" in t or "find information" in t:
        return "ASC4" if "carer" in t else "ASC3"
    if "short-term" in t or "short term" in t or "sequel" in t:
        return "ASC5"
    if "requests" in t:
        return "ASC6"
    if "turnover" in t:
        return "ASC7"
    return None


def _year(text: str, *, file: Path, row: int) -> str:
    m = _YEAR_RE.match(text.strip())
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        if (start + 1) % 100 == end and 2000 <= start < 2100:
            check_year(
                start, file=file, row=row, field="Financial year", what="financial year starting"
            )
            return f"{start}-{end:02d}"
    raise LoadError(
        file,
        f"{quote(text)} is not a financial year (expected e.g. 2016-17)",
        row=row,
        field="Financial year",
    )


def _value(text: str, code: str, *, file: Path, row: int) -> tuple[float | None, str]:
    if text == "":
        return None, "not available"
    status = marker_status(text)
    if status is not None:
        return None, status
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise LoadError(
            file, f"{text!r} is not a number (nor a blank or a marker)", row=row, field="Value"
        ) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise LoadError(file, f"{text!r} is not a finite number", row=row, field="Value")
    if number < 0:
        raise LoadError(file, f"{text} is negative", row=row, field="Value")
    top = METRICS.get(code, ("", "", None))[2]
    if top is not None and number > top + 1e-9:
        raise LoadError(
            file,
            f"{format_number(number)} is above {format_number(top)}, the largest possible "
            f"value of {code} ({METRICS[code][1]})",
            row=row,
            field="Value",
        )
    return number, "published"


def _check_medians(
    file: Path,
    records: list[dict[str, Any]],
    medians: dict[tuple[str, str], list[tuple[float, int]]],
) -> None:
    """MEDIAN is one number per metric and year, and it is the median of the values given."""
    values: dict[tuple[str, str], list[float]] = {}
    for r in records:
        if r["value"] is not None:
            values.setdefault((r["measure_code"], r["year"]), []).append(r["value"])
    for key, given in medians.items():
        first, first_row = given[0]
        for median, row in given[1:]:
            if abs(median - first) > 1e-6 * max(1.0, abs(first)):
                raise LoadError(
                    file,
                    f"MEDIAN of {key[0]} {key[1]} is {format_number(median)} here but "
                    f"{format_number(first)} on row {first_row}",
                    row=row,
                    field="MEDIAN",
                )
        present = values.get(key, [])
        if not present:
            continue
        actual = statistics.median(present)
        if abs(actual - first) > 1e-6 * max(1.0, abs(first)):
            raise LoadError(
                file,
                f"MEDIAN of {key[0]} {key[1]} is {format_number(first)} but the median of the "
                f"{len(present)} values in the file is {format_number(actual)}: a value was "
                "changed or rows are missing (is the file complete?)",
                row=first_row,
                field="MEDIAN",
            )


def read_oflog(path: str | PathLike[str]) -> MeasureFile:
    """Read and validate one Oflog adult social care metrics CSV; no store access.

    Raises :class:`LoadError` naming the file, row and column for anything wrong."""
    file = Path(path)
    if not file.exists():
        raise LoadError(file, "file not found")
    check_file_size(file, MAX_SOURCE_FILE_BYTES, what="Oflog file")
    frame = read_csv_cells(file)
    keys = [header_key(c) for c in frame.columns]
    cols: dict[str, int] = {}
    for name, aliases in {**_COLUMNS, **_OPTIONAL}.items():
        index = next((i for i, k in enumerate(keys) if k in aliases), None)
        if index is not None:
            cols[name] = index
        elif name in _COLUMNS:
            raise LoadError(
                file,
                f"missing column {name!r} for Oflog metrics; found: {quote_list(frame.columns)}",
                row=1,
                field=name,
            )
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    medians: dict[tuple[str, str], list[tuple[float, int]]] = {}
    unknown: Counter[str] = Counter()
    other_groupings: Counter[str] = Counter()
    lines = frame.attrs["lines"]
    for i, cells in enumerate(frame.itertuples(index=False, name=None)):
        row = lines[i]

        def cell(name: str, cells: tuple[Any, ...] = cells) -> str:
            index = cols.get(name)
            return cell_text(cells[index]) if index is not None else ""

        if all(cell_text(v) == "" for v in cells):
            continue
        grouping = cell("Grouping")
        if grouping and header_key(grouping) != "laraw":
            other_groupings[grouping] += 1
            continue
        measure = cell("Measure")
        named = code_for_measure(measure) if measure else None
        given = cell("Code").upper()
        if given and named and given != named:
            raise LoadError(
                file,
                f"Code {given} does not match the measure {measure!r} ({named})",
                row=row,
                field="Code",
            )
        code = given or named
        if code is None:
            if not measure:
                raise LoadError(file, "missing value", row=row, field="Measure")
            unknown[measure] += 1
            continue
        area = check_area_code(
            cell("Local authority code"), file=file, field="Local authority code", row=row
        )
        if area_level_for(area) != "council":
            raise LoadError(
                file,
                f"{area} is not the code of an upper-tier council",
                row=row,
                field="Local authority code",
            )
        year = _year(cell("Financial year"), file=file, row=row)
        value, status = _value(cell("Value"), code, file=file, row=row)
        key = (code, area, year)
        if key in seen:
            raise LoadError(
                file,
                f"{code} {year} for {area} appears twice (also row {seen[key]})",
                row=row,
                field="Local authority code",
            )
        seen[key] = row
        median_text = cell("MEDIAN")
        if median_text:
            try:
                medians.setdefault((code, year), []).append((float(median_text), row))
            except ValueError:
                raise LoadError(
                    file, f"{median_text!r} is not a number", row=row, field="MEDIAN"
                ) from None
        name, unit, _ = METRICS.get(code, (measure, "as published", None))
        records.append(
            {
                "source": KIND,
                "edition": "official",
                "measure_code": code,
                "measure_name": measure or name,
                "area_code": area,
                "area_name": cell("Local authority name") or area,
                "area_level": "council",
                "year": year,
                "disaggregation": "Total",
                "value": value,
                "numerator": None,
                "denominator": None,
                "base": None,
                "margin_of_error": None,
                "unit": unit,
                "status": status,
                "file_name": file.name,
                "row": row,
            }
        )
    _check_medians(file, records, medians)
    frame_out = pd.DataFrame(records, columns=[*ROW_COLUMNS, "row"])
    for column in ("value", "numerator", "denominator", "base", "margin_of_error"):
        frame_out[column] = frame_out[column].astype("float64")
    notes: list[str] = []
    if unknown:
        listed = "; ".join(f"{n!r} ({c})" for n, c in sorted(unknown.items()))
        notes.append(f"metrics lsr does not know, not loaded: {listed}")
    if other_groupings:
        listed = "; ".join(f"{n!r} ({c})" for n, c in sorted(other_groupings.items()))
        notes.append(f"rows of other groupings than LA_Raw left out: {listed}")
    return MeasureFile(
        file=str(file),
        source=KIND,
        edition="official",
        layout="Oflog metrics CSV (one row per year, council and metric)",
        rows=frame_out,
        value_field="Value",
        notes=notes,
    )


def load_oflog(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load Oflog adult social care metrics files into ``social_care_measures``.

    Every file is checked before anything is written; rows already stored with the same
    numbers are skipped; a conflicting row, or a metric that republishes an ASCOF measure
    (ASC1 = 1D, ASC2 = 1J, ASC3 = 3D(1), ASC4 = 3D(2), ASC5 = 2D) with a different value from
    the ASCOF file in the store, refuses the file and names both files."""
    return load_measure_files(con, paths, KIND, read_oflog, skip_bad=skip_bad, progress=progress)
