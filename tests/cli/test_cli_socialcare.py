"""``lsr load ascof`` and ``lsr load oflog`` end to end, on an empty store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

from raw_data import RAW

runner = CliRunner()

COMPILED_2021 = RAW / "ascof" / "ascof_final_data_2021.csv"
COMPILED_2019 = RAW / "ascof" / "ascof_final_data_2019.csv"
OFLOG = RAW / "oflog_asc_metrics.csv"


@pytest.fixture()
def empty_db(tmp_path: Path) -> Path:
    db = tmp_path / "empty.duckdb"
    result = runner.invoke(app, ["init", "--empty", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM social_care_measures").fetchone()[0]
    finally:
        con.close()


def test_load_ascof_many_files_and_oflog(empty_db: Path) -> None:
    result = runner.invoke(
        app, ["load", "ascof", str(COMPILED_2019), str(COMPILED_2021), "--db", str(empty_db)]
    )
    assert result.exit_code == 0, result.output
    assert "ascof: 2 file(s) loaded, 0 skipped, 22793 row(s) inserted" in result.stdout
    result = runner.invoke(app, ["load", "oflog", str(OFLOG), "--db", str(empty_db)])
    assert result.exit_code == 0, result.output
    assert "oflog: 1 file(s) loaded" in result.stdout
    assert "756 value(s) also in ascof_final_data_2019.csv, all agree" in result.stdout
    assert rows(empty_db) == 22793 + 6376
    again = runner.invoke(app, ["load", "ascof", str(COMPILED_2021), "--db", str(empty_db)])
    assert again.exit_code == 0 and "0 file(s) loaded, 1 skipped" in again.stdout


def test_bad_file_is_one_clear_message(empty_db: Path, tmp_path: Path) -> None:
    lines = COMPILED_2021.read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if "E10000025" in line and ",441.7," in line)
    lines[i] = lines[i].replace(",441.7,", ",lots,")
    bad = tmp_path / "final_data_2021_bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["load", "ascof", str(COMPILED_2019), str(bad), "--db", str(empty_db)]
    )
    assert result.exit_code == 2
    assert f"final_data_2021_bad.csv, row {i + 1}, field 'Measure Value'" in result.stderr
    assert "'lots' is not a number" in result.stderr
    assert "Nothing was changed in the database" in result.stderr
    assert "--skip-bad" in result.stderr
    assert "Traceback" not in result.output
    assert rows(empty_db) == 0
    skipped = runner.invoke(
        app, ["load", "ascof", str(COMPILED_2019), str(bad), "--skip-bad", "--db", str(empty_db)]
    )
    assert skipped.exit_code == 0, skipped.output
    assert "1 file(s) loaded" in skipped.stdout and "1 bad file(s) left out" in skipped.stdout
    assert rows(empty_db) == 16275


def test_bad_oflog_file(empty_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "oflog.csv"
    bad.write_text("Financial year,Local authority code,Measure,Value\n2016-17,E10000025,x,1\n")
    result = runner.invoke(app, ["load", "oflog", str(bad), "--db", str(empty_db)])
    assert result.exit_code == 0, result.output  # an unknown metric is left out, with a note
    assert "metrics lsr does not know" in result.stdout
    bad.write_text(
        "Financial year,Local authority code,Measure,Value\n"
        '2016-17,E10000025,"Outcome, Workforce turnover rate",-1\n'
    )
    result = runner.invoke(app, ["load", "oflog", str(bad), "--db", str(empty_db)])
    assert result.exit_code == 2
    assert "oflog.csv, row 2, field 'Value': -1 is negative" in result.stderr
    assert "Traceback" not in result.output


def test_year_option_for_official_files(empty_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["load", "ascof", str(COMPILED_2021), "--year", "2019-20", "--db", str(empty_db)]
    )
    assert result.exit_code == 2
    assert "--year 2019-20 was given but this compiled table holds 2020-21" in result.stderr
