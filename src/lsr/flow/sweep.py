"""Running one scenario file for many areas: areas x scenarios x replications, in parallel.

Each area's base case is the scenario file's base case scaled by the area's population aged 65+
relative to the file's reference ``population_65`` (:func:`lsr.flow.scenario.scale_parameters`:
arrivals and capacities scale, lengths of stay, shares and costs do not), with the area's
population aged 18+ for the DToC rate. Within an area every scenario shares the seed, the
replication numbers and the arrival thinning rate (common random numbers), as in
:mod:`lsr.flow.experiment`.

The work is split into one task per area and replication (running every scenario), submitted to
an injected executor: anything with ``submit(fn, *args)`` returning a future with ``result()``,
such as :class:`concurrent.futures.ProcessPoolExecutor` or a Dask ``distributed.Client``.
Results do not depend on the executor or the order tasks finish in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from lsr.flow.experiment import experiment_max_rate, summarise_totals
from lsr.flow.parameters import FlowParameters
from lsr.flow.run import PatientCache, run
from lsr.flow.scenario import ScenarioFile, scale_parameters

__all__ = [
    "AreaPopulation",
    "Executor",
    "SweepResult",
    "SweepTask",
    "area_parameters",
    "run_sweep",
    "run_task",
    "sweep_tasks",
]


class _Future(Protocol):
    def result(self) -> Any: ...


class Executor(Protocol):
    """What :func:`run_sweep` needs of an executor."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> _Future: ...


@dataclass(frozen=True)
class AreaPopulation:
    """An area and its populations (aged 65+ for scaling, 18+ for the DToC rate)."""

    code: str
    name: str
    population_65: float
    adult_population: float


@dataclass(frozen=True)
class SweepTask:
    """One area and replication: every scenario's parameters, run under common random numbers."""

    area_code: str
    replication: int
    seed: int
    engine: str
    max_rate: float
    parameters: tuple[tuple[str, FlowParameters], ...]


def area_parameters(scenario_file: ScenarioFile, area: AreaPopulation) -> dict[str, FlowParameters]:
    """Every scenario of ``scenario_file`` scaled to ``area``."""
    if area.population_65 <= 0:
        raise ValueError(f"{area.code}: population aged 65+ must be positive")
    factor = area.population_65 / scenario_file.population_65
    return {
        name: scale_parameters(params, factor, area.adult_population)
        for name, params in scenario_file.parameters.items()
    }


def sweep_tasks(
    scenario_file: ScenarioFile,
    areas: Sequence[AreaPopulation],
    *,
    replications: int,
    seed: int,
    engine: str = "compiled",
) -> list[SweepTask]:
    """The tasks of a sweep, area by area then replication by replication."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    tasks = []
    for area in areas:
        params = area_parameters(scenario_file, area)
        max_rate = experiment_max_rate(list(params.values()))
        frozen = tuple(params.items())
        tasks += [
            SweepTask(area.code, r, seed, engine, max_rate, frozen) for r in range(replications)
        ]
    return tasks


def run_task(task: SweepTask) -> list[dict[str, Any]]:
    """Run one task: one row of totals per scenario (picklable, for worker processes)."""
    rows = []
    # scenarios changing only the system, or only the arrival rate, share their patients
    cache = PatientCache(len(task.parameters), group=[p for _, p in task.parameters])
    for name, params in task.parameters:
        summary = run(
            params, task.seed, task.replication, task.engine, max_rate=task.max_rate, cache=cache
        )
        rows.append(
            {
                "area_code": task.area_code,
                "scenario": name,
                "replication": task.replication,
                **summary.totals,
            }
        )
    return rows


def _forks_workers(executor: object) -> bool:
    """A local process pool that has not started its (forked) workers yet."""
    if not isinstance(executor, ProcessPoolExecutor):
        return False
    context = getattr(executor, "_mp_context", None)
    method = context.get_start_method() if context is not None else None
    return method == "fork" and not getattr(executor, "_processes", None)


@dataclass
class SweepResult:
    """Totals per area, scenario and replication, and their summaries per area."""

    totals: pd.DataFrame  # area_code, scenario, replication, one column per total
    results: pd.DataFrame  # area_code + the columns of experiment.summarise_totals
    replications: int
    seed: int
    engine: str
    areas: list[AreaPopulation]


def run_sweep(
    scenario_file: ScenarioFile,
    areas: Sequence[AreaPopulation],
    executor: Executor,
    *,
    replications: int = 10,
    seed: int = 20181101,
    engine: str = "compiled",
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every area x scenario x replication on ``executor``; ``progress(done, total)`` is
    called as tasks are collected (in submission order)."""
    tasks = sweep_tasks(scenario_file, areas, replications=replications, seed=seed, engine=engine)
    if tasks and _forks_workers(executor):
        # load the compiled code here, once: the workers forked at the first submit inherit it
        run_task(dataclasses.replace(tasks[0], parameters=tasks[0].parameters[:1]))
    futures = [executor.submit(run_task, task) for task in tasks]
    rows: list[dict[str, Any]] = []
    for done, future in enumerate(futures, start=1):
        rows.extend(future.result())
        if progress is not None:
            progress(done, len(futures))
    order = {name: i for i, name in enumerate(scenario_file.scenario_names)}
    totals = pd.DataFrame(rows)
    totals = totals.sort_values(
        ["area_code", "scenario", "replication"],
        key=lambda s: s.map(order) if s.name == "scenario" else s,
        ignore_index=True,
    )
    results = []
    for code, frame in totals.groupby("area_code", sort=True):
        summary = summarise_totals(frame.drop(columns=["area_code"]))
        summary.insert(0, "area_code", code)
        results.append(summary)
    return SweepResult(
        totals=totals,
        results=pd.concat(results, ignore_index=True),
        replications=replications,
        seed=seed,
        engine=engine,
        areas=list(areas),
    )
