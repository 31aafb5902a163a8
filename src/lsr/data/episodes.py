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

Person-level rows are never logged or printed: error messages name the file, the row number
and the field only, never a value from a record (:mod:`lsr.data.episodes_checks`). Refused:
rows that fail a check, dates outside the window every loader accepts (January 2000 to the end
of the month after the current one, :mod:`lsr.data.periods`), and rows that are exact copies
(every column) of an earlier row. Reading the files is :mod:`lsr.data.episodes_input`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from lsr.data import store
from lsr.data.episodes_checks import (
    ALL_METHODS,
    CARE_HOME_SOURCES,
    ELECTIVE_METHODS,
    EMERGENCY_METHODS,
    IS_ADMISSION,
    IS_CARE_HOME,
    IS_EMERGENCY,
    OTHER_METHODS,
    RT,
    Extract,
    check_areas,
    check_duplicates,
    raise_first_problem,
)
from lsr.data.episodes_input import (
    REQUIRED_COLUMNS,
    Source,
    check_csv_rejects,
    check_parquet_columns,
    digest,
    drop_rejects,
    is_synthetic,
    locate_csv_problem,
    resolve,
    sql_str,
)
from lsr.data.errors import LoadError
from lsr.data.loading import drop_synthetic
from lsr.data.periods import FIRST_MONTH, last_day, month_add

__all__ = [
    "CARE_HOME_SOURCES",
    "ELECTIVE_METHODS",
    "EMERGENCY_METHODS",
    "KIND",
    "MEMORY_LIMIT",
    "OTHER_METHODS",
    "REQUIRED_COLUMNS",
    "EpisodeLoadSummary",
    "load_episodes",
]

KIND = "episodes"
"""The ``kind`` recorded in the ``loads`` table for a person-level extract."""

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
    Parquet files. Everything is checked first (the CSV's structure and encoding, required
    columns, dates and their window, ages, record types, admission methods, discharge order,
    area codes against the ``areas`` table, exact duplicate rows); the first problem raises
    :class:`~lsr.data.errors.LoadError` naming the file, the row and the field, never a value
    from a record. Then the counts are written in one transaction (``source`` = the file or
    directory name, ``synthetic`` true only when the Parquet metadata marks the extract as
    synthetic).

    Loading the same bytes again is a no-op (``already_loaded`` is true in the summary). An
    indicator/area/period already in the store with different numbers is a ``LoadError`` and
    nothing is written; identical numbers are left as they are.

    Rates (1-3) are written for every area in the extract and every calendar month from the
    first to the last arrival month (zero counts included; the date window bounds this to a
    few hundred months). Proportions (4, 6) are written for the discharge months inside that
    range that have at least one discharge; with ``complete_follow_up_only`` (the default),
    indicator 6 only for months whose 30-day follow-up ends on or before the last arrival date
    in the extract.

    DuckDB runs with ``memory_limit`` (default 3GB) and ``threads`` (default: unchanged) for
    the load; both settings are restored afterwards. ``progress`` is called with short status
    lines (never with row contents).
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    src = resolve(path)
    fingerprint = digest(src)
    if store.already_loaded(con, fingerprint):
        kind = con.execute("SELECT kind FROM loads WHERE sha256 = ?", [fingerprint]).fetchone()
        if kind is not None and kind[0] != KIND:
            raise LoadError(
                src.label, f"these bytes were loaded before as {kind[0]!r}, not as {KIND!r}"
            )
        say(f"{src.label.name}: already loaded; nothing to do")
        return EpisodeLoadSummary(path=src.label, sha256=fingerprint, already_loaded=True)

    saved = {
        name: con.execute(f"SELECT current_setting('{name}')").fetchone()
        for name in ("memory_limit", "threads", "preserve_insertion_order", "enable_progress_bar")
    }
    con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    try:
        return _load(con, src, fingerprint, say, complete_follow_up_only, started)
    except duckdb.Error as exc:
        # DuckDB's own text can quote a record (a CSV line, a value it could not convert):
        # only the kind of failure is shown, with the row found by a plain scan of a CSV.
        if src.csv and isinstance(exc, duckdb.InvalidInputException):
            locate_csv_problem(src)
        raise LoadError(src.label, _duckdb_failure(exc, src, memory_limit)) from None
    finally:
        drop_rejects(con)
        for name, value in saved.items():
            if value is not None:
                con.execute(f"SET {name} = {sql_str(str(value[0]))}")


