"""``lsr load ae`` and ``lsr load catchment`` end to end, on the real files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.store import connect

from raw_data import RAW

runner = CliRunner()
AE = RAW / "ae" / "ae_attendances_provider_2016_2019.csv"
MAPPING = RAW / "ae" / "trust_utla_mapping.csv"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    connect(path).close()  # an empty store: nothing to build
    return path


def _rows(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    finally:
        con.close()


def test_load_ae_and_catchment(db: Path) -> None:
    result = runner.invoke(app, ["load", "ae", str(AE), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "ae: 1 file(s) loaded, 0 skipped, 12765 row(s) inserted" in result.stdout
    result = runner.invoke(app, ["load", "catchment", str(MAPPING), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "trust_catchment: 1 file(s) loaded, 0 skipped, 424 row(s) inserted" in result.stdout
    again = runner.invoke(app, ["load", "ae", str(AE), "--db", str(db)])
    assert again.exit_code == 0
    assert "0 file(s) loaded, 1 skipped" in again.stdout
    assert _rows(db, "ae_activity") == 12_765


def _bad_copy(tmp_path: Path) -> Path:
    lines = AE.read_text().splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith("2017-03-01,RTH,1,"))
    lines[i] = "2017-03-01,RTH,1,eleven thousand,1676,3100"
    bad = tmp_path / "ae_bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    return bad


def test_bad_file_is_one_clear_message(db: Path, tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path)
    row = next(n for n, line in enumerate(bad.read_text().splitlines(), 1) if "eleven" in line)
    result = runner.invoke(app, ["load", "ae", str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"ae_bad.csv, row {row}, field 'attendances': 'eleven thousand' is not a number" in (
        " ".join(result.stderr.split())
    )
    assert "Nothing was changed" in result.stderr
    assert "--skip-bad" in result.stderr
    assert _rows(db, "ae_activity") == 0


def test_skip_bad_loads_the_good_file(db: Path, tmp_path: Path) -> None:
    bad = _bad_copy(tmp_path)
    result = runner.invoke(app, ["load", "ae", str(AE), str(bad), "--skip-bad", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 bad file(s) left out" in result.stdout
    assert "ae_bad.csv" in result.stdout
    assert _rows(db, "ae_activity") == 12_765


def test_bad_catchment_is_one_clear_message(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "mapping.csv"
    bad.write_text(MAPPING.read_text().replace("trust_code,geo_code", "trust,geo_code"))
    result = runner.invoke(app, ["load", "catchment", str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "missing column 'trust_code'" in result.stderr
    assert _rows(db, "trust_catchment") == 0
