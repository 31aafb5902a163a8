"""Checking a person-level extract in DuckDB SQL: typed columns, row checks, area codes and
exact duplicate rows.

Every problem is a :class:`~lsr.data.errors.LoadError` naming the file, the row (as a
spreadsheet numbers it for a CSV, the header being row 1; from 1 in each Parquet file) and the
field, with how many rows fail the same check, and **never a value from a record**: a
person-level extract's values (person ids, ages, dates, codes) are not printed, logged or put
in an exception, whatever is wrong with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from lsr.data import store
from lsr.data.episodes_input import Source, sql_str
from lsr.data.errors import LoadError

EMERGENCY_METHODS: tuple[str, ...] = (
    "EMERGENCY",
    "21",
    "22",
    "23",
    "24",
    "25",
    "28",
    "2A",
    "2B",
    "2C",
    "2D",
)
"""Admission methods read as emergency: the word, and NHS Data Dictionary codes 21-25, 28, 2A-2D."""

ELECTIVE_METHODS: tuple[str, ...] = ("ELECTIVE", "11", "12", "13")
"""Admission methods read as elective: the word, and codes 11 (waiting list), 12, 13."""

OTHER_METHODS: tuple[str, ...] = ("OTHER", "31", "32", "81", "82", "83", "98", "99")
"""Valid admission methods that are neither: maternity (31, 32), other (81-83), not known."""

CARE_HOME_SOURCES: tuple[str, ...] = ("CARE_HOME", "54", "65", "85")
"""Admission sources read as a care home.

