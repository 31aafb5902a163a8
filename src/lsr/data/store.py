"""The DuckDB store: schema, connection and one-transaction-per-load.

Tables (all periods are the first day of a calendar month):

- ``areas(code, name, region)``: English upper-tier councils and England (``E92000001``).
- ``population(area_code, year, age_band, population)``: age bands ``all``, ``18+``, ``65+``,
  ``75+``, ``85+``.
- ``dtoc_days(area_code, period, breakdown, category, days)``: NHS England delayed days by
  ``type_of_care`` (acute, non_acute), ``responsible_org`` (nhs, social_care, both) and
  ``reason`` (A, B, C, Di, Dii, E, F, G, H, I, O).
- ``indicator_counts(indicator, area_code, period, numerator, denominator, synthetic, source)``:
  tidy numerators and denominators for indicators 1 to 4 and 6.
- ``comparators(area_code, peer_code, method)``: comparator groups.
- ``loads(sha256, kind, file_name, loaded_at, rows)``: what has been loaded, so that loading
  the same file again is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import platformdirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS areas (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    region VARCHAR
);
CREATE TABLE IF NOT EXISTS population (
    area_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    age_band VARCHAR NOT NULL,
    population DOUBLE NOT NULL CHECK (population >= 0),
    PRIMARY KEY (area_code, year, age_band)
);
CREATE TABLE IF NOT EXISTS dtoc_days (
    area_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    breakdown VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    days DOUBLE NOT NULL CHECK (days >= 0),
    PRIMARY KEY (area_code, period, breakdown, category)
);
CREATE TABLE IF NOT EXISTS indicator_counts (
    indicator VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period DATE NOT NULL,
    numerator DOUBLE NOT NULL CHECK (numerator >= 0),
    denominator DOUBLE NOT NULL CHECK (denominator > 0),
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    source VARCHAR NOT NULL,
    PRIMARY KEY (indicator, area_code, period)
);
CREATE TABLE IF NOT EXISTS comparators (
    area_code VARCHAR NOT NULL,
    peer_code VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    PRIMARY KEY (area_code, peer_code)
);
CREATE TABLE IF NOT EXISTS loads (
    sha256 VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    rows BIGINT NOT NULL
);
"""


def default_db_path() -> Path:
    """Where the embedded default database lives (``LSR_DB`` overrides it)."""
    import os

    env = os.environ.get("LSR_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("lsr", appauthor=False)) / "lsr.duckdb"


def connect(
    path: Path | str | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and make sure the schema exists.

    ``":memory:"`` gives an in-memory store, used by tests."""
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(target, read_only=read_only)
    if not read_only:
        from lsr.data.sources import schema_sql

        con.execute(SCHEMA + schema_sql())
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: everything or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (used to make re-loading the same file a no-op)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> bool:
    """Whether a file with this hash has been loaded before."""
    row = con.execute("SELECT 1 FROM loads WHERE sha256 = ?", [sha256]).fetchone()
    return row is not None


def record_load(
    con: duckdb.DuckDBPyConnection, sha256: str, kind: str, file_name: str, rows: int
) -> None:
    """Record a completed load (call inside the load's transaction)."""
    con.execute(
        "INSERT INTO loads (sha256, kind, file_name, rows) VALUES (?, ?, ?, ?)",
        [sha256, kind, file_name, rows],
    )


def area_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The area codes the store knows (from the population table)."""
    return {r[0] for r in con.execute("SELECT code FROM areas").fetchall()}
