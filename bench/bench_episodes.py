"""Benchmark: person-level episodes to indicators 1-4 and 6 (DuckDB) against a pandas baseline.

Usage::

    .venv/bin/python bench/bench_episodes.py            # 10,000,000 rows
    .venv/bin/python bench/bench_episodes.py --rows 2000000
    .venv/bin/python bench/bench_episodes.py --quick    # 1,000,000 rows

Steps, each timed on its own:

1. generate a SYNTHETIC extract of ``--rows`` rows (and a ``--sample``-row one, default 1M)
   with :func:`lsr.data.synthetic_episodes.generate_episodes` into a temporary directory;
2. load the full extract into a fresh temporary DuckDB store with
   :func:`lsr.data.episodes.load_episodes`, in a fresh subprocess, so that the peak RSS reported
   is the load's alone (generation memory does not count);
3. the named baseline, "pandas: read the parquet into pandas and compute the same five
   indicators with groupby", on the sample, in its own subprocess; and the DuckDB load on the
   same sample, to compare like with like. The baseline's numbers must equal the DuckDB
   numbers on the sample, or the benchmark fails.

Areas and population aged 65+ come from the ONS mid-2017 estimates shipped with lsr.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data import store
from lsr.data.episodes import CARE_HOME_SOURCES, EMERGENCY_METHODS, load_episodes
from lsr.data.synthetic_episodes import DEFAULT_AREAS, generate_episodes

BASELINE_NAME = (
    "pandas: read the parquet into pandas and compute the same five indicators with groupby"
)

Key = tuple[str, str, str]


def _ons_population() -> pd.DataFrame:
    raw = Path(__file__).resolve().parent.parent / "data" / "raw"
    return pd.read_csv(raw / "ons_mye2017_upper_tier_la_from_lsoa.csv")


def _fresh_store(db: Path) -> duckdb.DuckDBPyConnection:
    con = store.connect(db)
    ons = _ons_population()
    for row in ons.itertuples(index=False):
        con.execute("INSERT INTO areas VALUES (?, ?, NULL)", [row.utla_code, row.utla_name])
        con.execute(
            "INSERT INTO population VALUES (?, ?, '65+', ?)",
            [row.utla_code, int(row.year), float(row.pop_65_plus)],
        )
    return con


def _peak_rss_mib() -> float:
    """This process's peak resident set size, in MiB.

    Linux's VmHWM (reset by exec, so a child does not inherit its parent's peak, unlike
    ``ru_maxrss``, which survives exec); ``ru_maxrss`` elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _dump(results: dict[Key, tuple[float, float]], out: Path, extra: dict[str, object]) -> None:
    payload = {
        **extra,
        "results": [[*k, *v] for k, v in sorted(results.items())],
    }
    out.write_text(json.dumps(payload))


