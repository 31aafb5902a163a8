"""Build the compact real data that ships inside the lsr package from the raw public files.

    python scripts/build_default_data.py            # data/raw -> src/lsr/data/files/default
    python scripts/build_default_data.py --check    # rebuild in a temporary folder and compare

Every raw file under data/raw (NHS England, ONS, NHS Digital and Oflog publications, see
data/raw/README.md) is loaded with lsr's own loaders into a fresh store; each table of real
data is then written to one Parquet file with a manifest naming every raw file (SHA-256) and
table. The embedded default store is built from these files (lsr.data.default). Run it again
after adding a raw file, and commit the result.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lsr.data.default_build import DEFAULT_DIR, export_tables, load_raw, read_table, shipped_tables
from lsr.data.store import connect

REPO = Path(__file__).resolve().parent.parent


def build(raw_dir: Path, out_dir: Path) -> dict[str, object]:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "build.duckdb")
        try:
            last = [""]

            def progress(series: str, done: int, total: int) -> None:
                if series != last[0] or done == total:
                    print(f"  {series}: {done}/{total} files", file=sys.stderr)
                    last[0] = series

            summaries = load_raw(con, raw_dir, progress=progress)
            for summary in summaries.values():
                print(f"  {summary}", file=sys.stderr)
            manifest = export_tables(con, out_dir, raw_dir)
        finally:
            con.close()
    size = sum(p.stat().st_size for p in out_dir.glob("*.parquet"))
    print(
        f"Wrote {len(manifest['tables'])} tables ({size / 1024:.0f} KiB) to {out_dir} "  # type: ignore[arg-type]
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return manifest


def check(raw_dir: Path) -> int:
    """Rebuild in a temporary folder; 0 if the shipped tables hold exactly the same rows."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build(raw_dir, fresh)
        ours, theirs = shipped_tables(DEFAULT_DIR), shipped_tables(fresh)
        if ours != theirs:
            print("The shipped manifest differs from a fresh build.", file=sys.stderr)
            return 1
        for table in ours:
            if not read_table(table, DEFAULT_DIR).equals(read_table(table, fresh)):
                print(f"Table {table} differs from a fresh build.", file=sys.stderr)
                return 1
    print("The shipped default data matches a fresh build from the raw files.", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=REPO / "data" / "raw")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="compare with a fresh build")
    args = parser.parse_args()
    if args.check:
        return check(args.raw)
    build(args.raw, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
