"""``lsr load dtoc``: many workbooks of any layout, a bad one, and ``--skip-bad``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.population import load_population
from lsr.data.store import connect

from raw_data import RAW, raw

runner = CliRunner()

WORKBOOKS = [
    RAW / "dtoc-2011-2016" / "April_11.xls",  # SHA, NHS codes only
    RAW / "dtoc-2011-2016" / "May_14.xls",  # Region, NHS codes only
    RAW / "dtoc-2011-2016" / "Aug_16.xls",  # ONS Geography
    RAW / "dtoc" / "LA-Type-B_July_18.xls",  # 2017 layout, O) Other
]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    con = connect(path)
    load_population(con, raw("ons_mye2017_upper_tier_la_from_lsoa.csv"))
    con.close()
    return path


def _dtoc_rows(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM dtoc_days").fetchone()[0]
    finally:
        con.close()


def test_load_workbooks_of_every_layout(db: Path) -> None:
    result = runner.invoke(app, ["load", "dtoc", *map(str, WORKBOOKS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "4 file(s) loaded" in result.stdout
    assert _dtoc_rows(db) == 151 * 15 * 3 + 151 * 16


def test_a_bad_file_is_one_clear_message_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "LA-Type-B_March_19.xls"
    bad.write_text("Region,ONS Geography,Code,Name\nSouth East,E10000025,606,Oxfordshire\n")
    result = runner.invoke(app, ["load", "dtoc", *map(str, WORKBOOKS), str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "LA-Type-B_March_19.xls: not a readable .xls workbook" in result.stderr
    assert "Nothing was changed" in result.stderr and "--skip-bad" in result.stderr
    assert "Traceback" not in result.output
    assert _dtoc_rows(db) == 0


def test_skip_bad_loads_the_good_files(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "Nov_13.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)  # the start of an .xls, then nothing
    result = runner.invoke(
        app, ["load", "dtoc", str(bad), *map(str, WORKBOOKS), "--skip-bad", "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "4 file(s) loaded" in result.stdout
    assert "1 bad file(s) left out" in result.stdout and "Nov_13.xls" in result.stdout
    assert _dtoc_rows(db) == 151 * 15 * 3 + 151 * 16


def test_help_names_the_whole_series() -> None:
    result = runner.invoke(app, ["load", "dtoc", "--help"])
    assert result.exit_code == 0
    assert "April 2011" in result.stdout and "--skip-bad" in result.stdout