def child_load(path: Path, out: Path) -> None:
    """Run in a fresh process: load ``path`` into a fresh store, report time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="lsr-bench-db-") as tmp:
        con = _fresh_store(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        summary = load_episodes(con, path)
        seconds = time.perf_counter() - started
        rows = con.execute(
            "SELECT indicator, area_code, CAST(period AS VARCHAR), numerator, denominator "
            "FROM indicator_counts"
        ).fetchall()
        con.close()
    results = {(r[0], r[1], r[2]): (float(r[3]), float(r[4])) for r in rows}
    _dump(
        results,
        out,
        {"rows": summary.rows_checked, "seconds": seconds, "peak_rss_mib": _peak_rss_mib()},
    )


def pandas_indicators(path: Path, population: dict[str, float]) -> dict[Key, tuple[float, float]]:
    """The baseline: the same five indicators with pandas (population: area -> 65+ in 2017)."""
    df = pd.read_parquet(path)
    rt = df["record_type"].str.strip().str.lower()
    method = df["admission_method"].astype("string").str.strip().str.upper()
    source = df["admission_source"].astype("string").str.strip().str.upper()
    old = df["age"] >= 65
    emergency = ((rt == "admission") & method.isin(EMERGENCY_METHODS)).fillna(False)
    care_home = source.isin(CARE_HOME_SOURCES).fillna(False)
    arr = pd.to_datetime(df["arrival_date"])
    dis = pd.to_datetime(df["discharge_date"])
    month = arr.dt.to_period("M")
    months = pd.period_range(month.min(), month.max(), freq="M")
    areas = sorted(df["area_code"].unique())
    last_arrival = arr.max()

    out: dict[Key, tuple[float, float]] = {}
    frame = pd.DataFrame(
        {
            "area_code": df["area_code"],
            "month": month,
            "ae": (rt == "ae") & old,
            "em": emergency & old,
            "ch": emergency & old & care_home,
        }
    )
    sums = frame.groupby(["area_code", "month"])[["ae", "em", "ch"]].sum()
    names = {
        "ae": "ae_attendances_65",
        "em": "emergency_admissions_65",
        "ch": "care_home_admissions_65",
    }
    for area in areas:
        for m in months:
            got = sums.loc[(area, m)] if (area, m) in sums.index else None
            for col, indicator in names.items():
                n = float(got[col]) if got is not None else 0.0
                out[(indicator, area, str(m.start_time.date()))] = (n, population[area])

    em = pd.DataFrame(
        {"row": df.index[emergency], "pid": df["person_id"][emergency], "arr": arr[emergency]}
    )
    index_mask = emergency & old & dis.notna()
    idx = pd.DataFrame(
        {
            "row": df.index[index_mask],
            "pid": df["person_id"][index_mask],
            "area_code": df["area_code"][index_mask],
            "arr": arr[index_mask],
            "dis": dis[index_mask],
        }
    )
    pairs = idx[["row", "pid", "dis"]].merge(em, on="pid", suffixes=("", "_r"))
    hit = pairs[
        (pairs["row_r"] != pairs["row"])
        & (pairs["arr"] >= pairs["dis"])
        & (pairs["arr"] <= pairs["dis"] + pd.Timedelta(days=30))
    ]["row"].unique()
    idx["readmitted"] = idx["row"].isin(hit)
    idx["long"] = (idx["dis"] - idx["arr"]).dt.days > 7
    idx["dmonth"] = idx["dis"].dt.to_period("M")
    grouped = idx.groupby(["area_code", "dmonth"]).agg(
        n=("row", "size"), long=("long", "sum"), readmitted=("readmitted", "sum")
    )
    for (area, m), g in grouped.iterrows():
        if m < months[0] or m > months[-1]:
            continue
        key_date = str(m.start_time.date())
        out[("long_stays_65", area, key_date)] = (float(g["long"]), float(g["n"]))
        if m.end_time.normalize() + pd.Timedelta(days=30) <= last_arrival:
            out[("readmissions_30d_65", area, key_date)] = (float(g["readmitted"]), float(g["n"]))
    return out


def child_pandas(path: Path, out: Path) -> None:
    """Run in a fresh process: the pandas baseline on ``path``."""
    ons = _ons_population()
    population = dict(zip(ons["utla_code"], ons["pop_65_plus"].astype(float), strict=True))
    started = time.perf_counter()
    results = pandas_indicators(path, population)
    seconds = time.perf_counter() - started
    rows = pd.read_parquet(path, columns=["age"]).shape[0]
    _dump(results, out, {"rows": rows, "seconds": seconds, "peak_rss_mib": _peak_rss_mib()})


def _run_child(kind: str, path: Path, workdir: Path) -> dict[str, object]:
    out = workdir / f"{kind}-{path.stem}.json"
    cmd = [sys.executable, __file__, "--child", kind, "--path", str(path), "--out", str(out)]
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def _line(label: str, r: dict[str, object]) -> str:
    rows = int(r["rows"])  # type: ignore[call-overload]
    secs = float(r["seconds"])  # type: ignore[arg-type]
    rss = float(r["peak_rss_mib"])  # type: ignore[arg-type]
    return (
        f"{label:<34} {rows:>12,} rows {secs:>8.2f} s {rows / secs:>12,.0f} rows/s "
        f"peak RSS {rss:>7,.0f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the full extract")
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows")
    parser.add_argument("--sample", type=int, default=1_000_000, help="rows for the baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["load", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "load":
        child_load(args.path, args.out)
        return 0
    if args.child == "pandas":
        child_pandas(args.path, args.out)
        return 0

    rows = 1_000_000 if args.quick else args.rows
    sample = min(args.sample, rows)
    print(f"SYNTHETIC person-level extract; areas {', '.join(DEFAULT_AREAS)}; seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="lsr-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        full = generate_episodes(
            rows, work / "full.parquet", seed=args.seed, start=date(2017, 4, 1)
        )
        gen_seconds = time.perf_counter() - started
        size_mib = full.stat().st_size / 2**20
        print(
            f"{'generate (not part of the load)':<34} {rows:>12,} rows {gen_seconds:>8.2f} s "
            f"{rows / gen_seconds:>12,.0f} rows/s ({size_mib:,.0f} MiB Parquet)"
        )
        small = generate_episodes(sample, work / "sample.parquet", seed=args.seed)

        load_full = _run_child("load", full, work)
        print(_line("duckdb load_episodes (full)", load_full))
        load_small = _run_child("load", small, work)
        print(_line("duckdb load_episodes (sample)", load_small))
        base = _run_child("pandas", small, work)
        print(_line("baseline pandas (sample)", base))

        if load_small["results"] != base["results"]:
            print("FAIL: the pandas baseline and DuckDB give different numbers on the sample")
            return 1
        print("check: pandas baseline and DuckDB give identical counts on the sample")

        def rate(r: dict[str, object]) -> float:
            return int(r["rows"]) / float(r["seconds"])  # type: ignore[call-overload, arg-type]

        print(f"baseline: {BASELINE_NAME}")
        print(f"ratio (rows/s) duckdb full / pandas sample:   {rate(load_full) / rate(base):6.1f}x")
        print(
            f"ratio (rows/s) duckdb sample / pandas sample: {rate(load_small) / rate(base):6.1f}x"
        )
        rss = float(load_full["peak_rss_mib"])  # type: ignore[arg-type]
        ok = rate(load_full) >= 1_000_000 and rss < 4096
        print(f"targets (>= 1,000,000 rows/s, peak RSS < 4 GiB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
