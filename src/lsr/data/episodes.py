"""Person-level hospital records to indicators 1 to 4 and 6, aggregated with DuckDB SQL.

The input is one CSV file, one Parquet file, a directory of Parquet files (``*.parquet``
directly inside it) or a glob of Parquet files. Each row is an A&E attendance or a hospital
admission (spell); the columns are described in ``docs/data-formats.md`` ("Person-level
episodes"). DuckDB reads the file(s) directly and streams them through grouped aggregates, so a
ten-million-row extract never sits in Python memory; only emergency admissions (a few columns)
are materialised, in a DuckDB temporary table that can spill to disk, for the 30-day
readmission search.

Indicators derived, monthly (period = first day of the calendar month), by council of
residence, for people aged 65+ (age at arrival or admission):

1. ``ae_attendances_65``: A&E attendances in the month of arrival / population 65+.
2. ``emergency_admissions_65``: emergency admissions in the month of admission / population 65+.
3. ``care_home_admissions_65``: emergency admissions whose source is a care home (admission
   source 54, 65 or 85, or the word ``care_home``) / population 65+.
4. ``long_stays_65``: emergency admissions discharged in the month with a length of stay
   (discharge date - admission date, in days) over 7 / all emergency admissions discharged in
   the month.
6. ``readmissions_30d_65``: discharges in the month from emergency admissions that were
   followed by another emergency admission of the same ``person_id`` whose admission date is 0
   to 30 days (inclusive) after the discharge date / all such discharges. An index discharge
   counts at most once however many readmissions follow it.

Person-level rows are never logged or printed: error messages name the file, the row number,
the field and that field's value only.
"""

from __future__ import annotations

import glob as globmod
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lsr.data import store
from lsr.data.errors import LoadError
from lsr.data.loading import drop_synthetic

KIND = "episodes"
"""The ``kind`` recorded in the ``loads`` table for a person-level extract."""

REQUIRED_COLUMNS: tuple[str, ...] = (
    "person_id",
    "area_code",
    "age",
    "record_type",
    "arrival_date",
    "admission_method",
    "admission_source",
    "discharge_date",
)
"""Columns every extract must have (other columns are ignored)."""

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

