"""ONS mid-year population estimates by local authority and single year of age (table MYE2).

ONS publishes, each year, a workbook "Population estimates for the UK, England and Wales,
Scotland and Northern Ireland" whose MYE2 table gives persons, males and females by single year
of age for the UK, its countries, the English regions, counties, metropolitan counties and
every local authority. This module reads the *persons* table of any year as published:

- mid-2015: sheet ``Persons UK``, header row 3 (``CODE, NAME, ALL AGES, 0 ... 90``);
- mid-2016: sheet ``MYE2 - All``, header row 5 (``Code, Name, All ages, 0 ... 90``);
- mid-2017 and mid-2018: ``MYE2 - All`` / ``MYE2-All``, header row 5 with a ``Geography1``
  column and a footnote below the table;
- mid-2019: ``MYE2 - Persons``, header row 5, the top age labelled ``90+``;
- mid-2020 to mid-2022: ``MYE2 - Persons``, header row 8 below feedback links, ``Geography``,
  ages as text ``0`` ... ``90+`` (mid-2021 has two blank ``Column1``/``Column2`` columns);
- mid-2022 (``.xlsx``) also has ``MYEB1``, a machine-readable table (code, name, geography,
  sex, age, ``population_2011``, ``population_2022``): its mid-2011 column is read as year
  2011 and its mid-2022 column is checked against ``MYE2 - Persons``.

Sheets and columns are found by their text (case, spacing and the footnote digit of
``Geography1`` do not matter), never by position. The open-ended top age (``90`` up to mid-2018,
``90+`` after) counts as "90 and over". Kept: England (E92000001) and the upper-tier councils
(unitary authorities E06, metropolitan districts E08, London boroughs E09, counties E10), with
bands all ages, 18+, 65+, 75+ and 85+ summed from the single years; each council's region is
the English region (E12) row it is listed under. Other rows (districts, metropolitan counties,
Wales, Scotland, Northern Ireland, notes) are used for checks or skipped.

Checks, each a :class:`~lsr.data.errors.LoadError` naming file, sheet, Excel row and column:
every count is a whole, non-negative number; the single years add up to All ages; England
equals the sum of its upper-tier councils at every age; where the rows are listed under their
regions and counties, each region equals the sum of its councils and each county the sum of
its districts; no area appears twice. Nil markers: ``-`` in a single-year cell is ONS's "nil"
and counts as 0 (the All ages check still applies); ``..``, ``:``, ``x``, ``[x]``, ``*``,
``c``, ``[c]``, ``z`` and ``[z]`` (not available, suppressed, confidential, not applicable) and
any other text are errors, since a band cannot be summed without the number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lsr.data.errors import LoadError, quote_list
from lsr.data.loading import MAX_SOURCE_FILE_BYTES, LoadSummary, check_file_size, load_files
from lsr.data.population_table import (
    AGE_BANDS,
    FRAME_COLUMNS,
    check_population_frame,
    store_population_frame,
)
from lsr.data.sources import SourceInfo
from lsr.data.sources.ons_mye_sheets import (
    BAND_START,
    ENGLAND,
    Grid,
    MyeRow,
    MyeTable,
    cross_check,
    parse_machine_readable_sheet,
    parse_persons_sheet,
)

__all__ = [
    "KIND",
    "SOURCE",
    "Grid",
    "OnsMyeFile",
    "is_workbook",
    "load_ons_mye",
    "parse_ons_mye_sheets",
    "read_ons_mye",
    "workbook_grids",
]

KIND = "ons_mye"

SOURCE = SourceInfo(
    kind=KIND,
    title=(
        "Population estimates for the UK, England and Wales, Scotland and Northern Ireland: "
        "MYE2, persons by single year of age and sex for local authorities"
    ),
    publisher="Office for National Statistics (ONS)",
    licence="Open Government Licence v3.0",
    url=(
        "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
        "populationestimates/datasets/"
        "populationestimatesforukenglandandwalesscotlandandnorthernireland"
    ),
    layouts=(
        "mid-2015 (.xls): sheet 'Persons UK', header row 3 'CODE, NAME, ALL AGES, 0..90'",
        "mid-2016 (.xls): sheet 'MYE2 - All', header row 5 'Code, Name, All ages, 0..90'",
        "mid-2017, mid-2018 (.xls): 'MYE2 - All' / 'MYE2-All', header row 5 with 'Geography1'",
        "mid-2019 (.xls): 'MYE2 - Persons', header row 5, top age '90+'",
        "mid-2020, mid-2021 (.xls): 'MYE2 - Persons', header row 8, 'Geography', ages as text",
        "mid-2022 (.xlsx): as mid-2020, plus 'MYEB1' (machine readable, by sex and age, "
        "mid-2011 and mid-2022): mid-2011 read as year 2011",
    ),
    tables=("areas", "population"),
)


REGION_NAMES: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
"""ONS names of the English regions (the workbooks print some in capitals)."""


@dataclass
class OnsMyeFile:
    """One workbook, read and validated: its year, each year's table and the store frame."""

    file: str
    year: int
    """The estimates' year (mid-YYYY of the persons table)."""
    tables: dict[int, MyeTable]
    """Every year read: the main year and any comparison year (mid-2011 in mid-2022)."""
    frame: pd.DataFrame
    """One row per area, year and age band (:data:`~lsr.data.population_table.FRAME_COLUMNS`)."""
    sheets: dict[int, str] = field(default_factory=dict)
    """Year -> the sheet it was read from."""


