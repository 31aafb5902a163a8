"""``lsr load population FILE...``: ONS workbooks and CSVs together, a bad file, --skip-bad."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from raw_data import RAW

runner = CliRunner()

MID_2015 = RAW / "ons-mye" / "ons_mye_2015_la_single_year_age.xls"
MID_2016 = RAW / "ons-mye" / "ons_mye_2016_la_single_year_age.xls"
SHIPPED_CSV = RAW / "ons_mye2017_upper_tier_la_from_lsoa.csv"


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    db = tmp_path / "mine.duckdb"
    result = runner.invoke(app, ["init", "--empty", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def years(db: Path) -> list[int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            r[0] for r in con.execute("SELECT DISTINCT year FROM population ORDER BY 1").fetchall()
        ]
    finally:
        con.close()


def test_workbooks_and_csv_in_one_command(empty_db: Path) -> None:
    args = ["load", "population", str(MID_2015), str(MID_2016), str(SHIPPED_CSV)]
    result = runner.invoke(app, [*args, "--db", str(empty_db)])
    assert result.exit_code == 0, result.output
    assert "population: 3 file(s) loaded, 0 skipped" in result.stdout
    assert years(empty_db) == [2015, 2016, 2017]
    again = runner.invoke(app, [*args, "--db", str(empty_db)])
    assert again.exit_code == 0 and "0 file(s) loaded, 3 skipped" in again.stdout


def test_a_bad_workbook_is_one_clear_error(empty_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mye_cut.xls"
    bad.write_bytes(MID_2016.read_bytes()[:4096])
    result = runner.invoke(
        app, ["load", "population", str(MID_2015), str(bad), "--db", str(empty_db)]
    )
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "mye_cut.xls: not a readable Excel workbook" in err
    assert "Nothing was changed in the database" in err and "--skip-bad" in err
    assert "Traceback" not in result.output
    assert years(empty_db) == []


def test_skip_bad_loads_the_good_files(empty_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mye_cut.xls"
    bad.write_bytes(MID_2016.read_bytes()[:4096])
    result = runner.invoke(
        app,
        ["load", "population", str(MID_2015), str(bad), "--skip-bad", "--db", str(empty_db)],
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # Rich wraps long lines
    assert "1 file(s) loaded" in out and "1 bad file(s) left out" in out
    assert "mye_cut.xls: not a readable Excel workbook" in out
    assert "WARNING" not in out  # xlrd's own complaints about the damaged file stay quiet
    assert years(empty_db) == [2015]
