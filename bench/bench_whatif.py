"""Benchmark: one what-if re-run for one area, 40 replications, base and changed case on common
random numbers (:func:`lsr.flow.whatif.run_whatif`), warm.

Warm: in a running process that has already loaded the compiled engine and summaries
(:func:`lsr.flow.whatif.warm`), as the web application's worker would be. Two changes of the
shipped ``winter`` example (a mid-sized council, 182 days plus 90 days' warm-up):

- more home care from 1 December: a capacity change, the patients are drawn once per
  replication and only the system is swapped;
- a winter surge: arrivals change, so both cases draw their patients.

Best of ``--repeat`` runs each, against the target (under 1 s) and against the cold path: the
same what-if in a fresh Python process (start-up, imports, loading the compiled code from numba's
cache, then the run), timed from outside as wall time.

Run: .venv/bin/python bench/bench_whatif.py [--repeat 5] [--replications 40]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.scenario import BASE_NAME
from lsr.flow.whatif import run_whatif, warm

TARGET = 1.0
CHANGES = ("More home care from 1 December", "Winter surge")

COLD = """
import sys
from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.whatif import run_whatif
sf = load_scenario_file(example_path("winter"))
run_whatif(sf.parameters["Base case"], sf.parameters[sys.argv[1]], replications=int(sys.argv[2]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--replications", type=int, default=40)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    sf = load_scenario_file(example_path("winter"))
    base = sf.parameters[BASE_NAME]
    t0 = time.perf_counter()
    warm()
    print(f"warm(): {time.perf_counter() - t0:.2f} s (once per process)")
    for name in CHANGES:
        changed = sf.parameters[name]
        walls, cpus = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            result = run_whatif(base, changed, replications=args.replications)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        wall = min(walls)
        t = time.perf_counter()
        cmd = [sys.executable, "-c", COLD, name, str(args.replications)]
        subprocess.run(cmd, check=True, capture_output=True)
        cold = time.perf_counter() - t
        delayed = result.totals.set_index("metric").loc["delayed_days"]
        how = "same patients, system swapped" if result.same_patients else "drawn with the base"
        print(
            f"{name} ({how}): warm "
            f"{wall:.3f} s wall (best of {args.repeat}; median {sorted(walls)[len(walls) // 2]:.3f}"
            f" s; CPU {min(cpus):.3f} s), target under {TARGET:g} s: "
            f"{'met' if wall < TARGET else 'NOT met'}; cold path (fresh process) {cold:.2f} s: "
            f"{cold / wall:.1f}x the warm run. Delayed days {delayed['base']:,.0f} -> "
            f"{delayed['changed']:,.0f} (difference {delayed['diff_mean']:+,.0f}, 95% CI "
            f"{delayed['diff_lo']:+,.0f} to {delayed['diff_hi']:+,.0f})"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
