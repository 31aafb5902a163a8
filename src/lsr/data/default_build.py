"""Build the compact data that ships inside the package from the raw public files.

The raw files (``data/raw`` in the repository: NHS England, ONS, NHS Digital and Oflog
publications, byte for byte) are loaded into a fresh store with lsr's own loaders, and every
table of real data is written to one Parquet file (zstd) under ``lsr/data/files/default``, with
a ``manifest.json`` naming each raw file (SHA-256) and each table (rows). The embedded default
store (:mod:`lsr.data.default`) is then built from these files in a second, instead of from 40
MB of workbooks. ``scripts/build_default_data.py`` runs this; a test rebuilds it from the raw
files and checks the shipped files hold exactly the same rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data.loading import LoadSummary

__all__ = [
    "DEFAULT_DIR",
    "MANIFEST",
    "RAW_SERIES",
    "RawSeries",
    "export_tables",
    "load_raw",
    "read_table",
    "shipped_tables",
]

DEFAULT_DIR = Path(__file__).parent / "files" / "default"
"""Where the compact default data lives inside the package."""
MANIFEST = "manifest.json"

#: Tables that are not shipped: synthetic counts and the default comparators are made when the
#: store is built; flow results belong to the user.
NOT_SHIPPED = frozenset({"indicator_counts", "comparators"})


@dataclass(frozen=True)
class RawSeries:
    """One series of raw files: the loader to use and the file patterns under the raw folder."""

    name: str
    patterns: tuple[str, ...]
    load: Callable[..., LoadSummary]


def _population(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.population import load_population_files

    return load_population_files(con, paths, **kw)  # type: ignore[arg-type]


def _dtoc(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.dtoc import load_dtoc

    return load_dtoc(con, paths, **kw)  # type: ignore[arg-type]


def _ae(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.ae import load_ae

    return load_ae(con, paths, **kw)  # type: ignore[arg-type]


def _catchment(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.trust_catchment import load_catchment

    return load_catchment(con, paths, **kw)  # type: ignore[arg-type]


def _mar(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.mar import load_mar

    return load_mar(con, paths, **kw)  # type: ignore[arg-type]


def _ascof(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.ascof import load_ascof

    return load_ascof(con, paths, **kw)  # type: ignore[arg-type]


def _oflog(con: duckdb.DuckDBPyConnection, paths: list[Path], **kw: object) -> LoadSummary:
    from lsr.data.sources.oflog import load_oflog

    return load_oflog(con, paths, **kw)  # type: ignore[arg-type]


RAW_SERIES: tuple[RawSeries, ...] = (
    RawSeries("population", ("ons-mye/*.xls", "ons-mye/*.xlsx"), _population),
    RawSeries("dtoc", ("dtoc-2011-2016/*.xls", "dtoc/*.xls"), _dtoc),
    RawSeries("ae", ("ae/ae_attendances_*.csv",), _ae),
    RawSeries("trust_catchment", ("ae/trust_utla_mapping.csv",), _catchment),
    RawSeries("mar", ("mar-commissioner/*.xls",), _mar),
    RawSeries("ascof", ("ascof/*.xlsx", "ascof/*.csv"), _ascof),
    RawSeries("oflog", ("oflog_asc_metrics.csv",), _oflog),
)
"""Every raw series the default holds, in load order (population first: the loaders of
council data need the areas)."""


def raw_files(raw_dir: Path, series: RawSeries) -> list[Path]:
    """The files of one series under ``raw_dir``, sorted by name."""
    found: list[Path] = []
    for pattern in series.patterns:
        found.extend(sorted(raw_dir.glob(pattern)))
    return found


def load_raw(
    con: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, LoadSummary]:
    """Load every raw series under ``raw_dir`` into ``con`` with lsr's loaders (all or
    nothing per series); ``progress(series, done, total)`` after each file."""
    summaries: dict[str, LoadSummary] = {}
    for series in RAW_SERIES:
        paths = raw_files(raw_dir, series)
        if not paths:
            raise FileNotFoundError(f"no {series.name} files under {raw_dir}: {series.patterns}")

        def tick(done: int, total: int, _name: str, series: RawSeries = series) -> None:
            if progress is not None:
                progress(series.name, done, total)

        summaries[series.name] = series.load(con, paths, progress=tick)
    return summaries


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in NOT_SHIPPED]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows if not (table == "loads" and r[0] == "loaded_at")]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_tables(
    con: duckdb.DuckDBPyConnection, out_dir: Path, raw_dir: Path | None = None
) -> dict[str, object]:
    """Write every non-empty table of real data to ``out_dir/<table>.parquet`` (rows sorted,
    zstd) and the manifest; returns the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.parquet"):
        old.unlink()
    tables: dict[str, dict[str, object]] = {}
    for table in _tables(con):
        columns = _columns(con, table)
        count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        if not count or not count[0]:
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        target = out_dir / f"{table}.parquet"
        con.execute(
            f"COPY (SELECT {cols} FROM \"{table}\" ORDER BY {cols}) TO '{target}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        tables[table] = {"rows": int(count[0]), "columns": columns}
    manifest: dict[str, object] = {
        "about": (
            "Compact real data behind lsr's embedded default store, built from the raw public "
            "files by scripts/build_default_data.py (see docs/data-formats.md)."
        ),
        "tables": tables,
    }
    if raw_dir is not None:
        manifest["raw_files"] = [
            {
                "series": series.name,
                "file": path.relative_to(raw_dir).as_posix(),
                "sha256": _sha256(path),
                "bytes": path.stat().st_size,
            }
            for series in RAW_SERIES
            for path in raw_files(raw_dir, series)
        ]
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def shipped_tables(directory: Path = DEFAULT_DIR) -> dict[str, dict[str, object]]:
    """The tables listed in a manifest (name -> rows, columns)."""
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    return dict(manifest["tables"])


def read_table(table: str, directory: Path = DEFAULT_DIR) -> pd.DataFrame:
    """One shipped table as a data frame (rows in the shipped order)."""
    return duckdb.sql(f"SELECT * FROM read_parquet('{directory / (table + '.parquet')}')").df()
