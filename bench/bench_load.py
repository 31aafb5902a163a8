"""Benchmark: loading every raw public file in data/raw into a fresh store.

What a user waits for when they load the published series themselves: `lsr load population`,
`dtoc`, `ae`, `catchment`, `mar`, `ascof` and `oflog` on every file of data/raw (8 ONS
workbooks, 72 DToC workbooks, 93 MAR workbooks, the A&E and catchment CSVs, 4 ASCOF files and
the Oflog CSV: about 40 MB), each file read, validated and stored in DuckDB with lsr's loaders.

Baseline, measured in the same run: pandas reading the same files, every sheet of every
workbook (``pandas.read_excel(sheet_name=None)``) and every CSV, with no validation and no
store — the least work a script that "just reads the spreadsheets" does. Also timed: the first
run's build of the embedded default store from the compact shipped Parquet files.

Run: .venv/bin/python bench/bench_load.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from lsr.data.default import ensure_default_store
from lsr.data.default_build import RAW_SERIES, load_raw, raw_files
from lsr.data.store import connect

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"


def lsr_load() -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        try:
            t0 = time.perf_counter()
            summaries = load_raw(con, RAW)
            elapsed = time.perf_counter() - t0
        finally:
            con.close()
    return elapsed, sum(s.rows_inserted for s in summaries.values())


def pandas_read() -> tuple[float, int]:
    files = [p for series in RAW_SERIES for p in raw_files(RAW, series)]
    cells = 0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            if path.suffix == ".csv":
                frames = {"csv": pd.read_csv(path, encoding_errors="replace", low_memory=False)}
            else:
                frames = pd.read_excel(path, sheet_name=None, header=None)
            cells += sum(f.size for f in frames.values())
    return time.perf_counter() - t0, cells


def default_build() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ensure_default_store(Path(tmp) / "default.duckdb")
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    files = [p for series in RAW_SERIES for p in raw_files(RAW, series)]
    size = sum(p.stat().st_size for p in files)
    print(f"raw files: {len(files)} ({size / 1e6:.1f} MB) under {RAW}")
    best_lsr, best_pd, rows, cells = math.inf, math.inf, 0, 0
    for _ in range(args.repeat):
        t, rows = lsr_load()
        best_lsr = min(best_lsr, t)
        t, cells = pandas_read()
        best_pd = min(best_pd, t)
    print(f"lsr load (read, validate every cell, store; {rows:,} rows): {best_lsr:.1f} s")
    print(
        f"baseline pandas read of every sheet and CSV ({cells:,} cells, no checks): {best_pd:.1f} s"
    )
    print(f"ratio lsr / baseline: {best_lsr / best_pd:.2f}x the baseline's time")
    print(f"first-run build of the default store from the shipped Parquet: {default_build():.1f} s")


if __name__ == "__main__":
    main()