MEMORY_LIMIT = "3GB"
"""DuckDB memory limit during a load (keeps peak memory under 4 GiB; DuckDB spills beyond it)."""

ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class EpisodeLoadSummary:
    """What one :func:`load_episodes` call did.

    ``path``: the file, directory or glob loaded; ``sha256``: its fingerprint (for a directory
    or glob, the SHA-256 of the sorted file hashes); ``already_loaded``: true when these bytes
    were loaded before and nothing was done (the other fields are then left at their
    defaults); ``rows_checked``: person-level rows read and checked; ``counts_inserted`` /
    ``counts_unchanged``: indicator rows written / already in the store with the same
    numbers; ``areas``: areas in the extract; ``first_period`` / ``last_period``: the first and
    last arrival months; ``synthetic``: whether the extract is marked synthetic;
    ``seconds``: wall time of the load; ``indicators``: indicator id -> rows derived.
    """

    path: Path
    sha256: str
    already_loaded: bool
    rows_checked: int = 0
    counts_inserted: int = 0
    counts_unchanged: int = 0
    areas: int = 0
    first_period: date | None = None
    last_period: date | None = None
    synthetic: bool = False
    seconds: float = 0.0
    indicators: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.already_loaded:
            return f"episodes: {self.path.name} was loaded before; nothing to do"
        span = ""
        if self.first_period and self.last_period:
            span = f", {self.first_period:%b %Y} to {self.last_period:%b %Y}"
        kind = " (SYNTHETIC extract)" if self.synthetic else ""
        return (
            f"episodes: {self.path.name}{kind}: {self.rows_checked:,} rows checked, "
            f"{self.counts_inserted:,} indicator counts written "
            f"({self.counts_unchanged:,} already stored) for {self.areas} area(s){span} "
            f"in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class _Source:
    """The resolved input: what DuckDB reads and how to describe it."""

    label: Path
    files: tuple[Path, ...]
    csv: bool

    def reader(self, *, row_numbers: bool = False) -> str:
        """A DuckDB table function call that reads the input (all files)."""
        return _reader(self.files, csv=self.csv, row_numbers=row_numbers)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(files: tuple[Path, ...], *, csv: bool, row_numbers: bool = False) -> str:
    names = "[" + ", ".join(_sql_str(str(f)) for f in files) + "]"
    if csv:
        return f"read_csv({names}, header = true, all_varchar = true)"
    extra = ", file_row_number = true" if row_numbers else ""
    return f"read_parquet({names}, union_by_name = true{extra})"


def _resolve(path: Path | str) -> _Source:
    text = str(path)
    p = Path(text)
    if any(ch in text for ch in "*?["):
        files = tuple(sorted(Path(f) for f in globmod.glob(text)))
        if not files:
            raise LoadError(text, "no files match this pattern")
    elif p.is_dir():
        files = tuple(sorted(p.glob("*.parquet")))
        if not files:
            raise LoadError(p, "the directory holds no *.parquet files")
    elif p.is_file():
        files = (p,)
    else:
        raise LoadError(p, "no such file")
    csv_files = [f for f in files if f.suffix.lower() in {".csv", ".txt"}]
    if csv_files and len(files) > 1:
        raise LoadError(p, "give CSV extracts one file at a time")
    return _Source(label=p, files=files, csv=bool(csv_files))


def _digest(src: _Source) -> str:
    if len(src.files) == 1 and src.files[0] == src.label:
        return store.file_sha256(src.label)
    hashes = sorted(store.file_sha256(f) for f in src.files)
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _is_synthetic(src: _Source) -> bool:
    """Whether every file is a Parquet file whose metadata says it is synthetic."""
    if src.csv:
        return False
    for f in src.files:
        meta = pq.read_schema(f).metadata or {}
        if meta.get(b"synthetic", b"").lower() != b"true":
            return False
    return True


def _check_columns(con: duckdb.DuckDBPyConnection, src: _Source) -> dict[str, str]:
    """Check every file has the required columns; return their SQL types (all files)."""
    for f in src.files:
        try:
            described = con.execute(
                f"DESCRIBE SELECT * FROM {_reader((f,), csv=src.csv)}"
            ).fetchall()
        except duckdb.Error as exc:
            kind = "CSV" if src.csv else "Parquet"
            raise LoadError(f, f"cannot be read as {kind}: {exc}") from None
        have = {str(r[0]).strip().lower() for r in described}
        for col in REQUIRED_COLUMNS:
            if col not in have:
                raise LoadError(f, "required column is missing", field=col)
    described = con.execute(f"DESCRIBE SELECT * FROM {src.reader()}").fetchall()
    return {str(r[0]).strip().lower(): str(r[1]) for r in described}


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_sql_str(v) for v in values) + ")"


_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
_DATE_TYPES = {
    "DATE",
    "TIMESTAMP",
    "TIMESTAMP_NS",
    "TIMESTAMP_MS",
    "TIMESTAMP_S",
    "TIMESTAMP WITH TIME ZONE",
}


def _date_sql(column: str, sql_type: str) -> tuple[str, str]:
    """SQL for (the column as a DATE or NULL, whether a value was given but is not a date)."""
    if sql_type.upper() in _DATE_TYPES:
        return f"CAST({column} AS DATE)", "FALSE"
    text = f"NULLIF(trim(CAST({column} AS VARCHAR)), '')"
    return f"TRY_CAST({text} AS DATE)", f"({text} IS NOT NULL AND TRY_CAST({text} AS DATE) IS NULL)"


