"""NHS England A&E attendances and emergency admissions: monthly counts by provider.

NHS England publishes, each month, one CSV of every provider's A&E attendances, attendances
over four hours ("breaches") and emergency admissions via A&E, by department type (type 1:
major emergency departments; type 2: single-specialty; "other": type 3 and 4 departments such
as urgent treatment centres, minor injury units and walk-in centres). Two layouts are read:

- **NHS England's monthly provider CSV, as published** ("Monthly A&E Attendances and Emergency
  Admissions"): one month per file, columns ``Period`` (``MSitAE-MARCH-2019``), ``Org Code``,
  ``Parent Org``, ``Org name`` and the counts. The headers have changed over the years
  (``Number of A&E attendances Type 1`` until 2019-20, ``A&E attendances Type 1`` after;
  ``... Other A&E Department`` or ``... Other Department``; ``Booked Appointments`` columns
  from August 2020), so columns are found by their header text, not their position. A
  ``TOTAL`` row (the label in ``Period``, ``Org Code`` or ``Org name``) is checked against the
  sum of the providers and not stored; unnamed or unknown columns (blank trailing columns,
  12-hour waits from decision to admit, other emergency admissions) are ignored.
- **The NHSRdatasets repackaging** (``ae_attendances``, April 2016 to March 2019): one row per
  ``period`` (``2017-03-01``), ``org_code`` and ``type`` (``1``, ``2``, ``other``) with
  ``attendances``, ``breaches`` and ``admissions``.

Both become rows of ``ae_activity(org_code, period, dept_type, attendances, breaches,
admissions)``; booked appointments are added to the attendances and breaches of their
department type. A provider and type with nothing reported (all three counts zero) is not
stored, so that the two layouts give the same rows for the same month.

Nil markers: ``-`` (NHS England's "nil") is 0. In NHS England's CSV a blank count is 0 too
(nothing reported for that department type, e.g. the booked-appointment columns of a provider
without bookings); the providers must still add up to the TOTAL row. In the NHSRdatasets layout,
which has no blanks, a blank is an error ("missing value"). ``*``, ``..`` and any other text are
errors in both (this collection is not suppressed, so a suppression marker means a damaged or
different file).

:func:`read_ae` reads and validates one file without touching the store; :func:`load_ae` loads
many on :func:`lsr.data.loading.load_files` (every file checked before anything is written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data.errors import LoadError
from lsr.data.loading import (
    LoadSummary,
    compare_with_store,
    format_number,
    insert_frame,
    load_files,
)
from lsr.data.sources import SourceInfo
from lsr.data.sources.ae_layouts import (
    DEPARTMENT_TYPES,
    LAYOUT_NHS_ENGLAND,
    LAYOUT_NHSRDATASETS,
    MEASURES,
    AeFile,
    classify_column,
    parse_period,
    read_ae_csv,
)

__all__ = [
    "DEPARTMENT_TYPES",
    "KIND",
    "LAYOUT_NHSRDATASETS",
    "LAYOUT_NHS_ENGLAND",
    "MEASURES",
    "SCHEMA",
    "SOURCE",
    "AeFile",
    "classify_column",
    "load_ae",
    "parse_period",
    "read_ae",
]

KIND = "ae"

SOURCE = SourceInfo(
    kind=KIND,
    title="A&E Attendances and Emergency Admissions (monthly, by provider)",
    publisher="NHS England",
    licence="Open Government Licence v3.0 (the NHSRdatasets repackaging: CC0)",
    url="https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/",
    layouts=(
        "NHS England monthly provider CSV, 2019-20 wording: Period, Org Code, Parent Org, "
        "Org name, 'Number of A&E attendances Type 1/Type 2/Other A&E Department', 'Number of "
        "attendances over 4hrs ...', 'Emergency admissions via A&E - ...'",
        "NHS England monthly provider CSV, April 2020 onwards: 'A&E attendances Type 1', "
        "'Attendances over 4hrs Type 1', '... Other Department' (no 'Number of')",
        "NHS England monthly provider CSV, August 2020 onwards: as above plus 'A&E attendances "
        "Booked Appointments ...' and 'Attendances over 4hrs Booked Appointments ...' (added to "
        "their department type); sometimes blank trailing columns",
        "NHSRdatasets ae_attendances (April 2016 - March 2019): period, org_code, type "
        "(1, 2, other), attendances, breaches, admissions",
    ),
    tables=("ae_activity", "ae_provider_names"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ae_activity (
    org_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    dept_type VARCHAR NOT NULL,
    attendances DOUBLE NOT NULL CHECK (attendances >= 0),
    breaches DOUBLE NOT NULL CHECK (breaches >= 0 AND breaches <= attendances),
    admissions DOUBLE NOT NULL CHECK (admissions >= 0),
    PRIMARY KEY (org_code, period, dept_type)
);
CREATE TABLE IF NOT EXISTS ae_provider_names (
    org_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    org_name VARCHAR NOT NULL,
    parent_org VARCHAR,
    PRIMARY KEY (org_code, period)
);
"""


