"""Benchmark: a whole ``lsr simulate winter`` process against a plain SimPy implementation of
the same scenario file, each run as its own process.

(a) ``lsr simulate winter -n 40`` as a subprocess: Python start-up, imports, loading the
    compiled engine from numba's cache, sampling, simulation, summaries (run totals, daily and
    monthly bands, paired differences), the terminal tables, the HTML report
    (``simulation.html`` with its SVG charts) and the store write (a fresh copy of the
    embedded store, built before timing). The numba cache is filled by one untimed run first,
    as after the first run on a user's machine; that first (cold) run is timed and printed
    too.
(a') the same with ``--no-report``: everything but the HTML report, which the SimPy twin
    does not write either, so (a') against (b) is like for like (the store write stays in lsr's
    time; the twin writes nothing).
(b) ``bench/simpy_twin.py winter -n 40`` as a subprocess: the same base case and three
    scenarios, 40 replications each, in SimPy with its own sampling and summaries (see that
    file for what it leaves out: the report, the store, monthly indicators).

Both are timed as wall time and as the child's CPU time (user + system): on a shared machine
the CPU time is the steadier measure; the load average is printed. The ratio SimPy / lsr is the
speed-up (target: at least 20x), printed for (a) and for (a'). Afterwards the mean delayed
days of both, per scenario, are printed side by side (a check that the twin is the same
model; they agree in distribution, not number for number).

Run: .venv/bin/python bench/bench_simulate.py [--repeat 3] [--replications 40]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 20.0


def _lsr() -> list[str]:
    script = Path(sys.executable).with_name("lsr")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from lsr.cli.main import app; sys.exit(app())"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, child CPU time (user + system) and output of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed:\n{done.stdout[-2000:]}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of lsr (best is kept)")
    parser.add_argument("--simpy-repeat", type=int, default=1)
    parser.add_argument("--replications", "-n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20181101)
    args = parser.parse_args()
    n = str(args.replications)
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "store.duckdb"
        subprocess.run([*_lsr(), "init", "--db", str(db)], check=True, capture_output=True)
        lsr = [*_lsr(), "simulate", "winter", "-n", n, "--seed", str(args.seed), "--db", str(db)]
        cold = timed([*lsr, "-o", str(work / "cold")], work)
        runs = [timed([*lsr, "-o", str(work / f"out{i}")], work) for i in range(args.repeat)]
        wall, cpu, out = min(runs)
        bare = [timed([*lsr, "--no-report"], work) for _ in range(args.repeat)]
        b_wall, b_cpu, _ = min(bare)
        inner = re.search(r"Simulated in ([0-9.]+) s", out)
        twin = [sys.executable, str(HERE / "simpy_twin.py"), "winter", "-n", n]
        twin += ["--seed", str(args.seed)]
        simpy_runs = [timed(twin, work) for _ in range(args.simpy_repeat)]
        s_wall, s_cpu, s_out = min(simpy_runs)
        s_inner = re.search(r"replications in ([0-9.]+) s", s_out)
    print(
        f"lsr simulate winter -n {n} (cold numba cache, first run): {cold[0]:.2f} s wall, "
        f"{cold[1]:.2f} s CPU"
    )
    print(
        f"lsr simulate winter -n {n} (best of {args.repeat}): {wall:.2f} s wall, {cpu:.2f} s CPU"
        + (
            f"; of which the experiment (simulation and summaries): {inner.group(1)} s"
            if inner
            else ""
        )
    )
    print(
        f"lsr simulate winter -n {n} --no-report (best of {args.repeat}): {b_wall:.2f} s wall, "
        f"{b_cpu:.2f} s CPU"
    )
    print(f"SimPy twin, same scenario file -n {n}: {s_wall:.2f} s wall, {s_cpu:.2f} s CPU")
    for label, w, c in (("with the report", wall, cpu), ("--no-report", b_wall, b_cpu)):
        print(
            f"ratio SimPy / lsr ({label}): {s_wall / w:.1f}x wall time, {s_cpu / c:.1f}x CPU "
            f"time (target >= {TARGET:g}x: wall {'met' if s_wall / w >= TARGET else 'NOT met'}"
            f", CPU {'met' if s_cpu / c >= TARGET else 'NOT met'})"
        )
    if inner and s_inner:
        a, b = float(inner.group(1)), float(s_inner.group(1))
        print(
            f"inside the processes (sampling, simulation, summaries; no start-up, report or "
            f"store): lsr {a:.2f} s, SimPy twin {b:.2f} s: {b / a:.1f}x"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    # the same model? mean delayed days per scenario, both implementations
    from lsr.data.scenario_files import example_path, load_scenario_file
    from lsr.flow.experiment import run_experiment

    result = run_experiment(
        load_scenario_file(example_path("winter")), seed=args.seed, replications=args.replications
    )
    theirs = dict(re.findall(r"^(.*): delayed days ([0-9][0-9,]*[0-9])", s_out, flags=re.M))
    print("mean delayed days per scenario (lsr | SimPy twin):")
    for name in result.scenario_names:
        ours = result.result(name, "delayed_days")["mean"]
        print(f"  {name}: {ours:,.0f} | {theirs.get(name, '?')}")


if __name__ == "__main__":
    main()