def _typed(reader: str, types: dict[str, str], *, extra: str = "") -> str:
    """SQL: the input with typed columns added; the raw columns are kept as they are.

    Checks that cannot fail for a typed column (a Parquet DATE is always a date, an integer
    age is always whole) are left out, which keeps the bulk pass cheap."""
    arr, _ = _date_sql("arrival_date", types["arrival_date"])
    dis, dis_bad = _date_sql("discharge_date", types["discharge_date"])
    if types["age"].upper() in _INTEGER_TYPES:
        age_num = "age"
        age_bad = "(age IS NULL OR age < 0 OR age > 130)"
    else:
        age_num = "TRY_CAST(age AS DOUBLE)"
        age_bad = (
            f"({age_num} IS NULL OR {age_num} <> floor({age_num}) "
            f"OR {age_num} < 0 OR {age_num} > 130)"
        )
    return f"""
        SELECT
            person_id, area_code, record_type, admission_method, admission_source,
            age, arrival_date, discharge_date,
            {age_num} AS age_num,
            {age_bad} AS age_bad,
            {arr} AS arr,
            {dis} AS dis,
            {dis_bad} AS dis_bad
            {extra}
        FROM {reader}
    """


_RT = "lower(trim(CAST(record_type AS VARCHAR)))"
_AM = "upper(trim(CAST(admission_method AS VARCHAR)))"
_AS = "upper(trim(CAST(admission_source AS VARCHAR)))"
_IS_ADMISSION = f"({_RT} = 'admission')"
_IS_EMERGENCY = f"({_IS_ADMISSION} AND {_AM} IN {_in(EMERGENCY_METHODS)})"
_IS_CARE_HOME = f"({_AS} IN {_in(CARE_HOME_SOURCES)})"

# Row-level checks, in the order they are reported: (name, field, SQL condition that marks a
# bad row over the typed columns, SQL expression for the bad value or NULL). Area codes are
# checked on the distinct codes (see _check_areas). The bulk pass evaluates the same
# conditions, the string ones once per distinct value rather than once per row.
_ROW_CHECKS: tuple[tuple[str, str, str, str | None], ...] = (
    ("person_id", "person_id", "person_id IS NULL", None),
    ("area_missing", "area_code", "area_code IS NULL", None),
    ("age", "age", "age_bad", "age"),
    (
        "record_type",
        "record_type",
        f"coalesce({_RT}, '') NOT IN ('ae', 'admission')",
        "record_type",
    ),
    ("arrival_date", "arrival_date", "arr IS NULL", "arrival_date"),
    ("discharge_date", "discharge_date", "dis_bad", "discharge_date"),
    (
        "admission_method",
        "admission_method",
        f"{_IS_ADMISSION} AND coalesce({_AM}, '') NOT IN "
        + _in(EMERGENCY_METHODS + ELECTIVE_METHODS + OTHER_METHODS),
        "admission_method",
    ),
    ("discharge_order", "discharge_date", f"{_IS_ADMISSION} AND dis < arr", "discharge_date"),
)

_MESSAGES = {
    "person_id": "missing value",
    "area_missing": "missing value",
    "age": "age {v} is not a whole number of years from 0 to 130",
    "record_type": "record_type {v} is not 'ae' or 'admission'",
    "arrival_date": "arrival_date {v} is not a date (expected YYYY-MM-DD)",
    "discharge_date": "discharge_date {v} is not a date (expected YYYY-MM-DD)",
    "admission_method": (
        "admission_method {v} is not recognised (expected 'emergency', 'elective', 'other' or an "
        "NHS Data Dictionary code: 11-13, 21-25, 28, 2A-2D, 31, 32, 81-83, 98, 99)"
    ),
    "discharge_order": "discharge_date {v} is before the admission (arrival_date)",
}


def _fmt(value: object) -> str:
    return "missing" if value is None else repr(str(value))