NHS Data Dictionary source of admission codes: 54 NHS run care home; 65 local authority
residential accommodation where care is provided; 85 non-NHS (other than local authority) run
care home. Code 87 is a non-NHS run *hospital*, not a care home, so it is not counted."""


def in_list(values: tuple[str, ...]) -> str:
    """A SQL ``(...)`` list of string literals."""
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


RT = "lower(trim(CAST(record_type AS VARCHAR)))"
AM = "upper(trim(CAST(admission_method AS VARCHAR)))"
AS = "upper(trim(CAST(admission_source AS VARCHAR)))"
IS_ADMISSION = f"({RT} = 'admission')"
IS_EMERGENCY = f"({IS_ADMISSION} AND {AM} IN {in_list(EMERGENCY_METHODS)})"
IS_CARE_HOME = f"({AS} IN {in_list(CARE_HOME_SOURCES)})"
ALL_METHODS = in_list(EMERGENCY_METHODS + ELECTIVE_METHODS + OTHER_METHODS)

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_NUMBER_TYPES = {"FLOAT", "DOUBLE", "REAL", "HUGEINT", "UBIGINT", "UHUGEINT"}
_DATE_TYPES = {
    "DATE",
    "TIMESTAMP",
    "TIMESTAMP_NS",
    "TIMESTAMP_MS",
    "TIMESTAMP_S",
    "TIMESTAMP WITH TIME ZONE",
}

# Row-level checks, in the order they are reported: (name, field, SQL condition over the typed
# columns that marks a bad row). Area codes are checked on the distinct codes (check_areas).
ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("person_id", "person_id", "person_id IS NULL"),
    ("area_missing", "area_code", "area_code IS NULL"),
    ("age", "age", "age_bad"),
    ("record_type", "record_type", f"coalesce({RT}, '') NOT IN ('ae', 'admission')"),
    ("arrival_date", "arrival_date", "arr IS NULL"),
    ("arrival_window", "arrival_date", "arr_out"),
    ("discharge_date", "discharge_date", "dis_bad"),
    ("discharge_window", "discharge_date", "dis_out"),
    (
        "admission_method",
        "admission_method",
        f"{IS_ADMISSION} AND coalesce({AM}, '') NOT IN {ALL_METHODS}",
    ),
    ("discharge_order", "discharge_date", f"{IS_ADMISSION} AND dis < arr"),
)

MESSAGES = {
    "person_id": "person_id is missing",
    "area_missing": "area_code is missing",
    "age": "age is missing or not a whole number of years from 0 to 130",
    "record_type": "record_type is not 'ae' or 'admission'",
    "arrival_date": "arrival_date is missing or not a date (expected YYYY-MM-DD)",
    "arrival_window": "arrival_date is outside the dates this loader accepts ({window})",
    "discharge_date": "discharge_date is not a date (expected YYYY-MM-DD)",
    "discharge_window": "discharge_date is outside the dates this loader accepts ({window})",
    "admission_method": (
        "admission_method is not recognised (expected 'emergency', 'elective', 'other' or an "
        "NHS Data Dictionary code: 11-13, 21-25, 28, 2A-2D, 31, 32, 81-83, 98, 99)"
    ),
    "discharge_order": "discharge_date is before the admission (arrival_date)",
}


@dataclass(frozen=True)
class Extract:
    """An extract being checked: its files, its column types and the accepted date window."""

    src: Source
    types: dict[str, str]
    first_day: date
    last_day: date

    @property
    def window(self) -> str:
        """The accepted dates in words."""
        first, last = self.first_day, self.last_day
        return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"

    def typed(self, *, extra: str = "", rejects: bool = False) -> str:
        """SQL: the input with typed columns added; the raw columns are kept (``area_code``
        as text).

        Checks that cannot fail for a typed column (a Parquet DATE is always a date, an
        integer age is always whole) are left out, which keeps the bulk pass cheap."""
        types = self.types
        arr, _ = _date_sql("arrival_date", types["arrival_date"])
        dis, dis_bad = _date_sql("discharge_date", types["discharge_date"])
        age_type = types["age"].upper()
        if age_type in _INTEGER_TYPES:
            age_num = "age"
            age_bad = "(age IS NULL OR age < 0 OR age > 130)"
        else:
            age_num = (
                "TRY_CAST(age AS DOUBLE)"
                if age_type in _NUMBER_TYPES or age_type.startswith("DECIMAL")
                else "TRY_CAST(trim(CAST(age AS VARCHAR)) AS DOUBLE)"
            )
            age_bad = (
                f"({age_num} IS NULL OR isnan({age_num}) OR {age_num} <> floor({age_num}) "
                f"OR {age_num} < 0 OR {age_num} > 130)"
            )
        first, last = f"DATE '{self.first_day.isoformat()}'", f"DATE '{self.last_day.isoformat()}'"
        area = (
            "area_code" if types["area_code"].upper() == "VARCHAR" else "CAST(area_code AS VARCHAR)"
        )
        return f"""
            SELECT
                person_id, {area} AS area_code, record_type, admission_method,
                admission_source, age, arrival_date, discharge_date,
                {age_num} AS age_num,
                {age_bad} AS age_bad,
                {arr} AS arr,
                {dis} AS dis,
                {dis_bad} AS dis_bad,
                coalesce({arr} < {first} OR {arr} > {last}, FALSE) AS arr_out,
                coalesce({dis} < {first} OR {dis} > {last}, FALSE) AS dis_out
                {extra}
            FROM {self.src.reader(row_numbers=bool(extra) and not self.src.csv, rejects=rejects)}
        """

    def all_columns(self) -> list[str]:
        """Every column of the input (for exact duplicates), quoted for SQL."""
        names = self.src.csv_columns if self.src.csv else tuple(self.types)
        return ['"' + n.replace('"', '""') + '"' for n in names]


def _date_sql(column: str, sql_type: str) -> tuple[str, str]:
    """SQL for (the column as a DATE or NULL, whether a value was given but is not a date)."""
    if sql_type.upper() in _DATE_TYPES:
        return f"CAST({column} AS DATE)", "FALSE"
    text = f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"
    return f"TRY_CAST({text} AS DATE)", f"({text} IS NOT NULL AND TRY_CAST({text} AS DATE) IS NULL)"


def first_bad_row(
    con: duckdb.DuckDBPyConnection, ex: Extract, cond: str
) -> tuple[Path, int | None]:
    """The first row (in file order) where ``cond`` holds: (file, row number)."""
    src = ex.src
    if src.csv:
        # Row numbers as a spreadsheet shows them: the header is row 1. One thread keeps the
        # scan in file order.
        with single_thread(con):
            row = con.execute(
                f"""
                SELECT rn + 1 FROM (
                    SELECT *, row_number() OVER () AS rn FROM ({ex.typed()})
                ) WHERE {cond} ORDER BY rn LIMIT 1
                """
            ).fetchone()
        return src.files[0], (int(row[0]) if row else None)
    extra = ", file_index AS _file, file_row_number AS _row"
    row = con.execute(
        f"""
        SELECT _file, _row + 1 FROM ({ex.typed(extra=extra)})
        WHERE {cond} ORDER BY _file, _row LIMIT 1
        """
    ).fetchone()
    if row is None:  # pragma: no cover - the bulk pass said there is one
        return src.label, None
    return src.files[int(row[0])], int(row[1])


@contextmanager
def single_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block with DuckDB on one thread (rows in file order), then restore it."""
    old = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(old[0]) if old else 1}")


