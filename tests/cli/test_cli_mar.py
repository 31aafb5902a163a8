"""``lsr load mar``: many workbooks, a summary, one clear line for a bad file, --skip-bad."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from raw_data import raw

runner = CliRunner()
MAR = raw("mar-commissioner")
FILES = [MAR / "Apr_12.xls", MAR / "Jul_18.xls", MAR / "Dec_19.xls"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "lsr.duckdb"
    result = runner.invoke(app, ["init", "--empty", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM mar_activity").fetchone()[0]
    finally:
        con.close()


def test_load_many_workbooks(db: Path) -> None:
    result = runner.invoke(app, ["load", "mar", *map(str, FILES), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "mar: 3 file(s) loaded, 0 skipped" in result.output
    assert _rows(db) == (153 + 197 + 193) * 14
    again = runner.invoke(app, ["load", "mar", *map(str, FILES), "--db", str(db)])
    assert again.exit_code == 0
    assert "mar: 0 file(s) loaded, 3 skipped, 0 row(s) inserted" in again.output


def test_bad_file_is_one_clear_error(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "Aug_18.xls"
    bad.write_bytes(FILES[1].read_bytes()[:30_000])
    result = runner.invoke(app, ["load", "mar", str(FILES[0]), str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "Aug_18.xls: not a readable Excel workbook" in result.output
    assert "Nothing was changed in the database" in result.output
    assert "--skip-bad" in result.output
    assert "Traceback" not in result.output
    assert _rows(db) == 0


def test_skip_bad(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xls"
    bad.write_text("not a workbook")
    result = runner.invoke(
        app, ["load", "mar", str(FILES[0]), str(bad), "--skip-bad", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "1 file(s) loaded" in result.output and "1 bad file(s) left out" in result.output
    assert "notes.xls" in result.output
    assert _rows(db) == 153 * 14