def read_ae(path: Path | str) -> AeFile:
    """Read and validate one A&E file of either layout (no store access).

    Raises :class:`LoadError` naming the file, the row (1-based, as a spreadsheet shows it) and
    the column for anything wrong: not a CSV, no recognisable header, a missing column, a period
    that is not a month (or differs within an NHS England file), a malformed organisation code,
    a count that is blank, text, negative or fractional, more breaches than attendances, a
    provider repeated, a row cut short, or providers that do not add up to the TOTAL row."""
    return read_ae_csv(path)


# --- the store -----------------------------------------------------------------------------------


def _store_file(con: duckdb.DuckDBPyConnection, path: Path, parsed: AeFile) -> int:
    """Check the file against the store, then insert its new rows (inside the transaction)."""
    keys = ["org_code", "period", "dept_type"]
    frame = parsed.rows[[*keys, *MEASURES, "source_row"]]
    new, conflicts = compare_with_store(con, "ae_activity", frame, keys, MEASURES)
    if not conflicts.empty:
        c = conflicts.iloc[0]
        measure = next(m for m in MEASURES if abs(float(c[m]) - float(c[f"existing_{m}"])) > 1e-9)
        period = pd.Timestamp(c["period"])
        raise LoadError(
            path,
            f"{c['org_code']} type {c['dept_type']} in {period:%B %Y} is already in the store "
            f"with {format_number(c[f'existing_{measure}'])} {measure}; this file has "
            f"{format_number(c[measure])} (a revised file? the same month with different "
            "numbers is not loaded)",
            row=int(c["source_row"]),
            field=parsed.fields.get((str(c["dept_type"]), measure), measure),
        )
    inserted = insert_frame(con, "ae_activity", new, [*keys, *MEASURES])
    if not parsed.names.empty:
        view = "_lsr_ae_names"
        con.register(view, parsed.names)
        try:
            before = con.execute("SELECT count(*) FROM ae_provider_names").fetchall()[0][0]
            con.execute(
                f"INSERT INTO ae_provider_names SELECT n.org_code, CAST(n.period AS DATE), "
                f"n.org_name, n.parent_org FROM {view} n WHERE NOT EXISTS (SELECT 1 FROM "
                "ae_provider_names s WHERE s.org_code = n.org_code "
                "AND s.period = CAST(n.period AS DATE))"
            )
            after = con.execute("SELECT count(*) FROM ae_provider_names").fetchall()[0][0]
        finally:
            con.unregister(view)
        inserted += int(after) - int(before)
    return inserted


def load_ae(
    con: duckdb.DuckDBPyConnection,
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load A&E provider files of either layout into ``ae_activity`` (and provider names).

    Every file is read and checked before anything is written; the same file twice is a no-op;
    a provider, month and department type already in the store with different numbers is an
    error naming the file, row and column. With ``skip_bad`` the good files are loaded and the
    bad ones listed in the summary."""
    return load_files(con, paths, KIND, read_ae, _store_file, skip_bad=skip_bad, progress=progress)