def _first_bad_row(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    types: dict[str, str],
    check: tuple[str, str, str, str | None],
) -> tuple[Path, int | None, object]:
    """Locate the first row that fails ``check``: (file, row number, bad value as text)."""
    _name, _field, cond, value_sql = check
    value = f"CAST({value_sql} AS VARCHAR)" if value_sql else "NULL"
    if src.csv:
        # Row numbers as a spreadsheet shows them: the header is row 1. One thread keeps the
        # scan in file order.
        old = con.execute("SELECT current_setting('threads')").fetchone()
        con.execute("SET threads = 1")
        try:
            row = con.execute(
                f"""
                SELECT rn + 1, {value} FROM (
                    SELECT *, row_number() OVER () AS rn FROM ({_typed(src.reader(), types)})
                ) WHERE {cond} ORDER BY rn LIMIT 1
                """
            ).fetchone()
        finally:
            con.execute(f"SET threads = {int(old[0]) if old else 1}")
        if row is None:  # pragma: no cover - the bulk pass said there is one
            return src.files[0], None, None
        return src.files[0], int(row[0]), row[1]
    extra = ", file_index AS _file, file_row_number AS _row"
    row = con.execute(
        f"""
        SELECT _file, _row + 1, {value} FROM ({_typed(src.reader(), types, extra=extra)})
        WHERE {cond} ORDER BY _file, _row LIMIT 1
        """
    ).fetchone()
    if row is None:  # pragma: no cover - the bulk pass said there is one
        return src.label, None, None
    return src.files[int(row[0])], int(row[1]), row[2]


def _raise_first_problem(
    con: duckdb.DuckDBPyConnection, src: _Source, types: dict[str, str], rows_checked: int
) -> None:
    """Some row failed a check: count each check's failures and raise for the first check."""
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count_if({cond})" for _n, _f, cond, _v in _ROW_CHECKS)
        + f" FROM ({_typed(src.reader(), types)})"
    ).fetchone()
    assert counts is not None
    for check, n_bad in zip(_ROW_CHECKS, counts, strict=True):
        if n_bad:
            f, row, value = _first_bad_row(con, src, types, check)
            if value is None:
                message = f"{check[1]} is missing"
            else:
                message = _MESSAGES[check[0]].format(v=_fmt(value))
            raise LoadError(
                f,
                f"{message}; {int(n_bad):,} of {rows_checked:,} rows fail this check",
                row=row,
                field=check[1],
            )
    raise LoadError(src.label, "rows failed a check that could not be located")  # pragma: no cover


def _check_areas(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    types: dict[str, str],
    area_rows: dict[str, int],
) -> None:
    """Every area code must look like ``E`` + 8 digits and be in the ``areas`` table."""
    known = store.area_codes(con)
    pattern = re.compile(r"E\d{8}")
    bad = sorted(code for code in area_rows if not pattern.fullmatch(code) or code not in known)
    if not bad:
        return
    n_bad = sum(area_rows[c] for c in bad)
    first_code = bad[0]
    # The first row (in file order) with any bad code.
    check_sql = "area_code IN " + _in(tuple(bad))
    f, row, value = _first_bad_row(con, src, types, ("area", "area_code", check_sql, "area_code"))
    code = str(value) if value is not None else first_code
    why = (
        "is not of the form E followed by 8 digits"
        if not pattern.fullmatch(code)
        else "is not in the areas table (load areas first)"
    )
    raise LoadError(
        f,
        f"area_code {code!r} {why}; {n_bad:,} row(s) have an unknown area code",
        row=row,
        field="area_code",
    )


def _population_65(
    con: duckdb.DuckDBPyConnection, file: Path, areas: list[str], years: list[int]
) -> dict[tuple[str, int], float]:
    """Population 65+ for each area and year: the latest year <= it, else the earliest."""
    rows = con.execute(
        "SELECT area_code, year, population FROM population WHERE age_band = '65+' "
        "AND area_code IN (SELECT unnest(?)) ORDER BY area_code, year",
        [areas],
    ).fetchall()
    by_area: dict[str, list[tuple[int, float]]] = {}
    for area, year, pop in rows:
        by_area.setdefault(area, []).append((int(year), float(pop)))
    out: dict[tuple[str, int], float] = {}
    for area in areas:
        series = by_area.get(area)
        if not series:
            raise LoadError(
                file,
                f"no population aged 65+ for area {area!r} in the population table "
                "(load population estimates first)",
                field="area_code",
            )
        for year in years:
            earlier = [p for y, p in series if y <= year]
            pop = earlier[-1] if earlier else series[0][1]
            if pop <= 0:
                raise LoadError(
                    file,
                    f"population aged 65+ for area {area!r} is {pop:g}; a rate needs a "
                    "positive population",
                    field="area_code",
                )
            out[(area, year)] = pop
    return out


