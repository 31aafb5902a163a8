"""Benchmark: the full national data profile, with the evidence sections.

What is timed, end to end from an open store, for every council at once:

* reading every indicator's counts (the store's counts, DToC from the workbooks' days, A&E
  apportioned from trusts, emergency admissions from the MAR), each over the population of the
  period's year;
* the national profile table: values, intervals, England and comparator benchmarks,
  comparisons and one control chart per council and indicator (the six, and the supplementary
  A&E and emergency-admissions indicators);
* the evidence sections' national tables: delays by reason and responsible organisation for
  every council and month against England and its comparators
  (:func:`lsr.core.delay_reasons_national.national_delay_reasons`), and the social care
  outcome measures for every council and year (:func:`lsr.core.outcomes_national.
  national_outcomes`), including the reads of their inputs.

Baselines, measured in the same run: (1) the profile as it was before the new sections — the
six indicators only (the store's counts and DToC), read and computed the same way; (2) a plain
per-row Python loop computing values, intervals and the England comparison of the same rows
(no comparators, no control charts), the way a spreadsheet-style script would.

Target: the whole national profile with its sections under 3 s on a 2-core machine.

Run: .venv/bin/python bench/bench_profile.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from lsr.core.delay_reasons_national import national_delay_reasons
from lsr.core.indicators import INDICATORS, Statistic, get_indicator
from lsr.core.outcome_measures import OUTCOME_MEASURES
from lsr.core.outcomes_national import national_outcomes
from lsr.core.profile import COUNT_COLUMNS, compute_profile_table
from lsr.data import queries
from lsr.data.default import ensure_default_store
from lsr.data.measures import measure_rows
from lsr.data.store import connect

Z = 1.959964


def six_indicator_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The counts of the six indicators only, as the profile read them before this change."""
    frame = con.execute(
        f"""
        SELECT {", ".join(COUNT_COLUMNS)} FROM indicator_counts
        UNION ALL SELECT * FROM ({queries.dtoc_counts_sql()})
        """
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def baseline_loop(counts: pd.DataFrame) -> int:
    """Row-by-row Python: value, interval and England comparison for every row."""
    england = {
        (r.indicator, r.period): (r.numerator, r.denominator)
        for r in counts.itertuples(index=False)
        if r.area_code == "E92000001"
    }
    outcomes = 0
    for r in counts.itertuples(index=False):
        ind = get_indicator(r.indicator)
        x, n = r.numerator, r.denominator
        if (r.indicator, r.period) not in england:
            continue
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


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t0)
    return best, result


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
        try:
            groups, _ = queries.comparator_groups(con)

            def full() -> dict[str, object]:
                counts = queries.indicator_counts(con)
                table = compute_profile_table(counts, groups)
                reasons = national_delay_reasons(queries.dtoc_breakdowns(con), groups)
                pairs = [p for m in OUTCOME_MEASURES for p in m.sources]
                outcomes = national_outcomes(measure_rows(con, pairs), groups)
                return {"counts": counts, "table": table, "reasons": reasons, "outcomes": outcomes}

            def before() -> object:
                counts = six_indicator_counts(con)
                return compute_profile_table(counts, groups)

            t_full, result = best_of(args.repeat, full)
            t_before, _ = best_of(args.repeat, before)
        finally:
            con.close()
    assert isinstance(result, dict)
    counts, table = result["counts"], result["table"]
    assert isinstance(counts, pd.DataFrame)
    n_areas = counts.loc[counts["area_code"] != "E92000001", "area_code"].nunique()
    print(f"build default store: {build:.2f} s")
    print(
        f"counts: {len(counts):,} rows ({n_areas} areas, {counts['indicator'].nunique()} "
        f"indicators); control charts: {len(table.series):,}; delay-reason rows: "  # type: ignore[union-attr]
        f"{len(result['reasons']):,}; outcome rows: {len(result['outcomes']):,}"  # type: ignore[arg-type]
    )
    print(
        f"lsr national profile with the new sections (read + profile + sections): "
        f"{t_full:.2f} s (best of {args.repeat}); target < 3 s"
    )
    print(f"baseline 1, the six indicators only (before the new sections): {t_before:.2f} s")
    six = counts[counts["indicator"].isin([i.id for i in INDICATORS])]
    t_loop, _ = best_of(args.repeat, lambda: baseline_loop(six))
    print(
        f"baseline 2, per-row Python loop over the six indicators' rows (less work): {t_loop:.2f} s"
    )
    print(f"ratio with sections / six indicators only: {t_full / t_before:.2f}x")


if __name__ == "__main__":
    main()