def _duckdb_failure(exc: duckdb.Error, src: Source, memory_limit: str) -> str:
    """What went wrong, in words, without DuckDB's message (which may quote a record)."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (
            f"DuckDB ran out of memory (limit {memory_limit}); free disk space for it to "
            "spill to, or load the extract in parts"
        )
    if isinstance(exc, duckdb.IOException):
        return "cannot read the extract (a file changed, vanished or cannot be read)"
    if src.csv and isinstance(exc, duckdb.InvalidInputException):
        return (
            "cannot be read as a CSV extract (comma-separated, UTF-8, one header row, the "
            "same line endings throughout)"
        )
    if isinstance(exc, duckdb.ConversionException | duckdb.InvalidInputException):
        return "a column has values of a type that cannot be read (check the column types)"
    return f"cannot be loaded (DuckDB {type(exc).__name__}); is it a person-level extract?"


def _load(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    fingerprint: str,
    say: ProgressCallback,
    complete_follow_up_only: bool,
    started: float,
) -> EpisodeLoadSummary:
    if src.csv:
        types = dict.fromkeys(src.csv_columns, "VARCHAR")
    else:
        types = check_parquet_columns(con, src)
    ex = Extract(src, types, FIRST_MONTH, last_day())
    synthetic = is_synthetic(src)
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")

    say(f"{src.label.name}: checking rows and counting attendances and admissions")
    # Pass 1: one streaming aggregate over the raw values (string columns are normalised once
    # per distinct value, not once per row), with the per-row checks counted alongside. A
    # CSV row DuckDB cannot parse is set aside in a rejects table and reported first.
    drop_rejects(con)
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
                OR arr_out OR dis_out
            ) AS bad_rows,
            count_if(dis < arr) AS dis_before_arr
        FROM ({ex.typed(rejects=src.csv)})
        GROUP BY ALL
        """
    )
    try:
        if src.csv:
            check_csv_rejects(con, src)
        summary = con.execute(
            f"""
            SELECT
                coalesce(sum(n), 0),
                coalesce(sum(bad_rows), 0),
                coalesce(sum(n) FILTER (coalesce({RT}, '') NOT IN ('ae', 'admission')), 0),
                coalesce(sum(n) FILTER ({IS_ADMISSION} AND coalesce(
                    upper(trim(CAST(admission_method AS VARCHAR))), '') NOT IN {ALL_METHODS}), 0),
                coalesce(sum(dis_before_arr) FILTER ({IS_ADMISSION}), 0)
            FROM temp._lsr_groups
            """
        ).fetchone()
        assert summary is not None
        rows_checked = int(summary[0])
        say(f"{src.label.name}: checked {rows_checked:,} rows")
        if any(int(v) for v in summary[1:]):
            raise_first_problem(con, ex, rows_checked)
        if rows_checked == 0:
            raise LoadError(src.label, "the extract has no rows")
        area_rows = dict(
            con.execute("SELECT area_code, sum(n) FROM temp._lsr_groups GROUP BY ALL").fetchall()
        )
        check_areas(con, ex, {k: int(v) for k, v in area_rows.items()})
        say(f"{src.label.name}: looking for rows copied twice")
        check_duplicates(con, ex)
        rate_rows = con.execute(
            f"""
            SELECT area_code, period,
                coalesce(sum(n) FILTER ({RT} = 'ae' AND old), 0),
                coalesce(sum(n) FILTER ({IS_EMERGENCY} AND old), 0),
                coalesce(sum(n) FILTER ({IS_EMERGENCY} AND old AND {IS_CARE_HOME}), 0),
                max(last_arrival)
            FROM temp._lsr_groups GROUP BY ALL
            """
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS temp._lsr_emergency_codes")
        con.execute(
            f"""
            CREATE TEMP TABLE _lsr_emergency_codes AS
            SELECT DISTINCT record_type, admission_method FROM temp._lsr_groups
            WHERE {IS_EMERGENCY}
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
        m = month_add(m, 1)
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
    numbered = ex.typed(extra=", " + row_id + " AS _id")
    try:
        proportion = con.execute(
            f"""
            WITH e AS MATERIALIZED (
                SELECT x._id AS id, x.person_id AS pid, x.area_code, x.age_num >= 65 AS old,
                       x.arr, x.dis
                FROM ({numbered}) x
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
        mo for mo in months if month_add(mo, 1).toordinal() - 1 + 30 <= last_arrival.toordinal()
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
            store.record_load(con, fingerprint, KIND, source_name, rows_checked)
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
        sha256=fingerprint,
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