def _month_add(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def load_episodes(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    progress: ProgressCallback | None = None,
    complete_follow_up_only: bool = True,
    memory_limit: str = MEMORY_LIMIT,
    threads: int | None = None,
) -> EpisodeLoadSummary:
    """Derive indicators 1-4 and 6 from a person-level extract into ``indicator_counts``.

    ``path`` is a CSV file, a Parquet file, a directory of ``*.parquet`` files or a glob of
    Parquet files. Everything is checked first (required columns, dates, ages, record types,
    admission methods, discharge order, area codes against the ``areas`` table); the first
    problem raises :class:`~lsr.data.errors.LoadError` naming the file, the row and the field.
    Then the counts are written in one transaction (``source`` = the file or directory name,
    ``synthetic`` true only when the Parquet metadata marks the extract as synthetic).

    Loading the same bytes again is a no-op (``already_loaded`` is true in the summary). An
    indicator/area/period already in the store with different numbers is a ``LoadError`` and
    nothing is written; identical numbers are left as they are.

    Rates (1-3) are written for every area in the extract and every calendar month from the
    first to the last arrival month (zero counts included). Proportions (4, 6) are written for
    the discharge months inside that range that have at least one discharge; with
    ``complete_follow_up_only`` (the default), indicator 6 only for months whose 30-day
    follow-up ends on or before the last arrival date in the extract.

    DuckDB runs with ``memory_limit`` (default 3GB) and ``threads`` (default: unchanged) for
    the load; both settings are restored afterwards. ``progress`` is called with short status
    lines (never with row contents).
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    src = _resolve(path)
    digest = _digest(src)
    if store.already_loaded(con, digest):
        kind = con.execute("SELECT kind FROM loads WHERE sha256 = ?", [digest]).fetchone()
        if kind is not None and kind[0] != KIND:
            raise LoadError(
                src.label, f"these bytes were loaded before as {kind[0]!r}, not as {KIND!r}"
            )
        say(f"{src.label.name}: already loaded; nothing to do")
        return EpisodeLoadSummary(path=src.label, sha256=digest, already_loaded=True)

    saved = {
        name: con.execute(f"SELECT current_setting('{name}')").fetchone()
        for name in ("memory_limit", "threads", "preserve_insertion_order", "enable_progress_bar")
    }
    con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    try:
        return _load(con, src, digest, say, complete_follow_up_only, started)
    finally:
        for name, value in saved.items():
            if value is not None:
                con.execute(f"SET {name} = {_sql_str(str(value[0]))}")


def _load(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    digest: str,
    say: ProgressCallback,
    complete_follow_up_only: bool,
    started: float,
) -> EpisodeLoadSummary:
    types = _check_columns(con, src)
    synthetic = _is_synthetic(src)
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")

    say(f"{src.label.name}: checking rows and counting attendances and admissions")
    # Pass 1: one streaming aggregate over the raw values (string columns are normalised once
    # per distinct value, not once per row), with the per-row checks counted alongside.
    con.execute("DROP TABLE IF EXISTS temp._lsr_groups")
    con.execute(
        f"""
        CREATE TEMP TABLE _lsr_groups AS
        SELECT
            area_code, record_type, admission_method, admission_source,
            CAST(date_trunc('month', arr) AS DATE) AS period,
            age_num >= 65 AS old,
            count(*) AS n,
            max(arr) AS last_arrival,
            count_if(
                person_id IS NULL OR area_code IS NULL OR age_bad OR arr IS NULL OR dis_bad
            ) AS bad_rows,
            count_if(dis < arr) AS dis_before_arr
        FROM ({_typed(src.reader(), types)})
        GROUP BY ALL
        """
    )
    try:
        summary = con.execute(
            f"""
            SELECT
                coalesce(sum(n), 0),
                coalesce(sum(bad_rows), 0),
                coalesce(sum(n) FILTER (coalesce({_RT}, '') NOT IN ('ae', 'admission')), 0),
                coalesce(sum(n) FILTER ({_IS_ADMISSION} AND coalesce({_AM}, '') NOT IN
                    {_in(EMERGENCY_METHODS + ELECTIVE_METHODS + OTHER_METHODS)}), 0),
                coalesce(sum(dis_before_arr) FILTER ({_IS_ADMISSION}), 0)
            FROM temp._lsr_groups
            """
        ).fetchone()
        assert summary is not None
        rows_checked = int(summary[0])
        say(f"{src.label.name}: checked {rows_checked:,} rows")
        if any(int(v) for v in summary[1:]):
            _raise_first_problem(con, src, types, rows_checked)
        if rows_checked == 0:
            raise LoadError(src.label, "the extract has no rows")
        area_rows = dict(
            con.execute("SELECT area_code, sum(n) FROM temp._lsr_groups GROUP BY ALL").fetchall()
        )
        _check_areas(con, src, types, {k: int(v) for k, v in area_rows.items()})
        rate_rows = con.execute(
            f"""
            SELECT area_code, period,
                coalesce(sum(n) FILTER ({_RT} = 'ae' AND old), 0),
                coalesce(sum(n) FILTER ({_IS_EMERGENCY} AND old), 0),
                coalesce(sum(n) FILTER ({_IS_EMERGENCY} AND old AND {_IS_CARE_HOME}), 0),
                max(last_arrival)
            FROM temp._lsr_groups GROUP BY ALL
            """
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS temp._lsr_emergency_codes")
        con.execute(
            f"""
            CREATE TEMP TABLE _lsr_emergency_codes AS
            SELECT DISTINCT record_type, admission_method FROM temp._lsr_groups
            WHERE {_IS_EMERGENCY}
            """
        )
    finally:
        con.execute("DROP TABLE IF EXISTS temp._lsr_groups")

    first_month: date = min(r[1] for r in rate_rows)
    last_month: date = max(r[1] for r in rate_rows)
    last_arrival: date = max(r[5] for r in rate_rows)
    months: list[date] = []
    m = first_month
    while m <= last_month:
        months.append(m)
        m = _month_add(m, 1)
    areas = sorted(area_rows)
    population = _population_65(con, src.label, areas, sorted({m.year for m in months}))
    rate_counts = {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4])) for r in rate_rows}

    say(f"{src.label.name}: finding discharges and 30-day emergency readmissions")
    # Pass 2: emergency admissions (a few columns), each with a unique id, joined to
    # themselves on person_id to find a readmission 0-30 days after each discharge.
    if src.csv:
        row_id = "row_number() OVER ()"
    else:
        row_id = "(CAST(file_index AS BIGINT) << 40) + file_row_number"
    try:
        proportion = con.execute(
            f"""
            WITH e AS MATERIALIZED (
                SELECT x._id AS id, x.person_id AS pid, x.area_code, x.age_num >= 65 AS old,
                       x.arr, x.dis
                FROM ({_typed(src.reader(), types, extra=", " + row_id + " AS _id")}) x
                SEMI JOIN temp._lsr_emergency_codes c
                  ON x.record_type = c.record_type AND x.admission_method = c.admission_method
            ),
            idx AS (SELECT * FROM e WHERE old AND dis IS NOT NULL),
            readmitted AS (
                SELECT DISTINCT idx.id
                FROM idx JOIN e r
                  ON r.pid = idx.pid
                 AND r.arr BETWEEN idx.dis AND idx.dis + 30
                 AND r.id <> idx.id
            )
            SELECT idx.area_code,
                   CAST(date_trunc('month', idx.dis) AS DATE) AS period,
                   count(*) AS discharges,
                   count_if(idx.dis - idx.arr > 7) AS long_stays,
                   count(readmitted.id) AS readmissions
            FROM idx LEFT JOIN readmitted ON readmitted.id = idx.id
            GROUP BY ALL
            """
        ).fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS temp._lsr_emergency_codes")

    rows: list[tuple[str, str, date, float, float]] = []
    for area in areas:
        for month in months:
            ae, em, ch = rate_counts.get((area, month), (0, 0, 0))
            pop = population[(area, month.year)]
            rows.append(("ae_attendances_65", area, month, float(ae), pop))
            rows.append(("emergency_admissions_65", area, month, float(em), pop))
            rows.append(("care_home_admissions_65", area, month, float(ch), pop))
    follow_up_months = {
        mo for mo in months if _month_add(mo, 1).toordinal() - 1 + 30 <= last_arrival.toordinal()
    }
    for area, period, discharges, long_stays, readmissions in proportion:
        if period < first_month or period > last_month or discharges == 0:
            continue
        rows.append(("long_stays_65", area, period, float(long_stays), float(discharges)))
        if not complete_follow_up_only or period in follow_up_months:
            rows.append(
                ("readmissions_30d_65", area, period, float(readmissions), float(discharges))
            )

    say(f"{src.label.name}: writing {len(rows):,} indicator counts")
    source_name = src.label.name
    new = pa.table(
        {
            "indicator": [r[0] for r in rows],
            "area_code": [r[1] for r in rows],
            "period": pa.array([r[2] for r in rows], type=pa.date32()),
            "numerator": [r[3] for r in rows],
            "denominator": [r[4] for r in rows],
        }
    )
    con.register("_lsr_new_counts", new)
    try:
        with store.transaction(con):
            # loaded data replaces the synthetic rows of the indicators it covers
            drop_synthetic(con, sorted({r[0] for r in rows}))
            conflict = con.execute(
                """
                SELECT n.indicator, n.area_code, n.period, c.numerator, c.denominator,
                       n.numerator, n.denominator, c.source
                FROM _lsr_new_counts n JOIN indicator_counts c USING (indicator, area_code, period)
                WHERE abs(c.numerator - n.numerator) > 1e-9
                   OR abs(c.denominator - n.denominator) > 1e-9 * greatest(1, c.denominator)
                ORDER BY 1, 2, 3 LIMIT 1
                """
            ).fetchone()
            if conflict is not None:
                ind, area, period, old_n, old_d, new_n, new_d, old_src = conflict
                raise LoadError(
                    src.label,
                    f"{ind} for {area} {period:%Y-%m} is already stored as {old_n:g}/{old_d:g} "
                    f"(from {old_src}); this extract gives {new_n:g}/{new_d:g}",
                    field="indicator_counts",
                )
            before = con.execute("SELECT count(*) FROM indicator_counts").fetchone()
            con.execute(
                """
                INSERT INTO indicator_counts
                    (indicator, area_code, period, numerator, denominator, synthetic, source)
                SELECT n.indicator, n.area_code, n.period, n.numerator, n.denominator, ?, ?
                FROM _lsr_new_counts n
                ANTI JOIN indicator_counts c USING (indicator, area_code, period)
                """,
                [synthetic, source_name],
            )
            after = con.execute("SELECT count(*) FROM indicator_counts").fetchone()
            store.record_load(con, digest, KIND, source_name, rows_checked)
    finally:
        con.unregister("_lsr_new_counts")
    inserted = int(after[0]) - int(before[0]) if after and before else 0
    per_indicator: dict[str, int] = {}
    for r in rows:
        per_indicator[r[0]] = per_indicator.get(r[0], 0) + 1
    elapsed = time.perf_counter() - started
    say(f"{src.label.name}: done in {elapsed:.1f}s")
    return EpisodeLoadSummary(
        path=src.label,
        sha256=digest,
        already_loaded=False,
        rows_checked=rows_checked,
        counts_inserted=inserted,
        counts_unchanged=len(rows) - inserted,
        areas=len(areas),
        first_period=first_month,
        last_period=last_month,
        synthetic=synthetic,
        seconds=elapsed,
        indicators=per_indicator,
    )
