"""Benchmark: the national sweep, every council x every scenario x replications.

Runs the shipped ILLUSTRATIVE scenario file (`winter`: base case + 3 scenarios) for every
council in the embedded default store (arrivals and capacities scaled by each council's
population aged 65+), on a local process pool with one worker per core, as ``lsr sweep winter
--areas all`` does, and prints:

- the sweep's wall time against the target (under 60 s on 2 cores) and the workers' CPU time
  (user + system of the pool's processes: on a shared machine, CPU time / cores is what the
  sweep would take on idle cores); the load average before and after;
- where the time goes besides simulating: the pool's start-up (fork, then the first task in a
  worker, which loads the compiled engine from numba's cache), the size of a pickled task and
  of its result, and storing the results (one transaction, as ``lsr sweep`` does);
- baseline, measured in the same run: every tenth council, all scenarios and replications,
  run serially in a single worker process (one core), scaled up by population aged 65+ (a
  council's run time grows with its admissions);
- with ``--old-src DIR`` (a checkout of an earlier lsr's ``src``, e.g. made with ``git worktree
  add``), the same sweep run by that code in a child process, for a before/after in one run.

Run: .venv/bin/python bench/bench_sweep.py [--replications 10] [--areas N] [--old-src DIR]
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lsr.data.default import ensure_default_store
from lsr.data.flow_store import FlowRun, area_populations, save_flow_runs
from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.data.store import connect
from lsr.flow.sweep import AreaPopulation, SweepResult, run_sweep, run_task, sweep_tasks

TARGET = 60.0
#: The national sweep before this work (issue 10, measured independently, 2 cores).
EARLIER = 215.0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def national_sweep(
    scenario: object, areas: list[AreaPopulation], workers: int, replications: int
) -> tuple[SweepResult, float, float]:
    """The sweep on a fresh pool: result, wall time, workers' CPU time."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        result = run_sweep(scenario, areas, pool, replications=replications)  # type: ignore[arg-type]
    return result, time.perf_counter() - t0, _children_cpu() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--areas", type=int, default=0, help="first N councils (0 = all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--old-src", type=Path, help="an earlier lsr src folder to compare")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-worker run")
    parser.add_argument("--only-sweep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    scenario = load_scenario_file(example_path("winter"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        ensure_default_store(path)
        con = connect(path, read_only=True)
        rows = area_populations(con)
        con.close()
        areas = [
            AreaPopulation(r.code, r.name, float(r.population_65), float(r.adult_population))
            for r in rows.itertuples()
        ]
        if args.areas:
            areas = areas[: args.areas]
        if args.only_sweep:  # the child process of --old-src
            _, wall, cpu = national_sweep(scenario, areas, args.workers, args.replications)
            print(f"{wall:.3f} {cpu:.3f}")
            return
        n_scen = len(scenario.parameters)
        runs = len(areas) * n_scen * args.replications
        print(
            f"{len(areas)} areas x {n_scen} scenarios x {args.replications} replications "
            f"= {runs:,} simulated runs of {scenario.parameters['Base case'].days} days (plus "
            f"warm-up); {args.workers} workers; load average {os.getloadavg()[0]:.2f} on "
            f"{os.cpu_count()} CPUs"
        )

        # where the time goes besides simulating
        tasks = sweep_tasks(scenario, areas, replications=args.replications, seed=20181101)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=1) as one:
            one.submit(int).result()
            started = time.perf_counter() - t0
            one.submit(run_task, tasks[0]).result()
            first = time.perf_counter() - t0 - started
        task_bytes = len(pickle.dumps(tasks[0]))
        result_bytes = len(pickle.dumps(run_task(tasks[0])))
        print(
            f"pool start-up: {started:.2f} s to a ready worker, then {first:.2f} s for its first "
            f"task (loading the compiled engine and summaries from numba's cache, 4 runs); "
            f"a task pickles to {task_bytes:,} bytes, its result to {result_bytes:,} bytes "
            f"({len(tasks):,} tasks)"
        )

        result, wall, cpu = national_sweep(scenario, areas, args.workers, args.replications)
        print(
            f"national sweep on a process pool ({args.workers} workers): {wall:.1f} s wall time "
            f"(target under {TARGET:g} s: {'met' if wall < TARGET else 'NOT met'}; "
            f"{runs / wall:.0f} runs/s); workers' CPU {cpu:.1f} s = {cpu / args.workers:.1f} s on "
            f"{args.workers} idle cores"
            + (
                ""
                if args.areas
                else f"; earlier (issue 10): about {EARLIER:g} s, {EARLIER / wall:.1f}x"
            )
        )

        con = connect(path)
        t0 = time.perf_counter()
        save_flow_runs(
            con,
            [
                FlowRun(
                    scenario_file="winter",
                    scenario_name=scenario.name,
                    area_code=a.code,
                    replications=args.replications,
                    seed=20181101,
                    engine="compiled",
                    results=result.results[result.results["area_code"] == a.code].drop(
                        columns=["area_code"]
                    ),
                )
                for a in areas
            ],
        )
        con.close()
        stored = time.perf_counter() - t0
        print(f"storing the results ({len(areas)} runs, one transaction): {stored:.2f} s")

        if not args.no_baseline:
            sample = areas[::10]
            scale = sum(a.population_65 for a in areas) / sum(a.population_65 for a in sample)
            with ProcessPoolExecutor(max_workers=1) as one:
                run_sweep(scenario, areas[:1], one, replications=1)  # cache load in the worker
                t0 = time.perf_counter()
                run_sweep(scenario, sample, one, replications=args.replications)
                serial = (time.perf_counter() - t0) * scale
            print(
                f"baseline: one worker process, {len(sample)} areas (every tenth) scaled by "
                f"population 65+ (x{scale:.2f}): {serial:.1f} s; ratio baseline / pool: "
                f"{serial / wall:.2f}x"
            )

        if args.old_src is not None:
            env = {**os.environ, "PYTHONPATH": str(args.old_src.resolve())}
            cmd = [sys.executable, __file__, "--only-sweep", "--replications"]
            cmd += [str(args.replications), "--workers", str(args.workers)]
            cmd += ["--areas", str(args.areas)]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            old_wall, old_cpu = (float(v) for v in out.stdout.split()[-2:])
            print(
                f"the same sweep with {args.old_src}: {old_wall:.1f} s wall, workers' CPU "
                f"{old_cpu:.1f} s; this code is {old_wall / wall:.1f}x faster (wall), "
                f"{old_cpu / cpu:.1f}x (CPU)"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
