"""Flow-model results in the DuckDB store, beside the profile data (so the web app can show them).

Tables:

- ``flow_runs(run_id, created_at, scenario_file, scenario_name, area_code, replications, seed,
  engine)``: one row per run of a scenario file (``scenario_name`` is the file's ``name``;
  ``area_code`` is NULL for an unscaled run of the file as written).
- ``flow_results(run_id, scenario_name, metric, mean, p05, p50, p95, diff_mean, diff_lo,
  diff_hi)``: per scenario and metric, the mean and quantiles over replications and the
  difference from the base case paired by replication with its 95% CI (NULL for the base case).
- ``flow_daily(run_id, scenario_name, day, date, metric, mean, p05, p95)``: daily series.

:func:`observed_indicator_series` reads an area's observed monthly series of the profile's
indicators that the flow model reproduces, for drawing a simulation beside them.

Each run is written in one transaction: all of it or nothing; a sweep's runs are written
together, in one short transaction, once they are all computed (:func:`save_flow_runs`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from lsr.data.store import transaction

__all__ = [
    "FLOW_SCHEMA",
    "FlowRun",
    "area_populations",
    "ensure_flow_schema",
    "observed_indicator_series",
    "read_flow_results",
    "save_flow_run",
    "save_flow_runs",
]

FLOW_SCHEMA = """
CREATE TABLE IF NOT EXISTS flow_runs (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    scenario_file VARCHAR NOT NULL,
    scenario_name VARCHAR NOT NULL,
    area_code VARCHAR,
    replications INTEGER NOT NULL CHECK (replications > 0),
    seed BIGINT NOT NULL,
    engine VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_results (
    run_id VARCHAR NOT NULL,
    scenario_name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    mean DOUBLE,
    p05 DOUBLE,
    p50 DOUBLE,
    p95 DOUBLE,
    diff_mean DOUBLE,
    diff_lo DOUBLE,
    diff_hi DOUBLE,
    PRIMARY KEY (run_id, scenario_name, metric)
);
CREATE TABLE IF NOT EXISTS flow_daily (
    run_id VARCHAR NOT NULL,
    scenario_name VARCHAR NOT NULL,
    day INTEGER NOT NULL,
    date DATE NOT NULL,
    metric VARCHAR NOT NULL,
    mean DOUBLE,
    p05 DOUBLE,
    p95 DOUBLE,
    PRIMARY KEY (run_id, scenario_name, day, metric)
);
"""

_RUN_COLUMNS = [
    "run_id",
    "created_at",
    "scenario_file",
    "scenario_name",
    "area_code",
    "replications",
    "seed",
    "engine",
]
_RESULT_COLUMNS = ["metric", "mean", "p05", "p50", "p95", "diff_mean", "diff_lo", "diff_hi"]
_DAILY_COLUMNS = ["day", "date", "metric", "mean", "p05", "p95"]


def ensure_flow_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the flow tables if they do not exist (in their own transaction, so that they
    stay even if the first run stored after them fails)."""
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'"
        ).fetchall()
    }
    if {"flow_runs", "flow_results", "flow_daily"} <= present:
        return
    with transaction(con):
        con.execute(FLOW_SCHEMA)


@dataclass
class FlowRun:
    """One run to store: what :func:`save_flow_runs` writes as one row of ``flow_runs`` with its
    results (and daily series)."""

    scenario_file: str
    scenario_name: str
    replications: int
    seed: int
    engine: str
    results: pd.DataFrame
    daily: pd.DataFrame | None = None
    area_code: str | None = None
    created_at: datetime | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def save_flow_run(
    con: duckdb.DuckDBPyConnection,
    *,
    scenario_file: str,
    scenario_name: str,
    replications: int,
    seed: int,
    engine: str,
    results: pd.DataFrame,
    daily: pd.DataFrame | None = None,
    area_code: str | None = None,
    created_at: datetime | None = None,
) -> str:
    """Store one run (one transaction) and return its ``run_id``.

    ``results`` has columns ``scenario`` plus those of ``flow_results`` after ``scenario_name``
    (as made by :func:`lsr.flow.experiment.summarise_totals`); ``daily`` likewise for
    ``flow_daily`` (:func:`lsr.flow.experiment.daily_bands`), or None."""
    run = FlowRun(
        scenario_file=scenario_file,
        scenario_name=scenario_name,
        replications=replications,
        seed=seed,
        engine=engine,
        results=results,
        daily=daily,
        area_code=area_code,
        created_at=created_at,
    )
    return save_flow_runs(con, [run])[0]