def raise_first_problem(con: duckdb.DuckDBPyConnection, ex: Extract, rows_checked: int) -> None:
    """Some row failed a check: count each check's failures and raise for the first check."""
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count_if({cond})" for _n, _f, cond in ROW_CHECKS)
        + f" FROM ({ex.typed()})"
    ).fetchone()
    assert counts is not None
    for (name, field, cond), n_bad in zip(ROW_CHECKS, counts, strict=True):
        if n_bad:
            f, row = first_bad_row(con, ex, cond)
            message = MESSAGES[name].format(window=ex.window)
            raise LoadError(
                f,
                f"{message}; {int(n_bad):,} of {rows_checked:,} rows fail this check",
                row=row,
                field=field,
            )
    raise LoadError(  # pragma: no cover - the bulk pass said there is one
        ex.src.label, "rows failed a check that could not be located"
    )


def check_areas(con: duckdb.DuckDBPyConnection, ex: Extract, area_rows: dict[str, int]) -> None:
    """Every area code must look like ``E`` + 8 digits and be in the ``areas`` table."""
    known = store.area_codes(con)
    pattern = re.compile(r"E\d{8}")
    malformed = sorted(code for code in area_rows if not pattern.fullmatch(code))
    unknown = sorted(code for code in area_rows if pattern.fullmatch(code) and code not in known)
    for bad, why in (
        (malformed, "is not an English area code (E followed by 8 digits)"),
        (unknown, "is not in the areas table (load population estimates for it first)"),
    ):
        if not bad:
            continue
        n_bad = sum(area_rows[c] for c in bad)
        codes = ", ".join(sql_str(c) for c in bad)
        f, row = first_bad_row(con, ex, f"area_code IN ({codes})")
        raise LoadError(
            f,
            f"area_code {why}; {n_bad:,} row(s) in {len(bad):,} area code(s) fail this check",
            row=row,
            field="area_code",
        )


def check_duplicates(con: duckdb.DuckDBPyConnection, ex: Extract) -> None:
    """Refuse rows that are exact copies (every column) of an earlier row.

    Exact copies of a person-level record are almost always extraction errors (an extract
    appended twice, overlapping extract windows), and each copy of an emergency admission
    would count as a readmission. A first pass compares row hashes (cheap); only when some
    hashes repeat does a second pass compare the rows themselves and find the first copy."""
    cols = ", ".join(ex.all_columns())
    reader = ex.src.reader()
    found = con.execute(f"SELECT count(*) - count(DISTINCT hash({cols})) FROM {reader}").fetchone()
    if not found or not found[0]:
        return
    if ex.src.csv:
        with single_thread(con):
            row = con.execute(
                f"""
                SELECT rn + 1, first_rn + 1, count(*) OVER () FROM (
                    SELECT rn, min(rn) OVER (PARTITION BY {cols}) AS first_rn FROM (
                        SELECT *, row_number() OVER () AS rn FROM {reader}
                    )
                ) WHERE rn > first_rn ORDER BY rn LIMIT 1
                """
            ).fetchone()
        if row is None:  # two different rows with the same hash: no copy
            return
        f, at, first_at, copies = ex.src.files[0], int(row[0]), f"row {int(row[1])}", row[2]
    else:
        numbered = ex.src.reader(row_numbers=True)
        key = "(CAST(file_index AS BIGINT) << 40) + file_row_number"
        row = con.execute(
            f"""
            SELECT k >> 40, (k & 1099511627775) + 1, first_k >> 40,
                   (first_k & 1099511627775) + 1, count(*) OVER () FROM (
                SELECT k, min(k) OVER (PARTITION BY {cols}) AS first_k FROM (
                    SELECT *, {key} AS k FROM {numbered}
                )
            ) WHERE k > first_k ORDER BY k LIMIT 1
            """
        ).fetchone()
        if row is None:
            return
        f, at = ex.src.files[int(row[0])], int(row[1])
        first_file = ex.src.files[int(row[2])]
        first_at = f"row {int(row[3])}" + (f" of {first_file.name}" if first_file != f else "")
        copies = row[4]
    raise LoadError(
        f,
        f"this row is an exact copy of {first_at} (every column the same); {int(copies):,} "
        "row(s) copy an earlier row. Exact duplicates of a person-level record are almost "
        "always extraction errors: remove them, or add a column that tells the records "
        "apart (an attendance or spell id), and load again",
        row=at,
    )
