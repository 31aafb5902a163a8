"""``lsr load daily``: a good file loads (and a second run of a changed file says what it
replaced); every kind of bad file fails with exit code 2, one ``Error:`` line per problem
naming the file, no traceback, and nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.test_cli_load_errors import BAD_FILES, _tables
from lsr.cli.main import app
from lsr.data.synthetic_daily import synthetic_daily

from raw_data import RAW

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "lsr.duckdb"
    assert runner.invoke(app, ["init", "--empty", "--db", str(db)]).exit_code == 0
    shipped = RAW / "ons_mye2017_upper_tier_la_from_lsoa.csv"
    result = runner.invoke(app, ["load", "population", str(shipped), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _write(path: Path, admissions: float | None = None) -> Path:
    frame = synthetic_daily("E10000025", date(2026, 1, 1), date(2026, 1, 20))
    if admissions is not None:
        frame["admissions"] = admissions
    frame.to_csv(path, index=False, float_format="%.0f")
    return path


def test_load_daily_and_replace(store: Path, tmp_path: Path) -> None:
    first = _write(tmp_path / "a.csv")
    result = runner.invoke(app, ["load", "daily", str(first), "--db", str(store)])
    assert result.exit_code == 0, result.output
    assert "20 row(s) inserted" in result.output
    changed = _write(tmp_path / "b.csv", admissions=150)
    result = runner.invoke(app, ["load", "daily", str(changed), "--db", str(store)])
    assert result.exit_code == 0, result.output
    assert "20 row(s) replaced" in result.output
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert con.execute("SELECT min(admissions) FROM daily_situation").fetchone()[0] == 150
    finally:
        con.close()


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_bad_files_fail_cleanly(store: Path, tmp_path: Path, bad: str) -> None:
    path = tmp_path / f"bad_{bad}.csv"
    BAD_FILES[bad](path)
    before = _tables(store)
    result = runner.invoke(app, ["load", "daily", str(path), "--db", str(store)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert any("Error:" in line for line in result.stderr.splitlines()), result.output
    assert all(len(line) < 800 for line in result.stderr.splitlines())
    assert path.name in result.stderr.replace("\n", "")
    assert "Nothing was changed" in result.stderr
    assert _tables(store) == before


def test_every_problem_listed(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "c.csv")
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",2026-01-02,", ",2026-13-02,")
    lines[4] = ",".join(c if i != 4 else "-5" for i, c in enumerate(lines[4].split(",")))
    path.write_text("\n".join(lines) + "\n")
    before = _tables(store)
    result = runner.invoke(app, ["load", "daily", str(path), "--db", str(store)])
    assert result.exit_code == 2
    stderr = result.stderr.replace("\n  ", " ")
    assert "row 3, field 'date'" in stderr and "row 5, field 'admissions'" in stderr
    assert _tables(store) == before
