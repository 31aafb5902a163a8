"""Benchmark: sweep every council x every scenario x replications of one simulated year.

Runs the shipped ILLUSTRATIVE scenario file (`winter`: base case + 3 scenarios) for every
council in the embedded default store (arrivals and capacities scaled by each council's
population aged 65+), on a local process pool with one worker per core, and prints the wall
time. Baseline, measured in the same run: every tenth council, all scenarios and replications,
run serially in a single worker process (one core, the same environment and task order as the
pool's workers), scaled up by population aged 65+ (a council's run time grows with its
admissions, which are scaled by that population); the ratio is the speed-up from the pool.

Run: .venv/bin/python bench/bench_sweep.py [--replications 10] [--areas N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lsr.data.default import ensure_default_store
from lsr.data.flow_store import area_populations
from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.data.store import connect
from lsr.flow.sweep import AreaPopulation, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--areas", type=int, default=0, help="first N councils (0 = all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
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
    n_scen = len(scenario.parameters)  # the base case and each scenario
    runs = len(areas) * n_scen * args.replications
    print(
        f"{len(areas)} areas x {n_scen} scenarios x {args.replications} replications "
        f"= {runs:,} simulated years (plus warm-up)"
    )

    sample = areas[::10]
    scale = sum(a.population_65 for a in areas) / sum(a.population_65 for a in sample)
    with ProcessPoolExecutor(max_workers=1) as one:
        run_sweep(scenario, areas[:1], one, replications=1)  # JIT cache load in the worker
        t0 = time.perf_counter()
        run_sweep(scenario, sample, one, replications=args.replications)
        serial = (time.perf_counter() - t0) * scale
    print(
        f"baseline: one worker process, {len(sample)} areas (every tenth) scaled by population "
        f"65+ (x{scale:.2f}): {serial:.1f} s"
    )

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        run_sweep(scenario, areas, pool, replications=args.replications)
    wall = time.perf_counter() - t0
    print(
        f"lsr sweep on a process pool ({args.workers} workers): {wall:.1f} s wall time "
        f"({runs / wall:.1f} simulated years/s)"
    )
    print(f"ratio baseline / pool: {serial / wall:.2f}x")


if __name__ == "__main__":
    main()
