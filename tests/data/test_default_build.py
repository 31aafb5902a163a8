"""The compact data shipped in the package is exactly what the raw public files give.

``scripts/build_default_data.py`` builds ``lsr/data/files/default`` from ``data/raw`` with lsr's
own loaders. These tests rebuild it and compare, so a loader change, a new raw file or a hand
edit that is not rebuilt and committed fails here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lsr.data.default_build import (
    DEFAULT_DIR,
    MANIFEST,
    RAW_SERIES,
    export_tables,
    load_raw,
    raw_files,
    read_table,
    shipped_tables,
)
from lsr.data.store import connect

from raw_data import RAW


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("default")
    con = connect(out / "build.duckdb")
    try:
        load_raw(con, RAW)
        export_tables(con, out, RAW)
    finally:
        con.close()
    return out


def test_shipped_tables_equal_a_fresh_build(fresh: Path) -> None:
    assert shipped_tables(DEFAULT_DIR) == shipped_tables(fresh)
    for table in shipped_tables(DEFAULT_DIR):
        shipped, rebuilt = read_table(table, DEFAULT_DIR), read_table(table, fresh)
        assert shipped.equals(rebuilt), f"{table} differs: rerun scripts/build_default_data.py"


def test_manifest_names_every_raw_file_with_its_hash() -> None:
    manifest = json.loads((DEFAULT_DIR / MANIFEST).read_text(encoding="utf-8"))
    listed = {entry["file"]: entry["sha256"] for entry in manifest["raw_files"]}
    on_disk = {
        path.relative_to(RAW).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for series in RAW_SERIES
        for path in raw_files(RAW, series)
    }
    assert listed == on_disk
    everything = {
        p.relative_to(RAW).as_posix()
        for p in RAW.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    # every raw file is shipped except the mid-2017 LSOA sum, which equals the mid-2017 workbook
    assert everything - set(listed) == {"ons_mye2017_upper_tier_la_from_lsoa.csv"}


def test_package_stays_small() -> None:
    size = sum(p.stat().st_size for p in DEFAULT_DIR.iterdir())
    assert size < 3 * 1024 * 1024, f"shipped default data is {size / 1024:.0f} KiB"


def test_loads_table_lists_every_shipped_raw_file() -> None:
    loads = read_table("loads")
    assert "loaded_at" not in loads.columns
    assert len(loads) == len(json.loads((DEFAULT_DIR / MANIFEST).read_text())["raw_files"])
