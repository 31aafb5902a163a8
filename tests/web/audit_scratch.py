"""A web database of its own for tests that run the application in other processes: a SQLite
file, or a scratch PostgreSQL database (not named ``test_*``) when ``LSR_WEB_DATABASE_URL`` is
set. Import ``scratch_fixture`` into a test module to have the ``scratch`` fixture."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
WORKER = HERE / "audit_worker.py"
T = "plan_auditevent"
PG_URL = os.environ.get("LSR_WEB_DATABASE_URL", "").strip()


@dataclass
class Scratch:
    """A web database of its own, for subprocesses."""

    env: dict[str, str]
    vendor: str
    sqlite_path: Path | None = None
    pg_dsn: str = ""

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, str(WORKER), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from lsr.cli.main import app; app()", "audit", "verify", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def connect(self) -> Any:
        """A plain DB-API connection, as a shell would have (no application functions)."""
        if self.vendor == "sqlite":
            assert self.sqlite_path is not None
            return sqlite3.connect(self.sqlite_path, isolation_level=None)
        import psycopg

        return psycopg.connect(self.pg_dsn, autocommit=True)

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        con = self.connect()
        try:
            cur = con.cursor()
            cur.execute(sql)
            return list(cur.fetchall()) if cur.description else []
        finally:
            con.close()


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "DJANGO_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["LSR_WEB_SECRET_KEY"] = "test-secret-key-for-audit-processes-0123456789"
    env["DJANGO_SETTINGS_MODULE"] = "lsr.web.settings"
    return env


@pytest.fixture(name="scratch")
def scratch_fixture(tmp_path: Path) -> Iterator[Scratch]:
    env = base_env()
    if not PG_URL:
        env["LSR_WEB_DATA_DIR"] = str(tmp_path / "web")
        yield Scratch(env, "sqlite", sqlite_path=tmp_path / "web" / "lsr-web.sqlite3")
        return
    import psycopg

    url = urlparse(PG_URL)
    name = f"lsr_audit_scratch_{secrets.token_hex(4)}"  # not test_*: no purge possible
    admin = psycopg.connect(PG_URL, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")
    dsn = url._replace(path=f"/{name}").geturl()
    env["LSR_WEB_DATABASE_URL"] = dsn
    try:
        yield Scratch(env, "postgresql", pg_dsn=dsn)
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
