"""Flow-model results (``lsr simulate`` / ``lsr sweep``) for the scenario results page.

The runs are read, read-only, from the DuckDB store the indicators come from
(``settings.LSR_DB``; tables of :mod:`lsr.data.flow_store`). A run read back from the store is
wrapped in :class:`StoredRun`, which has the attributes of
:class:`lsr.flow.experiment.ExperimentResult` that the comparison table and the daily
delayed-patients chart of :mod:`lsr.report.simulation` use, so the page shows exactly what the
command line and the simulation report show.

The store keeps the results but not the unit costs; those (with their sources) are read from the
run's scenario file when it is still there.

Each read opens the store read-only and closes it at once (:func:`lsr.web.plan.indicators.
read_store`), so ``lsr sweep`` and ``lsr simulate`` can store results while the server runs.
A store another process is writing to raises :class:`~lsr.data.store.StoreBusy` after a short
wait (a 503 "busy" page, never "no results"); a store that exists but cannot be read raises
:class:`SimulationsUnavailable` with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import duckdb
import pandas as pd

from lsr.data.store_sharing import file_version
from lsr.flow.scenario import BASE_NAME

__all__ = [
    "NO_AREA_LABEL",
    "RunSummary",
    "SimulationsUnavailable",
    "StoreUnreadable",
    "StoredRun",
    "list_runs",
    "load_run",
    "run_context",
]

NO_AREA_LABEL = "No area: the scenario file as written (not scaled to an area)"

_lock = threading.Lock()


class SimulationsUnavailable(Exception):
    """The store has no simulation results to show (missing file or tables, or no rows)."""


class StoreUnreadable(SimulationsUnavailable):
    """The store exists but cannot be read (not a DuckDB file, damaged...): results may exist,
    so the page says why it cannot show them rather than "no results yet"."""


@dataclass(frozen=True)
class RunSummary:
    """One row of ``flow_runs``."""

    run_id: str
    created_at: datetime
    scenario_file: str
    scenario_name: str
    area_code: str | None
    replications: int
    seed: int
    engine: str

    @property
    def area_label(self) -> str:
        return self.area_code or NO_AREA_LABEL


@dataclass
class StoredRun:
    """A stored run, shaped like the parts of ``ExperimentResult`` the report helpers read."""

    run: RunSummary
    scenario_names: list[str]
    results: pd.DataFrame  # columns: scenario, metric, mean, p05, p50, p95, diff_*
    daily: pd.DataFrame  # columns: scenario, day, date, metric, mean, p05, p95
    descriptions: dict[str, str] = field(default_factory=dict)
    cost_sources: dict[str, str] = field(default_factory=dict)
    unit_costs: dict[str, float] = field(default_factory=dict)
    costs_note: str = ""

    @property
    def name(self) -> str:
        return self.run.scenario_name

    @property
    def replications(self) -> int:
        return self.run.replications

    def result(self, scenario: str, metric: str) -> pd.Series:
        rows = self.results[(self.results.scenario == scenario) & (self.results.metric == metric)]
        if rows.empty:
            raise KeyError(f"no result for {scenario!r}, {metric!r}")
        return rows.iloc[0]


@contextmanager
def _read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from lsr.data.store import connect
    from lsr.web.plan.indicators import store_wait

    if not path.exists():
        raise SimulationsUnavailable(f"the store {path} does not exist")
    try:  # a lock held by a writer is waited for, then StoreBusy (not caught here)
        con = connect(path, read_only=True, wait=store_wait())
    except duckdb.Error as exc:  # not a DuckDB file, unreadable...
        raise StoreUnreadable(f"the store {path} could not be read: {exc}") from exc
    try:
        yield con
    finally:
        con.close()


def _has_flow_tables(con: duckdb.DuckDBPyConnection) -> bool:
    names = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    return {"flow_runs", "flow_results"} <= names


def list_runs(path: Path, area_code: str) -> list[RunSummary]:
    """The runs for ``area_code`` and the runs with no area, newest first. Raises
    :class:`SimulationsUnavailable` when the store or its flow tables do not exist.

    Cached per version of the store file (:func:`lsr.data.store_sharing.file_version`, read
    before the runs): the store is opened only after a process has written to it, so that many
    users on this page do not keep a sweep or a load from storing its results."""
    return list(_cached_runs(str(path), file_version(path), area_code))


@lru_cache(maxsize=32)
def _cached_runs(path: str, version: Any, area_code: str) -> tuple[RunSummary, ...]:
    return tuple(_read_runs(Path(path), area_code))


def _read_runs(path: Path, area_code: str) -> list[RunSummary]:
    with _read_only(path) as con:
        if not _has_flow_tables(con):
            raise SimulationsUnavailable(f"the store {path} has no flow_runs table")
        rows = con.execute(
            """
            SELECT run_id, created_at, scenario_file, scenario_name, area_code, replications,
                   seed, engine
            FROM flow_runs
            WHERE area_code = ? OR area_code IS NULL
            ORDER BY created_at DESC, run_id
            """,
            [area_code],
        ).fetchall()
    return [RunSummary(*r) for r in rows]


def _scenario_file(run: RunSummary) -> Any | None:
    from lsr.data.scenario_files import load_scenario_file

    path = Path(run.scenario_file)
    if not path.is_file():
        return None
    try:
        sf = load_scenario_file(path)
    except (OSError, ValueError):
        return None
    return sf if sf.name == run.scenario_name else None


def _order(names: list[str], preferred: list[str]) -> list[str]:
    ordered = [n for n in preferred if n in names]
    rest = sorted(n for n in names if n not in ordered and n != BASE_NAME)
    head = [BASE_NAME] if BASE_NAME in names and BASE_NAME not in ordered else []
    return head + ordered + rest


def load_run(path: Path, run_id: str, area_code: str) -> StoredRun | None:
    """One run (``None`` when it does not exist or belongs to another area)."""
    with _read_only(path) as con:
        if not _has_flow_tables(con):
            return None
        row = con.execute(
            """
            SELECT run_id, created_at, scenario_file, scenario_name, area_code, replications,
                   seed, engine
            FROM flow_runs WHERE run_id = ? AND (area_code = ? OR area_code IS NULL)
            """,
            [run_id, area_code],
        ).fetchone()
        if row is None:
            return None
        results = con.execute(
            "SELECT * FROM flow_results WHERE run_id = ? ORDER BY scenario_name, metric", [run_id]
        ).df()
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        if "flow_daily" in tables:
            daily = con.execute(
                "SELECT * FROM flow_daily WHERE run_id = ? AND metric = 'acute_delayed' "
                "ORDER BY scenario_name, day",
                [run_id],
            ).df()
        else:
            daily = pd.DataFrame(columns=["scenario_name", "day", "date", "metric", "mean"])
    run = RunSummary(*row)
    results = results.rename(columns={"scenario_name": "scenario"})
    daily = daily.rename(columns={"scenario_name": "scenario"})
    sf = _scenario_file(run)
    names = _order(sorted(set(results["scenario"])), sf.scenario_names if sf else [])
    stored = StoredRun(run=run, scenario_names=names, results=results, daily=daily)
    if sf is not None:
        params = sf.parameters[BASE_NAME]
        stored.descriptions = sf.descriptions()
        stored.cost_sources = {"acute_delayed_day": params.costs.acute_delayed_day_source}
        stored.unit_costs = {"acute_delayed_day": params.costs.acute_delayed_day}
        for s in params.services:
            stored.cost_sources[s.name] = s.unit_cost_source
            stored.unit_costs[s.name] = s.unit_cost
        stored.costs_note = (
            f"Read from the scenario file {run.scenario_file} as it is now; if it was changed "
            "after this run, the costs used in the run may have differed."
        )
    else:
        stored.costs_note = (
            f"The scenario file {run.scenario_file} is no longer available here (or no longer "
            "matches this run), so the unit costs and their sources cannot be shown. The costs "
            "in the table were computed with the unit costs that file set when the run was made."
        )
    return stored


@lru_cache(maxsize=16)
def _cached_context(path: str, version: Any, run_id: str, area_code: str) -> dict[str, Any] | None:
    from lsr.report import simulation as sim

    stored = load_run(Path(path), run_id, area_code)
    if stored is None:
        return None
    result = cast(Any, stored)  # has the ExperimentResult attributes the helpers read
    comparison = sim.comparison_rows(result)
    figure: dict[str, Any] | None = None
    if not stored.daily.empty and set(stored.scenario_names) <= set(stored.daily["scenario"]):
        title = "Figure 1: Daily delayed patients"
        fig = sim._delayed_figure(result)
        fig["title"] = title
        fig["svg"] = sim.figure_svg(sim.delayed_chart(result, 1), "simfig1", fig["alt"], title)
        fig["table_rows"] = [[row.get(k, "–") for k in fig["fields"]] for row in fig["rows"]]
        figure = fig
    cost_rows = sim._cost_rows(result) if stored.cost_sources else []
    return {
        "stored": stored,
        "run": stored.run,
        "scenario_names": stored.scenario_names,
        "scenarios": [(n, stored.descriptions.get(n, "")) for n in stored.scenario_names],
        "comparison": comparison,
        "figure": figure,
        "cost_rows": cost_rows,
        "costs_note": stored.costs_note,
        "base_name": BASE_NAME,
    }


def run_context(path: Path, run_id: str, area_code: str) -> dict[str, Any] | None:
    """Everything the run page shows (cached per store file version and run; runs are written
    once, in one transaction, and never changed)."""
    with _lock:
        return _cached_context(str(path), file_version(path), run_id, area_code)


def clear_cache() -> None:
    _cached_context.cache_clear()
    _cached_runs.cache_clear()
