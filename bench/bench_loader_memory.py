"""Benchmark: peak memory of ``lsr load`` on a very large file (the loaders stream and stop).

Usage::

    .venv/bin/python bench/bench_loader_memory.py                 # 2 GB population CSV
    .venv/bin/python bench/bench_loader_memory.py --gigabytes 0.5 --kind counts

Writes a file of about ``--gigabytes`` GB of well-formed rows that are all different (so that
neither a bad value nor a duplicate stops the reader early) into a temporary folder: a tidy
population CSV (``--kind population``), a counts CSV (``--kind counts``) or a person-level
episodes CSV (``--kind episodes``). Then runs the real ``lsr load`` command on it in a child
process against an empty store and reports the child's peak resident memory (``VmHWM``),
its wall time, its exit code and the first line of its error. The counts and population loaders
read one row at a time and stop at their row limit, so the peak does not grow with the file;
the episodes loader streams through DuckDB (memory limit 3 GB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BLOCK_ROWS = 100_000

# Runs lsr and reports the process's own peak resident memory (VmHWM) on stderr.
_CHILD = """
import sys
from lsr.cli.main import app
try:
    app()
finally:
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    sys.stderr.write(f"\\nPEAK_KB={status}\\n")
"""


def _write(path: Path, header: str, row: object, target: int) -> int:
    """Write ``header`` then rows ``row(i)`` until the file is ``target`` bytes; rows written."""
    written = 0
    i = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        while written < target:
            block = "".join(row(j) for j in range(i, i + _BLOCK_ROWS))  # type: ignore[operator]
            f.write(block)
            written += len(block)
            i += _BLOCK_ROWS
    return i


_BANDS = ("all", "18+", "65+", "75+", "85+")


def _population_row(i: int) -> str:
    band = _BANDS[i % 5]
    return f"E{10_000_000 + i // 5:08d},Area {i // 5},2017,{band},{100_000 - 10 * (i % 5)}\n"


def _counts_row(i: int) -> str:
    year, month = 2000 + (i // 12) % 25, 1 + i % 12
    return f"long_stays_65,E{10_000_000 + i // 300:08d},{year}-{month:02d},1,10\n"


def _episodes_row(i: int) -> str:
    return f"p{i},E10000025,{65 + i % 30},ae,2017-{1 + i % 12:02d}-{1 + i % 28:02d},,,,{i}\n"


KINDS = {
    "population": ("area_code,area_name,year,age_band,population", _population_row),
    "counts": ("indicator,area_code,period,numerator,denominator", _counts_row),
    "episodes": (
        "person_id,area_code,age,record_type,arrival_date,admission_method,admission_source,"
        "discharge_date,episode_id",
        _episodes_row,
    ),
}


def run(kind: str, gigabytes: float, folder: Path) -> dict[str, object]:
    """Generate the file, load it in a child process; the measurements."""
    header, row = KINDS[kind]
    path = folder / f"big_{kind}.csv"
    started = time.perf_counter()
    rows = _write(path, header, row, int(gigabytes * (1 << 30)))
    generated = time.perf_counter() - started
    db = folder / "store.duckdb"
    db.unlink(missing_ok=True)
    lsr = [sys.executable, "-c", "from lsr.cli.main import app; app()"]
    subprocess.run([*lsr, "init", "--empty", "--db", str(db)], check=True, capture_output=True)
    if kind != "population":  # counts and episodes need the area and its population
        seed = folder / "population.csv"
        seed.write_text(
            "area_code,area_name,year,age_band,population\nE10000025,Oxfordshire,2017,65+,130000\n"
        )
        subprocess.run(
            [*lsr, "load", "population", str(seed), "--db", str(db)],
            check=True,
            capture_output=True,
        )
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, "load", kind, str(path), "--db", str(db)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    marks = [x for x in child.stderr.splitlines() if x.startswith("PEAK_KB=")]
    peak = int(marks[-1].removeprefix("PEAK_KB=")) if marks else 0
    stderr = "\n".join(x for x in child.stderr.splitlines() if not x.startswith("PEAK_KB="))
    return {
        "kind": kind,
        "file_bytes": path.stat().st_size,
        "rows_in_file": rows,
        "generate_s": round(generated, 1),
        "load_s": round(seconds, 1),
        "exit_code": child.returncode,
        "peak_rss_mib": round(peak / 1024, 1),
        "stdout": child.stdout.strip()[:300],
        "error": " ".join(stderr.split())[:400],
        "traceback": "Traceback" in stderr,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=sorted(KINDS), default="population")
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        result = run(args.kind, args.gigabytes, Path(tmp))
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