def save_flow_runs(con: duckdb.DuckDBPyConnection, runs: list[FlowRun]) -> list[str]:
    """Store many runs in **one** transaction (all or nothing; on a shared connection the store
    is held read-write only for this short write) and return their ``run_id`` in order.

    Everything is prepared in memory first, so the transaction only inserts."""
    now = datetime.now()
    heads = []
    results = []
    dailies = []
    for run in runs:
        heads.append(
            (
                run.run_id,
                run.created_at or now,
                run.scenario_file,
                run.scenario_name,
                run.area_code,
                run.replications,
                run.seed,
                run.engine,
            )
        )
        res = run.results.rename(columns={"scenario": "scenario_name"})[
            ["scenario_name", *_RESULT_COLUMNS]
        ].copy()
        res.insert(0, "run_id", run.run_id)
        results.append(res)
        if run.daily is not None and not run.daily.empty:
            day = run.daily.rename(columns={"scenario": "scenario_name"})[
                ["scenario_name", *_DAILY_COLUMNS]
            ].copy()
            day["date"] = pd.to_datetime(day["date"]).dt.date
            day.insert(0, "run_id", run.run_id)
            dailies.append(day)
    if not runs:
        return []
    frames = {
        "lsr_flow_head": pd.DataFrame(heads, columns=_RUN_COLUMNS),
        "lsr_flow_res": pd.concat(results, ignore_index=True),
    }
    if dailies:
        frames["lsr_flow_day"] = pd.concat(dailies, ignore_index=True)
    targets = {"lsr_flow_head": "flow_runs", "lsr_flow_res": "flow_results"}
    targets["lsr_flow_day"] = "flow_daily"
    ensure_flow_schema(con)
    with transaction(con):
        for view, frame in frames.items():
            con.register(view, frame)
            try:
                con.execute(f"INSERT INTO {targets[view]} SELECT * FROM {view}")
            finally:
                con.unregister(view)
    return [run.run_id for run in runs]


def read_flow_results(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    """The stored results of one run, as a frame in the columns of ``flow_results``."""
    return con.execute(
        "SELECT * FROM flow_results WHERE run_id = ? ORDER BY scenario_name, metric", [run_id]
    ).df()


def area_populations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each area's latest populations aged 65+ and 18+ (England excluded): columns ``code,
    name, year, population_65, adult_population``."""
    return con.execute(
        """
        WITH latest AS (
            SELECT area_code, max(year) AS year FROM population
            WHERE age_band = '65+' GROUP BY area_code
        )
        SELECT a.code, a.name, l.year,
               p65.population AS population_65,
               coalesce(p18.population, 0) AS adult_population
        FROM latest l
        JOIN areas a ON a.code = l.area_code
        JOIN population p65 ON p65.area_code = l.area_code AND p65.year = l.year
             AND p65.age_band = '65+'
        LEFT JOIN population p18 ON p18.area_code = l.area_code AND p18.year = l.year
             AND p18.age_band = '18+'
        WHERE a.code <> 'E92000001' AND p65.population > 0
        ORDER BY a.code
        """
    ).df()


#: The profile indicators the flow model reproduces (see :mod:`lsr.flow.experiment`).
SIMULATED_INDICATORS = ("dtoc_18", "long_stays_65", "readmissions_30d_65")


def observed_indicator_series(con: duckdb.DuckDBPyConnection, area_code: str) -> pd.DataFrame:
    """One area's observed series of the indicators the flow model reproduces, as ``lsr
    profile`` shows them (same values, same small-number suppression): columns ``indicator,
    period, value, suppressed, synthetic, source``, sorted by indicator and period."""
    from lsr.core.profile import compute_profile_table
    from lsr.data.queries import indicator_counts

    counts = indicator_counts(con)
    counts = counts[
        (counts["area_code"] == area_code) & counts["indicator"].isin(SIMULATED_INDICATORS)
    ]
    columns = ["indicator", "period", "value", "suppressed", "synthetic", "source"]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    points = compute_profile_table(counts, {}).points
    out = points[columns].copy()
    out["synthetic"] = out["synthetic"].astype(bool)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out.sort_values(["indicator", "period"], ignore_index=True)