def _sheet_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _persons_sheet(file: Path | str, names: Sequence[str]) -> str:
    """The persons sheet of table MYE2 ('Persons UK', 'MYE2 - All', 'MYE2 - Persons' ...)."""
    found = [
        n
        for n in names
        if "male" not in _sheet_key(n)
        and ("person" in _sheet_key(n) or re.fullmatch(r"mye2all\w*", _sheet_key(n)))
    ]
    if not found:
        raise LoadError(
            file,
            "no sheet of persons by single year of age (such as 'MYE2 - Persons', 'MYE2 - All' "
            f"or 'Persons UK'); found: {quote_list(names)}",
            sheet="MYE2 - Persons",
        )
    preferred = [n for n in found if _sheet_key(n).startswith("mye2")]
    return (preferred or found)[0]


def _machine_readable_sheets(names: Sequence[str]) -> list[str]:
    """Sheets of the machine-readable table (MYEB1), if the workbook has them."""
    return [n for n in names if re.fullmatch(r"myeb1\w*", _sheet_key(n))]


def parse_ons_mye_sheets(file: Path | str, grids: Mapping[str, Grid]) -> OnsMyeFile:
    """Parse a workbook's sheets (by name) into a validated :class:`OnsMyeFile`."""
    persons = parse_persons_sheet(file, grids[_persons_sheet(file, list(grids))])
    tables = {persons.year: persons}
    for name in _machine_readable_sheets(list(grids)):
        for year, table in parse_machine_readable_sheet(file, grids[name]).items():
            if year == persons.year:
                cross_check(file, persons, table)
            elif year in tables:
                raise LoadError(
                    file,
                    f"mid-{year} is also on sheet {tables[year].sheet!r}",
                    sheet=name,
                    field=f"population_{year}",
                )
            else:
                tables[year] = table
    frame = _frame(tables)
    check_population_frame(file, frame, duplicate_field="Code", name_field="Name")
    return OnsMyeFile(
        file=str(file),
        year=persons.year,
        tables=dict(sorted(tables.items())),
        frame=frame,
        sheets={y: t.sheet for y, t in sorted(tables.items())},
    )


def _area_name(row: MyeRow) -> str:
    return "England" if row.code == ENGLAND else row.name


def _region_name(table: MyeTable, code: str | None) -> str | None:
    if code is None:
        return None
    name = table.rows[code].name
    return REGION_NAMES.get(code, name.title() if name.isupper() else name)


