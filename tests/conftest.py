"""Shared fixtures: a real default store built once per test session in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="session")
def default_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded default store (real DToC + ONS data, synthetic counts), built once."""
    from lsr.data.default import ensure_default_store

    path = tmp_path_factory.mktemp("store") / "lsr.duckdb"
    assert ensure_default_store(path)
    return path


@pytest.fixture()
def default_store(default_store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session's default store."""
    con = duckdb.connect(str(default_store_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(autouse=True)
def _isolated_user_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's data directory from a test."""
    monkeypatch.setenv("LSR_DB", str(tmp_path / "user-default.duckdb"))
