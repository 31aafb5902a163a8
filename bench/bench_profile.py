"""Benchmark: the full national data profile.

All councils x six indicators x 60 months, with intervals, England and comparator benchmarks,
comparisons and one control chart per council and indicator, computed from the embedded default
store (real DToC months plus 60 months of labelled synthetic counts for the other indicators).

Baseline, measured in the same run: a plain per-row Python loop computing the same values,
intervals and England comparison (no SPC) — the way a spreadsheet-style script would do it.
Target: the vectorised profile under 5 s on a 2-core machine.

Run: .venv/bin/python bench/bench_profile.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lsr.core.indicators import Statistic, get_indicator
from lsr.core.profile import compute_profile_table
from lsr.data import queries
from lsr.data.default import ensure_default_store
from lsr.data.store import connect

Z = 1.959964


def baseline_loop(counts: pd.DataFrame) -> int:
    """Row-by-row Python: value, interval and England comparison for every row."""
    england: dict[tuple[str, object], list[float]] = {}
    for r in counts.itertuples(index=False):
        acc = england.setdefault((r.indicator, r.period), [0.0, 0.0])
        acc[0] += r.numerator
        acc[1] += r.denominator
    outcomes = 0
    for r in counts.itertuples(index=False):
        ind = get_indicator(r.indicator)
        x, n = r.numerator, r.denominator
        eng_n, eng_d = england[(r.indicator, r.period)]
        bench = eng_n / eng_d * ind.multiplier
        if ind.statistic is Statistic.PROPORTION:
            c = 2 * x + Z * Z
            h = Z * math.sqrt(Z * Z + 4 * x * (1 - x / n))
            lo, hi = (c - h) / (2 * (n + Z * Z)) * 100, (c + h) / (2 * (n + Z * Z)) * 100
        elif ind.statistic is Statistic.RATE and x >= 10:
            lo = x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3 / n * ind.multiplier
            hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3
            hi = hi / n * ind.multiplier
        else:
            continue
        outcomes += int(not lo <= bench <= hi)
    return outcomes


def fill_dtoc_history(counts: pd.DataFrame) -> pd.DataFrame:
    """Give DToC the same 60 months as the other indicators, so the benchmark covers
    ~150 areas x 6 indicators x 60 months. The added months are BENCHMARK-ONLY SYNTHETIC rows
    (Poisson around England's 2018 level), made in memory and never stored."""
    rng = np.random.default_rng(0)
    dtoc = counts[counts["indicator"] == "dtoc_18"]
    pop18 = (dtoc.groupby("area_code")["denominator"].first() / 31).to_dict()
    grid = counts[counts["indicator"] == "ae_attendances_65"][["area_code", "period"]]
    grid = grid[grid["area_code"].isin(pop18)]
    have = set(zip(dtoc["area_code"], dtoc["period"], strict=True))
    grid = grid[
        [(a, p) not in have for a, p in zip(grid["area_code"], grid["period"], strict=True)]
    ]
    days = grid["period"].dt.days_in_month.to_numpy()
    den = grid["area_code"].map(pop18).to_numpy() * days
    extra = grid.assign(
        indicator="dtoc_18",
        numerator=rng.poisson(den * 10.5e-5).astype(float),
        denominator=den,
        synthetic=True,
        source="BENCHMARK-ONLY SYNTHETIC",
    )
    return pd.concat([counts, extra], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        ensure_default_store(path)
        build = time.perf_counter() - t0
        con = connect(path, read_only=True)
        t0 = time.perf_counter()
        counts = queries.indicator_counts(con)
        groups, _ = queries.comparator_groups(con)
        read = time.perf_counter() - t0
        con.close()
    counts = fill_dtoc_history(counts)
    n_areas = counts["area_code"].nunique()
    print(f"rows: {len(counts):,} ({n_areas} areas, {counts['indicator'].nunique()} indicators)")
    print(f"build default store: {build:.2f} s; read counts: {read:.2f} s")
    best = math.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        table = compute_profile_table(counts, groups)
        best = min(best, time.perf_counter() - t0)
    charts = len(table.series)
    print(
        f"lsr national profile (values, CIs, England, comparators, {charts} SPC charts): "
        f"{best:.2f} s (best of {args.repeat}); target < 5 s"
    )
    base = math.inf
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        baseline_loop(counts)
        base = min(base, time.perf_counter() - t0)
    print(f"baseline (per-row Python loop, no comparators, no SPC): {base:.2f} s")
    print(
        f"ratio lsr / baseline: {best / base:.2f}x the baseline's time "
        f"(the baseline does less work)"
    )
    print(f"end-to-end (read + profile): {read + best:.2f} s")


if __name__ == "__main__":
    main()