def _frame(tables: Mapping[int, MyeTable]) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    for year, table in tables.items():
        kept = [table.rows[ENGLAND], *table.councils()]
        fields = table.fields
        for row in kept:
            region = _region_name(table, row.region)
            for band in AGE_BANDS:
                start = BAND_START[band]
                if band == "all" or len(set(fields)) == 1:
                    source_field = fields[0]
                else:
                    source_field = f"{fields[1 + start]} to {fields[-1]}"
                records.append(
                    {
                        "area_code": row.code,
                        "area_name": _area_name(row),
                        "region": region,
                        "year": year,
                        "age_band": band,
                        "population": row.band(band),
                        "source_sheet": table.sheet,
                        "source_row": row.excel_row,
                        "source_field": source_field,
                    }
                )
    frame = pd.DataFrame(records, columns=list(FRAME_COLUMNS))
    frame["year"] = frame["year"].astype("int64")
    frame["population"] = frame["population"].astype("float64")
    return frame


_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def _magic(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(8)
    except OSError:
        return b""


def is_workbook(path: str | PathLike[str]) -> bool:
    """Whether a file is an Excel workbook (.xls or .xlsx), by its extension or first bytes."""
    path = Path(path)
    if path.suffix.casefold() in {".xls", ".xlsx", ".xlsm"}:
        return True
    head = _magic(path)
    return head.startswith(_XLS_MAGIC) or head.startswith(_ZIP_MAGIC)


def _read_grids(path: Path, select: Callable[[list[str]], list[str]]) -> dict[str, Grid]:
    """The selected sheets of an .xls (xlrd) or .xlsx (openpyxl) workbook as grids."""
    head = _magic(path)
    if head.startswith(_XLS_MAGIC):
        import xlrd

        # xlrd writes warnings about damaged files to a log (stdout by default): keep it quiet
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())
        try:
            grids = {}
            for name in select(list(book.sheet_names())):
                sheet = book.sheet_by_name(name)
                grids[name] = Grid(name, [sheet.row_values(r) for r in range(sheet.nrows)])
            return grids
        finally:
            book.release_resources()
    if head.startswith(_ZIP_MAGIC):
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {
                name: Grid(name, [list(r) for r in wb[name].iter_rows(values_only=True)])
                for name in select(list(wb.sheetnames))
            }
        finally:
            wb.close()
    raise ValueError("neither an .xls nor an .xlsx file (unknown first bytes)")


def _select(path: Path) -> Callable[[list[str]], list[str]]:
    def select(names: list[str]) -> list[str]:
        return [_persons_sheet(path, names), *_machine_readable_sheets(names)]

    return select


def workbook_grids(path: str | PathLike[str]) -> dict[str, Grid]:
    """The sheets :func:`read_ons_mye` reads (MYE2 persons, and MYEB1 if present) as grids,
    or a :class:`LoadError` if the file is not a readable workbook or has no persons sheet."""
    path = Path(path)
    if not path.exists():
        raise LoadError(path, "file not found")
    check_file_size(path, MAX_SOURCE_FILE_BYTES, what="population workbook")
    try:
        return _read_grids(path, _select(path))
    except LoadError:
        raise
    except Exception as exc:  # xlrd and openpyxl raise many unrelated types for a bad file
        raise LoadError(
            path,
            f"not a readable Excel workbook ({type(exc).__name__}: {exc}); expected an ONS "
            "mid-year population estimates workbook (.xls or .xlsx)",
        ) from None


def read_ons_mye(path: str | PathLike[str]) -> OnsMyeFile:
    """Read and validate one ONS mid-year estimates workbook (.xls or .xlsx, any year).

    Raises :class:`LoadError` naming the file, sheet, Excel row and column for anything wrong
    (see :mod:`lsr.data.sources.ons_mye_sheets` for the checks); the store is not touched."""
    return parse_ons_mye_sheets(Path(path), workbook_grids(path))


def _store(con: duckdb.DuckDBPyConnection, path: Path, parsed: OnsMyeFile) -> int:
    return store_population_frame(con, path, parsed.frame)


def load_ons_mye(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load ONS mid-year estimate workbooks into ``areas`` and ``population``.

    Every workbook is read and checked before anything is written (see
    :func:`lsr.data.loading.load_files`); a workbook loaded before is skipped; a year already
    in the store with the same numbers inserts nothing; an area, year and band already in the
    store with a different number is a :class:`LoadError`. New areas are added with their
    region; an existing area keeps its name."""
    return load_files(con, paths, KIND, read_ons_mye, _store, skip_bad=skip_bad, progress=progress)
