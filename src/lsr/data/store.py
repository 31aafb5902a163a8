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

Several processes share the store (a web server, a sweep, a load, a profile): see
:mod:`lsr.data.store_sharing`. :func:`connect` opens a plain connection (retrying a lock
conflict for ``wait`` seconds); :func:`open_shared` opens the connection every ``lsr`` command
uses, which reads the store read-only and holds it read-write only inside :func:`transaction`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import platformdirs

from lsr.data import store_sharing
from lsr.data.store_sharing import StoreBusy

__all__ = [
    "SCHEMA",
    "StoreBusy",
    "already_loaded",
    "area_codes",
    "connect",
    "default_db_path",
    "file_sha256",
    "open_shared",
    "record_load",
    "transaction",
]

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


def full_schema() -> str:
    """The DDL of the store's tables (``CREATE TABLE IF NOT EXISTS``): the tables above and each
    source's own tables (the flow model's are made with its first run,
    :func:`lsr.data.flow_store.save_flow_runs`)."""
    from lsr.data.sources import schema_sql

    return SCHEMA + schema_sql()


def schema_tables() -> set[str]:
    """The names of the tables :func:`full_schema` creates."""
    return set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", full_schema()))


def connect(
    path: Path | str | None = None, *, read_only: bool = False, wait: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and make sure the schema exists.

    The connection holds the file's lock until it is closed (exclusive when read-write, shared
    when ``read_only``): keep it briefly, or use :func:`open_shared`. A lock held by another
    process is retried for ``wait`` seconds, then :class:`StoreBusy`. ``":memory:"`` gives an
    in-memory store, used by tests."""
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = store_sharing.retry_busy(
        lambda: duckdb.connect(target, read_only=read_only), target, wait
    )
    if not read_only:
        try:
            con.execute(full_schema())
        except BaseException:
            con.close()
            raise
    return con


def open_shared(path: Path | str, *, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """The connection ``lsr`` commands use: the existing store at ``path``, attached read-only
    (other processes may read it too), and read-write only inside :func:`transaction` (see
    :mod:`lsr.data.store_sharing`). Missing tables are created first. A lock held by another
    process is retried for ``wait`` seconds, then :class:`StoreBusy`."""
    if not Path(path).exists():
        raise FileNotFoundError(f"the store {path} does not exist")
    return store_sharing.open_shared(path, wait=wait, schema=full_schema(), tables=schema_tables())


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: everything or nothing. On a shared connection
    (:func:`open_shared`) the store is held read-write for the block only."""
    shared = store_sharing.shared_path(con)
    if shared is None:
        with _begin_commit(con):
            yield con
        return
    with store_sharing.writing(con, shared), _begin_commit(con):
        yield con


@contextmanager
def _begin_commit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
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
    """Record a completed load (call inside the load's transaction). A file recorded already
    (the same file loaded by another process between this load's check and its transaction,
    which then found its rows in the store) stays recorded as it was."""
    con.execute(
        "INSERT INTO loads (sha256, kind, file_name, rows) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [sha256, kind, file_name, rows],
    )


def area_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The area codes the store knows (from the population table)."""
    return {r[0] for r in con.execute("SELECT code FROM areas").fetchall()}
